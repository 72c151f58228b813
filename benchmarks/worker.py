"""Run one client on one scenario in this process; print one JSON line.

``python -m benchmarks.worker CLIENT SCENARIO PORT PARAMS_JSON [--cpu N]`` prints
``{"count": ..., "seconds": ..., "peak_rss": ...}`` (peak RSS in bytes, this process).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from typing import Any

from . import clients_async, clients_sync


def run(client_name: str, scenario: str, port: int, params: dict[str, Any]) -> dict[str, Any]:
    method = scenario.lower()
    if client_name in clients_sync.NAMES:
        client = clients_sync.make(client_name)
        fn = getattr(client, method, None)
        if fn is None:
            return {"skipped": "not applicable"}
        t0 = time.perf_counter()
        count = fn(port, **params)
        seconds = time.perf_counter() - t0
    else:
        client, loop_kind = clients_async.make(client_name)
        fn = getattr(client, method, None)
        if fn is None:
            return {"skipped": "not applicable"}
        if loop_kind == "uvloop":
            import uvloop

            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        else:
            runner = asyncio.Runner()
        with runner:

            async def timed() -> tuple[int, float]:
                t0 = time.perf_counter()
                count = await fn(port, **params)
                return count, time.perf_counter() - t0

            count, seconds = runner.run(timed())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"count": count, "seconds": seconds, "peak_rss": rss}


def main() -> None:
    client, scenario, port, params = sys.argv[1:5]
    if "--cpu" in sys.argv and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(sys.argv[sys.argv.index("--cpu") + 1])})
    try:
        result = run(client, scenario, int(port), json.loads(params))
    except ImportError as exc:
        result = {"skipped": f"not installed ({exc.name})"}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
