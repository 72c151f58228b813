"""RequestHeadBuilder: http.client's request states and the head built under them,
without a connection (the Outgoing it builds is what a connection would write)."""

from __future__ import annotations

import io

import pytest

from aiohttpc._sansio import body as bodies
from aiohttpc._sansio.request_head import CS_IDLE, CS_REQ_SENT, CS_REQ_STARTED, RequestHeadBuilder
from aiohttpc.errors import CannotSendHeader, CannotSendRequest


class Builder:
    """A builder held as a connection holds it, aimed at one host."""

    def __init__(self, host: str = "h", port: int = 80, vsn: int = 11) -> None:
        self.b = RequestHeadBuilder()
        self.target = (host, port, 80, vsn, "HTTP/1.1" if vsn == 11 else "HTTP/1.0")

    def putrequest(self, method, url, skip_host=False, skip_accept_encoding=False):
        self.b.putrequest(method, url, skip_host, skip_accept_encoding, target=self.target)

    def putheader(self, name, *values):
        self.b.putheader(name, *values)

    def prepare_end(self, body=None, **kw):
        return self.b.prepare_end(body, **kw)

    def prepare_request(self, method, url, body=None, headers=None, **kw):
        return self.b.prepare_request(method, url, body, headers or {}, target=self.target, **kw)

    @property
    def state(self):
        return self.b.state


def test_states_as_the_stdlib():
    b = Builder()
    with pytest.raises(CannotSendHeader):
        b.putheader("X", "1")
    b.putrequest("GET", "/")
    assert b.state == CS_REQ_STARTED
    with pytest.raises(CannotSendRequest, match="Request-started"):
        b.putrequest("GET", "/")
    b.putheader("X", "1")
    out = b.prepare_end()
    assert b.state == CS_REQ_SENT
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
    assert b.state == CS_IDLE and b.b.lines == []
    with pytest.raises(TypeError):
        b.prepare_request("POST", "/", 12345)
    assert b.state == CS_IDLE
    out = b.prepare_request("GET", "/")
    assert out.head.startswith(b"GET / HTTP/1.1\r\n")


def test_expect_continue_is_noticed():
    b = Builder()
    b.prepare_request("PUT", "/", b"x", {"Expect": "100-continue"})
    assert b.b.expect_continue
    b.b.reset()
    b.prepare_request("PUT", "/", b"x")
    assert not b.b.expect_continue


def test_http_1_0_sends_no_host_and_never_chunks():
    b = Builder(vsn=10)
    out = b.prepare_request("PUT", "/", iter([b"a"]))
    assert out.head.startswith(b"PUT / HTTP/1.0\r\nTransfer-Encoding: chunked")
    assert b"Host:" not in out.head and not out.chunked


def test_the_target_gives_the_host_and_a_changed_target_a_new_host_line():
    b = RequestHeadBuilder()
    for target, line in [
        (("h", 80, 80, 11, "HTTP/1.1"), b"Host: h\r\n"),
        (("h", 8080, 80, 11, "HTTP/1.1"), b"Host: h:8080\r\n"),
        (("h", 443, 443, 11, "HTTP/1.1"), b"Host: h\r\n"),
        (("::1", 81, 80, 11, "HTTP/1.1"), b"Host: [::1]:81\r\n"),
    ]:
        b.reset()
        b.putrequest("GET", "/", target=target)
        assert line in b.prepare_end().head


def test_cancel_and_head_arrived_return_to_idle_as_the_stdlib_allows():
    b = Builder()
    b.prepare_request("GET", "/")
    with pytest.raises(CannotSendRequest, match="Request-sent"):
        b.putrequest("GET", "/")
    b.b.head_arrived()
    assert b.state == CS_IDLE
    b.prepare_request("GET", "/")
    b.b.cancel()
    assert b.state == CS_IDLE
    b.putrequest("GET", "/")
    b.b.cancel()  # only a built request is cancelled
    assert b.state == CS_REQ_STARTED
