"""The same scenarios with ``http.client`` and ``sync_facade``: no difference but the
ones the README lists (each such scenario checks that the listed difference shows)."""

from __future__ import annotations

import array
import io

import pytest

from tests.servers import Conn, answer, chunked, per_connection, replies, response
from tests.sync_facade.differential import Scenario, compare

OK = response(body=b"hello")
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def raw(*parts: bytes, close: bool = True):
    """Answer the first request with these bytes, then close (or keep waiting)."""
    return answer(*parts, then="close" if close else "wait", wait=2.0)


def reset_handler(conn: Conn) -> None:
    conn.read_request()
    conn.reset()


def GET(url="/"):
    return [("request", "GET", url), ("getresponse",), ("read",)]


def fake_tunnel(status: bytes = b"200 Connection established", *answers: bytes):
    """A proxy that answers CONNECT, then serves the tunnelled requests itself."""

    def handler(conn: Conn) -> None:
        head = conn.read_until(b"\r\n\r\n")
        if head is None:
            return
        conn.requests.append((head, b""))
        conn.send(b"HTTP/1.1 " + status + b"\r\nX-Proxy: 1\r\n\r\n")
        if not status.startswith(b"200"):
            conn.drain_to_eof(1.0)
            return
        replies(*answers)(conn)

    return handler


def continue_then(final: bytes):
    def handler(conn: Conn) -> None:
        head = conn.read_until(b"\r\n\r\n")
        assert head is not None
        conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        conn.read_body(head)
        conn.send(final)
        conn.drain_to_eof(2.0)

    return handler


def refuse_expect(conn: Conn) -> None:
    conn.read_until(b"\r\n\r\n")
    conn.send(response("417 Expectation Failed", body=b"no"))
    conn.drain_to_eof(0.5)


def gen_body():
    yield b"gen"
    yield b""
    yield b"erated"


LINES = b"one\ntwo\r\nthree\nlast"
BIG = bytes(range(256)) * 4096

