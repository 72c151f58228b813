"""The benchmark harness: a worker warms up untimed, then times the scenario it was given."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.__main__ import EmbeddedServer, main, run_worker, summarize
from benchmarks.scenarios import SCENARIOS


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = EmbeddedServer(None)
    try:
        yield server.port
    finally:
        server.stop()


@pytest.mark.parametrize("client", ["stdlib", "sync_facade", "aiohttpc-uvloop"])
def test_worker_warms_up_before_the_timed_run(port: int, client: str) -> None:
    params = {"size": 3 << 20, "_warmup": {"size": 1 << 20}}
    r = run_worker(client, "S4", port, params, None, True)
    assert r["count"] == 3 << 20  # the timed run is the full size, not the warm-up's
    assert r["warmup_seconds"] > 0
    assert r["seconds"] > 0


def test_no_warmup_when_none_is_asked(port: int) -> None:
    r = run_worker("sync_facade", "S1", port, {"requests": 20}, None, True)
    assert r["count"] == 20
    assert r["warmup_seconds"] == 0


def test_every_scenario_has_a_smaller_warmup() -> None:
    for sc in SCENARIOS.values():
        assert sc.warmup.keys() == sc.full.keys()
        assert all(sc.warmup[k] <= sc.quick[k] for k in sc.warmup)


def test_summary_keeps_the_median_warmup() -> None:
    samples: dict[str, list[dict[str, Any]]] = {
        "stdlib": [
            {"count": 100, "seconds": s, "peak_rss": 1, "warmup_seconds": w}
            for s, w in [(1.0, 0.3), (2.0, 0.1), (4.0, 0.2)]
        ]
    }
    out = summarize(samples, SCENARIOS["S1"])
    assert out["stdlib"]["median"] == 50
    assert out["stdlib"]["warmup_seconds"] == 0.2
    assert out["stdlib"]["ratio"] == 1


def test_quick_run_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    """The command line wires the warm-up (and S5's files) through to the workers."""
    rc = main(["--quick", "--only", "S1,S5", "--clients", "stdlib,sync_facade", "--no-save"])
    out = capsys.readouterr().out
    assert rc == 0
    for scenario in ("S1", "S5"):
        section = out.split(f"### {scenario}:")[1].split("###")[0]
        rows = [line for line in section.splitlines() if line.startswith("| s")]
        assert {r.split("|")[1].strip() for r in rows} == {"stdlib", "sync_facade"}
        assert all("—" not in r for r in rows), rows  # a number, not a failed worker
