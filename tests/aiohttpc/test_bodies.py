"""Request bodies: every kind, the stdlib's framing choices, 100-continue, big uploads."""

from __future__ import annotations

import array
import asyncio
import hashlib
import http.client
import io
import os

import aiofiles
import pytest

import aiohttpc
from tests.servers import Conn, ScriptedServer, replies, response, sha256_sink


def stdlib_wire(method: str, body, headers=None, **kw) -> bytes:
    """The exact bytes the stdlib client sends for this request (against a loopback sink)."""
    with ScriptedServer(replies(response())) as srv:
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        c.request(method, "/up", body=body, headers=headers or {}, **kw)
        c.getresponse().read()
        c.close()
    return srv.received[0].replace(b":%d" % srv.port, b":PORT")


async def our_wire(method: str, body, headers=None, **kw) -> tuple[bytes, aiohttpc.HTTPConnection]:
    with ScriptedServer(replies(response())) as srv:
        c = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await c.request(method, "/up", body=body, headers=headers or {}, **kw)
        await (await c.getresponse()).read()
        await c.close()
    return srv.received[0].replace(b":%d" % srv.port, b":PORT"), c


def gen(*parts):
    yield from parts


SAME_AS_STDLIB = [
    ("POST", None, None, {}),
    ("GET", None, None, {}),
    ("PUT", b"bytes body", None, {}),
    ("POST", bytearray(b"bytearray"), None, {}),
    ("POST", memoryview(b"memoryview"), None, {}),
    ("POST", array.array("i", [1, 2, 3]), None, {}),
    ("POST", "latin-1 text \xe9", None, {}),
    ("POST", b"", None, {}),
    ("POST", b"x" * 200_000, None, {}),
    ("POST", [b"one", b"", b"two"], None, {}),
    ("POST", (b"tu", b"ple"), None, {}),
    ("POST", [b"raw", b"parts"], {"Content-Length": "8"}, {}),
    ("POST", [b"pre", b"chunked"], {"Transfer-Encoding": "chunked"}, {"encode_chunked": True}),
    ("POST", b"abc", {"Transfer-Encoding": "chunked"}, {"encode_chunked": True}),
    ("POST", b"abc", {"Host": "other", "Accept-Encoding": "gzip"}, {}),
]


@pytest.mark.parametrize(
    ("method", "body", "headers", "kw"), SAME_AS_STDLIB, ids=range(len(SAME_AS_STDLIB))
)
async def test_wire_bytes_same_as_stdlib(method, body, headers, kw):
    ours, _ = await our_wire(method, body, headers, **kw)
    theirs = stdlib_wire(method, body, headers, **kw)
    assert ours == theirs


