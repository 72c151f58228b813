"""A small request written straight onto the socket by the caller's thread.

When the connection is open, idle, on plain TCP or a Unix socket, and its transport
holds nothing unwritten, the request goes out in one ``send`` from the calling thread,
as the stdlib's ``sendall`` would, and the loop is not woken for it. What the socket
does not take at once goes through the transport, on the loop, before anything else.
"""

from __future__ import annotations

import os

import aiohttpc
from aiohttpc._aio.protocol import HTTPProtocol
from aiohttpc._sansio.request_head import Outgoing

from .bridge import bridge


def write_small(core: aiohttpc.HTTPConnection, out: Outgoing) -> bool:
    """Write *out* from this thread where that can be; False (nothing done) when not."""
    p = core.protocol
    fd = None if p is None else p.lendable_fd()
    if fd is None:
        return False
    data = core.announce_idle(out)
    if data is None:
        return False
    try:
        n = os.write(fd, data)
    except OSError:
        n = 0  # the transport's own write will meet (and report) the error
    p.bytes_sent += n  # type: ignore[union-attr]
    if n < len(data):
        bridge.call_soon(_write_rest, p, data[n:])
    return True


def _write_rest(p: HTTPProtocol, data: bytes) -> None:
    """On the loop: what the socket did not take at once."""
    if p.usable:  # else the wait for the response meets the loss
        p.write(data)
