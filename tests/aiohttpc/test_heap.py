"""The one-time malloc hint before the first bulk body (``aiohttpc._aio.heap``)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

import aiohttpc
from aiohttpc._sansio import heap
from tests.servers import ScriptedServer, chunked, replies, response

# glibc's own account of the heap, in a fresh process: after the hint or not (argv[1]),
# is one block of argv[2] bytes mmapped (its own pages, faulted in and unmapped each
# time: the churn), or, for "trim", is free space at the top of the heap given back at
# once? One probe per process: freeing an mmapped block itself raises the thresholds.
PROBE = """
import ctypes, sys
from aiohttpc._sansio import heap

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

if sys.argv[1] == "hint":
    heap.expect_bulk(None)
if sys.argv[2] == "trim":
    blocks = [libc.malloc(200 << 10) for _ in range(6)]
    grown = libc.mallinfo2().arena
    for b in reversed(blocks):
        libc.free(b)
    print(grown - libc.mallinfo2().arena)
else:
    before = libc.mallinfo2().hblks
    block = libc.malloc(int(sys.argv[2]))
    print(libc.mallinfo2().hblks - before)
    libc.free(block)
"""


def _libc_has_mallinfo2() -> bool:
    import ctypes

    return hasattr(ctypes.CDLL(None), "mallinfo2")


def _probe(mode: str, what: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode, what],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc" or not _libc_has_mallinfo2(),
    reason="glibc's malloc thresholds, read with mallinfo2 (glibc 2.33+)",
)
def test_the_hint_raises_the_heap_thresholds():
    """After the hint, body pieces up to 1 MiB come from the heap, not from fresh mmaps,
    and freeing them does not trim the heap, whatever the start-up left of the heap."""
    # The probe sees mmapping: 64 KiB never, 2 MiB (above the hint's 1 MiB) always.
    assert _probe("plain", str(64 << 10)) == 0
    assert _probe("hint", str(2 << 20)) == 1
    # The hint: pieces of up to 1 MiB from the heap; ~1.2 MiB freed at its top kept
    # for the next ones (the trim threshold is twice the mmap threshold: 2 MiB).
    assert _probe("hint", str(900 << 10)) == 0
    assert _probe("hint", str(200 << 10)) == 0
    assert _probe("hint", "trim") == 0


def test_acts_once_for_a_large_or_unknown_length(monkeypatch):
    monkeypatch.setattr(heap, "pending", True)
    heap.expect_bulk(13)
    heap.expect_bulk(heap.BULK - 1)
    assert heap.pending
    heap.expect_bulk(None)
    assert not heap.pending
    heap.expect_bulk(heap.BULK)  # nothing more to do
    assert not heap.pending


async def test_each_response_head_reports_its_body_length(monkeypatch):
    seen: list[int | None] = []
    monkeypatch.setattr(heap, "pending", True)
    monkeypatch.setattr(heap, "expect_bulk", seen.append)
    big = b"b" * (2 * heap.BULK)
    raw_chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"abc", b"def")
    with ScriptedServer(replies(response(body=b"small"), response(body=big), raw_chunked)) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as conn:
            for expected in (b"small", big, b"abcdef"):
                await conn.request("GET", "/")
                assert await (await conn.getresponse()).read() == expected
    assert seen == [5, len(big), None]
