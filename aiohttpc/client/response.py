"""The high-level client's ``Request`` and ``Response``: decoded bodies, text and JSON,
streaming, and giving the connection back to the pool when the body is done."""

from __future__ import annotations

import asyncio
import codecs
import json as jsonlib
import os
import time
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from .._sansio.headers import Headers
from ..errors import HTTPException
from ..response import HTTPResponse
from .decoding import Decoder
from .timeouts import Deadline
from .tracing import Hooks, Trace, fire

READ_BLOCK = 1 << 18
WHOLE_READ = 1 << 20  # a Content-Length body up to this size is read in one go


class HTTPStatusError(HTTPException):
    """``raise_for_status()`` on a 4xx or 5xx response; ``response`` is attached."""

    def __init__(self, message: str, response: Response) -> None:
        super().__init__(message)
        self.response = response


class Request:
    """What is about to be sent; the ``request`` hook may change ``headers``."""

    __slots__ = ("headers", "method", "url")

    def __init__(self, method: str, url: str, headers: dict[str, str]) -> None:
        self.method = method
        self.url = url
        self.headers = headers

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.url}>"


class Finish(Protocol):
    """What a response calls once it is done with its connection (*ok*: read to its
    end), after asking how many bytes that connection received for it."""

    def __call__(self, ok: bool) -> None: ...

    def bytes_received(self) -> int: ...


