"""The façade's work on the loop for a body it reads in the caller's thread.

A façade response keeps the body's bytes in a buffer of its own; on the loop, through
the core's ``HandOff`` (the protocol, the core's ``BodyReader`` over what the loop
received, the timeout), it takes what has arrived, waits for more, or lends the
socket to the caller's thread for a large read (``direct_read``). Each function runs
on the loop, reached by one bridge hop.
"""

from __future__ import annotations

from aiohttpc._sansio.reader import LARGE_READ
from aiohttpc.response import HandOff

from .direct_read import DirectBody

Taken = tuple[list[bytes], bool, BaseException | None]


async def take_chunks(h: HandOff, want: int) -> Taken:
    """What has arrived, once at least *want* bytes (-1: the whole body) are there or
    the body has ended: (chunks, done, error). The chunks leave the core's buffer."""
    p, reader, stream, timeout = h
    if want:
        buf = stream.buffer
        while not reader.closed and (want < 0 or buf.size < want) and not reader.stopped:
            p.demand(want)
            try:
                await p.wait(timeout)
            except BaseException as exc:
                reader.abort(exc)
                raise
    return reader.hand_over()


async def take_large(
    h: HandOff, need: int
) -> tuple[list[bytes], bool, BaseException | None, DirectBody | None]:
    """For a large read: the body's rest to read off the socket, where that can be
    (see ``begin_direct``); else ``take_chunks``."""
    started = begin_direct(h, LARGE_READ)
    if started is not None:
        return started[0], False, None, started[1]
    return (*await take_chunks(h, need), None)


def begin_direct(h: HandOff, min_left: int) -> tuple[list[bytes], DirectBody] | None:
    """Lend the socket to the caller's thread for the body's rest: a Content-Length
    body with at least *min_left* bytes still to come, on plain TCP or a Unix socket.
    The transport stops reading; what has arrived comes with a ``DirectBody`` for the
    rest, and ``end_direct`` must follow. None when that cannot be."""
    p, reader, stream, timeout = h
    if reader.closed or stream is not p.current:
        return None
    started = p.lend_reading(min_left)
    if started is None:
        return None
    fd, left = started
    try:
        direct = DirectBody(fd, left, timeout)
    except OSError:
        p.end_lending(0, False)
        return None
    return reader.hand_over()[0], direct


def end_direct(h: HandOff, direct: DirectBody) -> tuple[bool, BaseException | None]:
    """The caller's thread is done reading off the socket: account for what it read;
    (done, error) of the body."""
    p, reader, _, _ = h
    direct.close()
    reader.went_past(direct.received)
    p.end_lending(direct.received, direct.eof)
    _, done, error = reader.hand_over()
    return done, error
