"""Large Content-Length bodies read off the socket by the caller's thread.

Each scenario runs with the stdlib and with the façade against the same script and
the observations are compared; the façade's own guarantees (the connection is closed
and replaced after an abandoned or failed body, no socket left open) are checked too.
"""

from __future__ import annotations

import gc
import hashlib
import http.client
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

import sync_facade
from aiohttpc._sansio.reader import LARGE_READ as DIRECT_MIN
from sync_facade.bridge import bridge
from sync_facade.direct_read import DirectBody
from tests.servers import Conn, ScriptedServer, per_connection, replies, response

MiB = 1 << 20
BODY = bytes(range(251)) * (3 * MiB // 251 + 1000)  # ~3 MiB, not a multiple of anything
SMALL = response(body=b"second")
BIG = response(body=BODY)
MODULES = [http.client, sync_facade]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def both(scenario: Any, *args: Any) -> Any:
    """The scenario's observations with the stdlib and with the façade, which must agree."""
    got = [scenario(mod, *args) for mod in MODULES]
    assert got[1] == got[0]
    return got[1]


def big_then_small(mod: Any, read_body: Any) -> Any:
    """GET the big body with *read_body(response)*, then a small one on the same
    connection: (what read_body returned, closed after it, second body, connections)."""
    with ScriptedServer(replies(BIG, SMALL)) as srv:
        conn = mod.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/big")
        r = conn.getresponse()
        got = read_body(r)
        closed = r.isclosed()
        conn.request("GET", "/small")
        second = conn.getresponse().read()
        conn.close()
        return got, closed, second, len(srv.conns)


def test_reads_in_pieces_then_reuse():
    def pieces(r: Any) -> Any:
        parts = []
        while data := r.read(MiB):
            parts.append(data)
        return [len(p) for p in parts], digest(b"".join(parts))

    (sizes, body), closed, second, conns = both(big_then_small, pieces)
    assert body == digest(BODY) and sizes[0] == MiB and closed
    assert (second, conns) == (b"second", 1)


def test_mixed_reads_see_the_same_bytes():
    def mixed(r: Any) -> Any:
        out = [r.read(100), r.read(300_000), r.read1(50), r.readline(), r.read(70_000)]
        buf = bytearray(200_000)
        n = r.readinto(buf)
        out.append(bytes(buf[:n]))
        out.append(r.read())
        return [len(out[i]) for i in (0, 1, 4, 5)], digest(b"".join(out))

    (fixed, body), closed, second, conns = both(big_then_small, mixed)
    assert fixed == [100, 300_000, 70_000, 200_000] and body == digest(BODY) and closed
    assert (second, conns) == (b"second", 1)


def into_pieces(piece: int) -> Any:
    def read_body(r: Any) -> Any:
        buf = bytearray(piece)
        sizes, data = [], bytearray()
        for _ in range(len(BODY) // piece + 3):
            n = r.readinto(buf)
            sizes.append(n)
            data += buf[:n]
            if not n:
                break
        buf.append(0)  # not held: it can be resized
        return sizes, digest(bytes(data))

    return read_body


@pytest.mark.parametrize("piece", [DIRECT_MIN - 1, DIRECT_MIN, MiB, 5 * MiB])
def test_readinto_in_pieces_then_reuse(piece: int):
    (sizes, body), closed, second, conns = both(big_then_small, into_pieces(piece))
    assert body == digest(BODY) and closed and sizes[-1] == 0
    assert (second, conns) == (b"second", 1)


def test_large_readinto_reads_off_the_socket_into_the_buffer(monkeypatch):
    def no_bytes_objects(*args: Any) -> bytes:
        raise AssertionError("read into a bytes object, then copied")

    with ScriptedServer(replies(BIG)) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/big")
        r = conn.getresponse()
        # More than the loop holds before it pauses (1 MiB and a piece): this read
        # takes the body's rest over.
        first = 2 * MiB
        buf = bytearray(first)
        assert r.readinto(buf) == first and buf == BODY[:first]
        direct = r._source.direct
        assert direct is not None  # the rest is this thread's to read
        arrived = r._source.buffer.size  # handed over from the loop with the body's rest
        before = direct.received
        monkeypatch.setattr(DirectBody, "read", no_bytes_objects)
        rest = bytearray(len(BODY))
        assert r.readinto(rest) == len(BODY) - first and rest[: len(BODY) - first] == BODY[first:]
        assert direct.received - before == len(BODY) - first - arrived
        assert r.isclosed() and r._source.direct is None
        conn.close()


def test_readinto_of_a_body_cut_short_reads_short():
    def halves(r: Any) -> list[int]:
        buf = bytearray(MiB // 2)
        sizes = []
        for _ in range(5):  # 700,000 bytes arrive
            n = r.readinto(buf)
            if not n:
                break
            sizes.append(n)
        return sizes

    sizes, closed = both(read_cut_short, halves)
    assert sizes == [MiB // 2, 700_000 - MiB // 2] and closed


def test_read_all_at_once():
    got = both(big_then_small, lambda r: digest(r.read()))
    assert got == (digest(BODY), True, b"second", 1)


def test_request_sent_before_the_body_is_read():
    # The next response may already be on the socket: the body's reader must stop at
    # its Content-Length and leave the next response to be parsed. (The stdlib loses
    # it here: its buffered reader reads ahead into it and is closed with the body.)
    with ScriptedServer(replies(BIG, SMALL)) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/big")
        r = conn.getresponse()
        conn.request("GET", "/small")
        time.sleep(0.1)  # let the second response arrive behind the first
        parts = []
        while data := r.read(MiB):
            parts.append(data)
        assert digest(b"".join(parts)) == digest(BODY)
        assert conn.getresponse().read() == b"second"
        conn.close()
        assert len(srv.conns) == 1


def cut_short(sent: int, *, then_close: bool = True) -> Any:
    """A handler announcing BODY's length and sending only *sent* bytes of it."""

    def handler(conn: Conn) -> None:
        conn.read_request()
        conn.send(BIG[: len(BIG) - len(BODY) + sent])
        if then_close:
            conn.close()
        else:
            conn.drain_to_eof(3.0)

    return handler


def read_cut_short(mod: Any, read_body: Any) -> Any:
    """GET a body cut short after 700,000 bytes with *read_body(response)*."""
    with ScriptedServer(cut_short(700_000)) as srv:
        conn = mod.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/big")
        r = conn.getresponse()
        got = read_body(r)
        conn.close()
        return got, r.isclosed()


def test_body_cut_short_gives_short_reads():
    def quarters(r: Any) -> list[int]:
        sizes = []
        while data := r.read(MiB // 4):
            sizes.append(len(data))
        return sizes

    sizes, closed = both(read_cut_short, quarters)
    assert sum(sizes) == 700_000 and closed


def test_body_cut_short_read_all_raises_incomplete_read():
    def first_then_all(r: Any) -> Any:
        first = r.read(100_000)
        with pytest.raises(http.client.IncompleteRead) as info:
            r.read()
        err = info.value
        return len(first), len(err.partial), err.expected, str(err)

    got, _closed = both(read_cut_short, first_then_all)
    assert got[:3] == (100_000, 600_000, len(BODY) - 700_000)


def test_timeout_in_the_body_then_a_new_connection():
    def scenario(mod: Any) -> Any:
        with ScriptedServer(cut_short(300_000, then_close=False)) as srv:
            conn = mod.HTTPConnection("127.0.0.1", srv.port, timeout=0.3)
            conn.request("GET", "/big")
            r = conn.getresponse()
            t0 = time.monotonic()
            with pytest.raises(TimeoutError) as info:
                while r.read(MiB):
                    pass
            took = time.monotonic() - t0
            r.close()
            conn.close()
            return type(info.value), str(info.value), took < 3

    assert both(scenario) == (TimeoutError, "timed out", True)

    # The façade closes the connection; the same object then opens a new one.
    with ScriptedServer(
        per_connection(cut_short(300_000, then_close=False), replies(SMALL)), by_index=True
    ) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=0.3)
        conn.request("GET", "/big")
        r = conn.getresponse()
        with pytest.raises(TimeoutError):
            r.read()
        assert r.isclosed()
        conn.request("GET", "/small")
        assert conn.getresponse().read() == b"second"
        conn.close()
        assert len(srv.conns) == 2


def test_abandoned_body_closes_the_connection():
    # Long enough that the loop, which holds at most ~1.3 MiB unread, cannot have it all
    # before some MiB read finds too little at hand and takes the rest over; on a busy
    # machine that may be the second read or a later one, so read until it happens.
    body = BODY * 6
    with ScriptedServer(
        per_connection(replies(response(body=body)), replies(SMALL)), by_index=True
    ) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/big")
        r = conn.getresponse()
        got = b""
        for _ in range(len(body) // MiB - 1):
            got += r.read(MiB)
            if r._source.direct is not None:  # this thread reads the rest itself
                break
        assert r._source.direct is not None and got == body[: len(got)]
        assert len(got) < len(body)
        r.close()
        assert r._source.direct is None
        conn.request("GET", "/small")
        assert conn.getresponse().read() == b"second"
        conn.close()
        assert len(srv.conns) == 2


EXIT_SCRIPT = """
import socket, sys, threading
import sync_facade

body = bytes(3 << 20)
srv = socket.create_server(("127.0.0.1", 0))

def serve():
    c, _ = srv.accept()
    c.settimeout(10)
    c.recv(65536)
    head = b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body)
    try:
        c.sendall(head + body)
    except OSError:
        pass

threading.Thread(target=serve, daemon=True).start()
conn = sync_facade.HTTPConnection("127.0.0.1", srv.getsockname()[1], timeout=5)
conn.request("GET", "/big")
r = conn.getresponse()
READ
print("exiting", flush=True)
"""


@pytest.mark.parametrize(
    "read", ["r.read(2 << 20)", "r.readinto(bytearray(2 << 20))", "r.read(10)"]
)
def test_a_program_may_exit_with_a_body_half_read(read: str):
    """The response is closed as the interpreter exits, when the loop thread runs no
    more: that must not wait for it (it did, forever, once the body was read directly)."""
    out = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT.replace("READ", read)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "exiting\n" and out.stderr == ""


def test_small_reads_and_short_bodies_stay_on_the_loop():
    with ScriptedServer(replies(BIG, response(body=b"x" * 200_000))) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/big")
        r = conn.getresponse()
        r.read(1000)
        assert r._source.direct is None  # a small read: the usual hop
        # More than the loop holds before it pauses (1 MiB and a piece), so not served
        # from what came with the first hop alone.
        r.read(2 * MiB)
        assert r._source.direct is not None
        assert r.read() == BODY[1000 + 2 * MiB :]
        assert r._source.direct is None
        conn.request("GET", "/small")
        r = conn.getresponse()
        assert r.read(100_000) == b"x" * 100_000
        assert r.read() == b"x" * 100_000
        conn.close()


def test_over_tls_the_loop_reads(server_ssl, client_ssl):
    with ScriptedServer(replies(BIG), ssl_context=server_ssl) as srv:
        conn = sync_facade.HTTPSConnection("127.0.0.1", srv.port, timeout=5, context=client_ssl)
        conn.request("GET", "/big")
        r = conn.getresponse()
        assert r.read(MiB) == BODY[:MiB]
        assert r._source.direct is None
        assert r.read() == BODY[MiB:]
        conn.close()


def test_keyboard_interrupt_in_the_body(sigint_raises: None) -> None:
    with ScriptedServer(
        per_connection(cut_short(300_000, then_close=False), replies(SMALL)), by_index=True
    ) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port)  # no timeout at all
        conn.request("GET", "/big")
        r = conn.getresponse()
        main = threading.main_thread().ident
        timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            r.read(MiB)
        timer.join()
        assert r.isclosed()
        bridge.call(lambda: None)
        conn.request("GET", "/small")
        assert conn.getresponse().read() == b"second"
        conn.close()
        assert len(srv.conns) == 2


def test_connection_closed_between_reads():
    def scenario(mod: Any) -> Any:
        with ScriptedServer(replies(BIG)) as srv:
            conn = mod.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            conn.request("GET", "/big")
            r = conn.getresponse()
            first = r.read(MiB)
            conn.close()
            rest = r.read()
            return digest(first), rest, r.isclosed()

    assert both(scenario) == (digest(BODY[:MiB]), b"", True)


def test_response_dropped_mid_body_leaves_nothing_open():
    with ScriptedServer(replies(BIG)) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/big")
        r = conn.getresponse()
        # More than the loop holds before it pauses (1 MiB and a piece), so not served
        # from what came with the head alone: this read takes the body's rest over.
        r.read(2 * MiB)
        direct = r._source.direct
        assert direct is not None
        del r, conn
        for _ in range(2):  # the loop may hold the last hop's result until the next ones
            bridge.call(lambda: None)
        gc.collect()
        assert direct.finished  # its socket closed, no ResourceWarning
