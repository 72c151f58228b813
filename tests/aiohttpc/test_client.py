"""The high-level client against real loopback servers (stdlib http.server and raw
scripted ones): verbs, bodies, redirects, decoding, retries, streaming, timeouts,
Unix sockets, hooks."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import itertools
import json
import os
import socket
import ssl
import time
from typing import Any

import pytest

import aiohttpc
from aiohttpc import Client, Timeout
from aiohttpc.client.decoding import DecodedTooLarge, DecodingError
from aiohttpc.client.redirects import TooManyRedirects
from aiohttpc.client.response import HTTPStatusError
from aiohttpc.client.timeouts import PoolTimeout
from aiohttpc.errors import IncompleteRead, InvalidURL, RemoteDisconnected
from tests.app_server import AppServer
from tests.servers import ScriptedServer, per_connection, replies, response


def lent(client: Client) -> int:
    """Connections lent out (open but not idle): 0 once every exchange is finished."""
    stats = client.pool.stats()
    return stats["open"] - stats["idle"]


async def test_get_json_params_and_default_headers() -> None:
    with AppServer() as s:
        async with Client() as c:
            r = await c.get(
                s.url("/echo?x=1"), params={"q": "a b", "n": [1, 2]}, headers={"X-A": "v"}
            )
            info = await r.json()
        assert r.status == 200 and r.reason == "OK" and r.http_version == "HTTP/1.1"
        assert r.headers.get("content-type") == "application/json"
        assert info["path"] == "/echo?x=1&q=a+b&n=1&n=2"
        assert info["headers"]["X-A"] == "v"
        assert info["headers"]["User-Agent"] == f"aiohttpc/{aiohttpc.__version__}"
        encodings = info["headers"]["Accept-Encoding"].split(", ")
        assert {"gzip", "deflate"} <= set(encodings)
        assert r.url == s.url("/echo?x=1&q=a+b&n=1&n=2")


@pytest.mark.parametrize("verb", ["get", "head", "options", "delete", "post", "put", "patch"])
async def test_every_verb(verb: str) -> None:
    with AppServer() as s:
        async with Client() as c:
            r = await getattr(c, verb)(s.url("/anything"))
            assert r.status == 200
            assert r.content == (b"" if verb == "head" else b"path /anything")
            await getattr(c, verb)(s.url("/again"))  # the connection was reused
        assert [x.method for x in s.seen] == [verb.upper()] * 2
        assert s.conn_count == 1


async def test_bodies(tmp_path: Any) -> None:
    blob = os.urandom(300_000)
    path = tmp_path / "upload.bin"
    path.write_bytes(blob)
    with AppServer() as s:
        async with Client() as c:
            info = await (await c.post(s.url("/echo"), content=b"raw bytes")).json()
            assert info["length"] == 9
            info = await (await c.post(s.url("/echo"), content="text é")).json()
            assert info["headers"]["Content-Type"] == "text/plain; charset=utf-8"
            assert info["sha256"] == hashlib.sha256("text é".encode()).hexdigest()
            info = await (await c.post(s.url("/echo"), data={"a": "1", "b": "x y"})).json()
            assert info["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
            assert s.seen[-1].body == b"a=1&b=x+y"
            info = await (await c.put(s.url("/echo"), json={"k": [1, "é"]})).json()
            assert json.loads(s.seen[-1].body) == {"k": [1, "é"]}
            assert info["headers"]["Content-Type"] == "application/json"
            with open(path, "rb") as f:
                r = await c.post(s.url("/echo"), content=f)
            info = await r.json()
            assert info["headers"]["Content-Length"] == str(len(blob))
            assert info["sha256"] == hashlib.sha256(blob).hexdigest()
            assert r.trace.body_path == "sendfile"

            async def gen():
                for i in range(3):
                    yield b"part%d" % i

            info = await (await c.post(s.url("/echo"), content=gen())).json()
            assert info["headers"]["Transfer-Encoding"] == "chunked"
            assert s.seen[-1].body == b"part0part1part2"


async def test_multipart_files(tmp_path: Any) -> None:
    blob = os.urandom(200_000)
    path = tmp_path / "photo.png"
    path.write_bytes(blob)
    with AppServer() as s:
        async with Client() as c:
            with open(path, "rb") as f:
                r = await c.post(
                    s.url("/echo"),
                    data={"title": "holiday"},
                    files={"photo": f, "note": ("note.txt", b"hello", "text/plain")},
                )
            info = await r.json()
    assert info["headers"]["Content-Length"] == str(info["length"])  # every size known
    parts = {p["name"]: p for p in info["parts"]}
    assert parts["title"]["sha256"] == hashlib.sha256(b"holiday").hexdigest()
    assert parts["photo"]["filename"] == "photo.png" and parts["photo"]["type"] == "image/png"
    assert parts["photo"]["sha256"] == hashlib.sha256(blob).hexdigest()
    assert parts["note"]["filename"] == "note.txt" and parts["note"]["type"] == "text/plain"


async def test_only_one_body_argument() -> None:
    async with Client() as c:
        with pytest.raises(TypeError):
            await c.post("http://127.0.0.1:1/", json={}, content=b"x")


# -- redirects ---------------------------------------------------------------------


async def test_get_follows_redirects_with_history() -> None:
    with AppServer() as s:
        async with Client() as c:
            r = await c.get(s.url("/redirect/302?to=/redirect/301%3Fto%3D/final"))
            assert r.status == 200 and r.content == b"path /final"
            assert [h.status for h in r.history] == [302, 301]
            assert r.url == s.url("/final")
            assert lent(c) == 0
        assert s.conn_count == 1  # small redirect bodies were read: the connection kept


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (303, "POST", "GET"),
        (302, "POST", "GET"),
        (301, "POST", "GET"),
        (307, "POST", "POST"),
        (308, "PUT", "PUT"),
        (303, "HEAD", "HEAD"),
        (302, "DELETE", "DELETE"),
    ],
)
async def test_redirect_method_rules(status: int, method: str, expected: str) -> None:
    with AppServer() as s:
        async with Client() as c:
            r = await c.request(
                method,
                s.url(f"/redirect/{status}?to=/echo"),
                content=b"payload",
                follow_redirects=True,
            )
            assert r.status == 200
        second = s.seen[1]
        assert second.method == expected
        if expected == method:  # the method kept: so is the body
            assert second.body == b"payload"
        else:
            assert second.body == b"" and "Content-Length" not in second.headers


async def test_post_is_not_redirected_by_default_and_streams_are_not_replayed(
    tmp_path: Any,
) -> None:
    path = tmp_path / "body"
    path.write_bytes(b"file body")
    with AppServer() as s:
        async with Client() as c:
            r = await c.post(s.url("/redirect/302?to=/echo"), content=b"x")
            assert r.status == 302 and r.history == []
            with open(path, "rb") as f:  # a file cannot be sent twice: 307 returned as is
                r = await c.post(s.url("/redirect/307?to=/echo"), content=f, follow_redirects=True)
            assert r.status == 307
        assert [x.path for x in s.seen] == ["/redirect/302?to=/echo", "/redirect/307?to=/echo"]


async def test_credentials_dropped_across_origins() -> None:
    with AppServer() as a, AppServer() as b:
        headers = {"Authorization": "Bearer secret", "Cookie": "c=1", "X-Keep": "yes"}
        async with Client() as c:
            await c.get(a.url("/redirect/302?to=/echo"), headers=headers)  # same origin
            await c.get(a.url(f"/redirect/302?to={b.url('/echo')}"), headers=headers)
        same = a.seen[1].headers
        assert same["Authorization"] == "Bearer secret" and same["Cookie"] == "c=1"
        other = b.seen[0].headers
        assert "Authorization" not in other and "Cookie" not in other
        assert other["X-Keep"] == "yes"
        assert other["Host"] == f"127.0.0.1:{b.port}"


async def test_redirect_limit_and_bad_location() -> None:
    with AppServer() as s:
        async with Client(max_redirects=3) as c:
            with pytest.raises(TooManyRedirects):
                await c.get(
                    s.url(
                        "/redirect/302?to=/redirect/302%3Fto%3D/redirect/302%253Fto%253D/redirect/302%25253Fto%25253D/x"
                    )
                )
            assert len(s.seen) == 4
            with pytest.raises(InvalidURL):
                await c.get(s.url("/redirect/302?to=ftp://127.0.0.1/x"))
            assert lent(c) == 0
            r = await c.get(s.url("/ok"))
            assert r.status == 200


# -- decoding ----------------------------------------------------------------------

TEXT = b"hello, decoded world! " * 100


@pytest.mark.parametrize(
    "coding", ["gzip", "deflate", "rawdeflate", "br", "zstd", "gzip-deflate", "identity"]
)
async def test_content_decoding(coding: str) -> None:
    with AppServer() as s:
        async with Client() as c:
            r = await c.get(s.url(f"/encoded/{coding}"))
            assert r.content == TEXT
            async with c.stream("GET", s.url(f"/encoded/{coding}")) as r:
                assert b"".join([x async for x in r.iter_bytes()]) == TEXT
        assert "br" in s.seen[0].headers["Accept-Encoding"]
        assert "zstd" in s.seen[0].headers["Accept-Encoding"]


async def test_decode_off_gives_the_bytes_as_sent() -> None:
    with AppServer() as s:
        async with Client(decode=False) as c:
            r = await c.get(s.url("/encoded/gzip"))
        assert gzip.decompress(r.content) == TEXT
        assert s.seen[0].headers["Accept-Encoding"] == "identity"


async def test_decoded_size_is_capped() -> None:
    import tracemalloc

    with AppServer() as s:
        async with Client(max_decoded_size=1 << 20) as c:
            tracemalloc.start()
            try:
                with pytest.raises(DecodedTooLarge):
                    await c.get(s.url("/bomb?size=16777216"))  # 16 MiB of zeros, ~16 KiB sent
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert peak < 16 << 20
            assert lent(c) == 0


async def test_corrupt_body_raises_decoding_error() -> None:
    bad = response(body=b"\x1f\x8b\x08\x00garbage-not-gzip", headers=[("Content-Encoding", "gzip")])
    with ScriptedServer(replies(bad)) as s:
        async with Client() as c:
            with pytest.raises(DecodingError):
                await c.get(f"http://127.0.0.1:{s.port}/")
            assert lent(c) == 0


# -- retries -----------------------------------------------------------------------


def close_after_reading(conn: Any) -> None:
    conn.close()  # the request was read; no response byte is sent


@pytest.mark.parametrize("method", ["GET", "PUT", "POST"])
async def test_reused_connection_failing_before_a_reply(method: str) -> None:
    first = replies(response(body=b"one"), close_after_reading)
    second = replies(response(body=b"two"))
    with ScriptedServer(per_connection(first, second), by_index=True) as s:
        async with Client() as c:
            url = f"http://127.0.0.1:{s.port}/"
            assert (await c.request(method, url, content=b"b")).content == b"one"
            if method == "POST":  # not idempotent: never sent twice
                with pytest.raises(RemoteDisconnected):
                    await c.request(method, url, content=b"b")
            else:
                r = await c.request(method, url, content=b"b")
                assert r.content == b"two" and r.trace.retried
            assert lent(c) == 0
        assert len(s.conns) == (1 if method == "POST" else 2)


def part_then_reset(conn: Any) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n")
    time.sleep(0.2)  # let the client read it before the reset
    conn.reset()


async def test_no_retry_once_a_reply_has_started() -> None:
    first = replies(response(body=b"one"), part_then_reset)
    with ScriptedServer(per_connection(first, replies(response(body=b"two"))), by_index=True) as s:
        async with Client() as c:
            url = f"http://127.0.0.1:{s.port}/"
            await c.get(url)
            with pytest.raises(ConnectionResetError):
                await c.get(url)
            assert lent(c) == 0
        assert len(s.conns) == 1


async def test_body_that_raises_mid_stream_frees_its_slot() -> None:
    class Broken(Exception):
        pass

    async def body():
        yield b"first part"
        raise Broken

    with AppServer() as s:
        async with Client(limit=1) as c:
            with pytest.raises(Broken):
                await c.post(s.url("/echo"), content=body())
            assert c.pool.stats()["open"] == 0
            assert (await c.get(s.url("/ok"), timeout=Timeout(pool=1))).status == 200


async def test_write_timeout() -> None:
    def never_reads(conn: Any) -> None:
        conn.read_until(b"\r\n\r\n")
        time.sleep(1)

    with ScriptedServer(never_reads) as s:
        async with Client(timeout=Timeout(write=0.2)) as c:
            t0 = time.monotonic()
            with pytest.raises(TimeoutError):
                await c.post(f"http://127.0.0.1:{s.port}/", content=bytes(64 << 20))
            assert time.monotonic() - t0 < 1.5
            assert c.pool.stats()["open"] == 0


async def test_a_dropped_response_gives_its_slot_back() -> None:
    import gc

    with AppServer() as s:
        async with Client(limit=1) as c:
            response = await c.stream("GET", s.url("/bytes/100000"))
            assert lent(c) == 1
            with pytest.warns(ResourceWarning, match="unclosed"):
                del response
                gc.collect()
            await asyncio.sleep(0)
            assert c.pool.stats()["open"] == 0
            assert (await c.get(s.url("/ok"), timeout=Timeout(pool=1))).status == 200


# -- streaming and downloads ---------------------------------------------------------


async def test_stream_in_pieces_and_leave_early() -> None:
    size = 5 << 20
    with AppServer() as s:
        async with Client() as c:
            async with c.stream("GET", s.url(f"/bytes/{size}")) as r:
                total = 0
                async for chunk in r.iter_bytes():
                    total += len(chunk)
            assert total == size
            async with c.stream("GET", s.url(f"/bytes/{size}")) as r:
                async for _ in r.iter_raw():
                    break  # the rest is never read: the connection cannot be reused
            assert c.pool.stats()["open"] == 0  # the connection was closed, not kept
            await c.get(s.url("/after"))
        assert s.conn_count == 2


async def test_download(tmp_path: Any) -> None:
    size = 8 << 20
    out = tmp_path / "out.bin"
    seen: list[tuple[int, int | None]] = []
    with AppServer() as s:
        async with Client() as c:
            await c.download(
                s.url(f"/bytes/{size}"), out, progress=lambda d, t: seen.append((d, t))
            )
            block = bytes(range(256)) * 256
            expected = (block * (size // len(block) + 1))[:size]
            assert out.read_bytes() == expected
            assert seen[-1] == (size, size) and len(seen) > 1
            assert not (tmp_path / "out.bin.part").exists()
            with pytest.raises(HTTPStatusError) as info:
                await c.download(s.url("/status/404"), tmp_path / "missing")
            assert info.value.response.status == 404
            assert not (tmp_path / "missing").exists()
            with pytest.raises(IncompleteRead):
                await c.download(s.url("/truncated"), tmp_path / "cut")
            assert not (tmp_path / "cut").exists() and not (tmp_path / "cut.part").exists()
            assert lent(c) == 0


async def test_text_encoding_and_raise_for_status() -> None:
    body = "caf\xe9".encode("latin-1")
    ok = response(body=body, headers=[("Content-Type", "text/plain; charset=ISO-8859-1")])
    with ScriptedServer(replies(ok, response("500 Oops", b"x"))) as s:
        async with Client() as c:
            r = await c.get(f"http://127.0.0.1:{s.port}/")
            assert r.encoding == "iso8859-1" and await r.text() == "café"
            r = await c.get(f"http://127.0.0.1:{s.port}/")
            with pytest.raises(HTTPStatusError, match="Server error '500 Oops'"):
                r.raise_for_status()


# -- timeouts ----------------------------------------------------------------------


async def test_read_total_and_pool_timeouts() -> None:
    with AppServer() as s:
        async with Client(limit=1, timeout=Timeout(read=0.1)) as c:
            with pytest.raises(TimeoutError):
                await c.get(s.url("/slow?delay=0.5"))
            assert lent(c) == 0
            with pytest.raises(TimeoutError):
                await c.get(s.url("/slow?delay=0.5"), timeout=Timeout(read=5, total=0.1))
            async with c.stream("GET", s.url("/bytes/1000")):
                with pytest.raises(PoolTimeout):
                    await c.get(s.url("/x"), timeout=Timeout(pool=0.05))
            assert (await c.get(s.url("/x"))).status == 200
            assert lent(c) == 0


async def test_connect_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):  # fill the accept queue so the next handshake is not answered
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", port))
            fillers.append(f)
        async with Client(timeout=Timeout(connect=0.2)) as c:
            t0 = time.monotonic()
            with pytest.raises(TimeoutError):
                await c.get(f"http://127.0.0.1:{port}/")
            assert time.monotonic() - t0 < 5
            assert c.pool.stats()["open"] == 0
    finally:
        for f in fillers:
            f.close()
        listener.close()


# -- where connections go -----------------------------------------------------------


async def test_unix_domain_socket(tmp_path: Any) -> None:
    path = str(tmp_path / "app.sock")
    with AppServer(uds=path) as s:
        async with Client(uds=path) as c:
            r = await c.get("http://app.local/echo")
            assert (await r.json())["headers"]["Host"] == "app.local"
            await c.get("http://app.local/again")
        assert s.conn_count == 1


async def test_https_over_a_unix_socket_is_refused(tmp_path: Any) -> None:
    path = str(tmp_path / "app.sock")
    with AppServer(uds=path) as s:
        async with Client(uds=path) as c:
            with pytest.raises(InvalidURL):
                await c.get("https://app.local/echo")  # never sent in clear text
            assert c.pool.stats()["open"] == 0
        assert s.seen == []


async def test_ipv6_loopback() -> None:
    with AppServer("::1") as s:
        async with Client() as c:
            r = await c.get(s.url("/echo"))
            assert (await r.json())["headers"]["Host"] == f"[::1]:{s.port}"


async def test_https_verified(server_ssl: ssl.SSLContext, client_ssl: ssl.SSLContext) -> None:
    with AppServer(ssl_context=server_ssl) as s:
        async with Client(verify=client_ssl) as c:
            r = await c.get(f"https://localhost:{s.port}/echo")
            assert r.status == 200
        async with Client() as c:  # the system's trust store does not know our CA
            with pytest.raises(ssl.SSLCertVerificationError):
                await c.get(f"https://localhost:{s.port}/echo")
            assert c.pool.stats()["open"] == 0


async def test_userinfo_becomes_basic_auth() -> None:
    with AppServer() as s:
        async with Client() as c:
            await c.get(s.url("/echo").replace("http://", "http://user:pa%3Ass@"))
        assert s.seen[0].headers["Authorization"] == "Basic dXNlcjpwYTpzcw=="  # user:pa:ss


@pytest.mark.parametrize(
    "bad",
    [
        {"url": "ftp://127.0.0.1/"},
        {"url": "http:///nohost"},
        {"headers": {"X-Bad": "a\r\nInjected: 1"}},
        {"headers": {"Bad\nName": "v"}},
        {"method": "GET /x HTTP/1.1\r\nX:"},
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(bad: dict[str, Any]) -> None:
    with AppServer() as s:
        async with Client() as c:
            url = bad.get("url", s.url("/echo"))
            with pytest.raises((ValueError, aiohttpc.HTTPException)):
                await c.request(bad.get("method", "GET"), url, headers=bad.get("headers"))
            assert lent(c) == 0
            assert (await c.get(s.url("/ok"))).status == 200
        assert [x.path for x in s.seen] == ["/ok"]


# -- rate limits and hooks ------------------------------------------------------------


async def test_rate_limit_spaces_requests_per_host() -> None:
    with AppServer() as a, AppServer() as b:
        starts: dict[str, list[float]] = {"a": [], "b": []}

        def note(request: Any) -> None:
            starts["a" if str(a.port) in request.url else "b"].append(time.monotonic())

        async with Client(rate=40, hooks={"request": note}) as c:
            await asyncio.gather(*(c.get(x.url("/r")) for x in (a, b) for _ in range(4)))
        for times in starts.values():
            assert len(times) == 4
            gaps = [t2 - t1 for t1, t2 in itertools.pairwise(times)]
            assert min(gaps) >= 0.02  # 1/40 s apart at least (sleeps never end early)


async def test_hooks_and_trace() -> None:
    body = b"x" * 1234
    reply = response(body=body)
    with ScriptedServer(replies(reply, reply)) as s:
        events: list[str] = []

        async def on_request(request: Any) -> None:
            request.headers["X-Trace"] = "1"
            events.append("request")

        hooks = {
            "request": on_request,
            "connection": lambda t: events.append(f"connection reused={t.connection_reused}"),
            "response": lambda r: events.append(f"response {r.status}"),
            "done": lambda r: events.append("done"),
        }
        async with Client(hooks=hooks) as c:
            r1 = await c.get(f"http://127.0.0.1:{s.port}/a")
            r2 = await c.get(f"http://127.0.0.1:{s.port}/b")
        assert events == [
            "request",
            "connection reused=False",
            "response 200",
            "done",
            "request",
            "connection reused=True",
            "response 200",
            "done",
        ]
        raw = s.received[0]
        first_request = raw[: raw.index(b"\r\n\r\n") + 4]
        assert b"X-Trace: 1" in first_request
        assert r1.trace.bytes_sent == len(first_request)
        assert r1.trace.bytes_received == r2.trace.bytes_received == len(reply)
        assert r1.trace.connect_time is not None and r2.trace.connect_time is None
        assert r1.trace.elapsed is not None and r1.trace.elapsed >= r1.trace.time_to_headers
