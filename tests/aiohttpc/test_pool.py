"""The connection pool with real connections on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Hashable

import pytest

from aiohttpc import HTTPConnection
from aiohttpc.client.pool import Lease, Pool
from aiohttpc.client.pool_policy import parse_keep_alive
from aiohttpc.client.timeouts import PoolTimeout
from tests.app_server import AppServer
from tests.servers import ScriptedServer, replies, response


def factory_for(*servers: AppServer | ScriptedServer):
    def factory(key: Hashable) -> HTTPConnection:
        return HTTPConnection("127.0.0.1", servers[key].port, timeout=5)  # type: ignore[index]

    return factory


async def roundtrip(pool: Pool, lease: Lease, path: str = "/") -> bytes:
    conn = lease.conn
    try:
        if not conn.connected:
            await conn.connect()
        await conn.request("GET", path)
        resp = await conn.getresponse()
        body = await resp.read()
    except BaseException:
        pool.discard(lease)
        raise
    pool.release(lease, reusable=True)
    return body


async def until(predicate, limit: float = 5.0) -> None:
    for _ in range(int(limit / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_idle_connection_is_reused() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s))
        first = await pool.acquire(0)
        assert not first.reused
        assert await roundtrip(pool, first) == b"path /"
        assert pool.stats() == {"open": 1, "idle": 1, "waiting": 0, "origins": 1}
        second = await pool.acquire(0)
        assert second is first and second.reused
        await roundtrip(pool, second)
        await pool.aclose()
        assert s.conn_count == 1
        assert pool.stats()["open"] == 0


async def test_per_host_limit_bounds_concurrent_connections() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), limit=10, limit_per_host=2)

        async def one() -> None:
            await roundtrip(pool, await pool.acquire(0), "/slow?delay=0.05")

        await asyncio.gather(*(one() for _ in range(8)))
        await pool.aclose()
        assert s.max_active <= 2
        assert s.conn_count == 2
        assert len(s.seen) == 8


async def test_total_limit_evicts_the_least_recently_used_idle_connection() -> None:
    with AppServer() as a, AppServer() as b, AppServer() as c:
        pool = Pool(factory_for(a, b, c), limit=2)
        la = await pool.acquire(0)
        await roundtrip(pool, la)
        lb = await pool.acquire(1)
        await roundtrip(pool, lb)
        lc = await pool.acquire(2)  # no room: a's idle connection (least recent) goes
        assert not la.conn.connected and lb.conn.connected
        await roundtrip(pool, lc)
        assert pool.stats()["open"] == 2
        await pool.aclose()


async def test_pool_timeout_and_the_slot_stays_usable() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), limit=1)
        held = await pool.acquire(0)
        with pytest.raises(PoolTimeout) as info:
            await pool.acquire(0, timeout=0.05)
        assert isinstance(info.value, TimeoutError)
        assert pool.stats()["waiting"] == 0
        await roundtrip(pool, held)
        again = await pool.acquire(0, timeout=1)
        assert again is held
        pool.release(again, reusable=True)
        await pool.aclose()


async def test_cancelled_waiter_takes_nothing() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), limit=1)
        held = await pool.acquire(0)
        waiter = asyncio.ensure_future(pool.acquire(0))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await roundtrip(pool, held)
        assert (await pool.acquire(0, timeout=1)) is held
        pool.release(held, reusable=True)
        await pool.aclose()


async def test_lease_granted_to_a_cancelled_waiter_comes_back() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), limit=1)
        held = await pool.acquire(0)
        await roundtrip(pool, held)  # connected, idle
        held = await pool.acquire(0)
        waiter = asyncio.ensure_future(pool.acquire(0))
        await asyncio.sleep(0)
        pool.release(held, reusable=True)  # handed to the waiter...
        waiter.cancel()  # ... which is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert pool.stats() == {"open": 1, "idle": 1, "waiting": 0, "origins": 1}
        assert (await pool.acquire(0)) is held
        pool.release(held, reusable=True)
        await pool.aclose()


async def test_failed_connect_frees_its_slot() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    pool = Pool(lambda key: HTTPConnection("127.0.0.1", port, timeout=2), limit=1)
    for _ in range(3):
        lease = await pool.acquire(0, timeout=1)
        with pytest.raises(ConnectionRefusedError):
            await roundtrip(pool, lease)
        assert pool.stats()["open"] == 0
    await pool.aclose()


async def test_idle_connections_expire() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), keepalive_expiry=0.2)
        lease = await pool.acquire(0)
        await roundtrip(pool, lease)
        await until(lambda: pool.stats()["idle"] == 0)
        assert not lease.conn.connected
        fresh = await pool.acquire(0)
        assert fresh is not lease and not fresh.reused
        await roundtrip(pool, fresh)
        await pool.aclose()
        assert s.conn_count == 2


async def test_keep_alive_hint_shortens_the_expiry() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), keepalive_expiry=30)
        lease = await pool.acquire(0)
        await lease.conn.connect()
        await lease.conn.request("GET", "/keepalive?timeout=1")
        resp = await lease.conn.getresponse()
        await resp.read()
        hint = parse_keep_alive(resp.getheader("Keep-Alive"))
        assert hint == 1.0
        pool.release(lease, reusable=True, keep_alive=hint)
        assert lease.expires - time.monotonic() <= 0.5  # not the pool's 30 s
        await until(lambda: pool.stats()["idle"] == 0)
        assert not lease.conn.connected
        await pool.aclose()


async def test_idle_connection_closed_by_the_server_is_not_reused() -> None:
    ok = response(body=b"one")
    with ScriptedServer(replies(ok, close=True)) as s:
        pool = Pool(factory_for(s))
        lease = await pool.acquire(0)
        assert await roundtrip(pool, lease) == b"one"
        await until(lambda: not lease.conn.connected)  # the server closed it while idle
        fresh = await pool.acquire(0)
        assert fresh is not lease and not fresh.reused
        assert pool.stats()["open"] == 1
        assert await roundtrip(pool, fresh) == b"one"
        await pool.aclose()


async def test_waiters_are_served_in_order() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), limit=1)
        held = await pool.acquire(0)
        order: list[int] = []

        async def wait(i: int) -> None:
            lease = await pool.acquire(0, timeout=5)
            order.append(i)
            await roundtrip(pool, lease)

        tasks = [asyncio.ensure_future(wait(i)) for i in range(5)]
        await asyncio.sleep(0.01)
        await roundtrip(pool, held)
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2, 3, 4]
        assert s.conn_count == 1
        await pool.aclose()


async def test_released_connection_makes_room_for_another_origin() -> None:
    with AppServer() as a, AppServer() as b:
        pool = Pool(factory_for(a, b), limit=1)
        la = await pool.acquire(0)
        other = asyncio.ensure_future(pool.acquire(1, timeout=5))
        await asyncio.sleep(0.01)
        assert not other.done()
        await roundtrip(pool, la)  # reusable, but b waits: closed to free the slot
        lb = await other
        assert not la.conn.connected
        assert await roundtrip(pool, lb) == b"path /"
        assert pool.stats() == {"open": 1, "idle": 1, "waiting": 0, "origins": 1}
        await pool.aclose()
        assert pool.stats()["origins"] == 0


async def test_waiters_of_different_hosts_are_served_in_arrival_order() -> None:
    with AppServer() as a, AppServer() as b:
        pool = Pool(factory_for(a, b), limit=1)
        held = await pool.acquire(0)
        await roundtrip(pool, held)
        held = await pool.acquire(0)
        order: list[str] = []

        async def wait(key: int, name: str) -> None:
            lease = await pool.acquire(key, timeout=5)
            order.append(name)
            await roundtrip(pool, lease)

        tasks = []
        for name, key in [("a1", 0), ("b1", 1), ("a2", 0), ("b2", 1), ("a3", 0)]:
            tasks.append(asyncio.ensure_future(wait(key, name)))
            await asyncio.sleep(0)  # queued in this order
        await roundtrip(pool, held)
        await asyncio.gather(*tasks)
        # a host with waiters of its own does not keep the slot from an earlier waiter
        assert order == ["a1", "b1", "a2", "b2", "a3"]
        await pool.aclose()


async def test_aclose_fails_waiters_and_refuses_new_acquires() -> None:
    with AppServer() as s:
        pool = Pool(factory_for(s), limit=1)
        held = await pool.acquire(0)
        waiter = asyncio.ensure_future(pool.acquire(0))
        await asyncio.sleep(0)
        await pool.aclose()
        with pytest.raises(RuntimeError):
            await waiter
        with pytest.raises(RuntimeError):
            await pool.acquire(0)
        pool.release(held, reusable=True)  # a lent connection is closed on return
        assert pool.stats()["open"] == 0


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        Pool(lambda k: HTTPConnection("x"), limit=0)
    with pytest.raises(ValueError):
        Pool(lambda k: HTTPConnection("x"), limit_per_host=0)


async def test_an_origin_nobody_waits_for_stays_small() -> None:
    """A crawler holds an origin per host it has a connection to: bookkeeping per origin
    must not carry an (empty) waiter queue, which alone would be ~0.7 KiB."""
    import tracemalloc

    def factory(key: Hashable) -> HTTPConnection:
        return HTTPConnection("127.0.0.1", 9, timeout=5)  # never connected here

    pool = Pool(factory, limit=None)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        leases = [await pool.acquire(("http", f"host{i}", 80)) for i in range(500)]
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    pool_module = os.path.join("aiohttpc", "pool.py")
    in_pool = sum(
        s.size_diff
        for s in after.compare_to(before, "filename")
        if s.traceback[0].filename.endswith(pool_module)
    )
    assert pool.stats()["origins"] == 500
    assert in_pool / 500 < 512, f"{in_pool / 500:.0f} bytes of pool bookkeeping per origin"
    for lease in leases:
        pool.discard(lease)
    await pool.aclose()
    assert pool.stats()["origins"] == 0
