"""The benchmark harness: a worker warms up untimed, then times the scenario it was given."""

from __future__ import annotations

import http.client
import shutil
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from benchmarks import clients_async, clients_sync, instructions, objects, report
from benchmarks.__main__ import (
    PURE,
    EmbeddedServer,
    download_sizes,
    main,
    run_worker,
    summarize,
    upload_file,
)
from benchmarks.external import nginx_server
from benchmarks.scenarios import SCENARIOS
from benchmarks.server import SMALL


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = EmbeddedServer(None)
    try:
        yield server.port
    finally:
        server.stop()


@pytest.mark.parametrize(
    "client",
    ["stdlib", "stdlib-readinto", "sync_facade", "aiohttpc-uvloop", "aiohttpc_readinto-uvloop"],
)
def test_worker_warms_up_before_the_timed_run(port: int, client: str) -> None:
    params = {"size": 3 << 20, "_warmup": {"size": 1 << 20}}
    r = run_worker(client, "S4", port, params, None, True)
    assert r["count"] == 3 << 20  # the timed run is the full size, not the warm-up's
    assert r["warmup_seconds"] > 0
    assert r["seconds"] > 0


def test_the_readinto_variants_are_downloads_only() -> None:
    """They exist to compare one way of reading a large body, not to repeat the rest."""
    for name, module in (
        ("stdlib-readinto", clients_sync),
        ("aiohttpc_readinto-uvloop", clients_async),
    ):
        assert module.supports(name, "S4")
        assert not any(module.supports(name, s) for s in ("S1", "S2", "S3", "S5", "S6"))


def test_no_warmup_when_none_is_asked(port: int) -> None:
    r = run_worker("sync_facade", "S1", port, {"requests": 20}, None, True)
    assert r["count"] == 20
    assert r["warmup_seconds"] == 0
    assert "repeats" not in r  # one timed run unless asked


@pytest.mark.parametrize("client", ["stdlib", "aiohttpc-uvloop"])
def test_worker_reports_the_median_of_repeated_timed_runs(port: int, client: str) -> None:
    params = {"size": 1 << 20, "_warmup": {"size": 1 << 16}, "_repeat": 3}
    r = run_worker(client, "S4", port, params, None, True)
    assert r["count"] == 1 << 20
    assert len(r["repeats"]) == 3 and all(t > 0 for t in r["repeats"])
    assert r["seconds"] == sorted(r["repeats"])[1]


def test_short_transfers_are_timed_more_than_once() -> None:
    """S4 and S5 take tens of milliseconds per run: one timing is too noisy to compare."""
    assert SCENARIOS["S4"].repeat >= 3 and SCENARIOS["S5"].repeat >= 3
    assert SCENARIOS["S1"].repeat == 1  # the request scenarios last long enough


@pytest.mark.parametrize("size", [0, 1, 65_536, (3 << 20) + 7])
def test_sink_counts_every_uploaded_byte(port: int, size: int) -> None:
    """The same uploads through the stdlib: the sink answers with exactly what was sent."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        for _ in range(2):  # the second on the same connection: the sink's state was reset
            conn.request("POST", "/sink", body=body)
            assert conn.getresponse().read() == str(size).encode()
        conn.request("POST", "/sink", body=iter([body[:10], body[10:]]))  # chunked
        assert conn.getresponse().read() == str(size).encode()
        conn.request("GET", "/small")
        assert conn.getresponse().read() == b"Hello, World!"
    finally:
        conn.close()


def test_sink_takes_the_head_the_body_and_the_next_request_in_one_send(port: int) -> None:
    """A body that starts in the head's read and a request that follows in the body's."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            b"POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        want = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n5" + SMALL
        got = b""
        while len(got) < len(want):
            data = s.recv(4096)
            assert data, got
            got += data
        assert got == want


def test_floor_upload_is_counted_by_the_server(port: int, tmp_path: Path) -> None:
    size = (2 << 20) + 3
    path = upload_file(str(tmp_path), size)
    r = run_worker("floor-uvloop", "S5", port, {"path": path, "size": size}, None, True)
    assert r["count"] == size


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


def test_instruction_count_is_read_from_valgrind_output() -> None:
    err = "==7== Events    : Ir\n==7== Collected : 123456789\n==7==\n==7== I   refs:  123\n"
    assert instructions.collected(err) == 123456789
    with pytest.raises(RuntimeError):
        instructions.collected("==7== no count here\n")


