"""``python -m benchmarks``: every scenario for every installed client, side by side.

Starts the embedded server (and nginx when present) pinned to one core, runs each
client in its own process pinned to the other, alternating clients run by run, and
reports medians with ratios to each scenario's reference client, plus peak RSS.
Writes ``benchmarks/results/<date>.json`` and ``.md``, and a PNG chart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import clients_async, clients_sync, report
from .external import nginx_server, server_capacity, wrk_run
from .scenarios import SCENARIOS

# A client name ending in PURE runs that client on aiohttpc's Python source
# (AIOHTTPC_NO_EXTENSIONS=1 in its worker): the compiled and the pure-Python build side
# by side in one run. Listed when this install is compiled (else they are the same).
PURE = "@pure"
PURE_CLIENTS = ["sync_facade", "aiohttpc-uvloop", "aiohttpc_read-uvloop"]
ALL_CLIENTS = [
    *clients_sync.NAMES,
    *clients_async.NAMES,
    *(c + PURE for c in PURE_CLIENTS),
    "wrk",
]
RESULTS = Path(__file__).resolve().parent / "results"
WORKER_TIMEOUT = 180  # seconds for one client on one scenario
# Scenarios a server cannot measure fairly, and why.
NOT_ON = {
    "nginx": {
        "S5": "nginx answers /sink before it has read the body, so a client that stops "
        "sending when the answer comes looks arbitrarily fast"
    }
}


def download_sizes(quick: bool) -> tuple[int, ...]:
    """The body sizes S4 asks for in this run: its run's and its warm-up's."""
    sc = SCENARIOS["S4"]
    return tuple(sorted({(sc.quick if quick else sc.full)["size"], sc.warmup["size"]}))


def cpus() -> tuple[int | None, int | None]:
    """(server CPU, client CPU) when there are two to pin to."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    mine = sorted(os.sched_getaffinity(0))
    if len(mine) < 2:
        return None, None
    return mine[0], mine[1]


class EmbeddedServer:
    def __init__(self, cpu: int | None) -> None:
        cmd = [sys.executable, "-m", "benchmarks.server"]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline().split()[1])

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def build_env(client: str) -> tuple[str, dict[str, str] | None]:
    """(the client's own name, the environment of its worker): a ``PURE`` name's worker
    runs aiohttpc's Python source; others inherit this process's environment."""
    if client.endswith(PURE):
        return client.removesuffix(PURE), {**os.environ, "AIOHTTPC_NO_EXTENSIONS": "1"}
    return client, None


def run_worker(
    client: str, scenario: str, port: int, params: dict[str, Any], cpu: int | None, quick: bool
) -> dict[str, Any]:
    if client == "wrk":
        return wrk_run(scenario, port, params, cpu, quick)
    client, env = build_env(client)
    known = clients_sync if client in clients_sync.NAMES else clients_async
    if not known.supports(client, scenario):
        return {"skipped": "not applicable"}  # no process started for nothing
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.worker",
        client,
        scenario,
        str(port),
        json.dumps(params),
    ]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=WORKER_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1][:200]}


