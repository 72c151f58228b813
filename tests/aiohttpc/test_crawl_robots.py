"""``crawl(..., robots=True)`` and crawls fed by an async source that waits."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from urllib.robotparser import RobotFileParser

import aiohttpc
from aiohttpc import Client, RobotsDisallowed
from tests.app_server import AppServer
from tests.fast_server import FastServer
from tests.servers import refused_port

RULES = b"""\
User-agent: somebot
Disallow: /

User-agent: aiohttpc
Allow: /private/open
Disallow: /private

User-agent: *
Disallow: /nobody
"""
DELAYED = RULES.replace(b"Disallow: /private\n", b"Disallow: /private\nCrawl-delay: 1\n")
PATHS = ["/", "/a", "/private", "/private/x", "/private/open/y", "/nobody", "/a?b=c"]


async def crawl_all(c: Client, urls: list[str], **kw: object) -> dict[str, object]:
    return {r.url: r async for r in c.crawl(urls, **kw)}  # type: ignore[arg-type]


async def test_rules_are_the_stdlib_parsers_and_fetched_once_per_host() -> None:
    with AppServer(robots=(200, RULES)) as server:
        urls = [server.url(p) + f"#{i}" for p in PATHS for i in range(5)]
        async with Client(headers={"User-Agent": "aiohttpc/1.0"}) as c:
            results = await crawl_all(c, urls, concurrency=16, per_host=8, robots=True)
        requested = [s.path for s in server.seen]
    stdlib = RobotFileParser()
    stdlib.parse(RULES.decode().splitlines())
    assert len(results) == len(urls)
    for url, r in results.items():
        allowed = stdlib.can_fetch("aiohttpc/1.0", url)
        assert r.ok == allowed, url  # type: ignore[attr-defined]
        if not allowed:
            assert isinstance(r.error, RobotsDisallowed)  # type: ignore[attr-defined]
            assert "disallowed by robots.txt" in str(r.error)  # type: ignore[attr-defined]
    assert requested.count("/robots.txt") == 1
    assert not any(p.startswith("/private/x") for p in requested)
    assert sum(p.startswith("/private/open") for p in requested) == 5


def test_crawl_delay_spaces_the_hosts_requests() -> None:
    """(Once, on uvloop: it waits on the clock, whatever the loop.)"""

    async def crawl(urls: list[str]) -> dict[str, object]:
        async with Client(headers={"User-Agent": "aiohttpc"}) as c:
            return await crawl_all(c, urls, per_host=4, robots=True)

    with AppServer(robots=(200, DELAYED)) as server:
        results = aiohttpc.run(crawl([server.url(f"/a{i}") for i in range(3)]))
        times = sorted(s.at for s in server.seen if s.path != "/robots.txt")
    assert all(r.ok for r in results.values())  # type: ignore[attr-defined]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Crawl-delay (whole seconds, as urllib.robotparser reads it): one request a second
    assert len(gaps) == 2 and min(gaps) > 0.9


async def test_what_an_unreadable_robots_txt_means() -> None:
    # urllib.robotparser's reading: 401/403 forbid all, other 4xx allow all, 5xx forbid
    cases = {404: True, 410: True, 401: False, 403: False, 500: False, 503: False}
    for status, allowed in cases.items():
        with AppServer(robots=(status, b"Disallow: /")) as server:
            async with Client() as c:
                results = await crawl_all(c, [server.url("/x"), server.url("/y")], robots=True)
        assert all(r.ok == allowed for r in results.values()), status  # type: ignore[attr-defined]
        if not allowed:
            assert all(f"answered {status}" in str(r.error) for r in results.values())  # type: ignore[attr-defined]


async def test_an_unreachable_host_is_disallowed_and_asked_once() -> None:
    port = refused_port()
    urls = [f"http://127.0.0.1:{port}/{i}" for i in range(6)]
    async with Client(timeout=5) as c:
        from aiohttpc.client.crawl import crawl

        results = [r async for r in crawl(c, urls, robots=True)]
    assert len(results) == 6
    assert all(isinstance(r.error, RobotsDisallowed) for r in results)
    assert all("unreachable" in str(r.error) for r in results)


async def test_results_come_while_an_async_source_waits_for_more() -> None:
    with FastServer() as server:
        first_three = asyncio.Event()
        got: list[str] = []

        async def source() -> AsyncIterator[str]:
            for i in range(3):
                yield server.url(f"/ok?{i}")
            await asyncio.wait_for(first_three.wait(), 10)  # until those three came back
            for i in range(3, 6):
                yield server.url(f"/ok?{i}")

        async with Client() as c, asyncio.timeout(20):
            async for r in c.crawl(source()):
                assert r.ok
                got.append(r.url)
                if len(got) == 3:
                    first_three.set()
    assert sorted(got) == sorted(server.url(f"/ok?{i}") for i in range(6))


async def test_leaving_early_closes_an_async_source_that_is_waiting() -> None:
    closed = asyncio.Event()
    with FastServer() as server:

        async def source() -> AsyncIterator[str]:
            try:
                yield server.url("/ok")
                await asyncio.Event().wait()  # never more
                yield "unreachable"
            finally:
                closed.set()

        async with Client() as c, asyncio.timeout(10):
            gen = c.crawl(source())
            async for r in gen:
                assert r.ok
                break
            await gen.aclose()  # type: ignore[attr-defined]
    assert closed.is_set()


def test_the_error_pickles_whole() -> None:
    """Results cross processes (ray_crawl): the error must arrive as itself."""
    import pickle

    exc = RobotsDisallowed("http://h/x", "bot/1", "robots.txt answered 403")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is RobotsDisallowed and str(back) == str(exc)
    assert (back.url, back.agent, back.why) == ("http://h/x", "bot/1", "robots.txt answered 403")
