"""The ``asyncio.Protocol`` of one HTTP/1.1 connection: the driver of its ``Incoming``.

Received bytes go to the sans-IO receive side (``_sansio.incoming``), which files them
into the ``ResponseStream`` of each response; this adapter wakes whoever waits for
them, and does the flow control. Reading pauses while the unread body held in memory
is above ``high_water`` and resumes when the reader brings it under ``low_water``;
writers await ``drain()`` while the transport has paused writing.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any, Final

from .._sansio.framing import ResponseHead
from .._sansio.incoming import Incoming, ResponseStream
from ..errors import HTTPException, ImproperConnectionState, RemoteDisconnected

HIGH_WATER: Final = 1 << 20
LOW_WATER: Final = 1 << 18


def resolve_timeout(timeout: Any) -> float | None:
    """``socket._GLOBAL_DEFAULT_TIMEOUT`` means the process-wide socket default."""
    if timeout is socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
        return socket.getdefaulttimeout()
    return timeout  # type: ignore[no-any-return]


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_exception(TimeoutError("timed out"))


async def expiring(fut: asyncio.Future[Any], timeout: float) -> Any:
    """Await *fut*, a future of our own, which fails with TimeoutError after *timeout*.

    Cheaper than ``bounded`` (no second future): for futures only we resolve.
    """
    handle = fut.get_loop().call_later(timeout, _expire, fut)
    try:
        return await fut
    finally:
        handle.cancel()


async def bounded(
    fut: asyncio.Future[Any],
    timeout: float | None,
    discard: Callable[[Any], object] | None = None,
) -> Any:
    """Await *fut*, raising TimeoutError after *timeout* seconds (and cancelling it).

    A timer on the future, rather than ``asyncio.timeout``: no Task is needed, so it
    also works for coroutines the façade's bridge steps without one. A result that
    came just as we gave up is passed to *discard* (say, to close a transport).
    """
    if timeout is None:
        return await fut
    loop = fut.get_loop()
    waiter = loop.create_future()

    def _done(_: object) -> None:
        if not waiter.done():
            waiter.set_result(None)

    fut.add_done_callback(_done)
    try:
        await expiring(waiter, timeout)
    except BaseException:
        fut.remove_done_callback(_done)
        # it ended as we gave up: fut.exception() marks an error as seen; a result
        # goes to *discard*
        if (
            not fut.cancel()
            and not fut.cancelled()
            and fut.exception() is None
            and discard is not None
        ):
            discard(fut.result())
        raise
    return fut.result()


class HTTPProtocol(asyncio.Protocol):
    """One connection's I/O: feeding its ``Incoming``, waking, flow control, writes."""

    # Slots: a crawler holds thousands of these, and an instance dict was ~0.9 KiB each.
    __slots__ = (
        "_closed_waiter",
        "_drain_waiter",
        "_eof",
        "_high",
        "_lent",
        "_low",
        "_paused_reading",
        "_waiter",
        "bytes_received",
        "bytes_sent",
        "into",
        "loop",
        "lost",
        "parser",
        "rx",
        "transport",
        "writing_paused",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        high_water: int = HIGH_WATER,
        low_water: int = LOW_WATER,
        limits: tuple[int, int] | None = None,
    ) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        # The rules of what arrives; this class only moves bytes. *limits*: (longest
        # line, most header lines) of a response head, if not the defaults.
        self.rx = Incoming(*limits) if limits else Incoming()
        self.parser = self.rx.parser  # fed directly: one call less per piece received
        self.lost = False
        self._waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._closed_waiter: asyncio.Future[None] | None = None
        self._paused_reading = False
        self.writing_paused = False
        self._eof = False  # only kept after a 101, for the taker of the connection
        self._lent = False  # another thread reads the body off the socket (``lend_reading``)
        self.into: asyncio.BufferedProtocol | None = None  # receives for us (receive_into)
        self._high = high_water
        self._low = low_water
        self.bytes_sent = 0  # written to the transport, for tracing
        self.bytes_received = 0

    def __repr__(self) -> str:
        state = "lost" if self.lost else "open" if self.transport else "new"
        return f"<HTTPProtocol {state} {self.rx!r}>"

    # -- state the connection asks about -----------------------------------------------

    @property
    def error(self) -> BaseException | None:
        """Why receiving stopped on this connection, if it did."""
        return self.rx.error

    @property
    def upgraded(self) -> bool:
        """A 101 was read: the connection is for its taker (``release``)."""
        return self.rx.upgraded

    def retire(self) -> None:
        """No request may follow on this connection (see ``Incoming.retire``)."""
        self.rx.retire()

    def reusable(self, stream: ResponseStream, complete: bool) -> bool:
        """The one reuse decision, asked when *stream*'s response is done with: the
        rule of ``Incoming.reusable``, while the transport is open. The pool asks
        ``usable`` afterwards: a connection that is not reusable is closed then."""
        if not self.rx.reusable(stream, complete):
            return False
        t = self.transport
        return t is not None and not self.lost and not t.is_closing()

    @property
    def usable(self) -> bool:
        """Whether another request may be written on this connection: ``Incoming.open``,
        on a transport that is open."""
        t = self.transport
        return self.rx.open and t is not None and not self.lost and not t.is_closing()

    @property
    def current(self) -> ResponseStream:
        """The stream of the response being read (or the last one read)."""
        return self.rx.current

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def wait_closed(self, timeout: float = 1.0) -> None:
        """Close and wait until the transport is gone (aborting it after *timeout*)."""
        self.close()
        for _ in range(2):  # a graceful close, then an abort: its loss comes at once
            if self.lost or self.transport is None:
                return
            fut = self._closed_waiter = self.loop.create_future()
            try:
                await expiring(fut, timeout)
            except TimeoutError:
                self.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- waiting -----------------------------------------------------------------------

    def _wake(self) -> None:
        w = self._waiter
        if w is not None:
            self._waiter = None
            if not w.done():
                w.set_result(None)

    def wait(self, timeout: float | None) -> Awaitable[None]:
        """Await it to wait until something arrives (head, body, end, error or loss).

        Without a timeout it is the bare future, one frame less on every wait.
        """
        fut = self.loop.create_future()
        self._waiter = fut
        # After a timeout the expired future stays in _waiter: _wake skips a done one.
        return fut if timeout is None else expiring(fut, timeout)

    async def read_head(self, timeout: float | None) -> ResponseHead:
        """The head of the response being read; raises what the parser or socket raised."""
        while (head := self.arrived_head()) is None:
            await self.wait(timeout)
        return head

    def arrived_head(self) -> ResponseHead | None:
        """The head of the response being read if it has arrived, else None (wait, then
        ask again); raises what the parser or socket raised."""
        rx = self.rx
        head = rx.current.head
        if head is None:
            if rx.error is not None:
                raise rx.error
            if self.lost:
                # the connection went while a request was being started on it
                self._at_eof(None)
                head = rx.current.head  # the end of stream may have ended a head
                if head is None:
                    raise rx.error or RemoteDisconnected(
                        "Remote end closed connection without response"
                    )
        return head

    def demand(self, want: int) -> None:
        """A reader waits for *want* buffered bytes (-1: the whole body): allow that much."""
        stream = self.rx.current
        stream.want = want
        if self._paused_reading and (want < 0 or stream.buffer.size < want):
            self._resume()

    def consumed(self) -> None:
        """The reader took bytes out of its buffer: resume reading if it drained enough."""
        stream = self.rx.current
        stream.want = 0
        if self._paused_reading and stream.buffer.size <= self._low:
            self._resume()

    def _resume(self) -> None:
        if self._lent or self.rx.upgraded:
            return
        self._paused_reading = False
        if self.transport is not None and not self.lost:
            self.transport.resume_reading()

    async def drain(self, timeout: float | None) -> None:
        """Wait while the transport has paused writing."""
        if self.lost:
            raise ConnectionResetError("Connection lost")
        if not self.writing_paused:
            return
        fut = self.loop.create_future()
        self._drain_waiter = fut
        await bounded(fut, timeout)

    def lendable_fd(self) -> int | None:
        """The socket's fd when bytes may be written on it by another thread.

        Only for plain TCP with nothing queued in the transport: that write then
        cannot be interleaved with the transport's own.
        """
        t = self.transport
        if (
            t is None
            or self.lost
            or self.writing_paused
            or t.get_write_buffer_size()
            or t.get_extra_info("sslcontext") is not None
        ):
            return None
        sock = t.get_extra_info("socket")
        return None if sock is None else int(sock.fileno())

    def lend_reading(self, min_left: int) -> tuple[int, int] | None:
        """Stop reading so another thread may read the body's rest off the socket.

        Only for a Content-Length body with at least *min_left* bytes still to come,
        on plain TCP or a Unix socket. Returns (fd, bytes left), or None when that is
        not possible; ``end_lending`` must follow.
        """
        left = self.parser.body_left
        if left is None or left < min_left or self.rx.error is not None:
            return None
        fd = self.lendable_fd()
        if fd is None:
            return None
        self._lent = True
        if not self._paused_reading:
            self._paused_reading = True
            self.transport.pause_reading()  # type: ignore[union-attr]
        return fd, left

    def end_lending(self, received: int, eof: bool) -> None:
        """The other thread read *received* body bytes (and met the end of stream)."""
        self._lent = False
        self.bytes_received += received
        try:
            self.parser.skip_body(received)
            if eof:
                self.parser.feed_eof()
        except HTTPException as exc:
            self._fail(exc)  # the response's reader then closes the connection
        if self._waiter is not None:
            self._wake()
        self.consumed()
        self._detach_if_done()

    def begin_into(self, stand_in: asyncio.BufferedProtocol, min_left: int) -> bool:
        """Give the transport's reading to *stand_in* for the rest of the body.

        Only for a Content-Length body with at least *min_left* bytes still to come and
        nothing buffered, on plain TCP or a Unix socket; False when not possible. The
        stand-in reports what it receives (``body_received``, or ``data_received`` for
        bytes of its own) and passes end of stream and loss on; ``end_into`` ends it.
        """
        if (
            self.into is not None
            or self.rx.current.buffer.size
            or not self.can_receive_into(min_left)
        ):
            return False
        self.into = stand_in
        self.transport.set_protocol(stand_in)  # type: ignore[union-attr]
        return True

    def can_receive_into(self, min_left: int) -> bool:
        """Whether the rest of the body may be received into a reader's memory (see
        ``begin_into``), now or once what is buffered has been read: a Content-Length
        body with at least *min_left* bytes to come, on plain TCP or a Unix socket."""
        left = self.parser.body_left
        t = self.transport
        return not (
            left is None
            or left < min_left
            or self._lent
            or self.rx.error is not None
            or self.lost
            or t is None
            or t.is_closing()
            or t.get_extra_info("sslcontext") is not None
        )

    def hold_reading(self) -> None:
        """Stop reading until a reader asks for more (``demand``, ``consumed``)."""
        if not self._paused_reading and self.transport is not None:
            self._paused_reading = True
            self.transport.pause_reading()

    def body_received(self, n: int) -> None:
        """*n* body bytes arrived in a stand-in's memory (see ``begin_into``)."""
        self.bytes_received += n
        self.parser.skip_body(n)
        if self._waiter is not None:
            self._wake()

    def end_into(self) -> None:
        """Take reading back from the stand-in of ``begin_into``."""
        if self.into is None:
            return
        self.into = None
        t = self.transport
        if t is not None and not self.lost and not t.is_closing():
            t.set_protocol(self)

    def release(self) -> tuple[asyncio.Transport, bytes, bool]:
        """After a 101: let go of the transport for the new protocol's taker.

        Returns (transport, bytes received past the 101's head, whether the peer has
        already ended its side); reading is paused, and this protocol no longer reads,
        writes or closes that transport. ``ImproperConnectionState`` if there was no 101
        or the connection was taken or closed already.
        """
        t = self.transport
        if not self.rx.upgraded or t is None or self.lost:
            raise ImproperConnectionState("no switched protocol to take over")
        self.transport = None
        tail = self.parser.upgraded_tail
        self.parser.upgraded_tail = b""
        self.parser.detach()
        return t, tail, self._eof

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Write *data*; ``ConnectionResetError`` once the connection is gone."""
        t = self.transport
        assert t is not None
        if self.lost:
            raise ConnectionResetError("Connection lost")
        self.bytes_sent += len(data)
        try:
            t.write(data)
        except RuntimeError:  # uvloop's transport, closed before connection_lost came
            raise ConnectionResetError("Connection lost") from None

    def writelines(self, parts: list[Any]) -> None:
        """Write *parts* in one go; ``ConnectionResetError`` once the connection is gone."""
        t = self.transport
        assert t is not None
        if self.lost:
            raise ConnectionResetError("Connection lost")
        self.bytes_sent += sum(map(len, parts))
        try:
            t.writelines(parts)
        except RuntimeError:
            raise ConnectionResetError("Connection lost") from None

    def check_open(self) -> None:
        """``ConnectionResetError`` once the connection is gone or going: a send that
        failed closes the transport at once, and its loss is reported only later."""
        t = self.transport
        if self.lost or t is None or t.is_closing():
            raise ConnectionResetError("Connection lost")

    @property
    def answered(self) -> bool:
        """The head of the final response to the last request written has arrived."""
        return self.rx.answered

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.bytes_received += len(data)
        try:
            self.parser.feed(data)
        except HTTPException as exc:
            self._fail(exc)
            if self.transport is not None:
                self.transport.close()
            return
        rx = self.rx
        if rx.upgraded or rx.stray:
            self._rare(rx)
        if self._waiter is not None:
            self._wake()
        stream = rx.current
        size = stream.buffer.size
        if (
            size > self._high
            and not self._paused_reading
            and 0 <= stream.want <= size
            and self.transport is not None
        ):
            self._paused_reading = True
            self.transport.pause_reading()

    def _rare(self, rx: Incoming) -> None:
        """After a 101, or bytes no request asked for."""
        if rx.upgraded:
            # What follows the 101 is left in the socket for the connection's taker.
            self.hold_reading()
        elif self.transport is not None:
            self.transport.close()

    def eof_received(self) -> bool:
        if self.rx.upgraded:
            self._eof = True
            return True  # half-closed: the taker may still write
        self._at_eof(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if isinstance(exc, OSError) and self.rx.current.head is None and self.parser.expecting:
            self._read_what_is_left()
        self.lost = True
        c = self._closed_waiter
        if c is not None and not c.done():
            c.set_result(None)
        self._at_eof(exc)
        self._wake()
        d = self._drain_waiter
        if d is not None and not d.done():
            d.set_exception(exc or ConnectionResetError("Connection lost"))
        self._drain_waiter = None
        self._detach_if_done()

    def _read_what_is_left(self) -> None:
        """A send failed (the server closed on an unsent body): read the answer it may
        have sent first, before the socket goes.

        asyncio's selector transport closes on a write error without reading what has
        arrived; it calls ``connection_lost`` while the socket is still open, so the
        answer (a 413, a 401) is read here, at most ``HIGH_WATER`` bytes. uvloop reads
        before it reports the loss, and TLS bytes would need the TLS layer: not here.
        """
        t = self.transport
        if t is None or not isinstance(self.loop, asyncio.BaseEventLoop):
            return
        sock = t.get_extra_info("socket")
        if sock is None or t.get_extra_info("sslcontext") is not None:
            return
        left = self._high
        while left > 0 and self.rx.current.head is None and self.parser.expecting:
            try:
                data = os.read(sock.fileno(), min(left, 1 << 16))
            except OSError:  # nothing more (EAGAIN), or the reset itself
                return
            if not data:
                return
            left -= len(data)
            self.data_received(data)

    def _detach_if_done(self) -> None:
        # Once lost with no response left to parse, nothing reaches the parser again.
        if self.lost and not self._lent and not self.parser.expecting:
            self.parser.detach()

    def _at_eof(self, exc: Exception | None) -> None:
        if not self.parser.expecting:
            return
        if exc is not None:
            self._fail(exc)
            return
        try:
            self.parser.feed_eof()
        except HTTPException as err:
            self._fail(err)
            return
        self._wake()

    def _fail(self, exc: BaseException) -> None:
        self.rx.fail(exc)
        self._wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        d = self._drain_waiter
        self._drain_waiter = None
        if d is not None and not d.done():
            d.set_result(None)
