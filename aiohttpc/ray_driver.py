"""``ray_crawl``: ``crawl()`` spread over the workers of a Ray cluster.

The driver reads the URLs lazily and gives each host to exactly one worker (by
rendezvous hashing, so that losing a worker moves only its own hosts): ``per_host``
and ``rate`` then hold cluster-wide, each worker enforcing them in its one crawl
(``ray_worker``). URLs go out in batches, with at most ``batches_in_flight``
batches per worker, and the driver stops reading while every place is taken: its
memory is bounded by ``workers * (batches_in_flight + 1) * batch_size`` URLs,
however long the list. Results stream back as they complete.

Faults: when a worker dies, the URLs of its batches that have no result yet are
sent again, to the same worker if Ray restarts it, else to the worker their hosts
fall to among those left. A URL that has had a result is never sent again, and the
driver yields exactly one result per URL; a URL whose batch was lost
``max_attempts`` times gets a ``WorkerLost`` error as its result.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .client import urls as urlmod
from .client.crawl import CrawlResult

DEFAULT_BATCH = 64


class WorkerLost(RuntimeError):
    """A URL's worker died every time it was sent (``max_attempts``)."""


def rendezvous(host: str, workers: Iterable[int]) -> int:
    """The worker for *host*: the highest hash of (worker, host). Stable across runs
    and machines; removing a worker moves only the hosts it had."""
    key = host.lower().encode()

    def weight(worker: int) -> bytes:
        return hashlib.blake2b(b"%d|%s" % (worker, key), digest_size=8).digest()

    return max(workers, key=weight)


@dataclass
class _Batch:
    worker: int
    left: dict[int, str]  # number -> URL, for the URLs with no result yet


@dataclass
class _Worker:
    actor: Any
    buffer: list[tuple[int, str]] = field(default_factory=list)
    in_flight: int = 0


def _connect(ray: Any, address: str | None) -> None:
    if not ray.is_initialized():
        # None: a running local instance, or a new one; "auto" / "ray://...": a cluster
        ray.init(address=address, include_dashboard=False, log_to_driver=False)


async def ray_crawl(
    urls: Iterable[str] | AsyncIterable[str],
    *,
    workers: int | None = None,
    concurrency: int = 64,
    per_host: int | None = 4,
    rate: float | None = None,
    timeout: float = 30.0,
    process: Callable[[Any], Any] | None = None,
    address: str | None = None,
    robots: bool = False,
    batch_size: int = DEFAULT_BATCH,
    batches_in_flight: int = 2,
    max_attempts: int = 3,
    client_options: dict[str, Any] | None = None,
    actor_options: dict[str, Any] | None = None,
) -> AsyncGenerator[CrawlResult, None]:
    """Crawl *urls* on Ray workers; yields one ``CrawlResult`` per URL, in completion
    order, as ``Client.crawl()`` does.

    *workers* (default: the cluster's CPUs) each run a crawl with *concurrency*
    requests at once and *per_host* per host; *rate* is requests per second per
    host; *timeout* bounds each connect and each wait for the network. *process*,
    a picklable function (or coroutine function) of the response, runs on the worker
    in place of reading the body: the body then never travels to the driver, and its
    return value (picklable) is the result's ``value``. *client_options* go to each
    worker's ``Client``; *actor_options* to Ray's ``.options()`` for the actors. The
    actors are named ``aiohttpc-crawl-<id>-<n>`` and end with the crawl.
    """
    try:
        import ray
    except ImportError as exc:
        raise ImportError("ray_crawl needs Ray: pip install 'aiohttpc[ray]'") from exc
    from .ray_worker import CrawlWorker

    if concurrency < 1 or batch_size < 1 or batches_in_flight < 1 or max_attempts < 1:
        raise ValueError("concurrency, batch_size, batches_in_flight, max_attempts must be >= 1")
    _connect(ray, address)
    if workers is None:
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
    settings = {
        "concurrency": concurrency,
        "per_host": per_host,
        "rate": rate,
        "timeout": timeout,
        "process": process,
        "robots": robots,
        "client_options": client_options or {},
    }
    crawl_id = uuid.uuid4().hex[:8]
    remote = ray.remote(CrawlWorker)
    options = {
        "max_restarts": 1,
        "max_task_retries": 0,  # a lost batch is sent again by the driver, URL by URL
        "max_concurrency": batches_in_flight + 2,
        "num_cpus": 0,
        "scheduling_strategy": "SPREAD",
        **(actor_options or {}),
    }
    pool = {
        n: _Worker(
            remote.options(name=f"aiohttpc-crawl-{crawl_id}-{n}", **options).remote(settings)
        )
        for n in range(workers)
    }
    run = _Run(ray, pool, batch_size, batches_in_flight, max_attempts)
    try:
        async for result in run.results(urls):
            yield result
    finally:
        await run.close()


