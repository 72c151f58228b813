"""Pool soak: 10,000 requests through ``limit=4`` with timeouts, cancellations, server
resets and closes mixed in; afterwards every slot is free and a request succeeds."""

from __future__ import annotations

import asyncio
import random

from aiohttpc import Client, Timeout
from tests.fast_server import FastServer

TOTAL = 10_000
BATCH = 200


async def test_soak_leaves_every_slot_free() -> None:
    rng = random.Random(1234)
    kinds = (
        ["/ok"] * 86
        + ["/hang"] * 2
        + ["/reset"] * 4
        + ["/close"] * 4
        + ["/stall"] * 2
        + ["cancel"] * 2
    )
    outcomes: dict[str, int] = {}
    with FastServer() as s:
        async with Client(limit=4, timeout=Timeout(connect=5, read=0.02, pool=30)) as c:

            async def one(path: str) -> str:
                try:
                    await c.get(s.url(path))
                except TimeoutError:
                    return "timeout"
                except ConnectionError:
                    return "reset"
                return "ok"

            done = 0
            while done < TOTAL:
                tasks = []
                for _ in range(BATCH):
                    kind = rng.choice(kinds)
                    path = "/slow?ms=1000" if kind == "cancel" else kind
                    tasks.append((kind, asyncio.ensure_future(one(path))))
                await asyncio.sleep(0.005)
                for kind, task in tasks:
                    if kind == "cancel":
                        task.cancel()
                results = await asyncio.gather(*(t for _, t in tasks), return_exceptions=True)
                for r in results:
                    key = "cancelled" if isinstance(r, asyncio.CancelledError) else str(r)
                    outcomes[key] = outcomes.get(key, 0) + 1
                done += BATCH
                stats = c.pool.stats()
                assert stats["open"] <= 4 and stats["waiting"] == 0
            stats = c.pool.stats()
            assert stats["open"] == stats["idle"] and stats["waiting"] == 0
            r = await c.get(s.url("/ok"))
            assert r.status == 200 and r.content == b"ok"
    assert sum(outcomes.values()) == TOTAL
    assert outcomes.keys() == {"ok", "timeout", "reset", "cancelled"}, outcomes
    assert outcomes["ok"] > TOTAL * 0.8
    # a read timeout or a cancellation inside a request never leaves a slot behind, and
    # a reset or close on a reused connection is retried (GET): most of them succeed