def test_instructions_per_request_are_linear_and_above_the_floor(port: int) -> None:
    """Two spans of requests cost the same per request; the client costs more than the floor."""
    valgrind = shutil.which("valgrind")
    assert valgrind is not None, "the test command installs valgrind"
    sizes = (100, 700, 1300)
    runs = [("aiohttpc-uvloop", n) for n in sizes] + [
        ("floor-uvloop", sizes[0]),
        ("floor-uvloop", sizes[-1]),
    ]
    # The five processes run two at a time (most of each is valgrind starting Python).
    # Counts move a little with timing (a loop pass that finds nothing, a full
    # collection landing in one span: 1-2 M instructions): spans of 600 requests keep
    # such a one-off under 5 % of a span.
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda run: instructions.count(valgrind, run[0], port, run[1]), runs))
    counts = dict(zip(runs, done, strict=True))
    small, middle, large = (counts["aiohttpc-uvloop", n] for n in sizes)
    first = (middle - small) / (sizes[1] - sizes[0])
    second = (large - middle) / (sizes[2] - sizes[1])
    assert abs(first - second) < 0.1 * first, (small, middle, large)
    floor = (counts["floor-uvloop", sizes[-1]] - counts["floor-uvloop", sizes[0]]) / (
        sizes[-1] - sizes[0]
    )
    assert 0 < floor < first, (floor, first)


def test_nginx_serves_every_download_size_a_run_asks_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """S4 on nginx, warm-up included: the floor counts whole bodies (a 404 left it waiting)."""
    for quick in (True, False):
        assert SCENARIOS["S4"].warmup["size"] in download_sizes(quick)
    args = ["--quick", "--only", "S4", "--server", "nginx", "--no-save"]
    rc = main([*args, "--clients", "floor-uvloop,stdlib"])
    out = capsys.readouterr().out
    assert rc == 0
    section = out.split("## Server: nginx")[1]
    rows = [line for line in section.splitlines() if line.startswith(("| floor", "| stdlib"))]
    assert len(rows) == 2 and all("—" not in r for r in rows), rows


@pytest.mark.parametrize(
    "client", ["stdlib", "stdlib-readinto", "aiohttpc-uvloop", "aiohttpc_readinto-uvloop"]
)
def test_a_short_download_fails_the_worker(client: str) -> None:
    """A size nginx has no file for is a 404: an error in the results, not a fast rate."""
    ng = nginx_server(None, (1 << 20,))
    assert ng is not None, "the test command installs nginx"
    try:
        assert run_worker(client, "S4", ng.port, {"size": 1 << 20}, None, True)["count"] == 1 << 20
        r = run_worker(client, "S4", ng.port, {"size": 2 << 20}, None, True)
        assert "count" not in r
        assert " of 2,097,152 bytes" in r["error"], r
    finally:
        ng.stop()


def test_chart_has_a_column_per_server_and_a_row_per_scenario_run_anywhere() -> None:
    ok = {"stdlib": {"median": 1.0, "ratio": 1.0}, "_reference": "stdlib"}
    results = {
        "servers": {
            "embedded": {"S1": ok, "S5": ok},
            "nginx": {"S1": ok, "S4": ok, "S5": {"_skipped": "answers first"}},
        }
    }
    assert report.chart_grid(results) == (["S1", "S4", "S5"], ["embedded", "nginx"])
    assert report.chart_grid({"servers": {"embedded": {}}}) == ([], ["embedded"])


def test_pure_clients_run_the_python_source_beside_the_compiled_build(port: int) -> None:
    """A ``@pure`` client's worker runs aiohttpc's Python source; the same client without
    it runs the build installed (compiled in CI, where the test command compiles)."""
    import aiohttpc

    params = {"requests": 20}
    plain = run_worker("aiohttpc-uvloop", "S1", port, params, None, True)
    pure = run_worker("aiohttpc-uvloop" + PURE, "S1", port, params, None, True)
    facade = run_worker("sync_facade" + PURE, "S1", port, params, None, True)
    assert plain["count"] == pure["count"] == facade["count"] == 20
    assert plain["compiled"] is aiohttpc.__compiled__
    assert pure["compiled"] is False and facade["compiled"] is False
    assert objects.count("core" + PURE, port, 20) > 5


def test_objects_per_response_in_flight_are_counted_per_connection(port: int) -> None:
    """Twice as many connections hold twice as many objects: the figure is per
    connection, and the client's response holds more than the core's it wraps."""
    core = [objects.count("core", port, n) for n in (40, 80)]
    client = objects.count("client", port, 40)
    assert 5 < core[0] < 200 and abs(core[0] - core[1]) < 0.1 * core[0], core
    assert client > core[0], (client, core)
