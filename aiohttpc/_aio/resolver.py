"""``Resolver``: name lookups cached for a time-to-live and shared by a pool.

A crawl of 10,000 URLs on 100 hosts costs 100 lookups, not 10,000; lookups of one
name that overlap are one lookup. Failures are not cached (the next connect asks
again). The cache holds at most ``max_names`` names, the least recently resolved
going first.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

# (family, type, proto, canonname, sockaddr), as getaddrinfo gives them
AddrInfo = tuple[int, int, int, str, tuple[Any, ...]]
Lookup = Callable[[str, int], Awaitable[Sequence[AddrInfo]]]


async def system_lookup(host: str, port: int) -> list[AddrInfo]:
    """The event loop's ``getaddrinfo`` for TCP, any family."""
    loop = asyncio.get_running_loop()
    infos: list[Any] = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return infos


class Resolver:
    """Lookups through *lookup* (the system's by default), kept *ttl* seconds."""

    def __init__(
        self, ttl: float = 60.0, *, lookup: Lookup | None = None, max_names: int = 10_000
    ) -> None:
        if ttl < 0:
            raise ValueError("ttl must not be negative")
        self.ttl = ttl
        self.max_names = max_names
        self._lookup: Lookup = lookup or system_lookup
        self._cache: OrderedDict[tuple[str, int], tuple[float, list[AddrInfo]]] = OrderedDict()
        self._pending: dict[tuple[str, int], asyncio.Future[list[AddrInfo]]] = {}
        self.lookups = 0  # how many times *lookup* was called

    async def resolve(self, host: str, port: int) -> list[AddrInfo]:
        """The addresses of *host*, in the order the lookup gave them."""
        key = (host.lower(), port)
        hit = self._cache.get(key)
        if hit is not None:
            expires, infos = hit
            if time.monotonic() < expires:
                return infos
            del self._cache[key]
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._ask(key))
            self._pending[key] = pending
            pending.add_done_callback(lambda f: self._settled(key, f))
        # one waiter's cancellation must not cancel the lookup others wait for
        return await asyncio.shield(pending)

    def _settled(self, key: tuple[str, int], fut: asyncio.Future[list[AddrInfo]]) -> None:
        self._pending.pop(key, None)
        if not fut.cancelled():
            fut.exception()  # retrieved: every waiter may have gone

    async def _ask(self, key: tuple[str, int]) -> list[AddrInfo]:
        self.lookups += 1
        infos = list(await self._lookup(*key))
        if not infos:
            raise socket.gaierror(socket.EAI_NONAME, f"no address for {key[0]!r}")
        if self.ttl > 0:
            self._cache[key] = (time.monotonic() + self.ttl, infos)
            while len(self._cache) > self.max_names:
                self._cache.popitem(last=False)
        return infos
