"""Run one client on one scenario in this process; print one JSON line.

``python -m benchmarks.worker CLIENT SCENARIO PORT PARAMS_JSON [--cpu N]`` prints
``{"count": ..., "seconds": ..., "peak_rss": ..., "warmup_seconds": ...}`` (peak RSS
in bytes, this process). With ``"_warmup": {...}`` in the parameters, the scenario
first runs once with those (small) parameters, untimed: what a client does once per
process (imports on first use, starting a loop thread or a thread pool) is not a rate.
With ``"_repeat": k`` the timed run is made *k* times and the one of median duration
is reported (``"repeats"`` lists every duration): a transfer of a few tens of
milliseconds, timed once, is at the mercy of one page fault storm or preemption.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import sys
import time
from typing import Any

from . import clients_async, clients_sync


def checked(kwargs: dict[str, Any], count: int) -> int:
    """*count*, or RuntimeError when a transfer of ``size`` bytes counted other than that.

    A short body (a 404, a cut connection) must fail the run, not look fast.
    """
    size = kwargs.get("size")
    if size is not None and count != size:
        raise RuntimeError(f"counted {count:,} of {size:,} bytes")
    return count


def run(client_name: str, scenario: str, port: int, params: dict[str, Any]) -> dict[str, Any]:
    method = scenario.lower()
    params = dict(params)
    warmup = params.pop("_warmup", None)
    repeat = max(1, int(params.pop("_repeat", 1)))
    warm = 0.0
    times: list[float] = []
    if client_name in clients_sync.NAMES:
        client = clients_sync.make(client_name)
        fn = getattr(client, method, None)
        if fn is None:
            return {"skipped": "not applicable"}

        def timed_sync(kwargs: dict[str, Any]) -> tuple[int, float]:
            t0 = time.perf_counter()
            count = fn(port, **kwargs)
            return checked(kwargs, count), time.perf_counter() - t0

        if warmup is not None:
            warm = timed_sync(warmup)[1]
        for _ in range(repeat):
            count, seconds = timed_sync(params)
            times.append(seconds)
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

            async def timed(kwargs: dict[str, Any]) -> tuple[int, float]:
                t0 = time.perf_counter()
                count = await fn(port, **kwargs)
                return checked(kwargs, count), time.perf_counter() - t0

            if warmup is not None:
                warm = runner.run(timed(warmup))[1]
            for _ in range(repeat):
                count, seconds = runner.run(timed(params))
                times.append(seconds)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {
        "count": count,
        "seconds": statistics.median_low(times),
        "peak_rss": rss,
        "warmup_seconds": warm,
    }
    if repeat > 1:
        result["repeats"] = times
    ours = sys.modules.get("aiohttpc")
    if ours is not None:  # which build this worker ran (see ``PURE`` in __main__)
        result["compiled"] = bool(ours.__compiled__)
    return result


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
