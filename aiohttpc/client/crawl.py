"""``crawl``: fetch a stream of URLs concurrently and yield one result per URL.

Memory stays bounded however long the URL list: URLs are pulled from the source only
as slots free up, and URLs for a host already at its per-host limit wait in a bounded
look-ahead (so one busy host does not hold up the others) — when that is full, the
crawl waits for a slot instead of reading further. An async source that has no URL
ready does not hold up the results of the URLs already running.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from typing import TYPE_CHECKING, Any, NamedTuple

from . import urls as urlmod
from .ratelimit import RateLimiter
from .robots import Robots

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


_END: Any = object()  # an async source's end, as a value a Future can hold


async def _anext(source: AsyncIterator[str]) -> Any:
    try:
        return await source.__anext__()
    except StopAsyncIteration:
        return _END


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
    robots: bool = False,
    **kwargs: Any,
) -> AsyncGenerator[CrawlResult, None]:
    """Fetch each URL with *client* (*kwargs* go to ``client.stream``).

    At most *concurrency* requests at once and *per_host* per host; *rate* caps
    requests per second per host. The body is read into ``response.content``, or,
    with *process*, left for ``await process(response)`` to stream (say, to disk), its
    result kept as ``value``. Results come in completion order. Leaving the loop
    early cancels what is still running when the generator is closed: at once inside
    ``async with contextlib.aclosing(client.crawl(...))``, else when the event loop
    finalizes it.

    With *robots*, each host's ``/robots.txt`` is fetched once (see
    ``aiohttpc.client.robots``): a URL it disallows for the client's User-Agent gets
    a ``RobotsDisallowed`` error, and its ``Crawl-delay`` slows that host's requests.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if per_host is not None and per_host < 1:
        raise ValueError("per_host must be at least 1 (or None)")
    run = _Crawl(
        client,
        urls,
        concurrency=concurrency,
        per_host=per_host,
        limiter=RateLimiter(rate or None) if rate or robots else None,
        robots=Robots(client) if robots else None,
        room=lookahead if lookahead is not None else 4 * concurrency,
        method=method,
        process=process,
        kwargs=kwargs,
    )
    try:
        while True:
            await run.start_what_may_start()
            while run.done:
                yield run.done.popleft()
            if run.over:
                return
            await run.wait()
    finally:
        await run.close()


