"""Which connection serves which waiter: the pool's decisions as pure functions.

The pool keeps the state; these functions only read counts and say what to do, so
every rule (reuse before open, per-host and total limits, evicting idle connections of
other hosts to make room) is tested on its own with made-up states.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple


class OriginCounts(NamedTuple):
    idle: int  # open connections waiting to be reused
    open: int  # connections open or being opened, idle ones included


class PoolCounts(NamedTuple):
    open: int  # connections open or being opened, in all origins
    idle: int  # idle connections, in all origins
    limit: int | None  # at most this many open connections in all (None: no limit)
    per_host: int | None  # at most this many per origin (None: no limit)


class Grant(Enum):
    REUSE = "reuse"  # take this origin's most recently used idle connection
    OPEN = "open"  # a slot is free: open a new connection
    EVICT_THEN_OPEN = "evict"  # close the least recently used idle connection, then open
    WAIT = "wait"  # queue until a connection is released or a slot is freed


class Release(Enum):
    HAND_OVER = "hand_over"  # give it to the first waiter of its own origin
    CLOSE = "close"  # close it (unusable, or an earlier waiter of another origin needs the slot)
    KEEP = "keep"  # keep it idle for reuse


def grant(origin: OriginCounts, pool: PoolCounts, *, fresh: bool = False) -> Grant:
    """What a request for *origin* gets now. *fresh*: a reused connection will not do."""
    if origin.idle and not fresh:
        return Grant.REUSE
    room_here = pool.per_host is None or origin.open < pool.per_host
    if not room_here:
        # Only this origin's own idle connection could make room for a fresh one.
        return Grant.EVICT_THEN_OPEN if fresh and origin.idle else Grant.WAIT
    if pool.limit is None or pool.open < pool.limit:
        return Grant.OPEN
    return Grant.EVICT_THEN_OPEN if pool.idle else Grant.WAIT


def release(own_waiter: int | None, other_waiter: int | None, reusable: bool) -> Release:
    """What becomes of a connection its response has finished with.

    *own_waiter*: the arrival number of the first waiter of its own origin;
    *other_waiter*: that of the first waiter of another origin that waits for a slot
    under the total limit (None: nobody). The one that came first is served.
    """
    if not reusable:
        return Release.CLOSE
    if own_waiter is not None and (other_waiter is None or own_waiter < other_waiter):
        return Release.HAND_OVER
    return Release.CLOSE if other_waiter is not None else Release.KEEP


def keep_alive_for(pool_expiry: float, hint: float | None) -> float:
    """How long an idle connection is kept: the pool's expiry, or less if the server said
    ``Keep-Alive: timeout=N`` (half a second earlier, so we are not racing its close)."""
    if hint is None:
        return pool_expiry
    return max(0.0, min(pool_expiry, hint - 0.5))


def parse_keep_alive(value: str | None) -> float | None:
    """The ``timeout=`` of a ``Keep-Alive`` header value, or None."""
    if not value:
        return None
    for part in value.split(","):
        name, _, number = part.strip().partition("=")
        if name.strip().lower() == "timeout":
            try:
                seconds = float(number.strip().strip('"'))
            except ValueError:
                return None
            return seconds if seconds >= 0 else None
    return None
