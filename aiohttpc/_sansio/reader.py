"""``http.client``'s body-read semantics over a chunk buffer, as non-blocking attempts.

Each ``try_*`` method either answers from what is buffered or returns ``NEED`` (and
sets ``want``: how many bytes it waits for, -1 for the whole body); the caller then
waits however it waits — an ``await`` in the async response, one bridge hop in the
blocking façade — and tries again. So the rules (short reads, ``IncompleteRead`` with
its partial data, when a response counts as closed) live here once. Pure, no I/O.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from ..errors import ChunkCut, IncompleteRead
from .buffer import BodyBuffer

NEED: Final[Any] = object()

# A read of this many bytes or more, of a Content-Length body with as much still to come,
# may take the body's rest off the connection's usual path (straight into the caller's
# buffer, or off the socket by the caller's thread); a smaller one is served from the
# pieces the loop received.
LARGE_READ: Final = 64 << 10


def prefixed(exc: IncompleteRead, prefix: bytes) -> IncompleteRead:
    """*exc* raised by a read whose call had already read *prefix* (``readinto``)."""
    return type(exc)(prefix + exc.partial, exc.expected)


class BodySource(Protocol):
    """Where the buffered bytes come from, and what is known about the rest."""

    buffer: BodyBuffer

    @property
    def done(self) -> bool:
        """The whole body is in ``buffer`` (nothing more will arrive)."""

    @property
    def error(self) -> BaseException | None:
        """Why the body stopped early, if it did."""

    def consumed(self) -> None:
        """Bytes were taken out of ``buffer`` (flow control may resume)."""

    def release(self, complete: bool) -> None:
        """The reader is finished: read to the end (*complete*) or abandoned."""


class BodyReader:
    """The read state of one response body: remaining length, closed, what to wait for."""

    __slots__ = ("_head_only", "chunked", "closed", "failed", "length", "source", "want")

    def __init__(
        self, source: BodySource, length: int | None, chunked: bool, head_only: bool
    ) -> None:
        self.source = source
        self.length = length
        self.chunked = chunked
        self.closed = False
        # The class of the error that stopped the body early, once raised (the class only:
        # an exception would hold its traceback's frames, and through them this reader).
        self.failed: type[BaseException] | None = None
        self.want = 0
        self._head_only = head_only
        if not source.buffer.size and source.done:
            self._finish(True)

    # -- bookkeeping -----------------------------------------------------------------------

    def _need(self, n: int) -> Any:
        self.want = n
        return NEED

    def _took(self, data: bytes) -> bytes:
        self.received(len(data))
        return data

    def received(self, n: int) -> None:
        """*n* bytes of the body left the buffer, or went past it to the caller."""
        if self.length is not None:
            self.length -= n
        src = self.source
        src.consumed()
        if not src.buffer.size and src.done:
            self._finish(True)

    def went_past(self, n: int) -> None:
        """*n* body bytes reached the reader elsewhere without passing the buffer (a
        blocking thread read them off the socket)."""
        if self.length is not None:
            self.length -= n

    def drop(self) -> None:
        """The connection was closed under this reader: it is finished, with nothing
        left to release."""
        self.closed = True

    def _finish(self, complete: bool) -> None:
        if not self.closed:
            self.closed = True
            self.source.release(complete)

    def close(self) -> None:
        """Stop reading: an unread rest of the body is abandoned (later reads: ``b""``)."""
        self.failed = None
        if self.closed:
            return
        src = self.source
        complete = src.done
        src.buffer.clear()
        src.consumed()
        self._finish(complete)

    def abort(self, exc: BaseException) -> None:
        """The wait for more failed with *exc* (timeout, interruption): the body is
        abandoned, and every later read raises (``again``)."""
        if not self.closed:
            self.failed = type(exc)
        self.source.buffer.clear()
        self._finish(False)

    def again(self) -> BaseException:
        """The error for a read after the body failed: a truncated body never reads as
        a whole one. After a timeout it is the stdlib's ``OSError``; else an
        ``IncompleteRead`` with nothing read (of the failure's own class)."""
        failed = self.failed
        if failed is not None and issubclass(failed, TimeoutError):
            return OSError("cannot read from timed out object")
        if failed is not None and issubclass(failed, IncompleteRead):
            return failed(b"", self.length)
        return IncompleteRead(b"", self.length)

    def _ended(self) -> bytes:
        """A read after the reader finished: ``b""``, or the failure raised again."""
        if self.failed is not None:
            raise self.again()
        return b""

    def _failure(self, partial: bytes) -> BaseException | None:
        """The error for a body that stopped early, or None if it simply ended."""
        src = self.source
        err = src.error
        if err is None or src.done:
            return None
        src.buffer.clear()
        cls = type(err)
        if isinstance(err, ChunkCut):
            cls = IncompleteRead  # reported as the stdlib reports it, without the cut chunk
            if err.unfinished:
                partial = partial[: max(0, len(partial) - err.unfinished)]
        if not self.closed:
            self.failed = cls
        self._finish(False)
        if isinstance(err, IncompleteRead):
            expected = None if self.length is None else self.length - len(partial)
            return cls(partial, expected)  # type: ignore[call-arg]
        return err

    @property
    def stopped(self) -> bool:
        """Nothing more will arrive: the body is complete or has failed."""
        src = self.source
        return src.done or src.error is not None

    def hand_over(self) -> tuple[list[bytes], bool, BaseException | None]:
        """Give every buffered chunk to a reader that keeps its own buffer.

        Returns (chunks, done, error); this reader is finished once the body is
        complete or has failed (the other reader applies these same rules to it).
        """
        if self.closed:
            return [], True, None  # closed or handed over already: nothing more to give
        src = self.source
        chunks = src.buffer.take_chunks()
        if self.length is not None:
            self.length -= sum(map(len, chunks))
        src.consumed()
        done = src.done
        error = src.error
        if done or error is not None:
            self._finish(done)
        return chunks, done, error

    # -- the read operations -------------------------------------------------------------

    def take_into(self, view: memoryview) -> int:
        """Copy what is buffered, at most ``len(view)`` bytes, into *view*; the count."""
        if self.closed or self._head_only:
            return 0
        n = self.source.buffer.take_into(view)
        if n:
            self.received(n)
        return n

    def try_read(self, amt: int | None = None) -> Any:
        """``read(amt)``: *amt* bytes (fewer only at the end), or the whole rest."""
        if self.closed:
            return self._ended()
        if self._head_only:
            self.close()
            return b""
        buf = self.source.buffer
        if amt is not None and amt >= 0:
            if self.length is not None and amt > self.length:
                amt = self.length
            if buf.size < amt and not self.stopped:
                return self._need(amt)
            data = buf.take(amt)
            if len(data) < amt:
                # As the stdlib: a short Content-Length body is a short read, not an error.
                err = self.source.error
                if self.chunked or not isinstance(err, IncompleteRead):
                    exc = self._failure(data)
                    if exc is not None:
                        raise exc
                if not data:
                    self._finish(err is None)
                    return b""
            return self._took(data)
        if not self.stopped:
            return self._need(-1)
        data = buf.take()
        exc = self._failure(data)
        if exc is not None:
            raise exc
        # Stopped and no failure: the whole body was here, so this read ends it.
        if self.length is not None:
            self.length -= len(data)
        self.source.consumed()
        self._finish(True)
        return data

    def try_fill(self, view: memoryview, filled: int) -> Any:
        """``readinto``'s rest once *filled* bytes are in *view*: ``read(len(view) -
        filled)`` into ``view[filled:]``; the new count, or ``NEED``. An IncompleteRead
        carries what this whole call read."""
        try:
            data = self.try_read(len(view) - filled)
        except IncompleteRead as exc:
            if filled:
                raise prefixed(exc, bytes(view[:filled])) from exc
            raise
        if data is NEED:
            return NEED
        n = len(data)
        view[filled : filled + n] = data
        return filled + n

    def try_read1(self, n: int = -1) -> Any:
        """``read1(n)``: what has arrived (at most *n* bytes), waiting only for the first."""
        if self.closed or n == 0 or self._head_only:
            return self._ended()
        buf = self.source.buffer
        if buf.size:
            return self._took(buf.take_chunk(n))
        if not self.stopped:
            return self._need(1)
        exc = self._failure(b"")
        if exc is not None:
            raise exc
        self._finish(True)
        return b""

    def try_peek(self, n: int = 0) -> Any:
        """``peek(n)``: bytes at the front, not consumed; waits only for the first."""
        if self.closed:
            return self._ended()
        buf = self.source.buffer
        if not buf and not self.stopped:
            return self._need(1)
        return buf.peek(n if n > 0 else -1)

    def try_readline(self, limit: int = -1) -> Any:
        """``readline(limit)``: one line with its ``\\n``, at most *limit* bytes."""
        if self.closed or limit == 0:
            return self._ended()
        buf = self.source.buffer
        k = buf.line_length(limit)
        if k >= 0:
            return self._took(buf.take(k))
        if not self.stopped:
            return self._need(buf.size + 1)
        data = buf.take(limit)
        exc = self._failure(data)
        if exc is not None:
            raise exc
        if data:
            return self._took(data)
        self._finish(True)
        return b""
