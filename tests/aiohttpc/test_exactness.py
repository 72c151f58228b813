"""Exchanges where the async core once parted from ``http.client`` (on both loops): the
same script read with the stdlib and with ``aiohttpc``, outcomes compared."""

from __future__ import annotations

import asyncio
import http.client

import pytest

import aiohttpc
from tests import bodies
from tests.servers import (
    Conn,
    ScriptedServer,
    answer,
    answer_and_close,
    answer_early,
    echo_after_101,
    response,
)
from tests.sync_facade.differential import _exc

CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def outcome(fn):
    try:
        return fn()
    except Exception as exc:
        return _exc(exc)


async def aoutcome(coro):
    try:
        return await coro
    except Exception as exc:
        return _exc(exc)


def stdlib_reads(port: int, reads: list, timeout: float) -> list:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/")
        resp = outcome(conn.getresponse)
        if isinstance(resp, tuple):
            return [resp]
        return [resp.status] + [outcome(lambda a=a: resp.read(*a)) for a in reads]
    finally:
        conn.close()


async def our_reads(port: int, reads: list, timeout: float) -> list:
    conn = aiohttpc.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        await conn.request("GET", "/")
        resp = await aoutcome(conn.getresponse())
        if isinstance(resp, tuple):
            return [resp]
        return [resp.status] + [await aoutcome(resp.read(*a)) for a in reads]
    finally:
        await conn.close()


