"""The client against nginx (Debian's package): static files, gzip, redirects, the
Keep-Alive hint, big downloads and sendfile uploads."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from aiohttpc import Client
from tests.real_servers import nginx

TEXT = ("All work and no play makes Jack a dull boy.\n" * 2000).encode()


@pytest.fixture(scope="module")
def site(tmp_path_factory: Any) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("www")
    (root / "hello.txt").write_bytes(TEXT)
    with open(root / "big.bin", "wb") as f:
        for i in range(32):
            f.write(hashlib.sha256(b"%d" % i).digest() * (1 << 15))  # 1 MiB each
    with nginx(str(root)) as base:
        yield base, str(root)


async def test_static_file_gzip_and_raw(site: tuple[str, str]) -> None:
    base, _ = site
    async with Client() as c:
        r = await c.get(base + "/hello.txt")
        assert r.status == 200 and r.content == TEXT
        assert r.headers.get("content-encoding") == "gzip"
        assert r.trace.bytes_received < len(TEXT) // 10
    async with Client(decode=False) as c:
        r = await c.get(base + "/hello.txt")
        assert r.headers.get("content-encoding") is None and r.content == TEXT


async def test_redirects(site: tuple[str, str]) -> None:
    base, _ = site
    async with Client() as c:
        r = await c.get(base + "/moved")
        assert r.status == 200 and r.content == TEXT and r.history[0].status == 301
        r = await c.post(base + "/see-other", content=b"x", follow_redirects=True)
        assert r.status == 200 and r.request.method == "GET"
        r = await c.get(base + "/missing")
        assert r.status == 404


async def test_keep_alive_hint_is_honoured(site: tuple[str, str]) -> None:
    base, _ = site
    async with Client(keepalive_expiry=60) as c:
        r = await c.get(base + "/hello.txt")
        assert r.headers.get("keep-alive") == "timeout=2"
        assert c.pool.stats()["idle"] == 1
        for _ in range(500):  # nginx closes after 2 s; we let go 0.5 s earlier
            if c.pool.stats()["idle"] == 0:
                break
            await asyncio.sleep(0.01)
        assert c.pool.stats() == {"open": 0, "idle": 0, "waiting": 0, "origins": 0}
        r2 = await c.get(base + "/hello.txt")
        assert not r2.trace.connection_reused and not r2.trace.retried


async def test_download_and_upload(site: tuple[str, str], tmp_path: Any) -> None:
    base, root = site
    async with Client() as c:
        out = tmp_path / "big.bin"
        await c.download(base + "/big.bin", out)
        with open(os.path.join(root, "big.bin"), "rb") as f:
            expected = hashlib.sha256(f.read()).digest()
        assert hashlib.sha256(out.read_bytes()).digest() == expected
        with open(out, "rb") as f:
            r = await c.post(base + "/sink", content=f)
        assert r.status == 204
        assert r.trace.body_path == "sendfile"
        assert r.trace.bytes_sent > 32 << 20


async def test_many_requests_within_the_per_host_limit(site: tuple[str, str]) -> None:
    base, _ = site
    peak = 0
    async with Client(limit_per_host=8) as c:

        def watch(_: Any) -> None:
            nonlocal peak
            peak = max(peak, c.pool.stats()["open"])

        c.hooks.connection.append(watch)
        urls = [f"{base}/hello.txt?{i}" for i in range(300)]
        results = [r async for r in c.crawl(urls, concurrency=64, per_host=None)]
    assert len(results) == 300 and all(r.ok and r.response.content == TEXT for r in results)
    assert peak <= 8