class Response:
    """A response whose head has arrived; the body is read with the async methods.

    ``read()``/``text()``/``json()`` give the whole (decoded) body; ``iter_bytes()``
    streams it decoded and ``iter_raw()`` as sent. The connection goes back to the
    pool once the body was read to the end, and is closed by ``aclose()`` before that.
    """

    def __init__(
        self,
        request: Request,
        core: HTTPResponse,
        finish: Finish,
        trace: Trace,
        *,
        decoder: Decoder | None,
        deadline: Deadline,
        read_timeout: float | None,
        hooks: Hooks,
    ) -> None:
        self.request = request
        self.status: int = core.status
        self.reason: str = core.reason
        self.http_version = "HTTP/1.1" if core.version == 11 else "HTTP/1.0"
        self.url = request.url
        self.history: list[Response] = []
        self.trace = trace
        self._core = core
        self._finish_cb: Finish | None = finish
        self._decoder = decoder
        self._deadline = deadline
        self._read_timeout = read_timeout
        self._hooks = hooks
        self._content: bytes | None = None
        self._consumed = False
        self._loop = asyncio.get_running_loop()

    def __repr__(self) -> str:
        return f"<Response [{self.status} {self.reason}] {self.url}>"

    def __del__(self) -> None:
        # Dropped with its body unread and never closed: its connection still holds a
        # pool slot. Close it (on the loop) rather than leak the slot for good.
        finish = getattr(self, "_finish_cb", None)
        if finish is None:
            return
        self._finish_cb = None
        warnings.warn(f"unclosed {self!r}: close it or use 'async with'", ResourceWarning, 2)
        try:
            self._loop.call_soon_threadsafe(finish, False)
        except RuntimeError:  # the loop is closed: so are its connections
            pass

    def __reduce__(self) -> tuple[Any, ...]:
        """A response whose exchange is over pickles as what was received: status,
        headers, the body if it was read (else ``content`` raises), history, trace.
        An open one does not: its body is still on a connection."""
        if self._finish_cb is not None:
            raise TypeError(f"{self!r} is open: read its body or close it before pickling")
        request = self.request
        return (
            _received,
            (
                (request.method, request.url, request.headers),
                (self.status, self.reason, self.http_version, self.headers),
                self.content_length,
                self._content,
                self.history,
                self.trace,
            ),
        )

    @property
    def headers(self) -> Headers:
        """Case-insensitive header list: ``headers.get(name)``, ``get_all``, ``items()``."""
        return self._core.header_list

    @property
    def content_length(self) -> int | None:
        """The body's length as sent, as its framing was decided (``decide_framing``:
        0 for HEAD, 204 and 304), or None when it is not known up front."""
        return self._core.content_length

    @property
    def is_closed(self) -> bool:
        return self._finish_cb is None

    @property
    def content(self) -> bytes:
        """The body, once ``read()`` (or ``text()``/``json()``) has read it."""
        if self._content is None:
            raise RuntimeError("the body has not been read: await response.read() first")
        return self._content

    @property
    def encoding(self) -> str:
        """The charset from Content-Type, else UTF-8."""
        ctype = self.headers.get("content-type") or ""
        for param in ctype.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "charset" and value:
                try:
                    return codecs.lookup(value.strip().strip('"')).name
                except LookupError:
                    break
        return "utf-8"

    def raise_for_status(self) -> Response:
        """``HTTPStatusError`` for 4xx and 5xx; returns the response otherwise."""
        if self.status >= 400:
            kind = "Client error" if self.status < 500 else "Server error"
            raise HTTPStatusError(f"{kind} '{self.status} {self.reason}' for {self.url}", self)
        return self

    # -- the body ------------------------------------------------------------------------

    async def iter_raw(self, chunk_size: int = READ_BLOCK) -> AsyncIterator[bytes]:
        """The body as it arrives, still content-encoded."""
        if self._consumed:
            raise RuntimeError("the body has already been read")
        self._consumed = True
        core = self._core
        try:
            while True:
                core.timeout = self._deadline.cap(self._read_timeout)
                data = await core.read1(chunk_size)
                if not data:
                    break
                yield data
        except BaseException:
            self._finish(False)
            raise
        await self._complete()

    async def iter_bytes(self, chunk_size: int = READ_BLOCK) -> AsyncIterator[bytes]:
        """The body decoded (gzip, deflate, ...), in the pieces it arrives in."""
        decoder = self._decoder
        if decoder is None or decoder.identity:
            async for data in self.iter_raw(chunk_size):
                if decoder is not None:
                    decoder.count(len(data))
                yield data
            return
        try:
            async for data in self.iter_raw(chunk_size):
                out = decoder.decode(data)
                if out:
                    yield out
            tail = decoder.flush()
        except BaseException:
            self._finish(False)
            raise
        if tail:
            yield tail

    async def read(self) -> bytes:
        """The whole decoded body (kept as ``content``)."""
        if self._content is not None:
            return self._content
        left = self._core.length
        if left is not None and left <= WHOLE_READ and not self._consumed:
            self._content = await self._read_whole()
        else:
            self._content = b"".join([d async for d in self.iter_bytes()])
        return self._content

    async def _read_whole(self) -> bytes:
        """A small Content-Length body in one read: no per-piece iteration."""
        self._consumed = True
        core = self._core
        decoder = self._decoder
        try:
            core.timeout = self._deadline.cap(self._read_timeout)
            data = await core.read()
            if decoder is not None:
                if decoder.identity:
                    decoder.count(len(data))
                else:
                    data = decoder.decode(data) + decoder.flush()
        except BaseException:
            self._finish(False)
            raise
        await self._complete()
        return data

    async def text(self, encoding: str | None = None, errors: str = "replace") -> str:
        return (await self.read()).decode(encoding or self.encoding, errors)

    async def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(await self.read(), **kwargs)

    async def save(
        self,
        path: str | os.PathLike[str],
        *,
        progress: Callable[[int, int | None], Any] | None = None,
    ) -> int:
        """Stream the decoded body into *path*; returns the number of bytes written.

        Written to ``<path>.part`` with aiofiles and renamed when complete, so *path*
        never holds half a body; *progress(done, total)* is called after each block
        (total is the Content-Length when the body is not content-encoded, else None).
        """
        import aiofiles
        import aiofiles.os

        target = os.fspath(path)
        partial = target + ".part"
        encoded = self.headers.get("content-encoding") not in (None, "identity")
        total = None if encoded else self.content_length
        done = 0
        try:
            async with aiofiles.open(partial, "wb") as f:
                async for block in self.iter_bytes():
                    await f.write(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)
            await aiofiles.os.replace(partial, target)
        except BaseException:
            try:
                os.unlink(partial)
            except OSError:
                pass
            raise
        return done

    async def aclose(self) -> None:
        """Stop reading; a body not read to the end closes the connection."""
        if self._finish_cb is not None:
            complete = self._core.isclosed()  # read to its end already (or empty)
            self._core.close()
            self._finish(complete)

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the end -------------------------------------------------------------------------

    async def _complete(self) -> None:
        self._finish(True)
        self.trace.elapsed = time.monotonic() - self.trace.started
        if self._hooks.done:
            await fire(self._hooks.done, self)

    def _finish(self, ok: bool) -> None:
        cb = self._finish_cb
        if cb is not None:
            self._finish_cb = None
            self.trace.bytes_received = cb.bytes_received()
            cb(ok)


class _Over:
    """The exchange of an unpickled response: over, nothing left to read."""

    __slots__ = ("content_length", "header_list")
    length = 0

    def __init__(self, header_list: Headers, content_length: int | None) -> None:
        self.header_list = header_list
        self.content_length = content_length

    def isclosed(self) -> bool:
        return True

    def close(self) -> None:
        pass


def _received(
    request: tuple[str, str, dict[str, str]],
    head: tuple[int, str, str, Headers],
    content_length: int | None,
    content: bytes | None,
    history: list[Response],
    trace: Trace,
) -> Response:
    """A ``Response`` as it was received in another process (see ``__reduce__``)."""
    r = Response.__new__(Response)
    r.request = Request(*request)
    r.status, r.reason, r.http_version, headers = head
    r.url = r.request.url
    r.history = history
    r.trace = trace
    r._core = _Over(headers, content_length)  # type: ignore[assignment]
    r._finish_cb = None
    r._decoder = None
    r._content = content
    r._consumed = True
    return r
