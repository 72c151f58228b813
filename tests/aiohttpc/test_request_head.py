"""RequestHeadBuilder: http.client's request states and the head built under them,
without a connection (the Outgoing it builds is what a connection would write)."""

from __future__ import annotations

import io

import pytest

from aiohttpc._sansio import body as bodies
from aiohttpc._sansio.request_head import CS_IDLE, CS_REQ_SENT, CS_REQ_STARTED, RequestHeadBuilder
from aiohttpc.errors import CannotSendHeader, CannotSendRequest


class Builder(RequestHeadBuilder):
    default_port = 80
    debuglevel = 0

    def __init__(self, host: str = "h", port: int = 80) -> None:
        super().__init__()
        self.host, self.port = host, port
        self._tunnel_host = None
        self._tunnel_port = None
        self._response = None


def test_states_as_the_stdlib():
    b = Builder()
    with pytest.raises(CannotSendHeader):
        b.putheader("X", "1")
    b.putrequest("GET", "/")
    assert b._state == CS_REQ_STARTED
    with pytest.raises(CannotSendRequest, match="Request-started"):
        b.putrequest("GET", "/")
    b.putheader("X", "1")
    out = b.prepare_end()
    assert b._state == CS_REQ_SENT
    assert out.head == b"GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: identity\r\nX: 1\r\n\r\n"
    with pytest.raises(CannotSendHeader):
        b.prepare_end()


@pytest.mark.parametrize(
    ("method", "body", "framing", "kind"),
    [
        ("GET", None, b"", bodies.NONE),
        ("POST", None, b"Content-Length: 0\r\n", bodies.NONE),
        ("POST", b"abc", b"Content-Length: 3\r\n", bodies.BYTES),
        ("POST", "abc", b"Content-Length: 3\r\n", bodies.BYTES),
        ("PUT", io.BytesIO(b"abc"), b"Transfer-Encoding: chunked\r\n", bodies.FILE),
        ("POST", iter([b"a"]), b"Transfer-Encoding: chunked\r\n", bodies.ITERABLE),
    ],
)
def test_request_framing_as_the_stdlib(method, body, framing, kind):
    out = Builder().prepare_request(method, "/", body)
    assert (
        out.head
        == (method.encode() + b" / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: identity\r\n")
        + framing
        + b"\r\n"
    )
    assert out.kind == kind and out.chunked == framing.startswith(b"Transfer")


def test_callers_headers_win():
    out = Builder("h", 8080).prepare_request(
        "POST", "/", b"abc", {"Host": "x", "Accept-Encoding": "gzip", "Content-Length": "3"}
    )
    assert out.head == (
        b"POST / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nContent-Length: 3\r\n\r\n"
    )
    out = Builder("h", 8080).prepare_request("GET", "/")
    assert b"Host: h:8080\r\n" in out.head


def test_bad_input_leaves_the_state_idle_and_builds_nothing():
    b = Builder()
    with pytest.raises(ValueError):
        b.prepare_request("GET", "/", None, {"X": "a\r\nb"})
    assert b._state == CS_IDLE and b._buffer == []
    with pytest.raises(TypeError):
        b.prepare_request("POST", "/", 12345)
    assert b._state == CS_IDLE
    out = b.prepare_request("GET", "/")
    assert out.head.startswith(b"GET / HTTP/1.1\r\n")


def test_expect_continue_is_noticed():
    b = Builder()
    b.prepare_request("PUT", "/", b"x", {"Expect": "100-continue"})
    assert b._expect_continue
    b._state = CS_IDLE
    b.prepare_request("PUT", "/", b"x")
    assert not b._expect_continue
