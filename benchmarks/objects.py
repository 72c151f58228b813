"""``python -m benchmarks.objects``: Python objects a response in flight keeps alive.

S3's extra cost against the floor is the cycle collector walking every tracked object
of every connection at each collection, so the count of objects a connection holds
while its response is being read is the figure to bring down. Here *n* connections
each hold one small response whose head has arrived and whose body is unread (the
state S3's thousand connections are in); the objects the garbage collector tracks,
before and after, divided by *n*, are what one such connection costs. The core's
``HTTPConnection`` and the client's ``Response`` (pooled connection included) are
counted, each in a fresh process, on uvloop.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from typing import Any

from .__main__ import PURE, EmbeddedServer, build_env, compiled_build

HOST = "127.0.0.1"
KINDS = ("core", "client")


async def _core(port: int, n: int) -> list[Any]:
    import aiohttpc

    held = []
    for _ in range(n):
        conn = aiohttpc.HTTPConnection(HOST, port)
        await conn.request("GET", "/small")
        held.append((conn, await conn.getresponse()))
    return held


async def _client(port: int, n: int) -> list[Any]:
    import aiohttpc

    client = aiohttpc.Client(limit=n)
    streams = [client.stream("GET", f"http://{HOST}:{port}/small") for _ in range(n)]
    return [client, streams, [await s.__aenter__() for s in streams]]


async def _release(kind: str, held: list[Any]) -> None:
    if kind == "core":
        for conn, _response in held:
            await conn.close()
        return
    client, streams, _responses = held
    for s in streams:
        await s.__aexit__(None, None, None)
    await client.aclose()


async def _measure(kind: str, port: int, n: int) -> float:
    make = _core if kind == "core" else _client
    # warm-up: first-use imports and caches are not per response
    await _release(kind, await make(port, 8))
    gc.collect()
    before = len(gc.get_objects())
    held = await make(port, n)
    gc.collect()
    after = len(gc.get_objects())
    await _release(kind, held)
    return (after - before) / n


def count(kind: str, port: int, n: int) -> float:
    """Tracked objects per connection holding a response, in a new process (*kind*
    ending in ``PURE``: on aiohttpc's Python source)."""
    kind, env = build_env(kind)
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.objects", "--one", kind, str(port), str(n)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return float(json.loads(out.stdout.strip().splitlines()[-1])["per_response"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.objects", description=__doc__)
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--one", nargs=3, metavar=("KIND", "PORT", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        import aiohttpc

        kind, port, n = args.one[0], int(args.one[1]), int(args.one[2])
        per = aiohttpc.run(_measure(kind, port, n))
        print(json.dumps({"per_response": per}))
        return 0
    both = compiled_build()
    kinds = [*KINDS, *(k + PURE for k in KINDS)] if both else list(KINDS)
    server = EmbeddedServer(None)
    try:
        rows = [(kind, count(kind, server.port, args.connections)) for kind in kinds]
    finally:
        server.stop()
    build = f"compiled (mypyc); `{PURE}`: its Python source" if both else "pure Python"
    print(f"aiohttpc: {build}; {args.connections} connections\n")
    print("| what one connection holds | tracked objects |")
    print("|---|---:|")
    for kind, per in rows:
        print(f"| {kind}: a response, head read, body unread | {per:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
