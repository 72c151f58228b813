"""Receiving a Content-Length body straight into the buffers ``readinto()`` is given.

Through the ``Protocol`` path each byte is copied at least three times on its way to a
``readinto()`` caller: into the loop's receive buffer, into a ``bytes`` per piece, into
the caller's buffer. Once a large ``readinto()`` asks, the connection's transport gets a
``BufferedProtocol`` stand-in for the rest of that body: while a ``readinto()`` is
waiting, the loop receives into the caller's memory, one copy. Between such reads what
arrives goes the usual way, as ``bytes`` to the connection's protocol, so any read
method may follow. That protocol keeps everything else: it counts each piece off the
body as it lands (a cut-off body is reported with the right numbers), and end of
stream, loss and write flow control are passed on to it. When the body has ended the
transport is handed back.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Final

from .protocol import expiring

if TYPE_CHECKING:
    from .protocol import HTTPProtocol

_SPARE: Final = 256 << 10  # as much as uvloop receives at once on the Protocol path

# One receive buffer per thread for the pieces between reads: a loop asks for a buffer
# and hands it back filled in one step, and they are made into bytes at once.
_local = threading.local()


def _spare() -> memoryview:
    view: memoryview | None = getattr(_local, "spare", None)
    if view is None:
        view = _local.spare = memoryview(bytearray(_SPARE))
    return view


class _StandIn(asyncio.BufferedProtocol):
    """The transport's protocol for the rest of one body."""

    __slots__ = ("_into", "_owner", "filled", "view", "waiter")

    def __init__(self, owner: HTTPProtocol) -> None:
        self._owner = owner
        self._into = False  # the receive under way is into ``view``
        self.view: memoryview | None = None  # a waiting readinto()'s memory
        self.filled = 0
        self.waiter: asyncio.Future[None] | None = None

    def _wake(self) -> None:
        w = self.waiter
        if w is not None and not w.done():
            w.set_result(None)

    def get_buffer(self, sizehint: int) -> memoryview:
        view = self.view
        left = self._owner.parser.body_left
        if view is not None and left and self.filled < len(view):
            self._into = True
            # Never a byte past the body into the caller's memory: the next response's.
            return view[self.filled : self.filled + left]
        self._into = False
        return _spare()

    def buffer_updated(self, nbytes: int) -> None:
        owner = self._owner
        if self._into:
            self.filled += nbytes
            owner.body_received(nbytes)
        else:
            owner.data_received(bytes(_spare()[:nbytes]))
        over = owner.parser.body_left is None  # the body is over (or failed)
        if self._into and (over or self.filled == len(self.view)):  # type: ignore[arg-type]
            self._wake()
            # Nowhere to put more without a copy until this readinto() returns (its
            # bookkeeping resumes reading): a caller that calls the next one at once
            # has its memory in place before the loop receives again.
            owner.hold_reading()
        if over:
            owner.end_into()  # reading goes back

    def eof_received(self) -> bool | None:
        self._wake()
        return self._owner.eof_received()  # False: the transport closes, then the loss

    def connection_lost(self, exc: Exception | None) -> None:
        self._wake()
        owner = self._owner
        owner.connection_lost(exc)
        owner.end_into()  # no cycle left between the two

    def pause_writing(self) -> None:
        self._owner.pause_writing()

    def resume_writing(self) -> None:
        self._owner.resume_writing()


async def receive_into(
    protocol: HTTPProtocol, view: memoryview, min_left: int, timeout: float | None
) -> int | None:
    """Receive body bytes into *view* until it is full or the body ends; the count.

    None without waiting when not possible: not a Content-Length body with at least
    *min_left* bytes to come and nothing buffered, TLS, a failed or closing connection.
    Stops short when the connection ends; what that means is the protocol's to report.
    *timeout* bounds each stretch without a byte, as a socket's timeout does.
    """
    stand_in = protocol.into
    if stand_in is None:
        stand_in = _StandIn(protocol)
        if not protocol.begin_into(stand_in, min_left):
            return None
    assert isinstance(stand_in, _StandIn)
    stand_in.view = view
    stand_in.filled = 0
    protocol.demand(len(view))  # reading may have been held since the last read
    loop = protocol.loop
    try:
        while stand_in.filled < len(view) and protocol.into is stand_in and not protocol.lost:
            seen = stand_in.filled
            stand_in.waiter = fut = loop.create_future()
            try:
                await (fut if timeout is None else expiring(fut, timeout))
            except TimeoutError:
                if stand_in.filled == seen:
                    raise
    finally:
        stand_in.waiter = None
        stand_in.view = None  # the caller's memory is the caller's again
    return stand_in.filled