class _Run:
    """The driver's state: who has which host, what is out, what came back."""

    def __init__(
        self, ray: Any, pool: dict[int, _Worker], batch_size: int, depth: int, attempts: int
    ) -> None:
        self.ray = ray
        self.pool = pool
        self.alive = set(pool)
        self.batch_size = batch_size
        self.depth = depth
        self.max_attempts = attempts
        # what the batch tasks tell the driver loop, in order: (kind, batch, value)
        self.events: asyncio.Queue[tuple[str, _Batch, Any]] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()
        self.attempts: dict[int, int] = {}  # number -> times its batch was lost
        self.ready: list[CrawlResult] = []  # results made on the driver (bad URLs, lost)
        self.buffered = 0
        self.out = 0  # URLs sent and without a result
        self.exhausted = False

    async def results(self, urls: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[CrawlResult]:
        source = _numbered(urls)
        try:
            while True:
                await self._fill(source)
                while self.ready:
                    yield self.ready.pop()
                if self.exhausted and not self.out and not self.buffered:
                    return
                kind, batch, value = await self.events.get()
                if kind == "chunk":
                    for number, result in value:
                        if batch.left.pop(number, None) is not None:
                            self.out -= 1
                            self.attempts.pop(number, None)
                            yield result
                else:  # "end" or "lost": the batch is over; what has no result goes again
                    self.pool[batch.worker].in_flight -= 1
                    if kind == "lost" and value is False:
                        self._bury(batch.worker)
                    self._resend(batch)
        finally:
            await source.aclose()

    async def _fill(self, source: AsyncGenerator[tuple[int, str], None]) -> None:
        """Read URLs while a worker can take them; send the batches that are due."""
        room = len(self.alive) * (self.depth + 1) * self.batch_size
        while not self.exhausted and self.buffered + self.out + len(self.ready) < room:
            try:
                number, url = await anext(source)
            except StopAsyncIteration:
                self.exhausted = True
                break
            try:
                host = urlmod.parse(url).host
            except Exception as exc:
                self.ready.append(CrawlResult(url, None, exc))
                continue
            n = rendezvous(host, self.alive)
            worker = self.pool[n]
            worker.buffer.append((number, url))
            self.buffered += 1
            if len(worker.buffer) >= self.batch_size and worker.in_flight < self.depth:
                self._send(n)
        for n in self.alive:  # flush: a worker with room gets what waits for it
            w = self.pool[n]
            if w.buffer and w.in_flight < self.depth and (self.exhausted or w.in_flight == 0):
                self._send(n)

    def _send(self, n: int) -> None:
        w = self.pool[n]
        items, w.buffer = w.buffer[: self.batch_size], w.buffer[self.batch_size :]
        self.buffered -= len(items)
        self.out += len(items)
        w.in_flight += 1
        batch = _Batch(n, dict(items))
        task = asyncio.ensure_future(self._stream(w.actor, batch, items))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _stream(self, actor: Any, batch: _Batch, items: list[tuple[int, str]]) -> None:
        try:
            async for ref in actor.run.options(num_returns="streaming").remote(items):
                self.events.put_nowait(("chunk", batch, await ref))
        except Exception:  # the actor died (or could not run the batch)
            self.events.put_nowait(("lost", batch, await self._answers(actor)))
            return
        self.events.put_nowait(("end", batch, None))

    async def _answers(self, actor: Any) -> bool:
        """Whether *actor* is (again) alive: Ray may have restarted it."""
        try:
            await asyncio.wait_for(actor.ping.remote(), 60)
        except Exception:
            return False
        return True

    def _bury(self, n: int) -> None:
        """Forget a dead worker; its waiting URLs go where their hosts now fall."""
        if n not in self.alive:
            return
        self.alive.discard(n)
        if not self.alive:
            raise WorkerLost("every crawl worker died")
        waiting, self.pool[n].buffer = self.pool[n].buffer, []
        self.buffered -= len(waiting)
        for number, url in waiting:
            self._route(number, url)

    def _resend(self, batch: _Batch) -> None:
        for number, url in batch.left.items():
            self.out -= 1
            tries = self.attempts[number] = self.attempts.get(number, 0) + 1
            if tries >= self.max_attempts:
                self.attempts.pop(number, None)
                why = f"its batch was lost {tries} times"
                self.ready.append(CrawlResult(url, None, WorkerLost(f"{url}: {why}")))
            else:
                self._route(number, url)
        batch.left.clear()

    def _route(self, number: int, url: str) -> None:
        n = rendezvous(urlmod.parse(url).host, self.alive)
        self.pool[n].buffer.append((number, url))
        self.buffered += 1

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        for w in self.pool.values():
            try:
                self.ray.kill(w.actor)
            except Exception:
                pass


async def _numbered(
    urls: Iterable[str] | AsyncIterable[str],
) -> AsyncGenerator[tuple[int, str], None]:
    number = 0
    if isinstance(urls, AsyncIterable):
        async for url in urls:
            yield number, url
            number += 1
    else:
        for url in urls:
            yield number, url
            number += 1
