"""The benchmark scenarios, their sizes (full and quick), and what each reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    unit: str  # what the worker's count is divided by seconds into
    reference: str  # the client the ratios are taken against
    full: dict[str, int]
    quick: dict[str, int]
    warmup: dict[str, int]  # the same scenario, small and untimed, run first in each worker
    # timed runs per worker, the median one reported: transfers that take tens of
    # milliseconds are too short to time once
    repeat: int = 1


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in [
        Scenario(
            "S1",
            "sequential small GETs, one kept-alive connection",
            "req/s",
            "stdlib",
            {"requests": 20_000},
            {"requests": 3_000},
            {"requests": 200},
        ),
        Scenario(
            "S2",
            "small GETs, 64 in flight",
            "req/s",
            "stdlib",
            {"requests": 50_000, "concurrency": 64},
            {"requests": 5_000, "concurrency": 64},
            {"requests": 640, "concurrency": 64},
        ),
        Scenario(
            "S3",
            "crawler: 1,000 connections, 10 GETs each",
            "req/s",
            "aiohttp-uvloop",
            {"connections": 1000, "per_connection": 10},
            {"connections": 200, "per_connection": 5},
            {"connections": 20, "per_connection": 2},
        ),
        Scenario(
            "S4",
            "download of a large body, read in 1 MiB pieces",
            "MiB/s",
            "stdlib",
            {"size": 256 << 20},
            {"size": 64 << 20},
            {"size": 4 << 20},
            repeat=5,
        ),
        Scenario(
            "S5",
            "upload of a large file from disk",
            "MiB/s",
            "stdlib",
            {"size": 256 << 20},
            {"size": 64 << 20},
            {"size": 4 << 20},
            repeat=5,
        ),
        Scenario(
            "S6",
            "crawl over loopback hosts: 10,000 URLs, 100 hosts, 1,000 connections"
            " (quick: 2,000, 20, 200)",
            "req/s",
            "aiohttp-uvloop",
            {"urls": 10_000, "hosts": 100, "concurrency": 1000},
            {"urls": 2_000, "hosts": 20, "concurrency": 200},
            {"urls": 100, "hosts": 5, "concurrency": 20},
        ),
    ]
}