def compiled_build() -> bool:
    """Whether aiohttpc runs compiled here (the workers inherit the environment)."""
    import aiohttpc

    return bool(aiohttpc.__compiled__)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="reduced sizes, one run (< 2 min)")
    ap.add_argument("--only", default="", help="scenarios, e.g. S1,S4")
    ap.add_argument("--clients", default="", help="clients, comma separated")
    ap.add_argument("--server", default="embedded", choices=["embedded", "nginx", "both"])
    ap.add_argument("--runs", type=int, default=None, help="runs per client (default 3)")
    ap.add_argument("--no-save", action="store_true", help="print only")
    args = ap.parse_args(argv)

    scenarios = [s for s in SCENARIOS if not args.only or s in args.only.upper().split(",")]
    clients = [c for c in ALL_CLIENTS if not args.clients or c in args.clients.split(",")]
    if not compiled_build():
        clients = [c for c in clients if not c.endswith(PURE)]
    runs = args.runs or (1 if args.quick else 3)
    server_cpu, client_cpu = cpus()

    servers: list[tuple[str, int, Any]] = []
    if args.server in ("embedded", "both"):
        emb = EmbeddedServer(server_cpu)
        servers.append(("embedded", emb.port, emb.stop))
    if args.server in ("nginx", "both"):
        ng = nginx_server(server_cpu, download_sizes(args.quick))
        if ng is None:
            print("nginx is not installed: skipping it", file=sys.stderr)
        else:
            servers.append(("nginx", ng.port, ng.stop))

    tmp = tempfile.mkdtemp(prefix="aiohttpc-bench-")
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "quick": args.quick,
        "runs": runs,
        "pinned": [server_cpu, client_cpu],
        # which build of aiohttpc the workers run (the PURE clients: the Python source)
        "compiled": compiled_build(),
        "servers": {},
    }
    try:
        for server_name, port, _stop in servers:
            per_server: dict[str, Any] = {"capacity": server_capacity(port, client_cpu, args.quick)}
            for key in scenarios:
                sc = SCENARIOS[key]
                if key in NOT_ON.get(server_name, {}):
                    per_server[key] = {"_skipped": NOT_ON[server_name][key]}
                    continue
                params: dict[str, Any] = dict(sc.quick if args.quick else sc.full)
                warmup: dict[str, Any] = dict(sc.warmup)
                if key == "S5":
                    params["path"] = upload_file(tmp, params["size"])
                    warmup["path"] = upload_file(tmp, warmup["size"])
                params["_warmup"] = warmup
                params["_repeat"] = sc.repeat
                samples: dict[str, list[dict[str, Any]]] = {c: [] for c in clients}
                for run in range(runs):
                    order = clients if run % 2 == 0 else list(reversed(clients))
                    for client in order:
                        r = run_worker(client, key, port, params, client_cpu, args.quick)
                        samples[client].append(r)
                        print(
                            f"[{server_name}] {key} run {run + 1} {client}: {report.brief(r, sc)}",
                            file=sys.stderr,
                            flush=True,
                        )
                per_server[key] = summarize(samples, sc)
            results["servers"][server_name] = per_server
    finally:
        for _name, _port, stop in servers:
            stop()
        shutil.rmtree(tmp, ignore_errors=True)

    text = report.markdown(results)
    print(text)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        stamp = dt.date.today().isoformat() + ("-quick" if args.quick else "")
        (RESULTS / f"{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / f"{stamp}.md").write_text(text)
        chart = report.chart(results, RESULTS / f"{stamp}.png")
        if chart:
            print(f"chart: {chart}", file=sys.stderr)
    return 0


def upload_file(tmp: str, size: int) -> str:
    path = os.path.join(tmp, f"upload-{size}.bin")
    if not os.path.exists(path):
        block = os.urandom(1 << 20)
        with open(path, "wb") as f:
            left = size
            while left:
                n = min(left, len(block))
                f.write(block[:n])
                left -= n
    return path


def summarize(samples: dict[str, list[dict[str, Any]]], sc: Any) -> dict[str, Any]:
    """Median rate and peak RSS per client, and the ratio to the reference client."""
    out: dict[str, Any] = {}
    for client, rs in samples.items():
        good = [r for r in rs if "count" in r and r["seconds"] > 0]
        if not good:
            first = rs[0] if rs else {}
            out[client] = {"note": first.get("skipped") or first.get("error") or "no result"}
            continue
        scale = (1 << 20) if sc.unit == "MiB/s" else 1
        rates = [r["count"] / scale / r["seconds"] for r in good]
        entry = {"median": statistics.median(rates), "samples": rates}
        rss = [r["peak_rss"] for r in good if r.get("peak_rss")]
        if rss:
            entry["peak_rss"] = max(rss)
        warm = [r["warmup_seconds"] for r in good if "warmup_seconds" in r]
        if warm:
            entry["warmup_seconds"] = statistics.median(warm)
        out[client] = entry
    ref = out.get(sc.reference, {}).get("median")
    for entry in out.values():
        if ref and "median" in entry:
            entry["ratio"] = entry["median"] / ref
    out["_reference"] = sc.reference
    return out


if __name__ == "__main__":
    raise SystemExit(main())
