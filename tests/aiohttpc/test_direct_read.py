"""``DirectBody``: a body's rest read off a non-blocking socket by a blocking thread."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from aiohttpc.direct_read import SOME, DirectBody


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    a.setblocking(False)  # as a transport leaves it
    yield a, b
    a.close()
    b.close()


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

    def send() -> None:
        for _ in range(6):
            b.sendall(b"y" * (total // 6))
            time.sleep(0.01)
        b.sendall(b"y" * (total - total // 6 * 6) + b"NEXT")

    t = threading.Thread(target=send)
    t.start()
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
