"""Per-host request rates: a token bucket for each host, O(1) per request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable


class TokenBucket:
    """*rate* requests per second on average, with bursts of up to *burst* at once.

    Kept as the time the bucket is next empty (GCRA), so taking a token is
    one comparison and waiting is one sleep.
    """

    __slots__ = ("_next", "burst", "rate")

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._next = 0.0

    def reserve(self, now: float) -> float:
        """Take a token; returns how long to wait before using it (0: go now)."""
        interval = 1.0 / self.rate
        due = self._next if self._next > now else now
        self._next = due + interval
        wait = due - now - (self.burst - 1) * interval
        return wait if wait > 0 else 0.0

    async def take(self) -> None:
        delay = self.reserve(time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)

    def idle(self, now: float) -> bool:
        """Whether the bucket is full again (so it can be forgotten)."""
        return self._next <= now


class RateLimiter:
    """One token bucket per key (host); full buckets are dropped to bound memory.

    *rate* None: no limit but the ones given per key (a robots.txt ``Crawl-delay``).
    """

    def __init__(self, rate: float | None, burst: int = 1, max_keys: int = 10_000) -> None:
        TokenBucket(1.0 if rate is None else rate, burst)  # validate now
        self.rate = rate
        self.burst = burst
        self._buckets: dict[Hashable, TokenBucket] = {}
        self._max = max_keys

    async def take(self, key: Hashable, rate: float | None = None) -> None:
        """Wait for *key*'s turn; *rate*, if given and slower, is this key's own."""
        if rate is not None and self.rate is not None:
            rate = min(rate, self.rate)
        bucket = self._buckets.get(key)
        if bucket is None:
            rate = rate or self.rate
            if rate is None:
                return
            if len(self._buckets) >= self._max:
                now = time.monotonic()
                for k in [k for k, b in self._buckets.items() if b.idle(now)]:
                    del self._buckets[k]
            bucket = self._buckets[key] = TokenBucket(rate, self.burst)
        elif rate is not None:
            bucket.rate = rate
        await bucket.take()