class _Crawl:
    """One crawl's state: what runs per host, what waits for its host, what is done."""

    def __init__(
        self,
        client: Client,
        source: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int,
        per_host: int | None,
        limiter: RateLimiter | None,
        robots: Robots | None,
        room: int,
        method: str,
        process: Callable[[Response], Awaitable[Any]] | None,
        kwargs: dict[str, Any],
    ) -> None:
        self.client = client
        # a plain iterable is read in place; an async one may keep the crawl waiting,
        # so while URLs run, its next URL is awaited beside them
        self.source: Iterator[str] | None = None
        self.async_source: AsyncIterator[str] | None = None
        if isinstance(source, AsyncIterable):
            self.async_source = aiter(source)
        else:
            self.source = iter(source)
        self.next_url: asyncio.Future[Any] | None = None
        self.robots = robots
        self.concurrency = concurrency
        self.per_host = per_host
        self.limiter = limiter
        self.room = room  # URLs waiting for a busy host, at most
        self.method = method
        self.process = process
        self.kwargs = kwargs
        self.in_flight: dict[str, int] = {}
        self.deferred: dict[str, deque[tuple[str, urlmod.URL]]] = {}
        self.n_deferred = 0
        self.ready: deque[str] = deque()  # hosts that may have a deferred URL to start
        self.done: deque[CrawlResult] = deque()
        self.tasks: set[asyncio.Task[CrawlResult]] = set()
        self.wake = asyncio.Event()
        self.exhausted = False

    @property
    def over(self) -> bool:
        """Every URL has a result, and every result was handed out."""
        return self.exhausted and not self.tasks and not self.n_deferred and not self.done

    async def start_what_may_start(self) -> None:
        """Start deferred URLs whose host has room, then read the source, until the
        concurrency or the results waiting to be handed out reach the limit."""
        while len(self.tasks) < self.concurrency and len(self.done) < self.concurrency:
            if not self._start_deferred() and not await self._take_from_source():
                return

    def _start_deferred(self) -> bool:
        """Start one URL that waited for its host, if one may start now."""
        while self.ready:
            host = self.ready.popleft()
            queue = self.deferred.get(host)
            if queue and not self._busy(host):
                self._start(*queue.popleft())
                self.n_deferred -= 1
                if not queue:
                    del self.deferred[host]
                return True
        return False

    async def _take_from_source(self) -> bool:
        """Read one URL: start it, defer it, or record why it cannot be fetched. False
        when the source is exhausted or the look-ahead is full."""
        if self.exhausted or self.n_deferred >= self.room:
            return False
        url = await self._next_url()
        if url is None:  # nothing yet from an async source
            return False
        if url is _END:
            self.exhausted = True
            return False
        try:
            parsed = urlmod.parse(url)
        except Exception as exc:
            self.done.append(CrawlResult(url, None, exc))
            return True
        if self._busy(parsed.host):
            self.deferred.setdefault(parsed.host, deque()).append((url, parsed))
            self.n_deferred += 1
        else:
            self._start(url, parsed)
        return True

    async def _next_url(self) -> Any:
        """The source's next URL, ``_END``, or None when an async source has none ready
        while URLs run (its next is then awaited beside them)."""
        if self.source is not None:
            return next(self.source, _END)
        assert self.async_source is not None
        pending = self.next_url
        if pending is not None:
            if not pending.done():
                return None
            self.next_url = None
            return pending.result()
        if not self.tasks and not self.done:  # nothing else to wait for
            return await _anext(self.async_source)
        pending = self.next_url = asyncio.ensure_future(_anext(self.async_source))
        pending.add_done_callback(lambda _: self.wake.set())
        return None

    def _busy(self, host: str) -> bool:
        return self.per_host is not None and self.in_flight.get(host, 0) >= self.per_host

    def _start(self, url: str, parsed: urlmod.URL) -> None:
        host = parsed.host
        self.in_flight[host] = self.in_flight.get(host, 0) + 1
        task = asyncio.ensure_future(self._fetch(url, parsed))
        self.tasks.add(task)
        task.add_done_callback(lambda t: self._finished(t, host))

    async def _fetch(self, url: str, parsed: urlmod.URL) -> CrawlResult:
        process = self.process
        try:
            delay = None
            if self.robots is not None:
                delay = await self.robots.check(url, parsed)
            if self.limiter is not None:
                await self.limiter.take(parsed.host, 1 / delay if delay else None)
            async with self.client.stream(self.method, parsed, **self.kwargs) as response:
                value = await (process(response) if process else response.read())
            return CrawlResult(url, response, None, value if process else None)
        except Exception as exc:
            return CrawlResult(url, None, exc)

    def _finished(self, task: asyncio.Task[CrawlResult], host: str) -> None:
        self.tasks.discard(task)
        left = self.in_flight[host] - 1
        if left:
            self.in_flight[host] = left
        else:
            del self.in_flight[host]
        if not task.cancelled():
            self.done.append(task.result())
        if host in self.deferred:
            self.ready.append(host)
        self.wake.set()

    async def wait(self) -> None:
        """Until a fetch finishes, when there is nothing else to do."""
        self.wake.clear()
        if (self.tasks or self.next_url) and not self.done:  # else: go on reading
            await self.wake.wait()

    async def close(self) -> None:
        """Cancel what still runs and close the source."""
        waiting: set[asyncio.Future[Any]] = set(self.tasks)
        if self.next_url is not None:
            waiting.add(self.next_url)
        for task in waiting:
            task.cancel()
        if waiting:
            await asyncio.gather(*waiting, return_exceptions=True)
        close = getattr(self.async_source, "aclose", None)
        if close is not None:
            await close()
