"""HTTPS (trustme certificates), verification failures, client certificates, CONNECT."""

from __future__ import annotations

import hashlib
import os
import ssl

import pytest

import aiohttpc
from tests.servers import Conn, ScriptedServer, connect_proxy, replies, response, sha256_sink


async def get(conn, url="/"):
    await conn.request("GET", url)
    r = await conn.getresponse()
    return r.status, await r.read()


async def test_https_with_trusted_ca(server_ssl, client_ssl):
    with ScriptedServer(
        replies(response(body=b"secure"), response(body=b"again")), ssl_context=server_ssl
    ) as srv:
        async with aiohttpc.HTTPSConnection(
            "localhost", srv.port, context=client_ssl, timeout=5
        ) as conn:
            assert await get(conn) == (200, b"secure")
            assert await get(conn) == (200, b"again")
            assert conn.sock is not None
    assert len(srv.conns) == 1
    assert b"Host: localhost:%d" % srv.port in srv.received[0]


async def test_default_context_refuses_self_signed(server_ssl):
    with ScriptedServer(replies(response()), ssl_context=server_ssl) as srv:
        conn = aiohttpc.HTTPSConnection("localhost", srv.port, timeout=5)
        with pytest.raises(ssl.SSLCertVerificationError):
            await conn.request("GET", "/")
        assert conn.sock is None
        await conn.close()


async def test_wrong_hostname_refused(ca, client_ssl):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("other.example").configure_cert(ctx)
    with ScriptedServer(replies(response()), ssl_context=ctx) as srv:
        conn = aiohttpc.HTTPSConnection("127.0.0.1", srv.port, context=client_ssl, timeout=5)
        with pytest.raises(ssl.SSLCertVerificationError, match=r"match|mismatch"):
            await conn.request("GET", "/")
        await conn.close()


async def test_check_hostname_false_allows_mismatch(ca, client_ssl):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("other.example").configure_cert(ctx)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    client.check_hostname = False
    with ScriptedServer(replies(response(body=b"ok")), ssl_context=ctx) as srv:
        async with aiohttpc.HTTPSConnection(
            "127.0.0.1", srv.port, context=client, timeout=5
        ) as conn:
            assert await get(conn) == (200, b"ok")


def test_check_hostname_needs_verification():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="check_hostname needs a SSL context"):
        aiohttpc.HTTPSConnection("localhost", context=ctx, check_hostname=True)


async def test_client_certificate_with_old_key_file_cert_file(ca, tmp_path):
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server)
    server.verify_mode = ssl.CERT_REQUIRED
    ca.configure_trust(server)
    client_cert = ca.issue_cert("client@example")
    key = tmp_path / "key.pem"
    cert = tmp_path / "cert.pem"
    client_cert.private_key_pem.write_to_path(str(key))
    client_cert.cert_chain_pems[0].write_to_path(str(cert))
    client = ssl.create_default_context()
    ca.configure_trust(client)
    with ScriptedServer(replies(response(body=b"mutual")), ssl_context=server) as srv:
        async with aiohttpc.HTTPSConnection(
            "localhost",
            srv.port,
            key_file=str(key),
            cert_file=str(cert),
            context=client,
            timeout=5,
        ) as conn:
            assert await get(conn) == (200, b"mutual")


async def test_tunnel_plain_http():
    with (
        ScriptedServer(replies(response(body=b"origin"))) as origin,
        ScriptedServer(connect_proxy(origin.port)) as proxy,
    ):
        conn = aiohttpc.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
        conn.set_tunnel("origin.test", origin.port, headers={"Proxy-Authorization": "Basic eA=="})
        assert await get(conn, "/path") == (200, b"origin")
        await conn.close()
    assert proxy.conns[0].requests[0][0] == (
        b"CONNECT origin.test:%d HTTP/1.0\r\nProxy-Authorization: Basic eA==\r\n\r\n" % origin.port
    )
    assert b"Host: origin.test:%d" % origin.port in origin.received[0]


async def test_tunnel_https_verifies_origin(server_ssl, client_ssl):
    with (
        ScriptedServer(
            replies(response(body=b"through"), response(body=b"twice")), ssl_context=server_ssl
        ) as origin,
        ScriptedServer(connect_proxy(origin.port)) as proxy,
    ):
        conn = aiohttpc.HTTPSConnection("127.0.0.1", proxy.port, context=client_ssl, timeout=5)
        conn.set_tunnel("localhost", origin.port)
        assert await get(conn) == (200, b"through")
        assert await get(conn) == (200, b"twice")
        await conn.close()
    assert len(proxy.conns) == 1


async def test_tunnel_refused_by_proxy():
    with ScriptedServer(connect_proxy(1, status=b"407 Proxy Authentication Required")) as proxy:
        conn = aiohttpc.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
        conn.set_tunnel("origin.test", 80)
        with pytest.raises(OSError, match="Tunnel connection failed: 407 Proxy Authentication"):
            await conn.request("GET", "/")
        assert conn.sock is None
        await conn.close()


async def test_set_tunnel_after_connect_refused():
    with ScriptedServer(replies(response())) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.connect()
        with pytest.raises(RuntimeError, match="Can't set up tunnel"):
            conn.set_tunnel("x", 1)
        await conn.close()


async def test_tls_file_upload_uses_streaming(server_ssl, client_ssl, tmp_path):
    path = tmp_path / "up.bin"
    data = os.urandom(8 << 20)
    path.write_bytes(data)
    with ScriptedServer(sha256_sink, ssl_context=server_ssl) as srv:
        conn = aiohttpc.HTTPSConnection("localhost", srv.port, context=client_ssl, timeout=30)
        with open(path, "rb") as f:
            await conn.request("PUT", "/", body=f)
        r = await conn.getresponse()
        assert await r.read() == f"{hashlib.sha256(data).hexdigest()} {len(data)}".encode()
        assert conn.last_body_path == "copy"
        await conn.close()


async def test_tls_large_download(server_ssl, client_ssl):
    body = os.urandom(4 << 20)

    def big(conn: Conn) -> None:
        conn.read_request()
        conn.send(response(body=body))
        conn.drain_to_eof(2.0)

    with ScriptedServer(big, ssl_context=server_ssl) as srv:
        conn = aiohttpc.HTTPSConnection("localhost", srv.port, context=client_ssl, timeout=30)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        h = hashlib.sha256()
        async for chunk in r:
            h.update(chunk)
        assert h.digest() == hashlib.sha256(body).digest()
        await conn.close()
