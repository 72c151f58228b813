"""What a connection costs in memory while a crawler holds thousands of them."""

from __future__ import annotations

import asyncio
import os
import tracemalloc

from aiohttpc import HTTPConnection
from tests.servers import ScriptedServer, replies, response

CONNECTIONS = 100
# Bytes allocated in our modules for one connection with a response held unread, by
# loop: ~2.0 KiB on the default loop and ~2.5 KiB on uvloop (whose transport is made
# inside our connect call, so it counts here) when this was written. The margin is
# ~0.4 KiB: one more empty deque per connection (0.7 KiB) fails it on both loops.
BOUND = {"asyncio": 2400, "uvloop": 2900}


def _ours(snapshot_diff: list[tracemalloc.StatisticDiff]) -> int:
    package = os.sep + "aiohttpc" + os.sep
    return sum(s.size_diff for s in snapshot_diff if package in s.traceback[0].filename)


async def test_a_connection_holding_a_response_stays_small() -> None:
    loop_kind = "uvloop" if "uvloop" in type(asyncio.get_running_loop()).__module__ else "asyncio"
    with ScriptedServer(replies(response(body=b"hello"))) as s:
        conns = [HTTPConnection("127.0.0.1", s.port, timeout=10) for _ in range(CONNECTIONS)]
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()

            async def hold(c: HTTPConnection) -> object:
                await c.request("GET", "/")
                return await c.getresponse()

            held = await asyncio.gather(*(hold(c) for c in conns))
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        per_connection = _ours(after.compare_to(before, "filename")) / CONNECTIONS
        for r in held:
            assert await r.read() == b"hello"  # type: ignore[attr-defined]
        await asyncio.gather(*(c.close() for c in conns))
    bound = BOUND[loop_kind]
    assert per_connection < bound, f"{per_connection:.0f} bytes per connection ({loop_kind})"
