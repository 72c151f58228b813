"""Async clients: each coroutine runs one scenario and returns what it counted.

S2 runs 64 tasks and S3 one task per connection, each task with its own connection
where the client lets us choose. ``Floor`` is the limit for any asyncio client: a bare
protocol that writes a canned request and counts the response's bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

from .server import SMALL, vhost

HOST = "127.0.0.1"
PIECE = 1 << 20
SMALL_RESPONSE = len(SMALL)


async def gather_split(total: int, tasks: int, work: Any) -> int:
    shares = [total // tasks + (1 if i < total % tasks else 0) for i in range(tasks)]
    return sum(await asyncio.gather(*(work(n) for n in shares if n)))


def crawl_urls(port: int, urls: int, hosts: int) -> Iterator[str]:
    """S6's URL list, the hosts interleaved: /small on 127.0.0.1 .. 127.0.0.<hosts>."""
    for i in range(urls):
        yield f"http://{vhost(i % hosts)}:{port}/small?i={i}"


async def crawl_workers(fetch: Any, urls: Iterator[str], concurrency: int) -> int:
    """*concurrency* tasks taking URLs from one iterator: the usual crawl with a peer."""
    ok = 0

    async def worker() -> None:
        nonlocal ok
        for url in urls:
            try:
                await fetch(url)
            except Exception:
                continue
            ok += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