CASES = {
    "status-cut": (answer(b"HTTP/1.1 20"), [()], 5),
    "te-identity": (
        answer(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\nabcd",
            then="wait",
        ),
        [(), ()],
        5,
    ),
    "chunk-cut": (answer(CHUNKED + b"5\r\nab"), [(), (), (3,)], 5),
    "timeout-cl": (
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", then="wait"),
        [(3,), (5,), (), (1,)],
        0.5,
    ),
    "timeout-chunked": (answer(CHUNKED + b"5\r\nab", then="wait"), [(), (), (2,)], 0.5),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_same_as_stdlib(case):
    handler, reads, timeout = CASES[case]
    with ScriptedServer(handler) as srv:
        theirs = await asyncio.to_thread(stdlib_reads, srv.port, reads, timeout)
    with ScriptedServer(handler) as srv:
        ours = await our_reads(srv.port, reads, timeout)
    assert ours == theirs


async def test_a_failed_body_keeps_failing():
    """The stdlib reads b"" after the IncompleteRead of read(); we keep raising."""
    with ScriptedServer(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")) as srv:
        ours = await our_reads(srv.port, [(), (), (4,)], 5)
    again = ("raised", "IncompleteRead", "IncompleteRead(0 bytes read, 10 more expected)")
    assert ours[1][:2] == ("raised", "IncompleteRead") and ours[2:] == [again, again]


async def test_a_cancelled_read_keeps_failing():
    with ScriptedServer(
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", then="wait")
    ) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        try:
            await conn.request("GET", "/")
            resp = await conn.getresponse()
            task = asyncio.ensure_future(resp.read())
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(2):
                with pytest.raises(http.client.IncompleteRead):
                    await resp.read()
            resp.close()  # closed by the caller: reads end quietly, as the stdlib's
            assert await resp.read() == b""
        finally:
            await conn.close()


# -- 101: the connection for the new protocol ------------------------------------------------


async def _switch(conn: aiohttpc.HTTPConnection):
    await conn.request("GET", "/", headers={"Upgrade": "echo", "Connection": "Upgrade"})
    resp = await conn.getresponse()
    assert (resp.status, resp.will_close, await resp.read()) == (101, False, b"")
    return resp


@pytest.mark.parametrize("tls", [False, True])
async def test_upgrade_gives_the_connection_to_the_caller(tls, server_ssl, client_ssl):
    ctx = server_ssl if tls else None
    with ScriptedServer(echo_after_101, ssl_context=ctx) as srv:
        if tls:
            conn = aiohttpc.HTTPSConnection("localhost", srv.port, timeout=5, context=client_ssl)
        else:
            conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        resp = await _switch(conn)
        reader, writer = await resp.upgrade()
        try:
            assert await asyncio.wait_for(reader.readexactly(2), 5) == b"hi"  # came with the head
            await conn.close()  # no longer the connection's to close
            resp.close()
            writer.write(b"ping")
            assert await asyncio.wait_for(reader.readexactly(9), 5) == b"echo:ping"
            with pytest.raises(http.client.ImproperConnectionState):
                await resp.upgrade()
        finally:
            writer.close()
            await writer.wait_closed()
    assert not srv.errors


async def test_upgrade_only_after_101():
    with ScriptedServer(answer(response(body=b"ok"), then="wait")) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as conn:
            await conn.request("GET", "/")
            resp = await conn.getresponse()
            with pytest.raises(http.client.ImproperConnectionState):
                await resp.upgrade()
            assert await resp.read() == b"ok"


async def test_a_request_after_an_unused_101_opens_a_new_connection():
    def handler(conn: Conn) -> None:
        if conn.read_request() is None:
            return
        if len(conn.server.conns) == 1:
            conn.send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nnot http")
        else:
            conn.send(response(body=b"ok"))
        conn.drain_to_eof(5.0)

    with ScriptedServer(handler) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as conn:
            await conn.request("GET", "/")
            assert (await conn.getresponse()).status == 101
            await conn.request("GET", "/")
            resp = await conn.getresponse()
            assert (resp.status, await resp.read()) == (200, b"ok")
    assert len(srv.conns) == 2


# -- the answer to a request is never lost to the server's close -----------------------------


@pytest.mark.parametrize("kind", ["file", "bytesio", "generator", "async-generator"])
async def test_answer_then_close_after_a_streamed_body(tmp_path, kind):
    make = bodies.small(tmp_path)[kind]
    outcomes: dict = {}
    with ScriptedServer(answer_and_close) as srv:
        for _ in range(100):  # a 1-in-20 race fails 100 runs with probability 0.994
            body = make()
            conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            try:
                await conn.request("POST", "/", body, {"Content-Length": str(len(bodies.SMALL))})
                resp = await conn.getresponse()
                key = (resp.status, await resp.read())
            except Exception as exc:
                key = repr(exc)
            finally:
                await conn.close()
                bodies.close(body)
            outcomes[key] = outcomes.get(key, 0) + 1
    assert outcomes == {(200, b"ok"): 100}
    assert all(r.endswith(bodies.SMALL) for r in srv.received)


@pytest.mark.parametrize("kind", ["bytes", "file", "generator", "chunked"])
async def test_early_answer_during_an_upload_is_the_outcome(tmp_path, kind):
    make = bodies.large(tmp_path)["generator" if kind == "chunked" else kind]
    with ScriptedServer(answer_early) as srv:
        for _ in range(2):
            conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=10)
            body = make()
            try:
                if kind in ("bytes", "chunked"):  # the length known, or chunked
                    await conn.request("POST", "/", body)
                else:
                    await conn.request("POST", "/", body, {"Content-Length": str(bodies.LARGE)})
                resp = await conn.getresponse()
                assert (resp.status, await resp.read(), resp.will_close) == (413, b"too big", True)
                assert not conn.connected
            finally:
                bodies.close(body)
                await conn.close()


# -- what a caller passes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port"), [("127.0.0.1", 70000), ("127.0.0.1", -1), ("127.0.0.1:65536", None)]
)
async def test_port_out_of_range_is_an_invalid_url(host, port):
    with pytest.raises(http.client.InvalidURL, match="port out of range"):
        aiohttpc.HTTPConnection(host, port)
    with pytest.raises(http.client.InvalidURL, match="port out of range"):
        aiohttpc.HTTPSConnection(host, port)


@pytest.mark.parametrize("value", [[65, 66], (b"a",), object(), {"a": 1}])
async def test_header_value_of_another_type_is_a_type_error(value):
    with ScriptedServer(answer(response(body=b"ok"), then="wait")) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as conn:
            with pytest.raises(TypeError):
                await conn.request("GET", "/", headers={"X": value})
            conn.putrequest("GET", "/")
            with pytest.raises(TypeError):
                conn.putheader("X", value)
    assert srv.received == []  # nothing was sent: no connection was even opened
