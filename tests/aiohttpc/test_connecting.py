"""Connecting: the pool's DNS cache, RFC 8305 address racing, the head limits.

Names are resolved by a counting lookup that maps made-up names to loopback
addresses; every address connected to is 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

import aiohttpc
from aiohttpc import Client, HTTPConnection
from aiohttpc._aio.dialer import dial, interleave
from aiohttpc._aio.resolver import AddrInfo, Resolver
from tests.fast_server import FastServer
from tests.servers import ScriptedServer, refused_port, replies
from tests.stdlib_reading import stdlib_reads

V4, V6, TCP = socket.AF_INET, socket.AF_INET6, socket.SOCK_STREAM


def info(host: str, port: int) -> AddrInfo:
    family = V6 if ":" in host else V4
    sockaddr: tuple[Any, ...] = (host, port, 0, 0) if family == V6 else (host, port)
    return (family, TCP, socket.IPPROTO_TCP, "", sockaddr)


class CountingLookup:
    """Resolves names from a table, counting calls; ``gate`` holds every lookup."""

    def __init__(self, table: dict[str, list[AddrInfo]]) -> None:
        self.table = table
        self.calls: list[str] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self, host: str, port: int) -> Sequence[AddrInfo]:
        self.calls.append(host)
        if self.gate is not None:
            await asyncio.wait_for(self.gate.wait(), 10)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


@contextlib.contextmanager
def black_hole(host: str = "127.0.0.1") -> Iterator[tuple[str, int]]:
    """A listener whose accept queue is full: a new connect to it gets no answer."""
    family = V6 if ":" in host else V4
    with socket.socket(family) as listener, socket.socket(family) as filler:
        listener.bind((host, 0))
        listener.listen(0)
        address = listener.getsockname()[:2]
        filler.connect(address)  # takes the one place in the queue
        yield address


# -- the cache ----------------------------------------------------------------------------


def test_ten_thousand_urls_on_a_hundred_hosts_cost_a_hundred_lookups() -> None:
    """(Once, on uvloop: 10,000 connections are the slow part, not the loop.)"""
    with FastServer() as server:
        names = [f"h{i}.crawl.test" for i in range(100)]
        lookup = CountingLookup({n: [info("127.0.0.1", server.port)] for n in names})
        # /close: the server closes every connection, so each request connects anew
        urls = [f"http://{names[i % 100]}:{server.port}/close?{i}" for i in range(10_000)]

        async def crawl() -> list[Any]:
            async with Client(lookup=lookup, timeout=10, dns_ttl=3600) as c:
                return [r async for r in c.crawl(urls, concurrency=64, per_host=2)]

        results = aiohttpc.run(crawl())
    assert len(results) == 10_000 and all(r.ok for r in results), [
        r.error for r in results if not r.ok
    ][:3]
    assert server.connections == 10_000
    assert sorted(lookup.calls) == sorted(names)


async def test_lookups_of_one_name_at_once_are_one_lookup() -> None:
    lookup = CountingLookup({"a.test": [info("127.0.0.1", 80)]})
    lookup.gate = asyncio.Event()
    resolver = Resolver(60, lookup=lookup)
    waiters = [asyncio.ensure_future(resolver.resolve("A.test", 80)) for _ in range(50)]
    await asyncio.sleep(0)
    waiters[0].cancel()  # one caller giving up does not cancel the lookup for the rest
    lookup.gate.set()
    done = await asyncio.gather(*waiters[1:])
    assert lookup.calls == ["a.test"]
    assert all(d == [info("127.0.0.1", 80)] for d in done)
    assert waiters[0].cancelled()
    await resolver.resolve("a.test", 80)
    assert resolver.lookups == 1


async def test_entries_expire_failures_are_not_kept_and_the_cache_is_bounded() -> None:
    lookup = CountingLookup({f"n{i}.test": [info("127.0.0.1", 80)] for i in range(5)})
    resolver = Resolver(0.05, lookup=lookup, max_names=3)
    await resolver.resolve("n0.test", 80)
    await resolver.resolve("n0.test", 80)
    assert resolver.lookups == 1
    expires = time.monotonic() + 0.05
    while time.monotonic() <= expires:  # bounded: a clock, not a guess
        await asyncio.sleep(0.01)
    await resolver.resolve("n0.test", 80)
    assert resolver.lookups == 2
    for _ in range(2):
        with pytest.raises(socket.gaierror):
            await resolver.resolve("nowhere.test", 80)
    assert lookup.calls.count("nowhere.test") == 2
    resolver.ttl = 60
    for i in range(5):
        await resolver.resolve(f"n{i}.test", 80)
    assert len(resolver._cache) == 3
    assert Resolver(0, lookup=lookup).ttl == 0
    with pytest.raises(ValueError):
        Resolver(-1)


async def test_a_name_that_does_not_resolve_fails_the_request_with_gaierror() -> None:
    lookup = CountingLookup({})
    async with Client(lookup=lookup) as c:
        with pytest.raises(socket.gaierror):
            await c.get("http://nowhere.test/")
    assert lookup.calls == ["nowhere.test"]


async def test_ip_literals_and_plain_core_connections_ask_no_resolver() -> None:
    with FastServer() as server:
        lookup = CountingLookup({})
        async with Client(lookup=lookup) as c:
            r = await c.get(server.url("/ok"))
            assert r.content == b"ok"
        conn = HTTPConnection("localhost", server.port)  # the loop looks it up itself
        try:
            await conn.request("GET", "/ok")
            resp = await conn.getresponse()
            assert await resp.read() == b"ok"
        finally:
            await conn.close()
    assert lookup.calls == []


# -- racing the addresses (RFC 8305) -----------------------------------------------------------


def test_families_are_interleaved_starting_with_the_first() -> None:
    a4, b4, c4 = info("127.0.0.1", 1), info("127.0.0.2", 1), info("127.0.0.3", 1)
    a6, b6 = info("::1", 1), info("::1", 2)
    assert interleave([a6, b6, a4, b4, c4]) == [a6, a4, b6, b4, c4]
    assert interleave([a4, b4, a6]) == [a4, a6, b4]
    assert interleave([]) == []


async def test_a_refused_address_moves_on_to_the_next_at_once() -> None:
    with FastServer() as server:
        table = {
            "two.test": [
                info("127.0.0.3", refused_port("127.0.0.3")),
                info("127.0.0.1", server.port),
            ]
        }
        async with Client(lookup=CountingLookup(table), happy_eyeballs_delay=30, timeout=10) as c:
            r = await c.get(f"http://two.test:{server.port}/ok")
        assert r.content == b"ok"


@pytest.mark.parametrize("hole", ["127.0.0.1", "::1"])
async def test_an_address_that_never_answers_is_raced_by_the_next(hole: str) -> None:
    with black_hole(hole) as silent, FastServer() as server:
        table = {"slow.test": [info(*silent), info("127.0.0.1", server.port)]}
        lookup = CountingLookup(table)
        async with Client(lookup=lookup, happy_eyeballs_delay=0.05, timeout=20) as c:
            r = await c.get(f"http://slow.test:{server.port}/ok")
            assert r.content == b"ok"
        # without racing, the same addresses wait on the silent one until the timeout
        async with Client(lookup=lookup, happy_eyeballs_delay=None, timeout=0.5) as c:
            with pytest.raises(TimeoutError):
                await c.get(f"http://slow.test:{server.port}/ok")


async def test_when_every_address_fails_the_errors_are_raised() -> None:
    one = [info("127.0.0.2", refused_port("127.0.0.2"))]
    with pytest.raises(ConnectionRefusedError):
        await dial(one, delay=0.01)
    two = [*one, info("::1", refused_port("::1"))]
    with pytest.raises(OSError, match="Multiple exceptions"):
        await dial(two, delay=0.01)


async def test_a_source_address_keeps_to_its_family() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        infos = [info("::1", refused_port("::1")), info("127.0.0.1", port)]
        sock = await dial(infos, delay=5, local_addr=("127.0.0.1", 0))
        with sock:
            assert sock.getpeername() == ("127.0.0.1", port)
            accepted, _ = listener.accept()
            accepted.close()
        with pytest.raises(OSError, match="no address"):
            await dial(infos[:1], local_addr=("127.0.0.1", 0))


# -- head limits ----------------------------------------------------------------------------


MANY_HEADERS = (
    b"HTTP/1.1 200 OK\r\n"
    + b"".join(b"X-%d: v\r\n" % i for i in range(8))
    + b"Content-Length: 0\r\n\r\n"
)
LONG_LINE = b"HTTP/1.1 200 OK\r\nX-Long: " + b"v" * 300 + b"\r\nContent-Length: 0\r\n\r\n"


@pytest.mark.parametrize(
    ("reply", "limits"),
    [(MANY_HEADERS, (65536, 5)), (LONG_LINE, (200, 100)), (MANY_HEADERS, (65536, 9))],
)
async def test_client_head_limits_match_the_stdlib_with_the_same_limits(
    reply: bytes, limits: tuple[int, int]
) -> None:
    saved = http.client._MAXLINE, http.client._MAXHEADERS  # type: ignore[attr-defined]
    http.client._MAXLINE, http.client._MAXHEADERS = limits  # type: ignore[attr-defined]
    try:
        try:
            expected: Any = stdlib_reads(reply, "GET", lambda r: ("ok", r.status))
        except http.client.HTTPException as exc:
            expected = ("error", type(exc), str(exc))
    finally:
        http.client._MAXLINE, http.client._MAXHEADERS = saved  # type: ignore[attr-defined]
    with ScriptedServer(replies(reply)) as server:
        async with Client(max_line=limits[0], max_headers=limits[1]) as c:
            try:
                r = await c.get(f"http://127.0.0.1:{server.port}/")
                got: Any = ("ok", r.status)
            except http.client.HTTPException as exc:
                got = ("error", type(exc), str(exc))
    assert got == expected


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        Client(max_line=0)


async def test_a_connection_made_as_its_wait_ends_is_handed_to_discard() -> None:
    """What connect() relies on to close a transport that came just too late."""
    from aiohttpc._aio.protocol import bounded

    fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    seen: list[str] = []
    task = asyncio.ensure_future(bounded(fut, 10, seen.append))
    await asyncio.sleep(0)  # the task waits
    fut.set_result("connected")
    task.cancel()  # gives up in the same turn of the loop
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["connected"]
