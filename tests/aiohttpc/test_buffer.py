"""BodyBuffer against a plain bytearray: any sequence of appends and takes agrees."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aiohttpc._sansio.buffer import BodyBuffer

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.binary(max_size=12)),
        st.tuples(st.just("take"), st.integers(min_value=-1, max_value=30)),
        st.tuples(st.just("take_chunk"), st.integers(min_value=-1, max_value=30)),
        st.tuples(st.just("peek"), st.integers(min_value=-1, max_value=30)),
        st.tuples(st.just("line_length"), st.integers(min_value=-1, max_value=30)),
        st.tuples(st.just("take_chunks"), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(OPS)
def test_same_as_a_bytearray(ops: list[tuple[str, object]]) -> None:
    buf = BodyBuffer()
    model = bytearray()
    chunk_ends: list[int] = []  # where each appended chunk ends in the model
    for op, arg in ops:
        if op == "append":
            assert isinstance(arg, bytes)
            buf.append(arg)
            model += arg
            if arg:
                chunk_ends.append(len(model))
        elif op == "take":
            assert isinstance(arg, int)
            n = len(model) if arg < 0 else min(arg, len(model))
            assert buf.take(arg) == bytes(model[:n])
            del model[:n]
            chunk_ends = [e - n for e in chunk_ends if e > n]
        elif op == "take_chunk":
            assert isinstance(arg, int)
            first = chunk_ends[0] if chunk_ends else 0
            n = first if arg < 0 else min(arg, first)
            assert buf.take_chunk(arg) == bytes(model[:n])
            del model[:n]
            chunk_ends = [e - n for e in chunk_ends if e > n]
        elif op == "peek":
            assert isinstance(arg, int)
            got = buf.peek(arg)
            want = model[: chunk_ends[0]] if arg < 0 and chunk_ends else model[: max(arg, 0)]
            assert got == bytes(want)
        elif op == "line_length":
            assert isinstance(arg, int)
            nl = model.find(b"\n")
            if not model:
                want = -1
            elif nl >= 0:
                want = nl + 1 if arg < 0 else min(nl + 1, arg)
            else:
                want = arg if 0 <= arg <= len(model) else -1
            assert buf.line_length(arg) == want
        else:
            assert b"".join(buf.take_chunks()) == bytes(model)
            model.clear()
            chunk_ends = []
        assert buf.size == len(buf) == len(model)
        assert bool(buf) == bool(model)


def test_a_long_stream_of_small_chunks_keeps_order_and_bounded_storage() -> None:
    # Tiny pieces (a body of small chunks) pass through while 50 stay held the whole
    # time: every byte comes out in order, and the storage of taken chunks is given
    # back although the buffer never runs empty.
    buf = BodyBuffer()
    sent = bytearray()
    got = bytearray()
    most_held = 0
    for i in range(20_050):
        piece = bytes([i % 251, i % 13])
        buf.append(piece)
        sent += piece
        if i >= 50:
            got += buf.take(1)
            got += buf.take_chunk(1)
        most_held = max(most_held, len(buf._chunks))
    assert buf.size == 100
    got += buf.take()
    assert got == sent and buf.size == 0
    assert most_held <= 2 * 50 + 32
