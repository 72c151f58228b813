"""Connection rules: keep-alive, state transitions, reconnects, validation, timeouts."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

import aiohttpc
from aiohttpc import errors
from tests.servers import Conn, ScriptedServer, per_connection, refused_port, replies, response


def conn_to(srv: ScriptedServer, **kw) -> aiohttpc.HTTPConnection:
    kw.setdefault("timeout", 5)
    return aiohttpc.HTTPConnection(srv.host, srv.port, **kw)


async def get(conn: aiohttpc.HTTPConnection, url: str = "/", **kw) -> bytes:
    await conn.request("GET", url, **kw)
    return await (await conn.getresponse()).read()


async def test_keep_alive_reuses_one_connection():
    with ScriptedServer(replies(*[response(body=b"%d" % i) for i in range(5)])) as srv:
        async with conn_to(srv) as conn:
            assert [await get(conn) for _ in range(5)] == [b"0", b"1", b"2", b"3", b"4"]
    assert len(srv.conns) == 1


@pytest.mark.parametrize(
    "raw",
    [
        response(body=b"a", headers=[("Connection", "close")]),
        response(body=b"a", version="HTTP/1.0"),
        response(body=b"a", version="HTTP/1.1", length=False),
    ],
    ids=["connection-close", "http10", "until-close"],
)
async def test_closing_responses_open_a_new_connection(raw):
    with ScriptedServer(replies(raw, raw)) as srv:
        async with conn_to(srv) as conn:
            await conn.request("GET", "/")
            r = await conn.getresponse()
            assert r.will_close and conn.sock is None
            assert await r.read(1) == b"a"
            r.close()
            await conn.request("GET", "/")
            r2 = await conn.getresponse()
            r2.close()
    assert len(srv.conns) == 2


async def test_http10_keep_alive_is_honoured():
    raw = response(body=b"k", version="HTTP/1.0", headers=[("Connection", "keep-alive")])
    with ScriptedServer(replies(raw, raw)) as srv:
        async with conn_to(srv) as conn:
            assert await get(conn) == b"k" and await get(conn) == b"k"
    assert len(srv.conns) == 1


async def test_server_closing_idle_connection_is_noticed():
    def first(conn: Conn) -> None:
        conn.read_request()
        conn.send(response(body=b"one"))
        conn.close()  # an idle keep-alive connection timed out by the server

    with ScriptedServer(
        per_connection(first, replies(response(body=b"two"))), by_index=True
    ) as srv:
        async with conn_to(srv) as conn:
            assert await get(conn) == b"one"
            for _ in range(100):  # until the client has seen the FIN (bounded)
                if conn.protocol is None or not conn.protocol.usable:
                    break
                await asyncio.sleep(0.01)
            assert await get(conn) == b"two"
    assert len(srv.conns) == 2


async def test_auto_open_after_close_and_not_connected():
    with ScriptedServer(replies(response(body=b"x"))) as srv:
        conn = conn_to(srv)
        assert await get(conn) == b"x"
        await conn.close()
        assert conn.sock is None
        assert await get(conn) == b"x"
        await conn.close()
        conn.auto_open = 0
        with pytest.raises(errors.NotConnected):
            await conn.request("GET", "/")
        await conn.close()


async def test_state_rules_match_http_client():
    with ScriptedServer(replies(response(body=b"abc"), response(body=b"def"))) as srv:
        async with conn_to(srv) as conn:
            with pytest.raises(errors.ResponseNotReady) as e:
                await conn.getresponse()
            assert e.value.args == ("Idle",)
            with pytest.raises(errors.CannotSendHeader):
                conn.putheader("X", "1")
            conn.putrequest("GET", "/")
            with pytest.raises(errors.CannotSendRequest) as e2:
                conn.putrequest("GET", "/")
            assert e2.value.args == ("Request-started",)
            with pytest.raises(errors.ResponseNotReady):
                await conn.getresponse()
            await conn.endheaders()
            with pytest.raises(errors.CannotSendHeader):
                await conn.endheaders()
            r = await conn.getresponse()
            # a new request may be sent before the previous body is read, but its
            # response is not ready until that body is done with
            await conn.request("GET", "/2")
            with pytest.raises(errors.ResponseNotReady) as e3:
                await conn.getresponse()
            assert e3.value.args == ("Request-sent",)
            assert await r.read() == b"abc"
            assert await (await conn.getresponse()).read() == b"def"
    assert len(srv.conns) == 1
    assert isinstance(errors.CannotSendRequest(), errors.ImproperConnectionState)


async def test_putrequest_putheader_endheaders_wire_bytes():
    with ScriptedServer(replies(response())) as srv:
        async with conn_to(srv) as conn:
            conn.putrequest("POST", "/p", skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", "example.org")
            conn.putheader("X-Multi", "a", b"b", 3)
            conn.putheader("Content-Length", 4)
            await conn.endheaders(b"body")
            await (await conn.getresponse()).read()
    assert srv.received[0] == (
        b"POST /p HTTP/1.1\r\nHost: example.org\r\nX-Multi: a\r\n\tb\r\n\t3\r\n"
        b"Content-Length: 4\r\n\r\nbody"
    )


@pytest.mark.parametrize(
    ("host", "port", "url", "expected"),
    [
        ("127.0.0.1", None, "/", b"127.0.0.1:{port}"),
        ("localhost", None, "http://example.org:8080/x", b"example.org:8080"),
        ("127.0.0.1", None, "http://[fe80::1%25eth0]/", b"[fe80::1]"),
    ],
)
async def test_host_header(host, port, url, expected):
    with ScriptedServer(replies(response())) as srv:
        async with aiohttpc.HTTPConnection(host, srv.port, timeout=5) as conn:
            await get(conn, url)
    line = next(x for x in srv.received[0].split(b"\r\n") if x.startswith(b"Host:"))
    assert line == b"Host: " + expected.replace(b"{port}", str(srv.port).encode())


async def test_default_port_omitted_and_hostport_parsing():
    c = aiohttpc.HTTPConnection("example.org:8080")
    assert (c.host, c.port) == ("example.org", 8080)
    c = aiohttpc.HTTPConnection("[::1]:81")
    assert (c.host, c.port) == ("::1", 81)
    c = aiohttpc.HTTPConnection("example.org:")
    assert c.port == 80
    with pytest.raises(errors.InvalidURL, match="nonnumeric port: 'x'"):
        aiohttpc.HTTPConnection("example.org:x")
    with pytest.raises(errors.InvalidURL):
        aiohttpc.HTTPConnection("exa\r\nmple.org")
    assert aiohttpc.HTTPSConnection("example.org").port == 443


async def test_ipv6_loopback():
    with ScriptedServer(replies(response(body=b"six")), host="::1") as srv:
        async with aiohttpc.HTTPConnection("::1", srv.port, timeout=5) as conn:
            assert await get(conn) == b"six"
    assert b"Host: [::1]:%d" % srv.port in srv.received[0]


async def test_source_address():
    with ScriptedServer(replies(response())) as srv:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        async with conn_to(srv, source_address=("127.0.0.1", port)) as conn:
            await get(conn)
            assert conn.sock.getsockname() == ("127.0.0.1", port)


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda c: c.request("GET\r\nX: y", "/"), ValueError),
        (lambda c: c.request("GET", "/a b"), errors.InvalidURL),
        (lambda c: c.request("GET", "/a\r\nX-Injected: 1"), errors.InvalidURL),
        (lambda c: c.request("GET", "/\x00"), errors.InvalidURL),
        (lambda c: c.request("GET", "/", headers={"X\r\nY": "1"}), ValueError),
        (lambda c: c.request("GET", "/", headers={"X": "a\r\nInjected: 1"}), ValueError),
        (lambda c: c.request("GET", "/", headers={"X": "a\r\n folded"}), ValueError),
        (lambda c: c.request("GET", "/", headers={"X": "a\x00b"}), ValueError),
        (lambda c: c.request("GET", "/", headers={"X": b"a\nb"}), ValueError),
        (lambda c: c.request("GET", "/", headers={"X Y": "1"}), ValueError),
        (lambda c: c.request("GET", "/", headers={"": "1"}), ValueError),
        (lambda c: c.request("POST", "/", body=object()), TypeError),
        (lambda c: c.request("POST", "/", body="\u20ac"), UnicodeEncodeError),
    ],
)
async def test_injection_rejected_before_anything_is_sent(call, exc):
    with ScriptedServer(replies(response(body=b"fine"))) as srv:
        async with conn_to(srv) as conn:
            with pytest.raises(exc):
                await call(conn)
            # nothing was sent, and the connection is usable for a proper request
            assert srv.received == [] or srv.received == [b""]
            assert await get(conn) == b"fine"
    assert b"Injected" not in b"".join(srv.received)


async def test_connect_refused():
    conn = aiohttpc.HTTPConnection("127.0.0.1", refused_port(), timeout=5)
    with pytest.raises(ConnectionRefusedError):
        await conn.request("GET", "/")
    await conn.close()


async def test_connect_timeout():
    # A listener whose backlog is full: further SYNs are dropped, so connect hangs.
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    fillers = []
    try:
        for _ in range(8):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(lst.getsockname())
            fillers.append(f)
        conn = aiohttpc.HTTPConnection("127.0.0.1", lst.getsockname()[1], timeout=0.3)
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):
            await conn.request("GET", "/")
        assert time.monotonic() - t0 < 5
        await conn.close()
    finally:
        for f in fillers:
            f.close()
        lst.close()


async def test_close_aborts_a_transport_that_cannot_flush():
    """close() waits at most about a second for unsent bytes, then aborts the transport."""
    released = threading.Event()

    def not_reading(conn: Conn) -> None:
        released.wait(5.0)  # neither reads nor closes until the test is done

    with ScriptedServer(not_reading) as srv:
        conn = conn_to(srv, timeout=None)
        await conn.connect()
        p = conn.protocol
        p.write(b"x" * (32 << 20))  # far more than the socket buffers take
        assert p.transport.get_write_buffer_size() > 0
        t0 = time.monotonic()
        await conn.close()
        elapsed = time.monotonic() - t0
        released.set()
        assert 0.8 < elapsed < 4.0 and p.lost  # the server holds out 5 s


async def test_read_timeout_closes_connection():
    def silent(conn: Conn) -> None:
        conn.read_request()
        conn.drain_to_eof(3.0)

    with ScriptedServer(silent) as srv:
        conn = conn_to(srv, timeout=0.2)
        await conn.request("GET", "/")
        with pytest.raises(TimeoutError) as info:
            await conn.getresponse()
        assert isinstance(info.value, socket.timeout)
        assert conn.sock is None
        await conn.close()


async def test_body_read_timeout():
    def stall(conn: Conn) -> None:
        conn.read_request()
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        conn.drain_to_eof(3.0)

    with ScriptedServer(stall) as srv:
        conn = conn_to(srv, timeout=0.2)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        with pytest.raises(TimeoutError):
            await r.read()
        assert r.isclosed()
        await conn.close()


async def test_write_timeout():
    def never_reads(conn: Conn) -> None:
        time.sleep(1.0)

    with ScriptedServer(never_reads) as srv:
        conn = conn_to(srv, timeout=0.3)
        big = b"x" * (64 << 20)
        with pytest.raises(TimeoutError):
            await conn.request("POST", "/", body=iter([big]))
        assert conn.sock is None  # never a half-sent request on a reusable connection
        await conn.close()


async def test_stray_bytes_close_the_connection():
    raw = response(body=b"ok") + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!"
    with ScriptedServer(
        per_connection(replies(raw), replies(response(body=b"clean"))), by_index=True
    ) as srv:
        async with conn_to(srv) as conn:
            assert await get(conn) == b"ok"
            assert await get(conn) == b"clean"
    assert len(srv.conns) == 2


async def test_run_helper_uses_uvloop():
    pytest.importorskip("uvloop")

    async def which() -> str:
        return type(asyncio.get_running_loop()).__module__

    # run() needs a thread without a running loop
    result = await asyncio.get_running_loop().run_in_executor(None, aiohttpc.run, which())
    assert result.startswith("uvloop")


async def test_repr():
    c = aiohttpc.HTTPConnection("127.0.0.1", 1)
    assert "127.0.0.1:1" in repr(c) and "not connected" in repr(c)


async def test_a_failed_write_closes_the_connection_and_the_next_request_reconnects():
    # The write of a small request happens without a coroutine of its own: a failure
    # there must still close the connection rather than leave it expecting a response.
    with ScriptedServer(replies(response(body=b"one"))) as srv:
        async with conn_to(srv) as conn:
            assert await get(conn) == b"one"
            protocol = conn.protocol
            assert protocol is not None

            real = protocol.transport

            class BrokenTransport:
                def __getattr__(self, name):
                    return getattr(real, name)

                def write(self, data):
                    raise OSError("write failed")

            protocol.transport = BrokenTransport()
            with pytest.raises(OSError, match="write failed"):
                await conn.request("GET", "/")
            assert conn.protocol is None and not conn.connected
            assert await get(conn, "/again") == b"one"
    assert len(srv.conns) == 2
    assert srv.received[1].startswith(b"GET /again ")


async def test_a_request_sent_while_the_previous_body_is_arriving():
    # The second request goes out while the first body is unfinished; its response is
    # parsed after that body ends, and each response reads its own bytes. (The stdlib's
    # buffered reader may read into the second response and lose it with the first.)
    def handler(c: Conn) -> None:
        c.read_request()
        c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst")
        c.read_request()
        c.send(b"-rest" + response(body=b"second"))

    with ScriptedServer(handler) as srv:
        async with conn_to(srv) as conn:
            await conn.request("GET", "/1")
            r1 = await conn.getresponse()
            await conn.request("GET", "/2")
            assert await r1.read() == b"first-rest"
            assert await (await conn.getresponse()).read() == b"second"
    assert len(srv.conns) == 1
    assert srv.received[0].startswith(b"GET /1 ") and b"GET /2 " in srv.received[0]
