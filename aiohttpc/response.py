"""The async ``HTTPResponse``: the head, and body reads with ``http.client``'s semantics.

``read(amt)`` returns *amt* bytes unless the body ends first, like the stdlib's
buffered file; ``read1``/``async for`` hand out what has arrived without joining.
A response that is finished (read to its end, or closed) gives its connection back:
kept alive where the server allows it, closed when the body was left unread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from http.client import HTTPMessage
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from ._aio.protocol import HTTPProtocol
from ._aio.receive_into import receive_into
from ._sansio.framing import ResponseHead
from ._sansio.headers import Headers
from ._sansio.incoming import ResponseStream
from ._sansio.reader import LARGE_READ, NEED, BodyReader
from .errors import ImproperConnectionState, ResponseNotReady

if TYPE_CHECKING:
    from ._aio.elsewhere import ReadElsewhere


class _ProtocolSource:
    """A response's body as its reader sees it: its stream, on its connection."""

    __slots__ = ("_p", "buffer", "stream")

    def __init__(self, protocol: HTTPProtocol, stream: ResponseStream) -> None:
        self._p = protocol
        self.stream = stream
        self.buffer = stream.buffer

    @property
    def done(self) -> bool:
        return self.stream.done

    @property
    def error(self) -> BaseException | None:
        return self._p.rx.error

    def consumed(self) -> None:
        self._p.consumed()

    def release(self, complete: bool) -> None:
        p = self._p
        # After a 101 the connection is its taker's (``upgrade``), not ours to close.
        if not p.reusable(self.stream, complete) and not p.upgraded:
            p.close()


# What a reader elsewhere drives on the loop: the connection's protocol, the body's
# reader there (over the bytes the loop received, in the stream), and the timeout of
# each wait for more. A plain tuple: it is made once per response of the façade.
HandOff = tuple[HTTPProtocol, BodyReader, ResponseStream, "float | None"]


