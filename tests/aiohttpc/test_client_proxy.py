"""Proxies: a real CONNECT/forwarding proxy (tinyproxy, Debian's package) on loopback."""

from __future__ import annotations

import os
import ssl
from typing import Any

import pytest

from aiohttpc import Client
from tests.app_server import AppServer
from tests.real_servers import tinyproxy


def via_proxy(seen: Any) -> bool:
    return "tinyproxy" in (seen.headers.get("Via") or "")


async def test_http_through_the_proxy(tmp_path: Any) -> None:
    with AppServer() as s, tinyproxy(str(tmp_path)) as proxy:
        async with Client(proxy=proxy) as c:
            for _ in range(3):
                r = await c.get(s.url("/echo?x=1"))
                assert r.status == 200
            assert c.pool.stats()["open"] <= 1  # one kept-alive connection to the proxy
        assert [x.path for x in s.seen] == ["/echo?x=1"] * 3
        assert all(via_proxy(x) for x in s.seen)


async def test_https_tunnelled_with_connect(
    tmp_path: Any, server_ssl: ssl.SSLContext, client_ssl: ssl.SSLContext
) -> None:
    with AppServer(ssl_context=server_ssl) as s, tinyproxy(str(tmp_path)) as proxy:
        async with Client(proxy=proxy, verify=client_ssl) as c:
            r = await c.get(f"https://localhost:{s.port}/echo")
            assert (await r.json())["headers"]["Host"] == f"localhost:{s.port}"
            await c.get(f"https://localhost:{s.port}/again")
        # end to end TLS: the proxy only relayed bytes (it adds no Via inside a tunnel)
        assert not any(via_proxy(x) for x in s.seen)
        assert s.conn_count == 1
        with open(os.path.join(tmp_path, ".tinyproxy", "tinyproxy.log")) as f:
            assert f"CONNECT localhost:{s.port}" in f.read()


async def test_proxy_credentials(
    tmp_path: Any, server_ssl: ssl.SSLContext, client_ssl: ssl.SSLContext
) -> None:
    with (
        AppServer() as s,
        AppServer(ssl_context=server_ssl) as tls,
        tinyproxy(str(tmp_path), auth=("crawler", "s3cret")) as proxy,
    ):
        async with Client(proxy=proxy, verify=client_ssl) as c:
            assert (await c.get(s.url("/a"))).status == 200
            assert (await c.get(f"https://localhost:{tls.port}/b")).status == 200
        anonymous = proxy.replace("crawler:s3cret@", "")
        async with Client(proxy=anonymous) as c:
            assert (await c.get(s.url("/c"))).status == 407  # the proxy's answer
        assert [x.path for x in s.seen] == ["/a"]
        assert "Proxy-Authorization" not in s.seen[0].headers  # the proxy used it up


async def test_proxy_from_the_environment(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with AppServer() as s, tinyproxy(str(tmp_path)) as proxy:
        monkeypatch.setenv("http_proxy", proxy)
        async with Client() as c:
            await c.get(s.url("/env"))
        async with Client(trust_env=False) as c:
            await c.get(s.url("/ignored"))
        monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
        async with Client() as c:
            await c.get(s.url("/bypassed"))
        assert [(x.path, via_proxy(x)) for x in s.seen] == [
            ("/env", True),
            ("/ignored", False),
            ("/bypassed", False),
        ]
