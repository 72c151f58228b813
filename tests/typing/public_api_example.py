"""A program using the public API, kept ``mypy --strict`` clean by test_typing.py."""

from __future__ import annotations

import contextlib

import aiohttpc
import sync_facade
from aiohttpc import Client, CrawlResult, HTTPConnection, HTTPResponse, Response, Timeout


async def core(host: str, port: int) -> bytes:
    async with HTTPConnection(host, port, timeout=5) as conn:
        await conn.request("GET", "/", headers={"Accept": "*/*"})
        resp: HTTPResponse = await conn.getresponse()
        status: int = resp.status
        kind: str | None = resp.getheader("Content-Type")
        body: bytes = await resp.read()
        return body if status == 200 and kind else b""


async def client(url: str) -> list[str]:
    timeout = Timeout(connect=5, read=30)
    async with Client(timeout=timeout, dns_ttl=300, max_headers=200) as c:
        r: Response = await c.get(url, params={"q": "x"})
        text: str = await r.text()
        found: list[str] = [text]
        crawl = c.crawl([url, url + "?2"], concurrency=8, per_host=2, robots=True)
        async with contextlib.aclosing(crawl):
            async for result in crawl:
                if result.response is not None:
                    status: int = result.response.status
                    found.append(str(status))
        return found


async def distributed(urls: list[str]) -> int:
    ok = 0
    async for result in aiohttpc.ray_crawl(urls, workers=2, per_host=2):
        done: CrawlResult = result
        ok += done.ok
    return ok


def blocking(host: str, port: int) -> tuple[int, bytes]:
    conn = sync_facade.HTTPConnection(host, port, timeout=5)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def main() -> None:
    print(aiohttpc.run(core("127.0.0.1", 8080)), aiohttpc.__version__)
