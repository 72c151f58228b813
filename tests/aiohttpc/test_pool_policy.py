"""The pool's decisions, as pure functions, on made-up states."""

from __future__ import annotations

import pytest

from aiohttpc.client.pool_policy import (
    Grant,
    OriginCounts,
    PoolCounts,
    Release,
    grant,
    keep_alive_for,
    parse_keep_alive,
    release,
)


@pytest.mark.parametrize(
    ("origin", "pool", "fresh", "expected"),
    [
        # an idle connection of the origin is reused before anything is opened
        (OriginCounts(idle=1, open=3), PoolCounts(10, 1, 10, 4), False, Grant.REUSE),
        # ... unless a fresh one is asked for (a retry): then it makes room if needed
        (OriginCounts(idle=1, open=3), PoolCounts(5, 1, 10, 4), True, Grant.OPEN),
        (OriginCounts(idle=1, open=4), PoolCounts(5, 1, 10, 4), True, Grant.EVICT_THEN_OPEN),
        # room under both limits: open
        (OriginCounts(idle=0, open=0), PoolCounts(0, 0, 10, 4), False, Grant.OPEN),
        (OriginCounts(idle=0, open=3), PoolCounts(9, 0, 10, 4), False, Grant.OPEN),
        # the per-host limit is reached: wait (even if the pool has room)
        (OriginCounts(idle=0, open=4), PoolCounts(4, 0, 10, 4), False, Grant.WAIT),
        (OriginCounts(idle=0, open=4), PoolCounts(4, 2, 10, 4), False, Grant.WAIT),
        # the total limit is reached: evict another origin's idle connection, else wait
        (OriginCounts(idle=0, open=1), PoolCounts(10, 3, 10, 4), False, Grant.EVICT_THEN_OPEN),
        (OriginCounts(idle=0, open=1), PoolCounts(10, 0, 10, 4), False, Grant.WAIT),
        # no limits at all
        (OriginCounts(idle=0, open=500), PoolCounts(9000, 0, None, None), False, Grant.OPEN),
        (OriginCounts(idle=2, open=500), PoolCounts(9000, 0, None, None), False, Grant.REUSE),
        # a limit of one
        (OriginCounts(idle=0, open=1), PoolCounts(1, 0, 1, None), False, Grant.WAIT),
        (OriginCounts(idle=0, open=0), PoolCounts(1, 1, 1, None), False, Grant.EVICT_THEN_OPEN),
    ],
)
def test_grant(origin: OriginCounts, pool: PoolCounts, fresh: bool, expected: Grant) -> None:
    assert grant(origin, pool, fresh=fresh) is expected


@pytest.mark.parametrize(
    ("own", "other", "reusable", "expected"),
    [
        (None, None, True, Release.KEEP),
        (7, None, True, Release.HAND_OVER),  # a waiter of the same origin gets it as is
        (7, 9, True, Release.HAND_OVER),  # it came before the other origin's waiter
        (9, 7, True, Release.CLOSE),  # the other origin's waiter came first: free the slot
        (None, 7, True, Release.CLOSE),  # another origin waits for a slot
        (3, None, False, Release.CLOSE),  # never reuse a connection that is not reusable
        (None, None, False, Release.CLOSE),
    ],
)
def test_release(own: int | None, other: int | None, reusable: bool, expected: Release) -> None:
    assert release(own, other, reusable) is expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("timeout=5", 5.0),
        ("timeout=5, max=100", 5.0),
        ("max=100, Timeout = 2", 2.0),
        ('timeout="7"', 7.0),
        ("max=100", None),
        ("timeout=soon", None),
        ("timeout=-1", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_keep_alive(value: str | None, seconds: float | None) -> None:
    assert parse_keep_alive(value) == seconds


def test_keep_alive_for_takes_the_shorter_with_a_margin() -> None:
    assert keep_alive_for(15.0, None) == 15.0
    assert keep_alive_for(15.0, 5.0) == 4.5
    assert keep_alive_for(2.0, 60.0) == 2.0
    assert keep_alive_for(15.0, 0.2) == 0.0  # too short to be worth keeping
