"""``DirectBody``: a body's rest read off a non-blocking socket by a blocking thread."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from aiohttpc._sansio.reader import LARGE_READ as SOME
from sync_facade.direct_read import DirectBody


def tcp_pair() -> tuple[socket.socket, socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as srv:
        a = socket.create_connection(srv.getsockname())
        b, _ = srv.accept()
    return a, b


@pytest.fixture(params=["unix", "tcp"])
def pair(request):
    a, b = socket.socketpair() if request.param == "unix" else tcp_pair()
    a.setblocking(False)  # as a transport leaves it
    yield a, b
    a.close()
    b.close()


def later(delay: float, *steps) -> threading.Thread:
    """Run *steps* (callables) one by one, *delay* seconds apart, in a thread."""

    def run() -> None:
        for step in steps:
            time.sleep(delay)
            step()

    t = threading.Thread(target=run)
    t.start()
    return t


def test_never_reads_past_the_body(pair):
    a, b = pair
    b.sendall(b"x" * 10 + b"NEXT")
    time.sleep(0.05)
    d = DirectBody(a.fileno(), 10, 1.0)
    assert d.read(3) == b"x" * 10  # a small need: what has arrived, within the body
    assert d.finished and (d.left, d.received, d.eof) == (0, 10, False)
    assert a.recv(100) == b"NEXT"


def test_exact_reads_wait_for_all_they_ask(pair):
    a, b = pair
    total = 3 * SOME + 5
    d = DirectBody(a.fileno(), total, 2.0)
    piece, rest = b"y" * (total // 6), b"y" * (total - total // 6 * 6)
    t = later(0.01, *[lambda: b.sendall(piece)] * 6, lambda: b.sendall(rest + b"NEXT"))
    try:
        assert d.read(2 * SOME) == b"y" * (2 * SOME)
        assert not d.finished
        assert d.read(-1) == b"y" * (SOME + 5)
        assert d.finished and d.received == total
    finally:
        t.join(5)
    assert a.recv(100) == b"NEXT"


def test_peer_closing_early_is_eof(pair):
    a, b = pair
    b.sendall(b"z" * 100)
    b.shutdown(socket.SHUT_WR)
    d = DirectBody(a.fileno(), 1000, 1.0)
    assert d.read(-1) == b"z" * 100
    assert d.eof and d.finished and d.left == 900


@pytest.mark.parametrize("timeout", [0.2, None])
def test_timeout_and_the_descriptor_stays_non_blocking(pair, timeout):
    a, b = pair
    d = DirectBody(a.fileno(), 100, timeout)
    if timeout is None:
        b.sendall(b"w" * 100)
        assert d.read(-1) == b"w" * 100
    else:
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):
            d.read(-1)
        assert time.monotonic() - t0 < 2
    assert d.finished  # its duplicate descriptor is closed
    assert not os.get_blocking(a.fileno())


def test_close_releases_the_duplicate(pair):
    a, _ = pair
    before = len(os.listdir("/proc/self/fd"))
    d = DirectBody(a.fileno(), 100, 1.0)
    assert len(os.listdir("/proc/self/fd")) == before + 1
    d.close()
    d.close()
    assert len(os.listdir("/proc/self/fd")) == before
    assert d.read(10) == b""


def lowat(s: socket.socket) -> int:
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT)


def test_a_trickle_within_the_timeout_is_not_a_timeout(pair):
    """A whole read waits for more than one byte at a time, yet times out only after a
    whole timeout without a byte, as a plain socket's receive would."""
    a, b = pair
    t = later(0.1, *[lambda: b.sendall(b"t" * 100)] * 8)
    try:
        d = DirectBody(a.fileno(), 800, 0.4)
        assert d.read(-1) == b"t" * 800
        assert d.finished and not d.eof
    finally:
        t.join(5)
    assert lowat(a) == 1


def test_a_whole_read_still_times_out_after_a_silence(pair):
    a, b = pair
    t = later(0.05, lambda: b.sendall(b"s" * 100))
    try:
        d = DirectBody(a.fileno(), 1000, 0.3)
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):
            d.read(-1)
        assert 0.3 <= time.monotonic() - t0 < 2
    finally:
        t.join(5)
    assert lowat(a) == 1


def test_the_peer_closing_during_a_whole_read_wakes_it(pair):
    a, b = pair
    t = later(0.1, lambda: b.sendall(b"e" * 100), lambda: b.shutdown(socket.SHUT_WR))
    try:
        d = DirectBody(a.fileno(), 100_000, None)  # no timeout: only the close can end it
        assert d.read(-1) == b"e" * 100
        assert d.eof and d.finished
    finally:
        t.join(5)


def test_the_sockets_own_low_water_mark_is_put_back(pair):
    """The option is the transport's too: after a wait it has the value it had before."""
    a, b = pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 7)
    t = later(0.1, lambda: b.sendall(b"k" * (3 * SOME)))
    try:
        d = DirectBody(a.fileno(), 3 * SOME, 2.0)
        assert d.read(3 * SOME) == b"k" * (3 * SOME)
    finally:
        t.join(5)
    assert lowat(a) == 7


def test_a_whole_read_asks_to_be_woken_for_what_it_still_needs(pair):
    a, b = pair
    got: list[bytes] = []
    d = DirectBody(a.fileno(), 1000, 5.0)
    t = threading.Thread(target=lambda: got.append(d.read(-1)))
    t.start()
    try:
        time.sleep(0.1)
        seen = lowat(a)  # while the reader waits
        b.sendall(b"w" * 1000)
    finally:
        t.join(5)
    assert seen == 1000
    assert got == [b"w" * 1000] and lowat(a) == 1
