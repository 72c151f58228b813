"""A finished connection is freed by reference counting: no cycles left for the
collector, which for a crawler would hold every closed connection's objects (and
their buffers) until a full collection."""

from __future__ import annotations

import asyncio

import pytest

import aiohttpc
from tests.cycles import cyclic_garbage
from tests.servers import ScriptedServer, replies, response


async def exchange(conn: aiohttpc.HTTPConnection, url: str = "/") -> bytes:
    await conn.request("GET", url)
    r = await conn.getresponse()
    return await r.read()


async def test_closed_keep_alive_connection_leaves_no_cycles():
    with (
        ScriptedServer(replies(response(body=b"one"), response(body=b"two"))) as srv,
        cyclic_garbage("aiohttpc") as found,
    ):
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        assert await exchange(conn) == b"one"
        assert await exchange(conn) == b"two"
        protocol = conn.protocol
        await conn.close()
        assert protocol is not None and protocol.lost
        del conn, protocol
    assert found == []


async def test_connection_closed_by_the_server_leaves_no_cycles():
    close = response(body=b"bye", headers=[("Connection", "close")])
    with ScriptedServer(replies(close, close=True)) as srv, cyclic_garbage("aiohttpc") as found:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        protocol = r._p
        assert await r.read() == b"bye"
        for _ in range(100):  # the server's FIN, then the loss, arrive on their own
            if protocol.lost:
                break
            await asyncio.sleep(0.01)
        assert protocol.lost and protocol.into is None
        await conn.close()
        del conn, r, protocol
    assert found == []


async def test_closed_tls_connection_leaves_no_cycles(server_ssl, client_ssl):
    with (
        ScriptedServer(replies(response(body=b"secure")), ssl_context=server_ssl) as srv,
        cyclic_garbage("aiohttpc") as found,
    ):
        conn = aiohttpc.HTTPSConnection("localhost", srv.port, context=client_ssl, timeout=5)
        assert await exchange(conn) == b"secure"
        await conn.close()
        del conn
    assert found == []


async def test_a_response_read_through_the_client_leaves_no_cycles():
    with ScriptedServer(replies(response(body=b"pooled"))) as srv:
        async with aiohttpc.Client() as client:
            with cyclic_garbage("aiohttpc") as found:
                r = await client.get(f"http://127.0.0.1:{srv.port}/")
                assert await r.read() == b"pooled"
                del r
                await client.pool.aclose()
    assert found == []


async def test_a_closed_client_leaves_no_cycles():
    # A closed client, once dropped, is freed with its pool and TLS context at once.
    with (
        ScriptedServer(replies(response(body=b"pooled"))) as srv,
        cyclic_garbage("aiohttpc", "ssl") as found,
    ):
        async with aiohttpc.Client() as client:
            r = await client.get(f"http://127.0.0.1:{srv.port}/")
            assert await r.read() == b"pooled"
        del client, r
    assert found == []


@pytest.mark.parametrize("read", ["read", "readinto"])
async def test_a_connection_closed_mid_body_leaves_no_cycles(read: str):
    big = b"x" * (3 << 20)
    with ScriptedServer(replies(response(body=big))) as srv, cyclic_garbage("aiohttpc") as found:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        if read == "read":
            assert len(await r.read(1 << 20)) == 1 << 20
        else:
            assert await r.readinto(bytearray(1 << 20)) == 1 << 20
        protocol = r._p
        await conn.close()  # the body cut short: an error the protocol keeps
        assert protocol.lost and protocol.into is None
        del conn, r, protocol
    assert found == []


async def test_a_body_received_into_a_buffer_leaves_no_cycles():
    big = b"x" * (3 << 20)
    with (
        ScriptedServer(replies(response(body=big), response(body=big))) as srv,
        cyclic_garbage("aiohttpc") as found,
    ):
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        buf = bytearray(1 << 20)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        for _ in range(5):  # to the end (3 MiB): the transport is handed back
            if not await r.readinto(buf):
                break
        assert r.isclosed()
        await conn.request("GET", "/")
        r = await conn.getresponse()
        assert await r.readinto(buf) == len(buf)  # the stand-in is in place
        protocol = r._p
        await conn.close()  # mid-body: the loss reaches the stand-in first
        assert protocol.lost and protocol.into is None
        del conn, r, protocol
    assert found == []
