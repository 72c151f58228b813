"""The one-time malloc hint before the first bulk body (``aiohttpc.heap``)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

import aiohttpc
from aiohttpc import heap
from tests.servers import ScriptedServer, chunked, replies, response

# Pieces of varying size, each still held when the next is allocated: what a reader
# iterating over a streamed body does. Prints the page faults it caused.
PIECES = """
import random, resource, sys
from aiohttpc import heap
if sys.argv[1] == "hint":
    heap.expect_bulk(None)
rng = random.Random(1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
prev = None
for _ in range(1200):
    piece = b"x" * rng.randrange(128 << 10, 256 << 10)
    prev = piece
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc malloc behaviour")
def test_the_hint_stops_the_heap_churn():
    def faults(mode: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", PIECES, mode], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        return int(out.stdout)

    plain, hinted = faults("plain"), faults("hint")
    assert plain > 2000  # ~225 MiB of pieces: the heap top shrinks and regrows
    assert hinted * 5 < plain


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
