"""The receive side of one connection, without I/O: one ``ResponseStream`` per response.

A driver (the asyncio protocol, or a thread reading a socket) feeds the received bytes
to ``Incoming.parser``; the parser reports to ``Incoming``, which files each head, body
piece, 1xx status and end into the stream of the response being read, and starts the
next expected one. Whether another request may follow on the connection is decided
here (``reusable``); the driver adds only whether its transport is still open.
"""

from __future__ import annotations

from typing import Final

from . import heap
from .buffer import BodyBuffer
from .framing import ResponseHead
from .headers import MAX_HEADERS, MAX_LINE, Headers
from .parser import ResponseParser


class ResponseStream:
    """One response as it arrives: its head, 1xx statuses, body pieces, trailers, end."""

    __slots__ = ("buffer", "done", "head", "informational", "method", "trailers", "want")

    def __init__(self, method: str | None) -> None:
        self.method = method
        self.head: ResponseHead | None = None
        self.informational: tuple[int, ...] = ()  # 1xx statuses before the head
        self.buffer = BodyBuffer()  # body bytes received and not yet read
        self.done = False  # the body has ended: all of it is in ``buffer`` or was read
        self.trailers: Headers | None = None
        # Bytes its reader waits for (-1: the whole body): the driver does not stop
        # receiving below that, whatever its memory bound.
        self.want = 0

    def __repr__(self) -> str:
        status = self.head.status if self.head is not None else None
        size = self.buffer.size
        return f"<ResponseStream {self.method} {status} buffered={size} done={self.done}>"


# ``Incoming.current`` before the first request: nothing to read. Shared: no reader
# ever holds it (a reader's stream is one ``expect`` made), so nothing changes it.
_BEFORE: Final = ResponseStream(None)
_BEFORE.done = True


class Incoming:
    """The parser, the stream being read, those expected after it, and the reuse rule."""

    __slots__ = ("_pending", "current", "error", "open", "parser", "retired", "stray", "upgraded")

    def __init__(self, max_line: int = MAX_LINE, max_headers: int = MAX_HEADERS) -> None:
        self.parser = ResponseParser(self, max_line, max_headers)
        self.current = _BEFORE  # the response being read, or the last one
        # Responses to requests written while an earlier one is still being read: at most
        # one or two (http.client's states), so a list (an empty deque is 0.7 KiB), made
        # when the first is: a crawler holds thousands of connections, nearly all of
        # them with none.
        self._pending: list[ResponseStream] | None = None
        self.error: BaseException | None = None  # why receiving stopped, if it did
        self.retired = False  # no request may follow (``retire``)
        self.upgraded = False  # a 101 was read: the connection is for its taker
        self.stray = False  # bytes came that no request asked for
        # As far as the bytes go, another request may be written: none of the above.
        # An attribute, not a property: it is asked on every request.
        self.open = True

    def __repr__(self) -> str:
        return f"<Incoming parser={self.parser.state} current={self.current!r}>"

    # -- what the driver asks ----------------------------------------------------------

    def expect(self, method: str | None) -> ResponseStream:
        """A request is about to be written: the stream its response will arrive in,
        after any response still being read."""
        stream = ResponseStream(method)
        if self.parser.expecting:
            if self._pending is None:
                self._pending = []
            self._pending.append(stream)
        else:
            self.current = stream
            self.parser.expect(method)
        return stream

    @property
    def idle(self) -> bool:
        """No response is being read or expected."""
        return not self.parser.expecting and not self._pending

    @property
    def answered(self) -> bool:
        """The head of the final response to the last request written has arrived."""
        return self.current.head is not None and not self._pending

    def retire(self) -> None:
        """No request may follow on this connection: bytes came that no request asked
        for, or the server may read a body we did not send as a request. The response
        being read closes it when done."""
        self.retired = True
        self.open = False

    def reusable(self, stream: ResponseStream, complete: bool) -> bool:
        """The reuse rule, asked when *stream*'s response is done with: another request
        may follow only after it was read to its end (*complete*), when its framing
        keeps the connection (``decide_framing``'s ``will_close``), and while the
        connection is ``open``."""
        head = stream.head
        return complete and head is not None and not head.will_close and self.open

    def fail(self, exc: BaseException) -> None:
        """Receiving stopped with *exc* (the first reason is kept)."""
        if self.error is None:
            # Kept without its traceback: its frames hold the driver (a cycle that would
            # leave the connection and its buffered body to the cycle collector).
            # Raised again, it gets the traceback of where it is raised.
            self.error = exc.with_traceback(None)
            self.open = False

    # -- parser sink ---------------------------------------------------------------------

    def on_informational(self, status: int) -> None:
        self.current.informational += (status,)

    def on_switched(self, head: ResponseHead) -> None:
        """A 101: its head is the response, complete; what follows is the new protocol's,
        kept by the parser for the taker of the connection."""
        self.upgraded = True
        self.open = False
        self.on_head(head)
        self.on_complete()

    def on_head(self, head: ResponseHead) -> None:
        self.current.head = head
        if heap.pending:
            heap.expect_bulk(None if head.chunked else head.length)

    def on_body(self, data: bytes) -> None:
        self.current.buffer.append(data)

    def on_complete(self) -> None:
        stream = self.current
        stream.done = True
        stream.trailers = self.parser.trailers
        pending = self._pending
        if pending and not self.upgraded:
            self.current = following = pending.pop(0)
            self.parser.expect(following.method)

    def on_stray_data(self) -> None:
        self.stray = True
        self.retire()
