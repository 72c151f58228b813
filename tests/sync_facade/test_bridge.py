"""The bridge: threads, running loops, its own thread, fork, timeouts, interruption, cost."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings

import pytest

import sync_facade
from sync_facade import direct_write
from sync_facade.bridge import bridge
from tests.servers import Conn, ScriptedServer, per_connection, replies, response


def get(port: int, n: int = 1, **kw) -> list[bytes]:
    conn = sync_facade.HTTPConnection("127.0.0.1", port, timeout=5, **kw)
    out = []
    for _ in range(n):
        conn.request("GET", "/")
        out.append(conn.getresponse().read())
    conn.close()
    return out


def test_many_threads_at_once():
    n_threads, n_requests = 16, 30
    with ScriptedServer(replies(*[response(body=b"ok")] * n_requests)) as srv:
        results: list[list[bytes]] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                results.append(get(srv.port, n_requests))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert not errors
    assert results == [[b"ok"] * n_requests] * n_threads
    assert len(srv.conns) == n_threads


def test_from_a_thread_running_its_own_event_loop():
    with ScriptedServer(replies(response(body=b"inside"))) as srv:

        async def main() -> list[bytes]:
            return get(srv.port)  # blocks this loop's thread, as a socket call would

        assert asyncio.run(main()) == [b"inside"]


def test_refused_on_the_bridge_thread():
    def nested() -> None:
        bridge.call(lambda: None)

    with pytest.raises(RuntimeError, match="bridge's own event-loop thread"):
        bridge.call(nested)


def test_loop_thread_is_a_daemon_and_uses_uvloop():
    get_loop = bridge.loop
    assert bridge._thread is not None and bridge._thread.daemon
    pytest.importorskip("uvloop")
    assert type(get_loop).__module__.startswith("uvloop")


def test_no_thread_per_call():
    with ScriptedServer(replies(*[response(body=b"x")] * 50)) as srv:
        get(srv.port)  # the bridge is up
        before = set(threading.enumerate())
        get(srv.port, 49)
        new = set(threading.enumerate()) - before - set(srv._threads)
        assert new == set()


def test_buffered_body_is_read_without_another_hop(monkeypatch):
    calls = []
    real_run = bridge.run

    def counting_run(coro, on_interrupt=None):
        calls.append(getattr(coro, "__qualname__", "?"))
        return real_run(coro, on_interrupt)

    with ScriptedServer(replies(*[response(body=b"small")] * 3)) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/")  # first request: connects (a waiting hop)
        conn.getresponse().read()
        monkeypatch.setattr(bridge, "run", counting_run)
        for _ in range(2):
            conn.request("GET", "/")
            r = conn.getresponse()
            assert r.read() == b"small"
        monkeypatch.undo()
        conn.close()
    # one waiting hop per request/response cycle: getresponse; request() only posts
    assert calls == ["HTTPConnection._getresponse"] * 2


def test_timeout_raises_and_closes_the_connection():
    def silent(conn: Conn) -> None:
        conn.read_request()
        conn.drain_to_eof(2.0)

    with ScriptedServer(silent) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=0.2)
        conn.request("GET", "/")
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):
            conn.getresponse()
        assert time.monotonic() - t0 < 3
        assert conn.sock is None
        conn.close()


def test_keyboard_interrupt_leaves_connection_closed(sigint_raises: None) -> None:
    def slow_then_ok(conn: Conn) -> None:
        conn.read_request()
        conn.drain_to_eof(1.0)

    with (
        ScriptedServer(slow_then_ok) as srv,
        ScriptedServer(replies(response(body=b"fresh"))) as ok,
    ):
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port)  # no timeout at all
        conn.request("GET", "/")
        main = threading.main_thread().ident
        timer = threading.Timer(0.2, signal.pthread_kill, (main, signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            conn.getresponse()
        timer.join()
        bridge.call(lambda: None)  # let the loop finish the cancellation
        assert conn.sock is None
        conn.port = ok.port  # the same object is usable again: a new connection
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"fresh"
        conn.close()


def test_child_after_fork_gets_its_own_loop_thread():
    with ScriptedServer(
        per_connection(replies(response(body=b"parent")), replies(response(body=b"child"))),
        by_index=True,
    ) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"parent"
        conn.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                code = 0 if get(srv.port) == [b"child"] else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0


def test_interpreter_exits_with_the_loop_thread_running():
    with ScriptedServer(replies(response(body=b"bye"))) as srv:
        code = (
            "import sync_facade\n"
            f"c = sync_facade.HTTPConnection('127.0.0.1', {srv.port}, timeout=5)\n"
            "c.request('GET', '/')\n"
            "print(c.getresponse().read().decode())\n"
        )
        env = dict(os.environ, PYTHONPATH=os.getcwd())
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=20, env=env
        )
    assert out.returncode == 0 and out.stdout.strip() == "bye", out.stderr


def test_direct_write_that_only_partly_fits_sends_the_rest_in_order(monkeypatch):
    """request() writes small requests from the caller's thread; what the socket does not
    take at once goes out through the loop, before anything else."""
    body = bytes(range(256)) * 250  # 64,000 bytes: small enough for the direct path

    def slow_reader(conn: Conn) -> None:
        time.sleep(0.3)  # let the client's tiny send buffer fill
        for _ in range(2):
            _head, data = conn.read_request()
            conn.send(response(body=b"%d" % len(data)))
        conn.drain_to_eof(2.0)

    with ScriptedServer(slow_reader) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.connect()
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        rests: list[bytes] = []
        write_rest = direct_write._write_rest

        def recording(p, data):
            rests.append(data)
            write_rest(p, data)

        monkeypatch.setattr(direct_write, "_write_rest", recording)
        for _ in range(2):
            conn.request("POST", "/", body=body)
            assert conn.getresponse().read() == b"64000"
        conn.close()
    assert srv.conns[0].requests[0][1] == body == srv.conns[0].requests[1][1]
    assert rests and rests[0]  # a request really was split between the two paths


def test_dropped_connection_is_closed():
    with ScriptedServer(replies(response(body=b"x"))) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/")
        r = conn.getresponse()
        transport = conn._core.protocol.transport
        del conn  # a response being read keeps working...
        assert r.read() == b"x"
        bridge.call(lambda: None)
        assert transport.is_closing()  # ...and the connection is closed after it
