"""``python -m benchmarks.instructions``: client instructions per small request (S1).

Timings on a shared machine move by tens of percent from run to run; the number of
instructions a client executes per request barely moves, so it shows a change of a
few percent on the per-request path that no timing can. Each client runs S1 twice
under valgrind (callgrind, user space of the client process only: not the kernel, not
the server), at two sizes; the difference divided by the difference in requests is
the cost of one request, start-up and warm-up cancelled out. Needs ``valgrind``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys

from .__main__ import PURE, EmbeddedServer, build_env, compiled_build

DEFAULT_CLIENTS = "floor-uvloop,aiohttpc-uvloop,sync_facade,stdlib"
# and, on a compiled install, aiohttpc's Python source beside it
PURE_CLIENTS = f"aiohttpc-uvloop{PURE},sync_facade{PURE}"
WARMUP = 200  # requests each worker runs first, in both runs
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def collected(stderr: str) -> int:
    """The instruction count callgrind reports at exit."""
    found = _COLLECTED.findall(stderr)
    if not found:
        raise RuntimeError(f"no instruction count in valgrind's output: {stderr[-500:]!r}")
    return int(found[-1])


def count(valgrind: str, client: str, port: int, requests: int) -> int:
    """Instructions one worker process executes for *requests* S1 requests."""
    params = {"requests": requests, "_warmup": {"requests": WARMUP}}
    client, env = build_env(client)
    cmd = [
        valgrind,
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.worker",
        client,
        "S1",
        str(port),
        json.dumps(params),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result.get("count") != requests:
        raise RuntimeError(f"{client}: {result}")
    return collected(out.stderr)


def per_request(valgrind: str, client: str, port: int, small: int, large: int) -> float:
    return (count(valgrind, client, port, large) - count(valgrind, client, port, small)) / (
        large - small
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__)
    ap.add_argument("--clients", default=None, help="comma separated")
    ap.add_argument("--requests", type=int, default=2000, help="the difference in requests")
    args = ap.parse_args(argv)
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    clients = args.clients or DEFAULT_CLIENTS + ("," + PURE_CLIENTS if compiled_build() else "")
    server = EmbeddedServer(None)
    try:
        rows = []
        for client in clients.split(","):
            rows.append(
                (client, per_request(valgrind, client, server.port, 100, 100 + args.requests))
            )
    finally:
        server.stop()
    base = dict(rows).get("floor-uvloop")
    print("| client | instructions per request | ratio to floor-uvloop |")
    print("|---|---:|---:|")
    for client, n in rows:
        ratio = f"{n / base:.2f}" if base else ""
        print(f"| {client} | {n:,.0f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
