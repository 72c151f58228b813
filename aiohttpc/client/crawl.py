"""``crawl``: fetch a stream of URLs concurrently and yield one result per URL.

Memory stays bounded however long the URL list: URLs are pulled from the source only
as slots free up, and URLs for a host already at its per-host limit wait in a bounded
look-ahead (so one busy host does not hold up the others) — when that is full, the
crawl waits for a slot instead of reading further.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from . import urls as urlmod
from .ratelimit import RateLimiter

if TYPE_CHECKING:
    from .response import Response
    from .session import Client


class CrawlResult(NamedTuple):
    """One URL's outcome: a response (body read) or the exception, never both.

    ``value`` is what the crawl's ``process`` function returned for the response.
    """

    url: str
    response: Response | None
    error: BaseException | None
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def _aiter(source: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
    if isinstance(source, AsyncIterable):
        async for item in source:
            yield item
    else:
        for item in source:
            yield item


async def crawl(
    client: Client,
    urls: Iterable[str] | AsyncIterable[str],
    *,
    concurrency: int = 64,
    per_host: int | None = 4,
    rate: float | None = None,
    method: str = "GET",
    lookahead: int | None = None,
    process: Callable[[Response], Awaitable[Any]] | None = None,
    **kwargs: Any,
) -> AsyncIterator[CrawlResult]:
    """Fetch each URL with *client* (*kwargs* go to ``client.stream``).

    At most *concurrency* requests at once and *per_host* per host; *rate* caps
    requests per second per host. The body is read into ``response.content``, or,
    with *process*, left for ``await process(response)`` to stream (say, to disk), its
    result kept as ``value``. Results come in completion order. Leaving the loop
    early cancels what is still running when the generator is closed: at once inside
    ``async with contextlib.aclosing(client.crawl(...))``, else when the event loop
    finalizes it.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if per_host is not None and per_host < 1:
        raise ValueError("per_host must be at least 1 (or None)")
    source = _aiter(urls)
    limiter = RateLimiter(rate) if rate else None
    room = lookahead if lookahead is not None else 4 * concurrency
    in_flight: dict[str, int] = {}
    deferred: dict[str, deque[tuple[str, urlmod.URL]]] = {}
    n_deferred = 0
    ready: deque[str] = deque()  # hosts that may have a deferred URL to start
    done: deque[CrawlResult] = deque()
    tasks: set[asyncio.Task[CrawlResult]] = set()
    wake = asyncio.Event()

    async def fetch(url: str, parsed: urlmod.URL) -> CrawlResult:
        try:
            if limiter is not None:
                await limiter.take(parsed.host)
            async with client.stream(method, parsed, **kwargs) as response:
                value = await (process(response) if process else response.read())
            return CrawlResult(url, response, None, value if process else None)
        except Exception as exc:
            return CrawlResult(url, None, exc)

    def finished(task: asyncio.Task[CrawlResult], host: str) -> None:
        tasks.discard(task)
        left = in_flight[host] - 1
        if left:
            in_flight[host] = left
        else:
            del in_flight[host]
        if not task.cancelled():
            done.append(task.result())
        if host in deferred:
            ready.append(host)
        wake.set()

    def start(url: str, parsed: urlmod.URL) -> None:
        host = parsed.host
        in_flight[host] = in_flight.get(host, 0) + 1
        task = asyncio.ensure_future(fetch(url, parsed))
        tasks.add(task)
        task.add_done_callback(lambda t: finished(t, host))

    def busy(host: str) -> bool:
        return per_host is not None and in_flight.get(host, 0) >= per_host

    exhausted = False
    try:
        while True:
            while len(tasks) < concurrency and len(done) < concurrency:
                while ready:
                    host = ready.popleft()
                    queue = deferred.get(host)
                    if queue and not busy(host):
                        start(*queue.popleft())
                        n_deferred -= 1
                        if not queue:
                            del deferred[host]
                        break
                else:
                    if exhausted or n_deferred >= room:
                        break
                    try:
                        url = await source.__anext__()
                    except StopAsyncIteration:
                        exhausted = True
                        break
                    try:
                        parsed = urlmod.parse(url)
                    except Exception as exc:
                        done.append(CrawlResult(url, None, exc))
                        continue
                    if busy(parsed.host):
                        deferred.setdefault(parsed.host, deque()).append((url, parsed))
                        n_deferred += 1
                    else:
                        start(url, parsed)
            while done:
                yield done.popleft()
            if exhausted and not tasks and not n_deferred:
                return
            wake.clear()
            if tasks and not done:  # no tasks: go on reading the source
                await wake.wait()
    finally:
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await source.aclose()  # type: ignore[attr-defined]
