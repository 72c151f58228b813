"""Reading responses through a real connection: framings, the read API, errors."""

from __future__ import annotations

import http.client

import pytest

import aiohttpc
from aiohttpc import errors
from tests.servers import Conn, ScriptedServer, chunked, per_connection, replies, response


async def fetch(port: int, method: str = "GET", url: str = "/", **kw):
    conn = aiohttpc.HTTPConnection("127.0.0.1", port, timeout=5)
    await conn.request(method, url, **kw)
    return conn, await conn.getresponse()


CHUNKED_RESP = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(
    b"line one\nline", b" two\nthree", trailer=b"X-T: 1\r\n"
)


@pytest.mark.parametrize(
    "raw",
    [
        response(body=b"line one\nline two\nthree"),
        CHUNKED_RESP,
        response(body=b"line one\nline two\nthree", version="HTTP/1.0", length=False),
    ],
    ids=["length", "chunked", "until-close"],
)
async def test_read_api_across_framings(raw):
    body = b"line one\nline two\nthree"
    with ScriptedServer(replies(raw, close=b"Content-Length" not in raw)) as srv:
        conn, r = await fetch(srv.port)
        assert await r.peek() != b""
        assert await r.readline() == b"line one\n"
        assert await r.read(3) == b"lin"
        buf = bytearray(4)
        assert await r.readinto(buf) == 4 and bytes(buf) == b"e tw"
        assert await r.readline(2) == b"o\n"
        rest = await r.read()
        assert rest == b"three"
        assert r.isclosed() and r.closed
        assert await r.read() == b"" and await r.read(10) == b""
        assert body == b"line one\nline two\nthree"
        await conn.close()


@pytest.mark.parametrize(
    "raw",
    [
        response(body=b"0123456789"),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"01234", b"56789"),
        response(body=b"0123456789", version="HTTP/1.0", length=False),
    ],
    ids=["length", "chunked", "until-close"],
)
async def test_length_while_reading_matches_stdlib(raw):
    """``length`` after a partial read and after reading the rest, as the stdlib has it."""
    close = b"Content-Length" not in raw
    with ScriptedServer(replies(raw, close=close)) as srv:
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        c.request("GET", "/")
        sr = c.getresponse()
        want = [sr.length, sr.read(3), sr.length, sr.read(), sr.length, sr.isclosed()]
        c.close()
    with ScriptedServer(replies(raw, close=close)) as srv:
        conn, r = await fetch(srv.port)
        got = [r.length, await r.read(3), r.length, await r.read(), r.length, r.isclosed()]
        await conn.close()
    assert got == want


async def test_read_amt_spans_chunks():
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"ab", b"cd", b"ef")
    with ScriptedServer(replies(raw)) as srv:
        conn, r = await fetch(srv.port)
        assert await r.read(3) == b"abc"
        assert await r.read(100) == b"def"
        assert r.isclosed()
        await conn.close()


async def test_trailers_available_after_body():
    with ScriptedServer(replies(CHUNKED_RESP)) as srv:
        conn, r = await fetch(srv.port)
        assert r.trailers is None
        await r.read()
        assert r.trailers is not None and r.trailers.get("x-t") == "1"
        await conn.close()


async def test_async_iteration_and_read1():
    parts = [b"a" * 1000, b"b" * 2000, b"c" * 3000]
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(*parts)
    with ScriptedServer(replies(raw)) as srv:
        conn, r = await fetch(srv.port)
        first = await r.read1(10)
        assert 0 < len(first) <= 10
        got = b"".join([first] + [c async for c in r])
        assert got == b"".join(parts)
        assert await r.read1() == b""
        await conn.close()


async def test_save_to_file(tmp_path):
    body = bytes(range(256)) * 4000
    with ScriptedServer(replies(response(body=body))) as srv:
        conn, r = await fetch(srv.port)
        n = await r.save(str(tmp_path / "out.bin"))
        assert n == len(body) and (tmp_path / "out.bin").read_bytes() == body
        assert r.isclosed()
        await conn.close()


async def test_head_and_headers():
    raw = response(
        "201 Created",
        headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "text/x")],
    )
    with ScriptedServer(replies(raw)) as srv:
        conn, r = await fetch(srv.port)
        assert (r.status, r.code, r.reason, r.version) == (201, 201, "Created", 11)
        assert r.getheader("set-cookie") == "a=1, b=2"
        assert r.getheader("missing", "dflt") == "dflt"
        assert r.getheaders()[:2] == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
        assert isinstance(r.msg, http.client.HTTPMessage) and r.headers is r.msg
        assert r.msg.get_all("Set-Cookie") == ["a=1", "b=2"]
        assert r.info() is r.msg and r.getcode() == 201 and r.geturl() == "/"
        assert "201" in repr(r)
        await conn.close()


