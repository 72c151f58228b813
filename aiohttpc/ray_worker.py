"""One Ray worker of ``ray_crawl``: a ``Client`` and one long ``crawl`` in an actor.

Every batch the driver sends joins the same crawl, so ``per_host`` and ``rate`` hold
for the worker as a whole, however many batches it runs at once. Each batch's
results stream back in chunks as they complete. The class is made a Ray actor by
the driver (``ray.remote`` there), so importing this module needs no Ray.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import pickle
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

from .client.crawl import CrawlResult
from .client.response import Response
from .client.session import Client
from .client.timeouts import Timeout

LINGER = 0.01  # seconds a chunk waits for more results after its first
Item = tuple[int, str]  # the driver's number for a URL, and the URL


_PORTABLE: set[type[BaseException]] = set()  # exception classes seen to pickle whole


def portable(exc: BaseException) -> BaseException:
    """*exc* if it survives pickling whole, else a RuntimeError that says what it was."""
    kind = type(exc)
    if kind in _PORTABLE:
        return exc
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{kind.__name__}: {exc}")
    _PORTABLE.add(kind)
    return exc


class CrawlWorker:
    """The actor: ``run(batch)`` yields lists of ``(number, CrawlResult)``."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.urls: asyncio.Queue[str] | None = None
        self.waiting: dict[str, deque[tuple[int, asyncio.Queue[tuple[int, CrawlResult]]]]] = {}
        self.crawling: asyncio.Task[None] | None = None

    async def ping(self) -> int:
        """The worker's process id: it is alive and its loop answers."""
        return os.getpid()

    async def run(self, batch: list[Item]) -> AsyncIterator[list[tuple[int, CrawlResult]]]:
        self._start()
        assert self.urls is not None
        mine: asyncio.Queue[tuple[int, CrawlResult]] = asyncio.Queue()
        for number, url in batch:
            self.waiting.setdefault(url, deque()).append((number, mine))
            self.urls.put_nowait(url)
        left = len(batch)
        while left:
            chunk = [await mine.get()]
            if left > 1:
                # a moment for more to finish: each chunk costs Ray an object, and the
                # driver a message, whatever its size
                await asyncio.sleep(LINGER)
            while not mine.empty():
                chunk.append(mine.get_nowait())
            left -= len(chunk)
            yield chunk

    def _start(self) -> None:
        if self.crawling is None or self.crawling.done():
            self.urls = asyncio.Queue()
            self.crawling = asyncio.ensure_future(self._crawl())

    async def _source(self) -> AsyncIterator[str]:
        assert self.urls is not None
        while True:
            yield await self.urls.get()

    async def _crawl(self) -> None:
        """The worker's one crawl; should it fail (bad ``client_options``, a bug), every
        URL waiting gets that error as its result, and the next batch starts anew."""
        try:
            await self._crawl_all()
        except Exception as exc:
            self._fail_waiting(exc)

    async def _crawl_all(self) -> None:
        s = self.settings
        process: Callable[[Response], Any] | None = s["process"]

        async def call_process(response: Response) -> Any:
            assert process is not None
            value = process(response)
            return await value if inspect.isawaitable(value) else value

        concurrency = s["concurrency"]
        timeout = s["timeout"]
        options = dict(s["client_options"])
        options.setdefault("limit", concurrency)
        options.setdefault("limit_per_host", s["per_host"])
        options.setdefault("timeout", Timeout(timeout, timeout, timeout, None))
        async with (
            Client(**options) as client,
            aclosing(
                client.crawl(
                    self._source(),
                    concurrency=concurrency,
                    per_host=s["per_host"],
                    rate=s["rate"],
                    process=call_process if process is not None else None,
                    robots=s["robots"],
                )
            ) as results,
        ):
            async for result in results:
                if result.error is not None:
                    result = result._replace(error=portable(result.error))
                number, queue = self._claim(result.url)
                queue.put_nowait((number, result))

    def _fail_waiting(self, exc: Exception) -> None:
        error = RuntimeError(f"the worker's crawl failed: {type(exc).__name__}: {exc}")
        for url, waiting in self.waiting.items():
            for number, queue in waiting:
                queue.put_nowait((number, CrawlResult(url, None, error)))
        self.waiting.clear()

    def _claim(self, url: str) -> tuple[int, asyncio.Queue[tuple[int, CrawlResult]]]:
        waiting = self.waiting[url]
        claim = waiting.popleft()
        if not waiting:
            del self.waiting[url]
        return claim