# Callers subclass it (``HTTPConnection.response_class``, as with http.client): compiled,
# it must allow Python subclasses.
@mypyc_attr(allow_interpreted_subclasses=True)
class HTTPResponse:
    """A response whose head has arrived; the body is read with the async methods.

    Errors while reading: ``IncompleteRead`` (body cut short; its ``partial`` holds what
    this call read), ``MalformedChunk``, ``LineTooLong``, ``TimeoutError`` and the
    ``OSError`` of a broken connection. The connection is closed after any of them.
    """

    def __init__(
        self,
        protocol: HTTPProtocol,
        stream: ResponseStream,
        method: str | None = None,
        url: str | None = None,
        *,
        debuglevel: int = 0,
        timeout: float | None = None,
        owns_connection: bool = False,
    ) -> None:
        head = stream.head
        if head is None:
            raise ResponseNotReady("no head has arrived")
        self._p = protocol
        self._head = head
        self.handed_to: ReadElsewhere | None = None  # see hand_off
        self._method = method
        self._url = url
        self.timeout = timeout  # each wait for body bytes; may be changed between reads
        self.debuglevel = debuglevel
        self.status = self.code = head.status
        self.reason = head.reason
        self.version = head.version
        self.chunked = head.chunked
        self.will_close = head.will_close
        if debuglevel > 0:
            for name, value in head.headers.items():
                print("header:", name + ":", value)
        if owns_connection:  # for a caller making a response itself; else the head says
            head.will_close = True
        self._source = _ProtocolSource(protocol, stream)
        self._scratch: bytearray | None = None  # where large reads are received (read)
        self._reader = BodyReader(self._source, head.length, head.chunked, method == "HEAD")

    def __repr__(self) -> str:
        state = "closed" if self.isclosed() else "open"
        return f"<aiohttpc.HTTPResponse [{self.status} {self.reason}] {state}>"

    # -- the head ------------------------------------------------------------------------

    @property
    def head(self) -> ResponseHead:
        """The parsed head: status line, fields, framing."""
        return self._head

    @property
    def header_list(self) -> Headers:
        """The fast header list (no ``email`` parsing)."""
        return self._head.headers

    @property
    def msg(self) -> HTTPMessage:
        """The headers as an ``http.client.HTTPMessage``, built on first use."""
        return self._head.headers.message

    @property
    def headers(self) -> HTTPMessage:
        """The same as ``msg``."""
        return self._head.headers.message

    @property
    def trailers(self) -> Headers | None:
        """Trailer fields of a chunked body, once it has been read to the end."""
        return self._source.stream.trailers if self._reader.closed else None

    def getheader(self, name: str, default: Any = None) -> Any:
        return self._head.headers.getheader(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        return self._head.headers.items()

    def info(self) -> HTTPMessage:
        return self.msg

    def geturl(self) -> str | None:
        return self._url

    def getcode(self) -> int:
        return self.status

    def fileno(self) -> int:
        t = self._p.transport
        sock = t.get_extra_info("socket") if t is not None else None
        if sock is None:
            raise ValueError("I/O operation on closed file")
        return int(sock.fileno())

    # -- state ---------------------------------------------------------------------------

    @property
    def content_length(self) -> int | None:
        """The body length the head announced (0 for HEAD, 204, 304), or None."""
        return self._head.length

    @property
    def method(self) -> str | None:
        return self._method

    @property
    def length(self) -> int | None:
        """Bytes of a Content-Length body not yet read (None without a length)."""
        return self._reader.length

    @property
    def closed(self) -> bool:
        return self.isclosed()

    def isclosed(self) -> bool:
        """True once the body was read to its end, or the response was closed.

        Once the body is handed off (``hand_off``), its reader's state counts.
        """
        return self._reader.closed and (self.handed_to is None or self.handed_to.isclosed())

    def own_connection(self) -> None:
        """Close the connection when this response is finished with (it is not reused)."""
        self.will_close = self._head.will_close = True
        if self._reader.closed:
            self._p.close()

    def close(self) -> None:
        """Stop reading; an unread rest of the body closes the connection."""
        self._scratch = None
        self._reader.close()
        if self.handed_to is not None:
            self.handed_to.close_local()

    async def upgrade(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """After a ``101 Switching Protocols``: the connection, for the new protocol.

        Returns an ``asyncio`` reader and writer on the connection (TLS included); the
        reader first gives the bytes that arrived right after the 101's head. From then
        on the connection is the caller's: closing this response or its
        ``HTTPConnection`` no longer touches it, and the writer closes it.
        ``ImproperConnectionState`` for any other response, or when taken already.
        """
        return self.streams_over(*self.take_transport())

    def take_transport(self) -> tuple[asyncio.Transport, bytes, bool]:
        """After a 101: the transport (reading paused), the bytes received past the head,
        and whether the peer has ended its side. The response and its connection let go
        of it. ``ImproperConnectionState`` for any other response, or when taken already.
        """
        if self.status != 101:
            raise ImproperConnectionState(f"no protocol switch to take over ({self.status})")
        return self._p.release()

    @staticmethod
    def streams_over(
        transport: asyncio.Transport, tail: bytes, eof: bool
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """An ``asyncio`` reader and writer on a taken transport; *tail* is read first."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(loop=loop)
        stream = asyncio.StreamReaderProtocol(reader, loop=loop)
        transport.set_protocol(stream)
        stream.connection_made(transport)
        if tail:
            reader.feed_data(tail)
        if eof:
            reader.feed_eof()
        transport.resume_reading()
        return reader, asyncio.StreamWriter(transport, stream, reader, loop)

    async def __aenter__(self) -> HTTPResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # -- body ------------------------------------------------------------------------------

    async def _more(self, want: int) -> None:
        """Wait until more of the body arrives; the connection is closed if that fails."""
        p = self._p
        p.demand(want)
        try:
            await p.wait(self.timeout)
        except BaseException as exc:
            self._reader.abort(exc)
            raise

    async def read(self, amt: int | None = None) -> bytes:
        """Read *amt* bytes (fewer only at the end of the body), or the whole rest.

        A read of ``LARGE_READ`` bytes or more that has not arrived yet, from a
        Content-Length body on plain TCP, is received straight into memory of this
        response's and copied out once (see ``receive_into``), not joined from pieces.
        """
        reader = self._reader
        if (
            amt is not None
            and amt >= LARGE_READ
            and self._source.buffer.size < amt
            and not reader.closed
            and self._p.can_receive_into(LARGE_READ)
        ):
            return await self._read_large(amt)
        while (data := reader.try_read(amt)) is NEED:
            await self._more(reader.want)
        if self._scratch is not None and reader.closed:
            self._scratch = None  # a response kept after its body is not 1 MiB larger
        return data  # type: ignore[no-any-return]

    async def _read_large(self, amt: int) -> bytes:
        # readinto's rules fill it: no more than the body has, short only at its end
        scratch = self._scratch
        if scratch is None or len(scratch) < amt:
            # kept for the next read: a fresh one each time costs page faults
            scratch = self._scratch = bytearray(amt)
        try:
            with memoryview(scratch) as whole, whole[:amt] as view:
                n = await self._fill(view)
                return bytes(view[:n]) if n < amt else bytes(view)
        finally:
            if self._reader.closed:
                self._scratch = None

    async def readinto(self, b: Any) -> int:
        """Read into a writable buffer, as ``read(len(b))`` would; returns the count.

        A read of ``LARGE_READ`` bytes or more from a Content-Length body on plain TCP
        receives the bytes straight into *b* (see ``receive_into``).
        """
        with memoryview(b) as raw, raw.cast("B") as view:  # released: *b* may resize again
            return await self._fill(view)

    async def _fill(self, view: memoryview) -> int:
        """``readinto``'s work, into a byte view."""
        n = len(view)
        filled = await self._receive_into(view) if n >= LARGE_READ else 0
        if filled < n:
            # The rest the usual way: a small rest, TLS, chunked, or the body's end
            # or failure, which read() reports by the stdlib's rules.
            reader = self._reader
            while (count := reader.try_fill(view, filled)) is NEED:
                await self._more(reader.want)
            filled = count
        return filled  # type: ignore[no-any-return]

    async def _receive_into(self, view: memoryview) -> int:
        """Copy what has arrived into *view*, then receive the rest straight into it."""
        reader = self._reader
        filled = reader.take_into(view)
        p = self._p
        if filled == len(view) or reader.closed or self._source.stream is not p.current:
            return filled
        with view[filled:] as rest:
            try:
                got = await receive_into(p, rest, LARGE_READ, self.timeout)
            except BaseException as exc:
                reader.abort(exc)
                raise
        if got:
            reader.received(got)
        return filled + (got or 0)

    async def read1(self, n: int = -1) -> bytes:
        """Return what has arrived (at most *n* bytes), waiting only if nothing has."""
        reader = self._reader
        while (data := reader.try_read1(n)) is NEED:
            await self._more(reader.want)
        return data  # type: ignore[no-any-return]

    async def peek(self, n: int = 0) -> bytes:
        """Bytes at the front of the body without consuming them."""
        reader = self._reader
        while (data := reader.try_peek(n)) is NEED:
            await self._more(reader.want)
        return data  # type: ignore[no-any-return]

    async def readline(self, limit: int = -1) -> bytes:
        """Read one line (with its ``\\n``), at most *limit* bytes."""
        reader = self._reader
        while (data := reader.try_readline(limit)) is NEED:
            await self._more(reader.want)
        return data  # type: ignore[no-any-return]

    def hand_off(self) -> HandOff:
        """The body, for a reader that keeps a buffer of its own and drives the returned
        ``HandOff`` on the loop. That reader sets ``handed_to`` to itself: from then on
        ``isclosed()`` asks it, and closing this response (its connection closing)
        tells it; ``hand_back()`` ends that, once it is done with the body."""
        return (self._p, self._reader, self._source.stream, self.timeout)

    def hand_back(self) -> None:
        """The reader of ``hand_off`` is done with the body (and no longer referred to)."""
        self.handed_to = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        # read1()'s loop, without a second coroutine per piece
        reader = self._reader
        while (data := reader.try_read1(-1)) is NEED:
            await self._more(reader.want)
        if not data:
            raise StopAsyncIteration
        return data  # type: ignore[no-any-return]

    async def save(self, path: str) -> int:
        """Stream the rest of the body into the file at *path*; returns bytes written."""
        import aiofiles

        total = 0
        async with aiofiles.open(path, "wb") as f:
            async for data in self:
                await f.write(data)
                total += len(data)
        return total