@pytest.mark.parametrize(
    ("method", "raw"),
    [
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"),
    ],
)
async def test_bodiless_responses_keep_connection(method, raw):
    with ScriptedServer(replies(raw, response(body=b"next"))) as srv:
        conn, r = await fetch(srv.port, method)
        assert await r.read() == b"" and r.isclosed()
        await conn.request("GET", "/2")
        assert await (await conn.getresponse()).read() == b"next"
        await conn.close()
    assert len(srv.conns) == 1


async def test_informational_responses_skipped():
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + response(body=b"final")
    )
    with ScriptedServer(replies(raw)) as srv:
        conn, r = await fetch(srv.port)
        assert r.status == 200 and await r.read() == b"final"
        await conn.close()


def _send_and_close(data: bytes):
    def act(conn: Conn) -> None:
        conn.send(data)
        conn.close()

    return act


def _send_and_reset(data: bytes):
    def act(conn: Conn) -> None:
        conn.send(data)
        conn.reset()

    return act


@pytest.mark.parametrize(
    ("action", "exc"),
    [
        (_send_and_close(b""), errors.RemoteDisconnected),
        (_send_and_close(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), None),
        (_send_and_close(b"garbage\r\n\r\n"), errors.BadStatusLine),
        (_send_and_close(b"HTTP/9.9 200 OK\r\n\r\n"), errors.UnknownProtocol),
        (_send_and_close(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000), errors.LineTooLong),
        (_send_and_close(b"HTTP/1.1 200 OK\r\n" + b"A: b\r\n" * 101), http.client.HTTPException),
        (
            _send_and_close(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
            errors.ResponseFramingError,
        ),
        (_send_and_reset(b""), ConnectionResetError),
    ],
)
async def test_head_errors(action, exc):
    with ScriptedServer(replies(action)) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        if exc is None:
            r = await conn.getresponse()
            with pytest.raises(errors.IncompleteRead) as info:
                await r.read()
            assert info.value.partial == b"short" and info.value.expected == 5
            assert r.isclosed()
        else:
            with pytest.raises(exc):
                await conn.getresponse()
            assert conn.sock is None  # closed, never half used
        await conn.close()


async def test_chunked_body_cut_short():
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n9\r\nwor"
    with ScriptedServer(replies(_send_and_close(raw))) as srv:
        conn, r = await fetch(srv.port)
        with pytest.raises(errors.IncompleteRead) as info:
            await r.read()
        assert info.value.partial == b"hello"  # as the stdlib: the cut chunk is left out
        await conn.close()


async def test_bad_chunk_crlf_is_an_error():
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"
    with ScriptedServer(replies(raw)) as srv:
        conn, r = await fetch(srv.port)
        with pytest.raises(errors.MalformedChunk):
            await r.read()
        assert isinstance(errors.MalformedChunk(b""), http.client.IncompleteRead)
        await conn.close()


async def test_short_content_length_read_amt_is_a_short_read():
    """Like the stdlib: read(amt) returns what there is, then b''."""
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"
    with ScriptedServer(replies(_send_and_close(raw))) as srv:
        conn, r = await fetch(srv.port)
        assert await r.read(8) == b"short"
        assert await r.read(8) == b""
        assert r.isclosed()
        await conn.close()


async def test_closing_unread_response_does_not_reuse_connection():
    big = response(body=b"x" * (8 << 20))  # far more than is buffered before the close
    with ScriptedServer(
        per_connection(replies(big), replies(response(body=b"ok"))), by_index=True
    ) as srv:
        conn, r = await fetch(srv.port)
        await r.read(10)
        r.close()
        await conn.request("GET", "/next")
        r2 = await conn.getresponse()
        assert await r2.read() == b"ok"
        await conn.close()
    # the unread rest was never taken for the next response: a fresh connection served it
    assert len(srv.conns) == 2


class CountingResponse(aiohttpc.HTTPResponse):
    """A ``response_class`` of a caller's: a Python subclass of the response class,
    compiled or not (mypyc's native classes refuse those unless they allow them)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.reads = 0

    async def read(self, amt: int | None = None) -> bytes:
        self.reads += 1
        return (await super().read(amt)).upper()


async def test_a_response_class_subclass_is_used_as_the_stdlibs_is():
    with ScriptedServer(replies(response(body=b"abc"), response(body=b"defg"))) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.response_class = CountingResponse
        for body in (b"ABC", b"DEFG"):
            await conn.request("GET", "/")
            r = await conn.getresponse()
            assert type(r) is CountingResponse
            assert await r.read(1) == body[:1] and await r.read() == body[1:]
            assert r.reads == 2 and r.isclosed() and r.status == 200
        assert len(srv.conns) == 1  # the overridden read still gives the connection back
        await conn.close()
