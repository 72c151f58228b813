"""``ray_crawl`` on a local Ray with 2 CPUs, against servers on 127.0.0.1-50.

Each test runs its crawl on uvloop (``aiohttpc.run``); the workers are Ray actors in
their own processes. Every server counts how often each path came, the most
``/slow`` requests it answered at once, and the most connections open at once.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray

import aiohttpc
from aiohttpc.cli import main as cli_main
from aiohttpc.cli import output_name
from aiohttpc.ray_driver import rendezvous
from tests.fast_server import FastServer
from tests.servers import refused_port

ROOT = str(Path(__file__).resolve().parent.parent)
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        # the workers import this module (for process=) and the test servers' helpers
        runtime_env={"env_vars": {"PYTHONPATH": ROOT}},
    )
    try:
        yield
    finally:
        ray.shutdown()


@contextlib.contextmanager
def hosts(n: int) -> Iterator[list[FastServer]]:
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(FastServer(f"127.0.0.{i + 1}", count_paths=True)) for i in range(n)
        ]


def crawl_urls(servers: list[FastServer], per_server: int, route: str = "/slow?ms=3&") -> list[str]:
    return [s.url(f"{route}i={i}") for i in range(per_server) for s in servers]


def collect(urls: Any, **kw: Any) -> list[Any]:
    async def go() -> list[Any]:
        return [r async for r in aiohttpc.ray_crawl(urls, **kw)]

    return aiohttpc.run(go())


def our_actors() -> list[str]:
    return sorted(
        a["name"]
        for a in ray.util.list_named_actors(all_namespaces=True)
        if a["name"].startswith("aiohttpc-crawl-")
    )


def no_actors_left(within: float = 60) -> bool:
    """Whether the crawl's actors are gone (``ray.kill`` takes effect soon after)."""
    deadline = time.monotonic() + within
    while our_actors() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not our_actors()


def test_rendezvous_moves_only_a_lost_workers_hosts() -> None:
    names = [f"host{i}.test" for i in range(500)]
    before = {h: rendezvous(h, range(4)) for h in names}
    assert before == {h: rendezvous(h, [3, 2, 1, 0]) for h in names}  # order does not matter
    assert len(set(before.values())) == 4
    after = {h: rendezvous(h, [0, 1, 3]) for h in names}
    moved = {h for h in names if before[h] != after[h]}
    assert moved == {h for h in names if before[h] == 2}
    assert rendezvous("Host1.TEST", range(4)) == before["host1.test"]


def test_every_url_once_and_per_host_holds_across_two_workers(local_ray: None) -> None:
    with hosts(50) as servers:
        urls = crawl_urls(servers, 100)  # 5,000 URLs
        results = collect(urls, workers=2, concurrency=64, per_host=2, timeout=20)
        assert sorted(r.url for r in results) == sorted(urls)
        assert all(r.ok and r.response.status == 200 for r in results), [
            r.error for r in results if not r.ok
        ][:3]
        assert results[0].response.content == b"ok"
        for s in servers:
            assert s.paths is not None and set(s.paths.values()) == {1}  # each URL fetched once
            assert s.max_active <= 2 and s.max_open <= 2, (s.host, s.max_active, s.max_open)
        assert max(s.max_active for s in servers) == 2  # the limit was reached, and held
    assert no_actors_left()  # the crawl's actors end with it


@pytest.mark.parametrize("restart", [False, True], ids=["killed", "restarted"])
def test_a_worker_killed_mid_crawl_loses_and_duplicates_nothing(
    local_ray: None, restart: bool
) -> None:
    with hosts(50) as servers:
        urls = crawl_urls(servers, 100)

        async def go() -> list[Any]:
            out = []
            async for r in aiohttpc.ray_crawl(
                urls, workers=2, concurrency=32, per_host=2, batch_size=32
            ):
                out.append(r)
                if len(out) == 1000:
                    victim = ray.get_actor(our_actors()[0])
                    ray.kill(victim, no_restart=not restart)
            return out

        results = aiohttpc.run(go())
        assert len(results) == len(urls)
        assert sorted(r.url for r in results) == sorted(urls)
        assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
        fetched = sum(sum(s.paths.values()) for s in servers if s.paths is not None)
        # the killed worker's unanswered URLs were fetched again; nothing else was
        assert len(urls) <= fetched < len(urls) + 2 * 32 * 3
        assert all(s.max_active <= 2 for s in servers)


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_the_driver_reads_lazily_and_stays_bounded_for_200k_urls(local_ray: None) -> None:
    # 200,000 URLs, lazily made, on 20 loopback hosts where nothing listens; with
    # robots=True each host's robots.txt is unreachable once, and its URLs are then
    # refused on their worker without a connection: the crawl is quick, and what is
    # measured is the driver's bookkeeping
    port = refused_port()
    state = {"read": 0, "got": 0, "ahead": 0}
    workers, batch, depth = 2, 256, 2
    sizes: list[int] = []

    def lazily() -> Iterator[str]:
        for i in range(200_000):
            state["read"] += 1
            yield f"http://127.0.0.{i % 20 + 1}:{port}/{i}"

    async def go() -> None:
        async for r in aiohttpc.ray_crawl(
            lazily(),
            workers=workers,
            concurrency=128,
            per_host=8,
            batch_size=batch,
            batches_in_flight=depth,
            timeout=10,
            robots=True,
        ):
            assert isinstance(r.error, aiohttpc.RobotsDisallowed), r
            state["got"] += 1
            state["ahead"] = max(state["ahead"], state["read"] - state["got"])
            if state["got"] % 20_000 == 0:
                sizes.append(rss())

    aiohttpc.run(go())
    assert state["got"] == 200_000
    assert state["ahead"] <= workers * (depth + 1) * batch + 1
    # the driver's memory after 20,000 results and after 200,000: no growth with the list
    assert sizes[-1] - sizes[0] < 32 << 20, sizes


