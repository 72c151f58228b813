"""Like the stdlib's, a façade connection and its responses are freed by reference
counting: legacy code that makes a connection per request (urllib.request does)
leaves nothing for the cycle collector. Each scenario runs with both."""

from __future__ import annotations

import http.client
import urllib.request
from typing import Any

import pytest

import sync_facade
from tests.cycles import cyclic_garbage
from tests.servers import ScriptedServer, replies, response

BODY = b"x" * 5000
CLIENTS = [
    pytest.param(http.client, ("http.client",), id="stdlib"),
    pytest.param(sync_facade, ("aiohttpc", "sync_facade"), id="facade"),
]


def get(mod: Any, port: int) -> tuple[Any, Any]:
    conn = mod.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/")
    return conn, conn.getresponse()


def read_all(mod: Any, port: int) -> bytes:
    conn, r = get(mod, port)
    data = r.read()
    conn.close()
    return data


def read_part(mod: Any, port: int) -> bytes:
    conn, r = get(mod, port)
    data = r.read(10)
    r.close()
    conn.close()
    return data


def through_sock(mod: Any, port: int) -> bytes:
    """As urllib.request does: the socket closed through ``conn.sock``, then dropped."""
    conn, r = get(mod, port)
    assert conn.sock is not None and conn.sock.gettimeout() == 5
    conn.sock.close()
    conn.sock = None
    data = r.read()
    r.close()
    return data


@pytest.mark.parametrize("mod, packages", CLIENTS)
@pytest.mark.parametrize(
    "scenario, expected", [(read_all, BODY), (read_part, BODY[:10]), (through_sock, BODY)]
)
def test_connection_and_response_leave_no_cycles(mod, packages, scenario, expected):
    with ScriptedServer(replies(response(body=BODY))) as srv, cyclic_garbage(*packages) as found:
        assert scenario(mod, srv.port) == expected
    assert found == []


def test_urlopen_through_the_installed_facade_leaves_no_cycles():
    with ScriptedServer(replies(response(body=BODY))) as srv:
        sync_facade.install()
        try:
            assert http.client.HTTPConnection is sync_facade.HTTPConnection
            with cyclic_garbage("aiohttpc", "sync_facade") as found:
                with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/", timeout=5) as r:
                    assert r.read() == BODY
                del r
        finally:
            sync_facade.uninstall()
    assert found == []