async def test_generator_body_is_chunked_like_stdlib():
    ours, _ = await our_wire("POST", gen(b"a", b"bc"))
    theirs = stdlib_wire("POST", gen(b"a", b"bc"))
    assert ours == theirs
    assert ours.endswith(b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n")


async def test_async_iterable_body():
    async def agen():
        for part in (b"as", b"ync"):
            await asyncio.sleep(0)
            yield part

    class AIter:
        def __aiter__(self):
            return agen()

    ours, _ = await our_wire("POST", AIter())
    assert ours.endswith(b"Transfer-Encoding: chunked\r\n\r\n2\r\nas\r\n3\r\nync\r\n0\r\n\r\n")


def decoded_body(wire: bytes) -> bytes:
    head, _, rest = wire.partition(b"\r\n\r\n")
    if b"chunked" not in head:
        return rest
    out = b""
    while True:
        line, _, rest = rest.partition(b"\r\n")
        n = int(line, 16)
        if not n:
            return out
        out += rest[:n]
        rest = rest[n + 2 :]


@pytest.mark.parametrize("kind", ["binary", "text", "aiofiles"])
async def test_file_bodies(tmp_path, kind):
    path = tmp_path / "f.txt"
    data = b"file body \xe9\n" * 5000
    path.write_bytes(data)
    if kind == "aiofiles":
        async with aiofiles.open(path, "rb") as f:
            ours, _ = await our_wire("POST", f)
    else:
        mode = "rb" if kind == "binary" else "r"
        with open(path, mode, encoding=None if kind == "binary" else "latin-1") as f:
            ours, _ = await our_wire("POST", f)
        with open(path, mode, encoding=None if kind == "binary" else "latin-1") as f:
            theirs = stdlib_wire("POST", f)
        # chunk sizes of a file body are ours to choose; headers and content are the same
        assert ours.partition(b"\r\n\r\n")[0] == theirs.partition(b"\r\n\r\n")[0]
    assert b"Transfer-Encoding: chunked" in ours
    assert decoded_body(ours) == data


async def test_file_with_content_length_sent_raw(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(os.urandom(100_000))
    with open(path, "rb") as f:
        ours, _ = await our_wire("PUT", f, {"Content-Length": "100000"})
    with open(path, "rb") as f:
        theirs = stdlib_wire("PUT", f, {"Content-Length": "100000"})
    assert ours == theirs


async def test_iterable_of_str_refused():
    with ScriptedServer(replies(response())) as srv:
        c = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(TypeError):
            await c.request("POST", "/", body=["not bytes"])
        assert c.sock is None  # the half-sent request's connection is gone
        await c.close()


async def test_body_iterator_failing_midway_closes_connection():
    def boom():
        yield b"partial"
        raise RuntimeError("source failed")

    with ScriptedServer(replies(response())) as srv:
        c = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(RuntimeError):
            await c.request("POST", "/", body=boom())
        assert c.sock is None
        await c.close()


def continue_then_echo(conn: Conn) -> None:
    head = conn.read_until(b"\r\n\r\n")
    conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = conn.read_body(head)
    conn.send(response(body=b"got " + body))
    conn.drain_to_eof(2.0)


def refuse_expectation(conn: Conn) -> None:
    conn.read_until(b"\r\n\r\n")
    conn.send(response("417 Expectation Failed", body=b"no"))
    conn.drain_to_eof(0.5)


async def test_expect_continue_waits_for_100():
    with ScriptedServer(continue_then_echo) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as c:
            await c.request("PUT", "/", body=b"payload", headers={"Expect": "100-continue"})
            r = await c.getresponse()
            assert (r.status, await r.read()) == (200, b"got payload")


async def test_expect_continue_final_response_skips_body():
    with ScriptedServer(refuse_expectation) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as c:
            await c.request("PUT", "/", body=b"payload", headers={"Expect": "100-continue"})
            r = await c.getresponse()
            assert (r.status, await r.read()) == (417, b"no")
            assert r.will_close  # the server did not read a body: never reuse
    assert b"payload" not in srv.received[0]


BIG = 64 << 20


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("up") / "big.bin"
    block = os.urandom(1 << 20)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for i in range(BIG >> 20):
            chunk = bytes([i % 256]) + block[1:]
            f.write(chunk)
            h.update(chunk)
    return path, h.hexdigest()


@pytest.mark.parametrize("framing", ["chunked", "length"])
async def test_large_file_upload_intact(big_file, framing):
    path, digest = big_file
    with ScriptedServer(sha256_sink) as srv:
        c = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        headers = {"Content-Length": str(BIG)} if framing == "length" else {}
        with open(path, "rb") as f:
            await c.request("PUT", "/", body=f, headers=headers)
        assert await (await c.getresponse()).read() == f"{digest} {BIG}".encode()
        # zero-copy on both loops (uvloop: os.sendfile in a worker thread)
        assert c.last_body_path == "sendfile"
        await c.close()


async def test_large_upload_from_partial_offset(tmp_path):
    path = tmp_path / "off.bin"
    data = os.urandom(3 << 20)
    path.write_bytes(data)
    with ScriptedServer(sha256_sink) as srv:
        c = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        with open(path, "rb") as f:
            f.seek(12345)
            await c.request("PUT", "/", body=f)
        rest = data[12345:]
        assert await (await c.getresponse()).read() == (
            f"{hashlib.sha256(rest).hexdigest()} {len(rest)}".encode()
        )
        await c.close()


async def test_bytesio_body_is_streamed():
    body = io.BytesIO(b"in memory")
    ours, c = await our_wire("POST", body)
    assert decoded_body(ours) == b"in memory" and c.last_body_path == "copy"


def body_without_continue(conn: Conn) -> None:
    """A server that ignores Expect: it never sends 100 and just reads the body."""
    head = conn.read_until(b"\r\n\r\n")
    assert head is not None
    body = conn.read_body(head)
    conn.send(response(body=b"got " + body))
    conn.drain_to_eof(2.0)


async def test_expect_continue_sends_body_when_server_never_answers_100():
    with ScriptedServer(body_without_continue) as srv:
        async with aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5) as c:
            t0 = asyncio.get_running_loop().time()
            await c.request("PUT", "/", body=b"payload", headers={"Expect": "100-continue"})
            r = await c.getresponse()
            assert (r.status, await r.read()) == (200, b"got payload")
            waited = asyncio.get_running_loop().time() - t0
    assert 0.9 <= waited < 4  # the body waited for the 100 that never came, then went
