"""The async ``HTTPResponse``: the head, and body reads with ``http.client``'s semantics.

``read(amt)`` returns *amt* bytes unless the body ends first, like the stdlib's
buffered file; ``read1``/``async for`` hand out what has arrived without joining.
A response that is finished (read to its end, or closed) gives its connection back:
kept alive where the server allows it, closed when the body was left unread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.client import HTTPMessage
from typing import Any

from .errors import IncompleteRead, ResponseNotReady
from .headers import Headers
from .parser import ResponseHead
from .protocol import HTTPProtocol


class HTTPResponse:
    """A response whose head has arrived; the body is read with the async methods.

    Errors while reading: ``IncompleteRead`` (body cut short; its ``partial`` holds what
    this call read), ``MalformedChunk``, ``LineTooLong``, ``TimeoutError`` and the
    ``OSError`` of a broken connection. The connection is closed after any of them.
    """

    def __init__(
        self,
        protocol: HTTPProtocol,
        head: ResponseHead,
        method: str | None = None,
        url: str | None = None,
        *,
        debuglevel: int = 0,
        timeout: float | None = None,
        owns_connection: bool = False,
    ) -> None:
        self._p = protocol
        self._buf = protocol.buffer
        self._head = head
        self._method = method
        self._url = url
        self._timeout = timeout
        self._owns = owns_connection
        self._closed = False
        self.debuglevel = debuglevel
        self.status = self.code = head.status
        self.reason = head.reason
        self.version = head.version
        self.chunked = head.chunked
        self.length = head.length
        self.will_close = head.will_close
        if debuglevel > 0:
            for name, value in head.headers.items():
                print("header:", name + ":", value)
        if not self._buf and protocol.finished(self._buf):
            self._finish()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<aiohttpc.HTTPResponse [{self.status} {self.reason}] {state}>"

    # -- the head ------------------------------------------------------------------------

    @property
    def header_list(self) -> Headers:
        """The fast header list (no ``email`` parsing)."""
        return self._head.headers

    @property
    def msg(self) -> HTTPMessage:
        """The headers as an ``http.client.HTTPMessage``, built on first use."""
        return self._head.headers.message

    headers = msg

    @property
    def trailers(self) -> Headers | None:
        """Trailer fields of a chunked body, once it has been read to the end."""
        return self._p.parser.trailers if self._closed else None

    def getheader(self, name: str, default: Any = None) -> Any:
        if self._head is None:
            raise ResponseNotReady()
        found = self._head.headers.get_all(name) or default
        if isinstance(found, str) or not hasattr(found, "__iter__"):
            return found
        return ", ".join(found)

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
    def closed(self) -> bool:
        return self._closed

    def isclosed(self) -> bool:
        """True once the body was read to its end, or the response was closed."""
        return self._closed

    @property
    def body_complete(self) -> bool:
        """Whether the whole body has been received (read or not)."""
        return self._p.finished(self._buf)

    def close(self) -> None:
        """Stop reading; an unread rest of the body closes the connection."""
        if self._closed:
            return
        if not self._p.finished(self._buf):
            self._p.close()
        self._buf.clear()
        self._p.consumed()
        self._finish()

    def _finish(self) -> None:
        self._closed = True
        if self._owns or not self._p.usable:
            self._p.close()

    async def __aenter__(self) -> HTTPResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # -- body ------------------------------------------------------------------------------

    def _took(self, data: bytes) -> bytes:
        """Account for bytes handed out; finish the response at its end."""
        if self.length is not None:
            self.length -= len(data)
        self._p.consumed()
        if not self._buf and self._p.finished(self._buf):
            self._finish()
        return data

    async def _more(self) -> bool:
        """Wait for more of the body; False if it has ended (or failed)."""
        p = self._p
        if p.finished(self._buf) or p.error is not None:
            return False
        try:
            await p.wait(self._timeout)
        except BaseException:
            self._broken()
            raise
        return True

    def _broken(self) -> None:
        self._p.close()
        self._buf.clear()
        self._closed = True

    def _failure(self, partial: bytes) -> BaseException | None:
        """The error to raise for a body that stopped early, or None if it just ended."""
        err = self._p.error
        if err is None or self._p.finished(self._buf):
            return None
        self._broken()
        if isinstance(err, IncompleteRead):
            expected = None
            if self.length is not None:
                expected = self.length - len(partial)
            return type(err)(partial, expected)
        return err

    async def _collect(self, n: int) -> bytes:
        buf = self._buf
        parts: list[bytes] = []
        got = 0
        while True:
            data = buf.take(n - got if n >= 0 else -1)
            if data:
                parts.append(data)
                got += len(data)
                self._p.consumed()
            if (n >= 0 and got >= n) or not await self._more():
                break
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def read(self, amt: int | None = None) -> bytes:
        """Read *amt* bytes (fewer only at the end of the body), or the whole rest."""
        if self._closed:
            return b""
        if self._method == "HEAD":
            self.close()
            return b""
        if amt is not None and amt >= 0:
            if self.length is not None and amt > self.length:
                amt = self.length
            data = await self._collect(amt)
            if len(data) < amt:
                # Like the stdlib: a short Content-Length body is a short read, not an error.
                err = self._p.error
                if self.chunked or not isinstance(err, IncompleteRead):
                    exc = self._failure(data)
                    if exc is not None:
                        raise exc
                if not data:
                    self._broken() if self._p.error else self._finish()
                    return b""
            return self._took(data)
        data = await self._collect(-1)
        exc = self._failure(data)
        if exc is not None:
            raise exc
        self._took(data)
        self._finish()
        return data

    async def readinto(self, b: Any) -> int:
        """Read into a writable buffer; returns the number of bytes read."""
        view = memoryview(b).cast("B")
        data = await self.read(len(view))
        n = len(data)
        view[:n] = data
        return n

    async def read1(self, n: int = -1) -> bytes:
        """Return what has arrived (at most *n* bytes), waiting only if nothing has."""
        if self._closed or n == 0 or self._method == "HEAD":
            return b""
        buf = self._buf
        while not buf:
            if not await self._more():
                exc = self._failure(b"")
                if exc is not None:
                    raise exc
                self._finish()
                return b""
        return self._took(buf.take_chunk(n))

    async def peek(self, n: int = 0) -> bytes:
        """Bytes at the front of the body without consuming them."""
        if self._closed:
            return b""
        while not self._buf and await self._more():
            pass
        return self._buf.peek(max(n, 1) if n > 0 else -1)

    async def readline(self, limit: int = -1) -> bytes:
        """Read one line (with its ``\\n``), at most *limit* bytes."""
        if self._closed or limit == 0:
            return b""
        buf = self._buf
        while True:
            k = buf.line_length(limit)
            if k >= 0:
                return self._took(buf.take(k))
            if not await self._more():
                data = buf.take(limit)
                exc = self._failure(data)
                if exc is not None:
                    raise exc
                if data:
                    return self._took(data)
                self._finish()
                return b""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        data = await self.read1()
        if not data:
            raise StopAsyncIteration
        return data

    async def save(self, path: str, *, chunk_size: int = 1 << 20) -> int:
        """Stream the rest of the body into the file at *path*; returns bytes written."""
        import aiofiles

        total = 0
        async with aiofiles.open(path, "wb") as f:
            async for data in self:
                await f.write(data)
                total += len(data)
        return total