class Aiohttpc:
    def __init__(self) -> None:
        import aiohttpc

        self.aiohttpc = aiohttpc

    async def s1(self, port: int, requests: int) -> int:
        conn = self.aiohttpc.HTTPConnection(HOST, port)
        for _ in range(requests):
            await conn.request("GET", "/small")
            r = await conn.getresponse()
            await r.read()
        await conn.close()
        return requests

    async def s2(self, port: int, requests: int, concurrency: int) -> int:
        return await gather_split(requests, concurrency, lambda n: self.s1(port, n))

    async def s3(self, port: int, connections: int, per_connection: int) -> int:
        total = connections * per_connection
        return await gather_split(total, connections, lambda n: self.s1(port, n))

    async def s4(self, port: int, size: int) -> int:
        conn = self.aiohttpc.HTTPConnection(HOST, port)
        await conn.request("GET", f"/large?size={size}")
        r = await conn.getresponse()
        total = 0
        async for chunk in r:
            total += len(chunk)
        await conn.close()
        return total

    async def s6(self, port: int, urls: int, hosts: int, concurrency: int) -> int:
        per_host = max(1, concurrency // hosts)
        ok = 0
        async with self.aiohttpc.Client(limit=concurrency, limit_per_host=per_host) as c:
            source = crawl_urls(port, urls, hosts)
            async for r in c.crawl(source, concurrency=concurrency, per_host=per_host):
                ok += r.ok
        return ok

    async def s5(self, port: int, path: str, size: int) -> int:
        conn = self.aiohttpc.HTTPConnection(HOST, port)
        with open(path, "rb") as f:
            await conn.request("POST", "/sink", body=f, headers={"Content-Length": str(size)})
        got = int(await (await conn.getresponse()).read())
        await conn.close()
        return got


class AiohttpcRay:
    """S6 through ``ray_crawl`` on a local Ray with *workers* workers.

    Ray's processes (its daemons and the workers) may use every core: pinned to the
    client's one core they would measure Ray's scheduling, not the crawl. On this
    machine they share the cores with the server all the same.
    """

    workers = 1

    def __init__(self) -> None:
        import ray

        import aiohttpc

        self.ray = ray
        self.aiohttpc = aiohttpc

    def _start(self) -> None:
        if not self.ray.is_initialized():
            if hasattr(os, "sched_setaffinity"):
                os.sched_setaffinity(0, range(os.cpu_count() or 1))
            self.ray.init(
                num_cpus=os.cpu_count(),
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )

    async def s6(self, port: int, urls: int, hosts: int, concurrency: int) -> int:
        self._start()
        per_host = max(1, concurrency // hosts)
        ok = 0
        async for r in self.aiohttpc.ray_crawl(
            crawl_urls(port, urls, hosts),
            workers=self.workers,
            concurrency=concurrency // self.workers,
            per_host=per_host,
            batch_size=256,
            process=_body_length,
        ):
            ok += r.ok
        return ok


async def _body_length(response: Any) -> int:
    """The work on the worker: the body read, as the one-process crawl reads it; only
    its length travels back."""
    return len(await response.read())


class AiohttpcRay2(AiohttpcRay):
    workers = 2


class PooledPeer:
    """Peers whose client object pools connections: S1-S3 differ only in its size."""

    def _pool(self, size: int) -> Any:
        """An async context manager giving a client with *size* connections."""
        raise NotImplementedError

    async def _fetch(self, client: Any, url: str) -> None:
        raise NotImplementedError

    async def _loop(self, client: Any, url: str, n: int) -> int:
        for _ in range(n):
            await self._fetch(client, url)
        return n

    async def s1(self, port: int, requests: int) -> int:
        async with self._pool(1) as c:
            return await self._loop(c, f"http://{HOST}:{port}/small", requests)

    async def s2(self, port: int, requests: int, concurrency: int) -> int:
        async with self._pool(concurrency) as c:
            url = f"http://{HOST}:{port}/small"
            return await gather_split(requests, concurrency, lambda n: self._loop(c, url, n))

    async def s3(self, port: int, connections: int, per_connection: int) -> int:
        async with self._pool(connections) as c:
            url = f"http://{HOST}:{port}/small"
            total = connections * per_connection
            return await gather_split(total, connections, lambda n: self._loop(c, url, n))


class AiohttpcReadinto:
    """S4 with ``readinto()`` into one reused 1 MiB buffer (compare ``stdlib-readinto``)."""

    def __init__(self) -> None:
        import aiohttpc

        self.aiohttpc = aiohttpc

    async def s4(self, port: int, size: int) -> int:
        conn = self.aiohttpc.HTTPConnection(HOST, port)
        await conn.request("GET", f"/large?size={size}")
        total = await self.drain(await conn.getresponse())
        await conn.close()
        return total

    async def drain(self, r: Any) -> int:
        buf = bytearray(PIECE)
        total = 0
        while n := await r.readinto(buf):
            total += n
        return total


class AiohttpcRead(AiohttpcReadinto):
    """S4 with ``await r.read(1 MiB)`` in a loop: ``http.client``'s idiom (compare
    ``stdlib``, whose S4 is the same loop)."""

    async def drain(self, r: Any) -> int:
        total = 0
        while data := await r.read(PIECE):
            total += len(data)
        return total


class Aiohttp(PooledPeer):
    def __init__(self) -> None:
        import aiohttp

        self.aiohttp = aiohttp

    def _pool(self, size: int) -> Any:
        connector = self.aiohttp.TCPConnector(limit=size, limit_per_host=size)
        return self.aiohttp.ClientSession(connector=connector)

    async def _fetch(self, client: Any, url: str) -> None:
        async with client.get(url) as r:
            await r.read()

    async def s4(self, port: int, size: int) -> int:
        async with self._pool(1) as s, s.get(f"http://{HOST}:{port}/large?size={size}") as r:
            total = 0
            async for chunk in r.content.iter_chunked(PIECE):
                total += len(chunk)
            return total

    async def s6(self, port: int, urls: int, hosts: int, concurrency: int) -> int:
        per_host = max(1, concurrency // hosts)
        connector = self.aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host)
        async with self.aiohttp.ClientSession(connector=connector) as c:
            return await crawl_workers(
                lambda url: self._fetch(c, url), crawl_urls(port, urls, hosts), concurrency
            )

    async def s5(self, port: int, path: str, size: int) -> int:
        async with self._pool(1) as s:
            with open(path, "rb") as f:
                url = f"http://{HOST}:{port}/sink"
                async with s.post(url, data=f, headers={"Content-Length": str(size)}) as r:
                    return int(await r.read())


class HttpxAsync(PooledPeer):
    def __init__(self) -> None:
        import httpx

        self.httpx = httpx

    def _pool(self, size: int) -> Any:
        limits = self.httpx.Limits(max_connections=size, max_keepalive_connections=size)
        return self.httpx.AsyncClient(limits=limits)

    async def _fetch(self, client: Any, url: str) -> None:
        (await client.get(url)).content  # noqa: B018 - read the body

    async def s4(self, port: int, size: int) -> int:
        async with (
            self._pool(1) as c,
            c.stream("GET", f"http://{HOST}:{port}/large?size={size}") as r,
        ):
            total = 0
            async for b in r.aiter_bytes(PIECE):
                total += len(b)
            return total


class Aiosonic(PooledPeer):
    def __init__(self) -> None:
        import aiosonic
        from aiosonic.pools import PoolConfig

        self.aiosonic = aiosonic
        self.PoolConfig = PoolConfig

    @contextlib.asynccontextmanager
    async def _pool(self, size: int) -> AsyncIterator[Any]:
        config = self.PoolConfig(size=size, max_conn_requests=None)
        connector = self.aiosonic.TCPConnector(pool_configs={":default": config})
        yield self.aiosonic.HTTPClient(connector=connector)

    async def _fetch(self, client: Any, url: str) -> None:
        await (await client.get(url)).content()

    async def s6(self, port: int, urls: int, hosts: int, concurrency: int) -> int:
        # aiosonic keeps one pool per host: its size is the per-host limit
        async with self._pool(max(1, concurrency // hosts)) as c:
            return await crawl_workers(
                lambda url: self._fetch(c, url), crawl_urls(port, urls, hosts), concurrency
            )

    async def s4(self, port: int, size: int) -> int:
        # read_chunks() did not finish on a Content-Length body here: read it whole
        async with self._pool(1) as c:
            r = await c.get(f"http://{HOST}:{port}/large?size={size}")
            return len(await r.content())


class _FloorProtocol(asyncio.Protocol):
    """Writes the canned request; counts response bytes; wakes the caller per response."""

    def __init__(self, request: bytes, size: int) -> None:
        self.request = request
        self.size = size
        self.got = 0
        self.waiter: asyncio.Future[None] | None = None
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.got += len(data)
        if self.got >= self.size and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionResetError())

    async def exchange(self) -> None:
        self.got = 0
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(self.request)
        await self.waiter


class Floor:
    """The fastest any asyncio client could be: no parsing, no API."""

    REQUEST = b"GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    async def _connect(self, port: int, request: bytes, size: int) -> _FloorProtocol:
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(lambda: _FloorProtocol(request, size), HOST, port)
        return proto  # type: ignore[return-value]

    async def s1(self, port: int, requests: int) -> int:
        p = await self._connect(port, self.REQUEST, SMALL_RESPONSE)
        for _ in range(requests):
            await p.exchange()
        p.transport.close()
        return requests

    async def s2(self, port: int, requests: int, concurrency: int) -> int:
        return await gather_split(requests, concurrency, lambda n: self.s1(port, n))

    async def s3(self, port: int, connections: int, per_connection: int) -> int:
        total = connections * per_connection
        return await gather_split(total, connections, lambda n: self.s1(port, n))

    async def s4(self, port: int, size: int) -> int:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
        req = b"GET /large?size=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % size
        p = await self._connect(port, req, len(head) + size)
        await p.exchange()
        p.transport.close()
        return size

    async def s5(self, port: int, path: str, size: int) -> int:
        """A blocking socket and ``os.sendfile``: the most the server's sink takes."""
        head = b"POST /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % size
        with socket.create_connection((HOST, port)) as s, open(path, "rb") as f:
            s.sendall(head)
            sent = 0
            while sent < size:
                n = os.sendfile(s.fileno(), f.fileno(), sent, size - sent)
                if not n:
                    raise OSError("the upload file is shorter than its size")
                sent += n
            s.settimeout(60)
            reply = http.client.HTTPResponse(s)  # a few bytes: any parser will do
            try:
                reply.begin()
                return int(reply.read())
            finally:
                reply.close()


CLASSES: dict[str, Any] = {
    "aiohttpc": Aiohttpc,
    "aiohttpc_readinto": AiohttpcReadinto,
    "aiohttpc_read": AiohttpcRead,
    "aiohttp": Aiohttp,
    "httpx": HttpxAsync,
    "aiosonic": Aiosonic,
    "floor": Floor,
    "aiohttpc_ray1": AiohttpcRay,
    "aiohttpc_ray2": AiohttpcRay2,
}


def make(name: str) -> tuple[Any, str]:
    """(client, loop kind) for *name*; ImportError when its package is missing."""
    base, _, loop = name.partition("-")
    loop = loop or "uvloop"
    if base == "httpx":
        loop = "asyncio"
    return CLASSES[base](), loop


def supports(name: str, scenario: str) -> bool:
    """Whether client *name* has scenario *scenario* (without importing its package)."""
    return hasattr(CLASSES[name.partition("-")[0]], scenario.lower())


NAMES = [
    "aiohttpc-asyncio",
    "aiohttpc-uvloop",
    "aiohttpc_readinto-uvloop",
    "aiohttpc_read-uvloop",
    "aiohttp-asyncio",
    "aiohttp-uvloop",
    "httpx-async",
    "aiosonic-uvloop",
    "floor-uvloop",
    "aiohttpc_ray1-uvloop",
    "aiohttpc_ray2-uvloop",
]
