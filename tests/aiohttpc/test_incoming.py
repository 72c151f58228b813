"""Incoming, the receive side any driver holds: bytes in, one ResponseStream per response
out, and the reuse rule. No loop and no socket here, except the stdlib's reading of the
same bytes where it defines the answer."""

from __future__ import annotations

import pytest

from aiohttpc._sansio.incoming import Incoming
from aiohttpc.errors import IncompleteRead
from tests.stdlib_reading import stdlib_reads


def fed(rx: Incoming, data: bytes, piece: int = 0) -> None:
    """Feed *data* whole, or in pieces of *piece* bytes."""
    if not piece:
        rx.parser.feed(data)
        return
    for i in range(0, len(data), piece):
        rx.parser.feed(data[i : i + piece])


def stdlib_keeps(raw: bytes, method: str) -> tuple[int, bytes, bool]:
    """(status, body, whether the connection may be reused) as http.client reads *raw*."""
    return stdlib_reads(raw, method, lambda r: (r.status, r.read(), not r.will_close))


RESPONSES = [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "GET"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", "GET"),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", "GET"),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello", "GET"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "GET"),
    (b"HTTP/1.1 204 No Content\r\n\r\n", "GET"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD"),
    (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", "GET"),
]


@pytest.mark.parametrize("piece", [0, 1, 7])
@pytest.mark.parametrize(("raw", "method"), RESPONSES, ids=range(len(RESPONSES)))
def test_each_response_in_its_stream_and_the_reuse_verdict_as_the_stdlib(raw, method, piece):
    rx = Incoming()
    stream = rx.expect(method)
    assert rx.current is stream and not rx.idle and not rx.answered
    fed(rx, raw, piece)
    status, body, keeps = stdlib_keeps(raw, method)
    assert stream.head is not None and stream.head.status == status
    assert stream.done and stream.buffer.take() == body
    assert rx.reusable(stream, complete=True) == keeps
    assert not rx.reusable(stream, complete=False)  # a body left unread never is
    assert rx.idle and rx.answered


def test_pipelined_responses_each_get_their_own_stream():
    rx = Incoming()
    first, second = rx.expect("GET"), rx.expect("GET")
    assert rx.current is first and not rx.idle
    fed(rx, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nonetwo"[:-3])
    assert first.done and not second.done and rx.current is second
    assert not rx.answered  # the second's head is still to come
    fed(rx, b"HTTP/1.1 201 C\r\nContent-Length: 3\r\n\r\ntwo", 4)
    assert (first.head.status, first.buffer.take()) == (200, b"one")
    assert (second.head.status, second.buffer.take()) == (201, b"two")
    assert rx.reusable(first, True) and rx.reusable(second, True) and rx.answered


def test_informational_statuses_and_trailers_stay_with_their_response():
    rx = Incoming()
    stream = rx.expect("PUT")
    fed(rx, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n")
    assert stream.informational == (100, 102) and stream.head is None
    fed(rx, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nT: 1\r\n\r\n")
    assert stream.trailers is not None and stream.trailers.get_all("t") == ["1"]
    following = rx.expect("GET")
    fed(rx, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert following.informational == () and following.trailers is None


def test_a_101_keeps_what_follows_and_closes_the_connection_to_requests():
    rx = Incoming()
    stream = rx.expect("GET")
    fed(rx, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nnew protocol")
    assert stream.head.status == 101 and stream.done and rx.upgraded
    assert rx.parser.upgraded_tail == b"new protocol"
    assert not rx.open and not rx.reusable(stream, True)


def test_bytes_no_request_asked_for_retire_the_connection():
    rx = Incoming()
    stream = rx.expect("GET")
    fed(rx, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")
    assert stream.buffer.take() == b"ok"
    assert rx.stray and rx.retired and not rx.open and not rx.reusable(stream, True)


def test_retire_and_fail_end_reuse():
    rx = Incoming()
    stream = rx.expect("GET")
    fed(rx, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert rx.reusable(stream, True)
    rx.retire()
    assert not rx.reusable(stream, True)
    rx = Incoming()
    stream = rx.expect("GET")
    fed(rx, b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\npart")
    with pytest.raises(IncompleteRead) as caught:
        rx.parser.feed_eof()
    rx.fail(caught.value)
    rx.fail(ValueError("later"))  # the first reason is kept
    assert rx.error is caught.value and rx.error.__traceback__ is None
    assert not stream.done and not rx.open and not rx.reusable(stream, True)