async def status(response: Any) -> int:
    return int(response.status)


def save_where_told(directory: str, response: Any) -> int:
    """A plain (not async) process function, run on the worker."""
    path = os.path.join(directory, output_name(response.url))
    with open(path, "w") as f:
        f.write(f"{response.status} {os.getpid()}")
    return os.getpid()


def test_process_runs_on_the_workers_and_bodies_stay_there(local_ray: None, tmp_path: Path) -> None:
    import functools

    with hosts(4) as servers:
        urls = crawl_urls(servers, 25, route="/ok?")
        results = collect(
            urls, workers=2, process=functools.partial(save_where_told, str(tmp_path))
        )
    assert len(results) == 100 and all(r.ok for r in results)
    pids = {r.value for r in results}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    for r in results:
        assert (tmp_path / output_name(r.url)).read_text() == f"200 {r.value}"
        with pytest.raises(RuntimeError, match="not been read"):
            r.response.content  # noqa: B018 - the body did not travel


def test_bad_urls_and_failures_are_results_too(local_ray: None) -> None:
    with FastServer() as server:
        urls = [server.url("/ok"), "::bad::", "ftp://x/", server.url("/reset")]
        results = {r.url: r for r in collect(urls, workers=2, timeout=5)}
    assert results[server.url("/ok")].ok
    assert all(results[u].error is not None for u in urls[1:])
    assert isinstance(results[server.url("/reset")].error, ConnectionError)


def test_the_command_line_crawls_on_ray(
    local_ray: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hosts(3) as servers:
        urls = crawl_urls(servers, 10, route="/ok?")
        listing = tmp_path / "urls.txt"
        listing.write_text("\n".join([*urls, servers[0].url("/reset")]) + "\n")
        out = tmp_path / "out"
        code = cli_main(
            [
                "--ray",
                "--workers",
                "2",
                "--parallel",
                "8",
                "--from-file",
                str(listing),
                "-o",
                str(out),
                "--timeout",
                "5",
            ]
        )
    err = capsys.readouterr().err
    assert code == 1  # one URL failed
    assert "31 URLs in" in err and "30 saved, 1 failed, 60 bytes" in err
    assert sorted(p.name for p in out.iterdir()) == sorted(output_name(u) for u in urls)
    assert all(p.read_bytes() == b"ok" for p in out.iterdir())


async def no_such_name(host: str, port: int) -> list[Any]:
    """A lookup that finds nothing, at once (no socket, no resolver)."""
    raise OSError(f"{host}: no such name (made up for the test)")


def test_a_worker_whose_crawl_cannot_run_answers_every_url_with_the_error() -> None:
    """The worker class on its own (no Ray): options the Client refuses."""
    from aiohttpc.ray_worker import CrawlWorker

    settings = {
        "concurrency": 4,
        "per_host": 2,
        "rate": None,
        "timeout": 5,
        "process": None,
        "robots": False,
        "client_options": {"max_line": 0},
    }

    async def go() -> list[Any]:
        worker = CrawlWorker(settings)
        out = []
        for batch in (
            [(0, "http://127.0.0.1:9/a"), (1, "http://127.0.0.1:9/b")],
            [(2, "http://127.0.0.1:9/c")],
        ):
            async for chunk in worker.run(batch):
                out += chunk
        return out

    results = aiohttpc.run(go())
    assert sorted(n for n, _ in results) == [0, 1, 2]
    assert all("max_line must be positive" in str(r.error) for _, r in results)


def test_leaving_early_closes_the_source_and_ends_the_workers(local_ray: None) -> None:
    closed: list[bool] = []
    with FastServer() as server:

        def urls() -> Iterator[str]:
            try:
                for i in range(100_000):
                    yield server.url(f"/ok?{i}")
            finally:
                closed.append(True)

        async def go() -> int:
            got = 0
            async with contextlib.aclosing(aiohttpc.ray_crawl(urls(), workers=2)) as crawl:
                async for r in crawl:
                    assert r.ok
                    got += 1
                    if got == 50:
                        break
            return got

        assert aiohttpc.run(go()) == 50
        assert server.requests < 100_000
    assert closed == [True]
    assert no_actors_left()
