"""The blocking ``HTTPResponse``: ``http.client``'s reading API over a core response.

Body bytes cross from the loop in batches: what had arrived with the head comes with
it, and each later read fetches what is there (or, for a large read of a long body,
lets this thread read the rest off the socket itself). The reading rules are the
core's ``BodyReader``; this module only feeds it.
"""

from __future__ import annotations

import io
from typing import Any

import aiohttpc
from aiohttpc._sansio.buffer import BodyBuffer
from aiohttpc._sansio.reader import LARGE_READ, NEED, BodyReader
from aiohttpc.response import HandOff

from . import loop_body
from .bridge import bridge
from .direct_read import DirectBody

_UNSET: Any = object()


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
    """A response as ``http.client`` returns it; reads are served from bytes handed over."""

    fp: Any  # set after a 101 only: the switched connection's first bytes, then its socket

    def __init__(
        self,
        core: aiohttpc.HTTPResponse,
        handoff: HandOff,
        chunks: list[bytes],
        done: bool,
        error: Any,
    ) -> None:
        self._core = core
        self._handoff = handoff  # the body's loop side (``loop_body``)
        self._source = _LocalSource(core, chunks, done, error)
        self._reader = BodyReader(
            self._source, core.content_length, core.chunked, core.method == "HEAD"
        )
        self.status = self.code = core.status
        self.reason = core.reason
        self.version = core.version
        self.chunked = core.chunked
        self.will_close = core.will_close
        self.debuglevel = core.debuglevel
        self._method = core.method
        self._msg = _UNSET
        self._headers = _UNSET
        self._url = _UNSET

    def __repr__(self) -> str:
        return f"<sync_facade.HTTPResponse [{self.status} {self.reason}]>"

    # -- the head ------------------------------------------------------------------------

    @property
    def msg(self) -> Any:
        return self._core.msg if self._msg is _UNSET else self._msg

    @msg.setter
    def msg(self, value: Any) -> None:
        self._msg = value  # urllib sets ``msg`` to the reason phrase

    @property
    def headers(self) -> Any:
        return self._core.msg if self._headers is _UNSET else self._headers

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
    def length(self) -> int | None:
        return self._reader.length

    def getheader(self, name: str, default: Any = None) -> Any:
        return self._core.getheader(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        return self._core.getheaders()

    def info(self) -> Any:
        return self.headers

    def geturl(self) -> Any:
        return self.url

    def getcode(self) -> int:
        return self.status

    def fileno(self) -> int:
        return self._core.fileno()

    # -- state ---------------------------------------------------------------------------

    def isclosed(self) -> bool:
        return self._reader.closed

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._reader.close()
            fp = getattr(self, "fp", None)  # only after a 101 (``upgrade``)
            if fp is not None:
                self.fp = None
                fp.close()  # the socket stays open, as the stdlib's

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
        """
        src = self._source
        need = -1 if want < 0 else max(1, want - src.buffer.size)
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
            filled = self._readinto_direct(view) if n >= LARGE_READ else 0
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
