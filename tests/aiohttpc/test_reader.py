"""BodyReader, the read rules both responses share, driven directly over an in-memory
source: what each read returns, what it waits for, and how a body ends or fails."""

from __future__ import annotations

import http.client

import pytest

from aiohttpc._sansio.buffer import BodyBuffer
from aiohttpc._sansio.reader import NEED, BodyReader
from aiohttpc.errors import ChunkCut


class Source:
    """The bytes a driver has received so far, and what it knows of the rest."""

    def __init__(self, *chunks: bytes, done: bool = False, error: BaseException | None = None):
        self.buffer = BodyBuffer()
        self.buffer.extend(list(chunks))
        self.done = done
        self.error = error
        self.consumed_calls = 0
        self.released: list[bool] = []

    def consumed(self) -> None:
        self.consumed_calls += 1

    def release(self, complete: bool) -> None:
        self.released.append(complete)

    def arrive(self, data: bytes = b"", *, done: bool = False, error=None) -> None:
        if data:
            self.buffer.append(data)
        self.done = self.done or done
        self.error = error or self.error


def reader(src: Source, length: int | None = None, chunked: bool = False, head: bool = False):
    return BodyReader(src, length, chunked, head)


def test_read_amt_waits_for_that_many_then_counts_down():
    src = Source(b"abc")
    r = reader(src, length=10)
    assert r.try_read(5) is NEED and r.want == 5
    src.arrive(b"defgh")
    assert r.try_read(5) == b"abcde" and r.length == 5
    assert r.try_read(100) is NEED and r.want == 5  # capped at the length
    src.arrive(b"ij", done=True)
    assert r.try_read(100) == b"fghij" and r.length == 0
    assert r.closed and src.released == [True]
    assert r.try_read() == b""


def test_read_all_waits_for_the_end():
    src = Source(b"ab")
    r = reader(src)
    assert r.try_read() is NEED and r.want == -1
    src.arrive(b"cd", done=True)
    assert r.try_read() == b"abcd" and r.closed and src.released == [True]


def test_an_empty_complete_body_is_finished_at_once():
    src = Source(done=True)
    r = reader(src, length=0)
    assert r.closed and src.released == [True] and r.try_read() == b""


def test_head_only_reads_nothing():
    src = Source(b"never", done=True)
    r = reader(src, length=5, head=True)
    assert r.try_read() == b"" and r.closed


def test_short_content_length_body_reads_short_then_ends():
    src = Source(b"abc", error=http.client.IncompleteRead(b"", 7))
    r = reader(src, length=10)
    assert r.try_read(8) == b"abc"
    assert r.try_read(8) == b"" and r.closed and src.released == [False]


def test_cut_body_raises_with_its_partial_then_keeps_failing():
    src = Source(b"abc", error=http.client.IncompleteRead(b"", 7))
    r = reader(src, length=10)
    with pytest.raises(http.client.IncompleteRead) as first:
        r.try_read()
    assert first.value.partial == b"abc" and first.value.expected == 7
    for read in (r.try_read, r.try_read1, r.try_readline, r.try_peek):
        with pytest.raises(http.client.IncompleteRead) as again:
            read()
        assert again.value.partial == b""
    r.close()  # closed by the caller: quiet from then on
    assert r.try_read() == b""


def test_a_timed_out_wait_fails_later_reads_as_the_stdlib_does():
    src = Source(b"ab")
    r = reader(src, length=10)
    assert r.try_read(5) is NEED
    r.abort(TimeoutError("timed out"))
    with pytest.raises(OSError, match="cannot read from timed out object"):
        r.try_read(1)
    assert src.released == [False] and not src.buffer.size


def test_cut_chunked_body_leaves_out_the_unfinished_chunk():
    src = Source(b"hello", b"wo", error=ChunkCut(2))
    r = reader(src, chunked=True)
    with pytest.raises(http.client.IncompleteRead) as exc:
        r.try_read()
    assert exc.value.partial == b"hello" and type(exc.value) is http.client.IncompleteRead
    with pytest.raises(http.client.IncompleteRead) as again:
        r.try_read()
    assert type(again.value) is http.client.IncompleteRead


def test_read1_hands_out_what_arrived_without_joining():
    src = Source(b"ab", b"cd")
    r = reader(src)
    assert r.try_read1() == b"ab" and r.try_read1(1) == b"c" and r.try_read1() == b"d"
    assert r.try_read1() is NEED and r.want == 1
    src.arrive(done=True)
    assert r.try_read1() == b"" and r.closed


def test_readline_across_pieces_and_with_a_limit():
    src = Source(b"one\ntw", b"o\nrest")
    r = reader(src)
    assert r.try_readline() == b"one\n"
    assert r.try_readline(2) == b"tw"
    assert r.try_readline() == b"o\n"
    assert r.try_readline() is NEED and r.want == len(b"rest") + 1
    src.arrive(done=True)
    assert r.try_readline() == b"rest" and r.try_readline() == b""


def test_fill_prefixes_an_incomplete_read_with_what_the_call_read():
    src = Source(b"abc", error=http.client.IncompleteRead(b""))
    r = reader(src, chunked=True)
    view = memoryview(bytearray(10))
    view[:2] = b"XY"
    with pytest.raises(http.client.IncompleteRead) as exc:
        r.try_fill(view, 2)
    assert exc.value.partial == b"XYabc"


def test_fill_waits_then_fills_the_rest():
    src = Source(b"ab")
    r = reader(src, length=6)
    buf = bytearray(6)
    view = memoryview(buf)
    assert r.try_fill(view, 0) is NEED and r.want == 6
    src.arrive(b"cdef", done=True)
    assert r.try_fill(view, 0) == 6 and bytes(buf) == b"abcdef" and r.closed


def test_hand_over_gives_everything_and_finishes_with_the_body():
    src = Source(b"ab", b"cd")
    r = reader(src, length=6)
    assert r.hand_over() == ([b"ab", b"cd"], False, None) and r.length == 2 and not r.closed
    src.arrive(b"ef", done=True)
    assert r.hand_over() == ([b"ef"], True, None) and r.closed
    assert r.hand_over() == ([], True, None)


def test_close_abandons_the_rest():
    src = Source(b"abc")
    r = reader(src, length=10)
    r.close()
    assert r.closed and src.released == [False] and not src.buffer.size
    assert r.try_read() == b""
