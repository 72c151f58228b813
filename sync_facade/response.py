"""The blocking ``HTTPResponse``: ``http.client``'s reading API, fed by either driver.

``HTTPResponse(sock, method=...)`` then ``begin()`` reads a response off a socket
object in this thread, as the stdlib's does (``socket_driver``). A connection the
façade opened itself gives it a core response instead (``FromLoop``): body bytes
then cross from the loop in batches — what had arrived with the head comes with it,
and each later read fetches what is there (or, for a large read of a long body, lets
this thread read the rest off the socket itself). Either way the reading rules are
the core's ``BodyReader``; this module only feeds it.
"""

from __future__ import annotations

import io
import sys
from typing import Any

import aiohttpc
from aiohttpc._sansio.buffer import BodyBuffer
from aiohttpc._sansio.framing import ResponseHead
from aiohttpc._sansio.headers import Headers
from aiohttpc._sansio.parser import split_status_line
from aiohttpc._sansio.reader import LARGE_READ, NEED, BodyReader
from aiohttpc.errors import IncompleteRead, LineTooLong, RemoteDisconnected, ResponseNotReady
from aiohttpc.response import HandOff

from . import loop_body
from .bridge import bridge
from .direct_read import DirectBody
from .socket_driver import SocketBody

_UNSET: Any = object()
_UNKNOWN = "UNKNOWN"  # http.client's value of what begin() has not read yet


def limits() -> tuple[int, int]:
    """(``_MAXLINE``, ``_MAXHEADERS``) as the ``sync_facade`` module has them now: its
    users may change them, as they change ``http.client``'s."""
    module = sys.modules[__package__]
    return module._MAXLINE, module._MAXHEADERS


class FromLoop(tuple):  # type: ignore[type-arg]
    """What a bridged connection gives ``response_class`` in place of a socket: (the
    core's response, its body's loop side, the chunks that had arrived with the head,
    whether the body is done, its error). A tuple: one per response, made in C."""

    __slots__ = ()


class _LocalSource:
    """The body bytes already handed over to the caller's thread."""

    __slots__ = ("_core", "buffer", "direct", "done", "error")

    def __init__(
        self, core: aiohttpc.HTTPResponse, chunks: list[bytes], done: bool, error: Any
    ) -> None:
        self._core = core
        self.buffer = BodyBuffer()
        self.buffer.extend(chunks)
        self.done = done
        self.error = error
        self.direct: DirectBody | None = None  # this thread reads the rest itself

    def consumed(self) -> None:
        pass  # flow control happens on the loop, as chunks are handed over

    def drop_direct(self) -> None:
        """Stop reading the body off the socket (its duplicate socket is closed)."""
        direct = self.direct
        if direct is not None:
            self.direct = None
            direct.close()

    def release(self, complete: bool) -> None:
        core = self._core
        if not self.done:
            # The rest of the body is still on the connection: the core closes it, and
            # before the caller goes on, so that its next request opens a new one.
            if bridge.in_loop_thread():
                core.close()
            else:
                bridge.clean_up(core.close)  # also from __del__, as the process exits
        # The core's own reader is finished now, so it no longer needs to ask us; and
        # without the link the two responses are freed by reference counting alone.
        core.hand_back()


