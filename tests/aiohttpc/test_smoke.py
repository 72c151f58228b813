import aiohttpc
from tests.servers import ScriptedServer, replies, response


async def test_get_keepalive_reuse():
    with ScriptedServer(replies(response(body=b"hello"), response(body=b"world!"))) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as conn:
            await conn.request("GET", "/a")
            r = await conn.getresponse()
            assert (r.status, r.reason, await r.read()) == (200, "OK", b"hello")
            await conn.request("GET", "/b", headers={"X-A": "1"})
            r = await conn.getresponse()
            assert await r.read() == b"world!"
    assert len(srv.conns) == 1
    assert srv.received[0] == (
        b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept-Encoding: identity\r\n\r\n"
        b"GET /b HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept-Encoding: identity\r\nX-A: 1\r\n\r\n"
        % (srv.port, srv.port)
    )


def test_the_core_and_the_facade_do_not_import_the_high_level_client() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sync_facade, aiohttpc; "
        "assert 'aiohttpc.client' not in sys.modules and 'aiohttpc.client.pool' not in sys.modules; "
        "aiohttpc.Client; from aiohttpc import *; assert 'aiohttpc.client' in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