SAME: list[Scenario] = [
    # -- response framing ---------------------------------------------------------------
    Scenario("content-length", replies(OK), GET()),
    Scenario("content-length-zero", replies(response()), GET()),
    Scenario(
        "chunked-ext", replies(CHUNKED + b"5;a=b\r\nhello\r\n6 ; x\r\n world\r\n0\r\n\r\n"), GET()
    ),
    Scenario(
        "chunked-trailers", replies(CHUNKED + chunked(b"abc", trailer=b"X-T: 1\r\nY: 2\r\n")), GET()
    ),
    Scenario("chunked-many", replies(CHUNKED + chunked(*[b"%d" % i for i in range(200)])), GET()),
    Scenario("until-close-10", raw(b"HTTP/1.0 200 OK\r\n\r\nto the end"), GET()),
    Scenario("until-close-11", raw(b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nto the end"), GET()),
    Scenario(
        "http10-keepalive",
        replies(
            *[response(body=b"k", version="HTTP/1.0", headers=[("Connection", "keep-alive")])] * 2
        ),
        GET() + GET(),
    ),
    Scenario(
        "http10-keepalive-header",
        replies(
            *[response(body=b"k", version="HTTP/1.0", headers=[("Keep-Alive", "timeout=5")])] * 2
        ),
        GET() + GET(),
    ),
    Scenario(
        "connection-close",
        per_connection(replies(response(body=b"a", headers=[("Connection", "close")]), close=True)),
        GET() + GET(),
        by_index=True,
    ),
    Scenario(
        "duplicate-headers",
        replies(response(headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])),
        [*GET(), ("header", "set-cookie"), ("header", "missing", "d"), ("msg", "Set-Cookie")],
    ),
    Scenario("empty-header-value", replies(response(headers=[("X-Empty", "")])), GET()),
    Scenario(
        "trailing-space-value",
        replies(b"HTTP/1.1 200 OK\r\nX: v  \r\nContent-Length: 0\r\n\r\n"),
        GET(),
    ),
    Scenario("bare-lf", replies(b"HTTP/1.1 200 OK\nContent-Length: 2\nX: y\n\nok"), GET()),
    Scenario(
        "obs-fold", replies(b"HTTP/1.1 200 OK\r\nX: a\r\n  b\r\nContent-Length: 2\r\n\r\nok"), GET()
    ),
    Scenario(
        "no-colon-line", raw(b"HTTP/1.1 200 OK\r\nBroken\r\nContent-Length: 2\r\n\r\nok"), GET()
    ),
    Scenario(
        "content-length-invalid", raw(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nrest"), GET()
    ),
    Scenario(
        "content-length-negative", raw(b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nrest"), GET()
    ),
    Scenario("large-body", replies(response(body=BIG)), GET()),
    Scenario("no-reason", replies(b"HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx"), GET()),
    Scenario(
        "spaced-reason", replies(b"HTTP/1.1 404  Not  Found \r\nContent-Length: 0\r\n\r\n"), GET()
    ),
    Scenario("http09-version", raw(b"HTTP/0.9 200 OK\r\n\r\nold"), GET()),
    Scenario("http12-version", replies(b"HTTP/1.2 200 OK\r\nContent-Length: 1\r\n\r\nx"), GET()),
    Scenario("status-500", replies(response("500 Internal Server Error", body=b"err")), GET()),
    # -- malformed responses ----------------------------------------------------------------
    Scenario("garbage-status", raw(b"garbage\r\n\r\n"), GET()),
    Scenario("status-99", raw(b"HTTP/1.1 99 Low\r\n\r\n"), GET()),
    Scenario("status-1000", raw(b"HTTP/1.1 1000 High\r\n\r\n"), GET()),
    Scenario("status-abc", raw(b"HTTP/1.1 abc OK\r\n\r\n"), GET()),
    Scenario("http2-version", raw(b"HTTP/2.0 200 OK\r\n\r\n"), GET()),
    Scenario("icy", raw(b"ICY 200 OK\r\n\r\n"), GET()),
    Scenario("empty-response", raw(), GET()),
    Scenario("status-too-long", raw(b"HTTP/1.1 200 " + b"x" * 70000), GET()),
    Scenario("header-too-long", raw(b"HTTP/1.1 200 OK\r\nX: " + b"x" * 70000 + b"\r\n\r\n"), GET()),
    Scenario("too-many-headers", raw(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n"), GET()),
    Scenario(
        "99-headers",
        replies(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 98 + b"Content-Length: 0\r\n\r\n"),
        GET(),
    ),
    Scenario("cl-cut-short", raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), GET()),
    Scenario(
        "cl-cut-short-amt",
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
        [("request", "GET", "/"), ("getresponse",), ("read", 8), ("read", 8), ("isclosed",)],
    ),
    Scenario("chunked-cut-short", raw(CHUNKED + b"5\r\nhello\r\n9\r\nwor"), GET()),
    Scenario("bad-chunk-size", raw(CHUNKED + b"zz\r\nhello\r\n0\r\n\r\n"), GET()),
    Scenario("chunk-size-too-long", raw(CHUNKED + b"1" * 70000 + b"\r\n"), GET()),
    Scenario("trailer-too-long", raw(CHUNKED + b"0\r\nX: " + b"y" * 70000 + b"\r\n\r\n"), GET()),
    Scenario("reset-before-response", reset_handler, GET()),
    Scenario("closed-mid-headers", raw(b"HTTP/1.1 200 OK\r\nContent-Le"), GET()),
    # -- the read API -------------------------------------------------------------------------
    Scenario(
        "read-amt",
        replies(response(body=b"0123456789")),
        [
            ("request", "GET", "/"),
            ("getresponse",),
            ("read", 3),
            ("state",),
            ("read", 4),
            ("read", 100),
            ("isclosed",),
        ],
    ),
    Scenario(
        "read-amt-chunks",
        replies(CHUNKED + chunked(b"ab", b"cdef", b"g")),
        [
            ("request", "GET", "/"),
            ("getresponse",),
            ("read", 3),
            ("read", 3),
            ("read", 3),
            ("read", 3),
        ],
    ),
    Scenario(
        "readline-cl",
        replies(response(body=LINES)),
        [
            ("request", "GET", "/"),
            ("getresponse",),
            ("readline",),
            ("readline",),
            ("readline",),
            ("readline",),
            ("readline",),
        ],
    ),
    Scenario(
        "readline-chunked",
        replies(CHUNKED + chunked(b"one\ntw", b"o\nthr", b"ee")),
        [
            ("request", "GET", "/"),
            ("getresponse",),
            ("readline",),
            ("readline",),
            ("readline",),
            ("readline",),
        ],
    ),
    Scenario(
        "readline-limit",
        replies(response(body=LINES)),
        [("request", "GET", "/"), ("getresponse",), ("readline", 2), ("readline", 10), ("read",)],
    ),
    Scenario(
        "readinto-cl",
        replies(response(body=b"0123456789")),
        [
            ("request", "GET", "/"),
            ("getresponse",),
            ("readinto", 4),
            ("readinto", 100),
            ("readinto", 4),
        ],
    ),
    Scenario(
        "readinto-chunked",
        replies(CHUNKED + chunked(b"abc", b"defg")),
        [
            ("request", "GET", "/"),
            ("getresponse",),
            ("readinto", 5),
            ("readinto", 5),
            ("readinto", 5),
        ],
    ),
    Scenario(
        "read1",
        replies(response(body=b"abcdef")),
        [("request", "GET", "/"), ("getresponse",), ("read1", 2), ("read1",), ("read1",)],
    ),
    Scenario(
        "iterate-lines",
        replies(response(body=LINES)),
        [("request", "GET", "/"), ("getresponse",), ("iter",)],
    ),
    Scenario(
        "readlines",
        replies(CHUNKED + chunked(LINES)),
        [("request", "GET", "/"), ("getresponse",), ("readlines",)],
    ),
    Scenario(
        "read-after-end",
        replies(OK),
        [*GET(), ("read",), ("read", 5), ("readline",), ("isclosed",)],
    ),
    Scenario(
        "read-after-close",
        replies(OK),
        [("request", "GET", "/"), ("getresponse",), ("close_response",), ("read",), ("isclosed",)],
    ),
    Scenario(
        "read-zero",
        replies(OK),
        [("request", "GET", "/"), ("getresponse",), ("read", 0), ("read",)],
    ),
    Scenario(
        "head-read",
        replies(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        [("request", "HEAD", "/"), ("getresponse",), ("read",), ("isclosed",)],
    ),
    Scenario(
        "peek",
        replies(OK),
        [("request", "GET", "/"), ("getresponse",), ("peek_nonempty",), ("read",)],
    ),
    Scenario(
        "until-close-read-amt",
        raw(b"HTTP/1.0 200 OK\r\n\r\n0123456789"),
        [("request", "GET", "/"), ("getresponse",), ("read", 4), ("read", 100), ("read", 4)],
    ),
    # -- request bodies ------------------------------------------------------------------------
    Scenario(
        "post-bytes", replies(OK), [("request", "POST", "/", b"data"), ("getresponse",), ("read",)]
    ),
    Scenario(
        "post-str", replies(OK), [("request", "POST", "/", "caf\xe9"), ("getresponse",), ("read",)]
    ),
    Scenario("post-str-not-latin1", replies(OK), [("request", "POST", "/", "\u20ac")]),
    Scenario(
        "post-bytearray",
        replies(OK),
        [("request", "POST", "/", bytearray(b"ba")), ("getresponse",)],
    ),
    Scenario(
        "post-memoryview",
        replies(OK),
        [("request", "POST", "/", memoryview(b"mv")), ("getresponse",)],
    ),
    Scenario(
        "post-array",
        replies(OK),
        [("request", "POST", "/", array.array("h", [1, 2])), ("getresponse",)],
    ),
    Scenario("post-empty", replies(OK), [("request", "POST", "/", b""), ("getresponse",)]),
    Scenario("post-none", replies(OK), [("request", "POST", "/"), ("getresponse",)]),
    Scenario("put-none", replies(OK), [("request", "PUT", "/"), ("getresponse",)]),
    Scenario("patch-none", replies(OK), [("request", "PATCH", "/"), ("getresponse",)]),
    Scenario("delete-none", replies(OK), [("request", "DELETE", "/"), ("getresponse",)]),
    Scenario(
        "post-list", replies(OK), [("request", "POST", "/", [b"a", b"", b"bc"]), ("getresponse",)]
    ),
    Scenario("post-generator", replies(OK), [("request", "POST", "/", gen_body), ("getresponse",)]),
    Scenario(
        "post-iter-with-length",
        replies(OK),
        [("request", "POST", "/", [b"ab", b"cd"], {"Content-Length": "4"}), ("getresponse",)],
    ),
    Scenario(
        "encode-chunked",
        replies(OK),
        [
            (
                "request",
                "POST",
                "/",
                [b"ab", b"cd"],
                {"Transfer-Encoding": "chunked"},
                {"encode_chunked": True},
            ),
            ("getresponse",),
        ],
    ),
    Scenario(
        "bytes-encode-chunked",
        replies(OK),
        [
            (
                "request",
                "POST",
                "/",
                b"abcd",
                {"Transfer-Encoding": "chunked"},
                {"encode_chunked": True},
            ),
            ("getresponse",),
        ],
    ),
    Scenario(
        "post-bytesio",
        replies(OK),
        [("request", "POST", "/", lambda: io.BytesIO(b"file body")), ("getresponse",)],
    ),
    Scenario(
        "post-stringio",
        replies(OK),
        [("request", "POST", "/", lambda: io.StringIO("text \xe9")), ("getresponse",)],
    ),
    Scenario(
        "post-file-with-length",
        replies(OK),
        [
            ("request", "POST", "/", lambda: io.BytesIO(b"x" * 20000), {"Content-Length": "20000"}),
            ("getresponse",),
        ],
    ),
    Scenario(
        "putrequest-flow",
        replies(OK),
        [
            ("putrequest", "POST", "/p"),
            ("putheader", "Content-Length", "3"),
            ("endheaders", b"abc"),
            ("getresponse",),
            ("read",),
        ],
    ),
    Scenario(
        "putheader-multi",
        replies(OK),
        [
            ("putrequest", "GET", "/"),
            ("putheader", "X-M", "a", b"b", 3),
            ("endheaders",),
            ("getresponse",),
        ],
    ),
    Scenario(
        "putrequest-skips",
        replies(OK),
        [
            ("putrequest", "GET", "/", True, True),
            ("putheader", "Host", "h"),
            ("endheaders",),
            ("getresponse",),
        ],
    ),
    Scenario(
        "send-after-endheaders",
        replies(OK),
        [
            ("putrequest", "POST", "/"),
            ("putheader", "Content-Length", "6"),
            ("endheaders",),
            ("send", b"ab"),
            ("send", [b"cd", b"ef"]),
            ("getresponse",),
            ("read",),
        ],
    ),
    Scenario(
        "explicit-host",
        replies(OK),
        [("request", "GET", "/", None, {"Host": "example.org"}), ("getresponse",)],
    ),
    Scenario(
        "explicit-accept-encoding",
        replies(OK),
        [("request", "GET", "/", None, {"accept-encoding": "gzip"}), ("getresponse",)],
    ),
    Scenario(
        "absolute-url",
        replies(OK),
        [("request", "GET", "http://example.org:8080/x?y"), ("getresponse",)],
    ),
    Scenario("empty-url", replies(OK), [("request", "GET", ""), ("getresponse",)]),
    Scenario(
        "int-and-bytes-values",
        replies(OK),
        [("request", "GET", "/", None, {"X-I": 5, "X-B": b"raw"}), ("getresponse",)],
    ),
    # -- header validation and injection --------------------------------------------------------
    Scenario("value-crlf", replies(OK), [("request", "GET", "/", None, {"X": "a\r\nInjected: 1"})]),
    Scenario("value-lf", replies(OK), [("request", "GET", "/", None, {"X": b"a\nInjected: 1"})]),
    Scenario("value-cr", replies(OK), [("request", "GET", "/", None, {"X": "a\rb"})]),
    Scenario("name-crlf", replies(OK), [("request", "GET", "/", None, {"X\r\nY": "1"})]),
    Scenario("name-colon", replies(OK), [("request", "GET", "/", None, {"X:Y": "1"})]),
    Scenario("name-empty", replies(OK), [("request", "GET", "/", None, {"": "1"})]),
    Scenario("method-crlf", replies(OK), [("request", "GET\r\nX: y", "/")]),
    Scenario("method-nul", replies(OK), [("request", "G\x00ET", "/")]),
    Scenario("url-space", replies(OK), [("request", "GET", "/a b")]),
    Scenario("url-crlf", replies(OK), [("request", "GET", "/a\r\nX-Injected: 1")]),
    Scenario("url-nul", replies(OK), [("request", "GET", "/\x00")]),
    Scenario("url-del", replies(OK), [("request", "GET", "/\x7f")]),
    Scenario("url-non-ascii", replies(OK), [("request", "GET", "/caf\xe9")]),
    Scenario("value-non-latin1", replies(OK), [("request", "GET", "/", None, {"X": "\u20ac"})]),
    # -- connection states and reuse ------------------------------------------------------------
    Scenario("keepalive-reuse", replies(OK, OK, OK), GET() + GET() + GET()),
    Scenario(
        "unread-then-request",
        replies(OK, OK),
        [
            ("request", "GET", "/"),
            ("getresponse",),
            ("request", "GET", "/"),
            ("getresponse",),
            ("read",),
        ],
    ),
    Scenario(
        "double-putrequest", replies(OK), [("putrequest", "GET", "/"), ("putrequest", "GET", "/")]
    ),
    Scenario("putheader-idle", replies(OK), [("putheader", "X", "1")]),
    Scenario(
        "endheaders-twice",
        replies(OK),
        [("putrequest", "GET", "/"), ("endheaders",), ("endheaders",), ("getresponse",)],
    ),
    Scenario("getresponse-idle", replies(OK), [("getresponse",)]),
    Scenario(
        "close-then-request", replies(OK, OK), [*GET(), ("close",), ("sock_is_none",), *GET()]
    ),
    Scenario(
        "auto-open-off",
        replies(OK),
        [*GET(), ("close",), ("auto_open", 0), ("request", "GET", "/")],
    ),
    Scenario(
        "sock-after-request",
        replies(OK),
        [("request", "GET", "/"), ("sock_is_none",), ("getresponse",), ("read",)],
    ),
    # -- 1xx and Expect: 100-continue ---------------------------------------------------------
    Scenario("100-continue-skipped", replies(b"HTTP/1.1 100 Continue\r\n\r\n" + OK), GET()),
    Scenario("100-continue-headers", replies(b"HTTP/1.1 100 Continue\r\nX: y\r\n\r\n" + OK), GET()),
    Scenario(
        "expect-100",
        continue_then(response(body=b"done")),
        [
            ("request", "PUT", "/", b"payload", {"Expect": "100-continue"}),
            ("getresponse",),
            ("read",),
        ],
    ),
    # -- HEAD, 204, 304 -----------------------------------------------------------------------
    Scenario(
        "head-reuse",
        replies(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", OK),
        [("request", "HEAD", "/"), ("getresponse",), ("read",), *GET()],
    ),
    Scenario("204-reuse", replies(b"HTTP/1.1 204 No Content\r\n\r\n", OK), GET() + GET()),
    Scenario(
        "304-reuse",
        replies(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", OK),
        GET() + GET(),
    ),
    Scenario(
        "204-with-body-bytes-dropped",
        replies(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
        GET(),
    ),
    # -- CONNECT tunnels ------------------------------------------------------------------------
    Scenario(
        "tunnel",
        fake_tunnel(b"200 Connection established", OK, OK),
        [("set_tunnel", "origin.test", 8080), *GET(), *GET()],
    ),
    Scenario(
        "tunnel-headers",
        fake_tunnel(b"200 OK", OK),
        [("set_tunnel", "origin.test:81", None, {"Proxy-Authorization": "Basic eA=="}), *GET()],
    ),
    Scenario(
        "tunnel-refused",
        fake_tunnel(b"407 Proxy Authentication Required"),
        [("set_tunnel", "o.test"), *GET()],
    ),
    Scenario("tunnel-default-port", fake_tunnel(b"200 OK", OK), [("set_tunnel", "o.test"), *GET()]),
]


@pytest.mark.parametrize("scenario", SAME, ids=str)
def test_same_as_stdlib(scenario):
    compare(scenario)


def test_enough_scenarios():
    assert len(SAME) + len(INTENDED) >= 80


# -- deliberate differences (README: "Deliberate differences from http.client") ----------------


def _steps(obs):
    return dict(obs["log"])


def check_1xx(theirs, ours):
    assert 100 < _steps(theirs)["getresponse"][0] < 200  # the stdlib hands back the 1xx
    assert _steps(ours)["getresponse"][0] == 200


def check_connections(n_theirs, n_ours):
    def check(theirs, ours):
        assert theirs["connections"] == n_theirs and ours["connections"] == n_ours

    return check


def check_raises(cls_name):
    def check(theirs, ours):
        raised = [
            out for _, out in ours["log"] if isinstance(out, tuple) and out[:1] == ("raised",)
        ]
        assert raised and raised[0][1] == cls_name, ours["log"]
        assert not any(
            isinstance(out, tuple) and out[1:2] == (cls_name,) for _, out in theirs["log"]
        )

    return check


def check_rejected(theirs, ours):
    first_ours = ours["log"][0][1]
    assert first_ours[:2] in (("raised", "ValueError"), ("raised", "InvalidURL"))
    assert theirs["log"][0][1] is None  # the stdlib sent it
    assert all(b"Injected" not in r for r in ours["received"])


def check_not_sent_body(theirs, ours):
    assert _steps(ours)["read"] == b"no" and _steps(theirs)["read"] == b"no"
    assert b"payload" not in b"".join(ours["received"])


def check_head_then_get(theirs, ours):
    outs_theirs = [out for op, out in theirs["log"] if op == "getresponse"]
    outs_ours = [out for op, out in ours["log"] if op == "getresponse"]
    assert outs_theirs[1][:2] == ("raised", "ResponseNotReady")
    assert outs_ours[1][0] == 200


def check_idle_close(theirs, ours):
    outs_theirs = [out for op, out in theirs["log"] if op == "getresponse"]
    outs_ours = [out for op, out in ours["log"] if op == "getresponse"]
    assert outs_theirs[1][:2] == ("raised", "RemoteDisconnected")
    assert outs_ours[1][0] == 200 and ours["connections"] == 2


def check_stuck_state(theirs, ours):
    second_theirs = [out for op, out in theirs["log"] if op == "request"][1]
    second_ours = [out for op, out in ours["log"] if op == "request"][1]
    assert second_theirs[:2] == ("raised", "CannotSendRequest")
    assert second_ours is None and ours["log"][-1][1][0] == 200


def check_request_before_read(theirs, ours):
    # Both read the first body whole; only the stdlib's read-ahead swallowed the second.
    body = b"x" * 300_000
    assert next(out for op, out in theirs["log"] if op == "read") == body
    assert [out for op, out in ours["log"] if op == "read"] == [body, b"second"]
    assert [out for op, out in theirs["log"] if op == "getresponse"][1][:2] == (
        "raised",
        "RemoteDisconnected",
    )
    assert ours["connections"] == 1


def check_nothing_sent(theirs, ours):
    assert ours["log"][0][1][:2] == ("raised", "TypeError") == theirs["log"][0][1][:2]
    assert theirs["received"] and theirs["received"][0].startswith(b"POST")  # a half request
    assert ours["received"] == []


def close_idle(conn: Conn) -> None:
    conn.read_request()
    conn.send(OK)
    conn.close()


INTENDED: list[Scenario] = [
    Scenario(
        "102-skipped",
        replies(b"HTTP/1.1 102 Processing\r\n\r\n" + OK),
        GET(),
        intended="every 1xx is skipped, not only 100",
        check=check_1xx,
    ),
    Scenario(
        "103-skipped",
        replies(b"HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n" + OK),
        GET(),
        intended="every 1xx is skipped, not only 100",
        check=check_1xx,
    ),
    Scenario(
        "conflicting-content-length",
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\nokEXTRA"),
        GET(),
        intended="conflicting Content-Length is refused",
        check=check_raises("ResponseFramingError"),
    ),
    Scenario(
        "te-and-cl-not-reused",
        per_connection(
            replies(
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunked(b"abc"),
                OK,
            ),
            replies(OK),
        ),
        GET() + GET(),
        by_index=True,
        intended="Transfer-Encoding with Content-Length closes the connection after the response",
        check=check_connections(1, 2),
    ),
    Scenario(
        "stray-bytes-not-reused",
        per_connection(
            replies(OK + b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil", OK), replies(OK)
        ),
        GET() + GET(),
        by_index=True,
        intended="bytes after a response are never read as the next response",
        check=check_connections(1, 2),
    ),
    Scenario(
        "chunk-crlf-checked",
        raw(CHUNKED + b"3\r\nabcXY0\r\n\r\n"),
        GET(),
        intended="the CRLF after chunk data is checked",
        check=check_raises("MalformedChunk"),
    ),
    Scenario(
        "value-folded",
        replies(OK),
        [("request", "GET", "/", None, {"X": "a\r\n Injected: 1"})],
        intended="no CR/LF in header values, even as obs-fold",
        check=check_rejected,
    ),
    Scenario(
        "value-nul",
        replies(OK),
        [("request", "GET", "/", None, {"X": "a\x00Injected: 1"})],
        intended="no control bytes in header values",
        check=check_rejected,
    ),
    Scenario(
        "name-space",
        replies(OK),
        [("request", "GET", "/", None, {"X Injected": "1"})],
        intended="header names must be tokens",
        check=check_rejected,
    ),
    Scenario(
        "method-space",
        replies(OK),
        [("request", "GET /Injected", "/")],
        intended="methods must be tokens",
        check=check_rejected,
    ),
    Scenario(
        "expect-100-refused",
        refuse_expect,
        [
            ("request", "PUT", "/", b"payload", {"Expect": "100-continue"}),
            ("getresponse",),
            ("read",),
        ],
        intended="Expect: 100-continue waits for 100 before sending the body",
        check=check_not_sent_body,
    ),
    Scenario(
        "head-unread-then-get",
        replies(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", OK),
        [
            ("request", "HEAD", "/"),
            ("getresponse",),
            ("request", "GET", "/"),
            ("getresponse",),
            ("read",),
        ],
        intended="a response without a body is complete when its head is read",
        check=check_head_then_get,
    ),
    Scenario(
        "server-closed-idle",
        per_connection(close_idle, replies(OK)),
        [*GET(), ("sleep", 0.2), ("request", "GET", "/"), ("getresponse",), ("read",)],
        by_index=True,
        intended="a kept-alive connection the server closed is replaced before reuse",
        check=check_idle_close,
    ),
    Scenario(
        "error-leaves-idle-state",
        per_connection(raw(b"garbage\r\n\r\n"), replies(OK)),
        [*GET(), ("request", "GET", "/"), ("getresponse",)],
        by_index=True,
        intended="an error in getresponse() closes the connection instead of leaving it stuck",
        check=check_stuck_state,
    ),
    Scenario(
        "validation-error-leaves-idle-state",
        replies(OK),
        [("request", "GET", "/", None, {"X": "a\rb"}), ("request", "GET", "/"), ("getresponse",)],
        intended="a rejected request leaves the connection usable",
        check=check_stuck_state,
    ),
    Scenario(
        "bad-body-nothing-sent",
        replies(OK),
        [("request", "POST", "/", 12345)],
        intended="a body that cannot be sent is refused before the head is sent",
        check=check_nothing_sent,
    ),
    Scenario(
        "close-unread-response",
        per_connection(replies(response(body=b"x" * (8 << 20)), OK), replies(OK)),
        [("request", "GET", "/"), ("getresponse",), ("read", 10), ("close_response",), *GET()],
        by_index=True,
        intended="closing a response with unread body closes its connection",
        check=check_connections(1, 2),
    ),
    Scenario(
        "request-before-the-body-is-read",
        replies(response(body=b"x" * 300_000), response(body=b"second")),
        [
            ("request", "GET", "/1"),
            ("getresponse",),
            ("request", "GET", "/2"),
            ("sleep", 0.1),  # the second response arrives behind the first body
            ("read",),
            ("getresponse",),
            ("read",),
        ],
        intended="a request sent before the previous body is read gets its response",
        check=check_request_before_read,
    ),
]


@pytest.mark.parametrize("scenario", INTENDED, ids=str)
def test_intended_difference(scenario):
    compare(scenario)