class HTTPResponse(io.BufferedIOBase):
    """A response as ``http.client`` returns it."""

    _core: aiohttpc.HTTPResponse | None
    _source: Any  # _LocalSource (from the loop) or SocketBody (off a socket)
    _reader: BodyReader  # None until begin() off a socket
    # "UNKNOWN" until begin(), as the stdlib's
    status: Any
    code: Any
    reason: Any
    version: Any
    chunked: Any
    chunk_left: Any
    will_close: Any

    def __init__(
        self, sock: Any, debuglevel: int = 0, method: str | None = None, url: str | None = None
    ) -> None:
        self._msg = _UNSET
        self._headers = _UNSET
        self._url = _UNSET
        self._fp: Any = None
        self._raw_taken = False  # ``fp`` was asked for: the caller may read raw bytes
        if type(sock) is FromLoop:  # _from_loop's work here: one call less per response
            core, handoff, chunks, done, error = sock
            self._core = core
            self._handoff: HandOff = handoff  # the body's loop side (``loop_body``)
            self._source = _LocalSource(core, chunks, done, error)
            self.debuglevel = core.debuglevel
            self._method = core.method
            self._take_head(core.head)
            return
        self._fp = sock.makefile("rb")
        self._core = None
        self._fields: Headers | None = None
        self._source = SocketBody(self._fp, method, *limits())
        self._reader = None  # type: ignore[assignment]
        self.debuglevel = debuglevel
        self._method = method
        self.version = self.status = self.code = self.reason = _UNKNOWN
        self.chunked = self.chunk_left = self.will_close = _UNKNOWN

    def _take_head(self, head: ResponseHead) -> None:
        """The head's state, as the stdlib's attributes; the body's reader."""
        self._fields = head.headers
        self.status = self.code = head.status
        self.reason = head.reason
        self.version = head.version
        self.chunked = head.chunked
        self.chunk_left = None
        self.will_close = head.will_close
        self._reader = BodyReader(self._source, head.length, head.chunked, self._method == "HEAD")

    # -- reading the head off a socket -----------------------------------------------------

    def _read_status(self) -> tuple[str, int, str]:
        """One status line off ``fp``: (version, status, reason), as the stdlib's."""
        max_line = self._source.max_line
        line = str(self._fp.readline(max_line + 1), "iso-8859-1")
        if len(line) > max_line:
            raise LineTooLong("status line")
        if self.debuglevel > 0:
            print("reply:", repr(line))
        if not line:
            # The server closed the connection without a response.
            raise RemoteDisconnected("Remote end closed connection without response")
        return split_status_line(line)

    def begin(self) -> None:
        """Read the head off the socket (once; a second call does nothing)."""
        if self._reader is not None:
            return
        source: SocketBody = self._source
        own = type(self)._read_status is not HTTPResponse._read_status or self.debuglevel > 0
        head = source.read_head(self._read_status if own else None)
        if self.debuglevel > 0:
            for name, value in head.headers.items():
                print("header:", name + ":", value)
        self._take_head(head)
        if head.length and not source.done:
            source.take_buffered(head.length)

    @property
    def fp(self) -> Any:
        """The buffered reader over the socket (None once the body was read or the
        response closed); on a bridged connection, only after a 101."""
        self._raw_taken = True
        fp = self._fp
        if fp is not None and fp.closed:
            self._fp = fp = None
        return fp

    @fp.setter
    def fp(self, value: Any) -> None:
        self._fp = value
        if isinstance(self._source, SocketBody):
            self._source.fp = value

    def _safe_read(self, amt: int) -> bytes:
        """Exactly *amt* raw bytes off ``fp`` (for callers that read the framing
        themselves, as urllib3 reads chunks); ``IncompleteRead`` if the socket ends."""
        data = self._fp.read(amt)
        if len(data) < amt:
            raise IncompleteRead(data, amt - len(data))
        return data  # type: ignore[no-any-return]

    @property
    def left_unread(self) -> bool:
        """Finished over a caller's socket in a way that the reuse rule
        (``Incoming.reusable``) does not let another request follow: its body not read
        to its end, say, so the socket still holds the rest. Not when ``fp`` was handed
        out: whoever read raw bytes through it keeps the connection's account."""
        source = self._source
        if not isinstance(source, SocketBody) or source.complete is None or self._raw_taken:
            return False
        return not source.rx.reusable(source.stream, source.complete)

    def _close_conn(self) -> None:
        fp = self._fp
        self._fp = None
        if fp is not None:
            fp.close()

    def __repr__(self) -> str:
        return f"<sync_facade.HTTPResponse [{self.status} {self.reason}]>"

    # -- the head ------------------------------------------------------------------------

    @property
    def msg(self) -> Any:
        if self._msg is _UNSET:
            return None if self._fields is None else self._fields.message
        return self._msg

    @msg.setter
    def msg(self, value: Any) -> None:
        self._msg = value  # urllib sets ``msg`` to the reason phrase

    @property
    def headers(self) -> Any:
        if self._headers is _UNSET:
            return None if self._fields is None else self._fields.message
        return self._headers

    @headers.setter
    def headers(self, value: Any) -> None:
        self._headers = value

    @property
    def url(self) -> Any:
        """Only once set (urllib sets it), as on the stdlib's response."""
        if self._url is _UNSET:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'url'")
        return self._url

    @url.setter
    def url(self, value: Any) -> None:
        self._url = value

    @property
    def length(self) -> Any:
        reader = self._reader
        return _UNKNOWN if reader is None else reader.length

    @length.setter
    def length(self, value: int | None) -> None:
        if self._reader is not None:
            self._reader.length = value

    def getheader(self, name: str, default: Any = None) -> Any:
        if self._fields is None:
            raise ResponseNotReady()
        return self._fields.getheader(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        if self._fields is None:
            raise ResponseNotReady()
        return self._fields.items()

    def info(self) -> Any:
        return self.headers

    def geturl(self) -> Any:
        return self.url

    def getcode(self) -> int:
        return self.status

    def fileno(self) -> int:
        if self._core is None:
            return self._fp.fileno()  # type: ignore[no-any-return]
        return self._core.fileno()

    # -- state ---------------------------------------------------------------------------

    def isclosed(self) -> bool:
        reader = self._reader
        if reader is None:
            return self._fp is None
        return reader.closed

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._reader is not None:
                self._reader.close()
            if self._fp is not None:
                self._close_conn()  # the socket stays open, as the stdlib's

    def close_local(self) -> None:
        """The core closed this response (its connection was closed): drop the rest."""
        self._source.buffer.clear()
        self._source.drop_direct()
        self._reader.drop()
        io.BufferedIOBase.close(self)  # ``closed``, as the stdlib's after conn.close()

    def __iter__(self) -> HTTPResponse:  # no closed check, as the stdlib
        return self

    # -- body ----------------------------------------------------------------------------

    def _fetch(self, want: int) -> None:
        """One hop: wait on the loop for more of the body and take what has arrived.

        A large read of a long Content-Length body instead takes the rest of the body
        over: from then on this thread reads it off the socket, with no hop until its end.
        Off a caller's socket: one read of it.
        """
        src = self._source
        need = -1 if want < 0 else max(1, want - src.buffer.size)
        if self._core is None:
            try:
                src.receive(need)
            except BaseException as exc:
                self._reader.abort(exc)
                raise
            return
        if src.direct is not None:
            self._read_direct(src.direct, need)
            return
        core = self._core
        direct = None
        try:
            if need < 0 or need >= LARGE_READ:
                chunks, done, error, direct = bridge.run(
                    loop_body.take_large(self._handoff, need), on_interrupt=core.close
                )
            else:
                chunks, done, error = bridge.run(
                    loop_body.take_chunks(self._handoff, need), on_interrupt=core.close
                )
        except BaseException as exc:
            self._reader.abort(exc)
            raise
        src.buffer.extend(chunks)
        src.done = done
        src.error = error
        src.direct = direct

    def _read_direct(self, direct: DirectBody, need: int) -> None:
        src = self._source
        try:
            data = direct.read(need)
        except BaseException as exc:
            src.direct = None
            self._reader.abort(exc)
            raise
        src.buffer.append(data)
        self._direct_over(direct)

    def _direct_over(self, direct: DirectBody) -> None:
        """Once the direct read has met the body's end: the core accounts for it."""
        if direct.finished:
            src = self._source
            src.direct = None
            src.done, src.error = bridge.call(loop_body.end_direct, self._handoff, direct)

    def _readinto_direct(self, view: memoryview) -> int:
        """What has arrived, then the body's rest read off the socket into *view*."""
        reader = self._reader
        src = self._source
        filled = reader.take_into(view)
        n = len(view)
        if src.direct is None and n - filled >= LARGE_READ and not reader.stopped:
            self._fetch(n - filled)  # takes the body over where it can
            with view[filled:] as rest:
                filled += reader.take_into(rest)
        direct = src.direct
        if filled < n and direct is not None and not src.buffer.size:
            with view[filled:] as rest:
                try:
                    got = direct.readinto(rest)
                except BaseException as exc:
                    src.direct = None
                    reader.abort(exc)
                    raise
            self._direct_over(direct)
            if got:
                reader.received(got)  # after the end is known: this may complete the body
            filled += got
        return filled

    def read(self, amt: int | None = None) -> bytes:
        reader = self._reader
        while (data := reader.try_read(amt)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def read1(self, n: int = -1) -> bytes:
        reader = self._reader
        while (data := reader.try_read1(n)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def peek(self, n: int = -1) -> bytes:
        reader = self._reader
        while (data := reader.try_peek(n)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def readline(self, limit: int | None = -1) -> bytes:
        reader = self._reader
        lim = -1 if limit is None else limit
        while (data := reader.try_readline(lim)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        try:
            n = len(view)
            # A large read of a long Content-Length body goes straight into b.
            filled = self._readinto_direct(view) if n >= LARGE_READ and self._core else 0
            if filled < n:
                reader = self._reader
                while (count := reader.try_fill(view, filled)) is NEED:
                    self._fetch(reader.want)
                filled = count
            return filled  # type: ignore[no-any-return]
        finally:
            view.release()  # the caller's buffer may be resized again

    def readinto1(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        data = self.read1(len(view))
        n = len(data)
        view[:n] = data
        return n
