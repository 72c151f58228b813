"""``client.crawl``: one result per URL, per-host limits, bounded look-ahead."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from aiohttpc import Client, CrawlResult
from aiohttpc.client.response import HTTPStatusError
from tests.app_server import AppServer
from tests.fast_server import FastServer
from tests.servers import refused_port


async def test_every_url_gets_exactly_one_result() -> None:
    with FastServer() as a, FastServer() as b, AppServer() as app:
        dead = refused_port()
        urls = []
        for i in range(60):
            urls.append(a.url(f"/ok?{i}"))
            urls.append(b.url(f"/ok?{i}"))
        urls += [app.url("/status/404"), f"http://127.0.0.1:{dead}/", "ftp://nope/", "::bad::"]
        urls += [a.url(f"/reset?{i}") for i in range(5)]
        async with Client(timeout=5) as c:
            results = [r async for r in c.crawl(urls, concurrency=16, per_host=4)]
            stats = c.pool.stats()
            assert stats["open"] == stats["idle"]
    assert sorted(r.url for r in results) == sorted(urls)
    for r in results:
        assert (r.response is None) != (r.error is None)
    by_url = {r.url: r for r in results}
    assert by_url[app.url("/status/404")].response.status == 404  # an HTTP answer, not an error
    assert isinstance(by_url[f"http://127.0.0.1:{dead}/"].error, ConnectionRefusedError)
    assert by_url["ftp://nope/"].error is not None
    ok = [r for r in results if r.ok and r.response.status == 200]
    assert len(ok) == 120 and all(r.response.content == b"ok" for r in ok)


async def test_per_host_limit_and_a_busy_host_does_not_hold_up_others() -> None:
    with AppServer() as slow, FastServer("127.0.0.2") as fast:  # another host
        urls = [slow.url(f"/slow?delay=0.1&i={i}") for i in range(12)]
        urls += [fast.url(f"/ok?{i}") for i in range(12)]
        order: list[str] = []
        async with Client() as c:
            async for r in c.crawl(urls, concurrency=8, per_host=2):
                assert r.ok, r.error
                order.append("fast" if "127.0.0.2" in r.url else "slow")
        assert slow.max_active <= 2
        # the fast host's URLs came after the slow host's in the list, yet finish first
        assert order[:12].count("fast") == 12


async def test_lookahead_bounds_what_is_pulled_from_the_source() -> None:
    pulled = 0
    yielded = 0
    worst = 0

    def source() -> Iterator[str]:
        nonlocal pulled
        for i in range(2000):
            pulled += 1
            yield s.url(f"/ok?{i}")

    with FastServer() as s:
        async with Client() as c:
            async for r in c.crawl(source(), concurrency=10, per_host=10, lookahead=20):
                yielded += 1
                worst = max(worst, pulled - yielded)
                assert r.ok
    assert yielded == 2000
    assert worst <= 10 + 20 + 1


async def test_async_source_rate_and_early_exit() -> None:
    async def source() -> AsyncIterator[str]:
        for i in range(1000):
            yield s.url(f"/slow?ms=50&i={i}")
            await asyncio.sleep(0)

    with FastServer() as s:
        async with Client() as c:
            got: list[CrawlResult] = []
            async with contextlib.aclosing(c.crawl(source(), concurrency=20, per_host=None)) as it:
                async for r in it:
                    got.append(r)
                    if len(got) == 5:
                        break
            stats = c.pool.stats()
            assert stats["open"] == stats["idle"]  # the rest was cancelled, slots freed
            # without aclosing, the loop's async-generator finalizer does the same a little later
            async for _r in c.crawl(source(), concurrency=20, per_host=None):
                break
            for _ in range(500):
                stats = c.pool.stats()
                if stats["open"] == stats["idle"]:
                    break
                await asyncio.sleep(0.01)
            assert stats["open"] == stats["idle"]
        assert s.requests < 100


async def test_process_streams_each_response(tmp_path: Any) -> None:
    with AppServer() as s:

        async def save(response: Any) -> int:
            response.raise_for_status()
            return await response.save(tmp_path / response.url.rsplit("/", 1)[1])

        urls = [s.url(f"/bytes/{n}") for n in (10, 100_000, 3_000_000)] + [s.url("/status/500")]
        async with Client() as c:
            results = {r.url: r async for r in c.crawl(urls, process=save)}
        for n in (10, 100_000, 3_000_000):
            assert results[s.url(f"/bytes/{n}")].value == n
            assert (tmp_path / str(n)).stat().st_size == n
        assert isinstance(results[s.url("/status/500")].error, HTTPStatusError)


async def test_a_run_of_bad_urls_is_yielded_as_it_comes() -> None:
    pulled = 0

    def source():
        nonlocal pulled
        for i in range(10_000):
            pulled += 1
            yield f"ftp://bad/{i}"

    async with Client() as c:
        seen = 0
        async for r in c.crawl(source(), concurrency=8):
            seen += 1
            assert r.error is not None
            assert pulled - seen <= 8 + 1  # never a growing pile of results
    assert seen == 10_000


async def test_bad_arguments() -> None:
    async with Client() as c:
        with pytest.raises(ValueError):
            async for _ in c.crawl([], concurrency=0):
                pass
