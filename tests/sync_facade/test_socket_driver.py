"""The façade over a socket the caller gives it (``conn.sock = ...``): the second driver,
in the caller's thread. Each scenario runs with http.client and with the façade over
the same server script, and the outcomes are compared."""

from __future__ import annotations

import http.client
import io
import socket
from collections.abc import Callable
from typing import Any

import pytest

import sync_facade
from tests.servers import (
    ScriptedServer,
    chunked,
    echo_after_101,
    per_connection,
    replies,
    response,
)

BIG = bytes(range(256)) * 1000


def outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:
        return ("raised", type(exc).__name__)


def over_given_socket(module: Any, port: int, steps: Callable[[Any], Any]) -> Any:
    conn = module.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        return steps(conn)
    finally:
        conn.close()


def both(script: Any, steps: Callable[[Any], Any]) -> tuple[Any, Any, list[bytes], list[bytes]]:
    """(stdlib's outcome, ours, what the server received from each, ports masked)."""
    got = []
    for module in (http.client, sync_facade):
        with ScriptedServer(script) as srv:
            result = outcome(lambda m=module, p=srv.port: over_given_socket(m, p, steps))
        port = str(srv.port).encode()
        got.append((result, [raw.replace(port, b"PORT") for raw in srv.received]))
    (theirs, sent_theirs), (ours, sent_ours) = got
    return theirs, ours, sent_theirs, sent_ours


def exchange(conn: Any, method: str = "GET", body: Any = None, read: str = "all") -> Any:
    conn.request(method, "/p", body)
    r = conn.getresponse()
    got: Any
    if read == "amt":
        got = [r.read(3), r.read(100_000), r.read()]
    elif read == "lines":
        got = [r.readline(), r.readline(), r.read()]
    elif read == "into":
        buf = bytearray(70_000)
        got = [r.readinto(buf), bytes(buf[:10])]
        got.append(r.read())
    elif read == "read1":
        got = [r.read1(5), r.read()]
    else:
        got = r.read()
    return [r.status, r.reason, r.version, r.getheaders(), got, r.isclosed(), r.will_close]


SCRIPTS = {
    "length": [response(body=b"hello\nworld\n"), response(body=b"second")],
    "chunked": [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"ab\ncd", b"ef"),
        response(body=b"after"),
    ],
    "big": [response(body=BIG), response(body=b"x")],
    "1xx": [b"HTTP/1.1 100 Continue\r\n\r\n" + response(body=b"final"), response(body=b"y")],
    "204": [response("204 No Content", length=False), response(body=b"z")],
    "http10-close": [response(body=b"old", version="HTTP/1.0")],
    "until-close": [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end"],
}


@pytest.mark.parametrize("read", ["all", "amt", "lines", "into", "read1"])
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_responses_over_a_given_socket_as_the_stdlib(name, read):
    script = replies(*SCRIPTS[name], close=True)

    def steps(conn: Any) -> Any:
        return [outcome(lambda: exchange(conn, read=read)) for _ in SCRIPTS[name]]

    theirs, ours, sent_theirs, sent_ours = both(script, steps)
    assert ours == theirs
    assert all(out[0] != "raised" for out in theirs)  # every exchange worked, on both
    assert sent_ours == sent_theirs  # the same request bytes


@pytest.mark.parametrize(
    "body", [b"payload", "text", [b"it", b"er"], None], ids=["bytes", "str", "iter", "none"]
)
def test_request_bodies_over_a_given_socket_as_the_stdlib(body):
    script = replies(response(body=b"ok"), close=True)
    theirs, ours, sent_theirs, sent_ours = both(
        script, lambda conn: exchange(conn, "POST", list(body) if isinstance(body, list) else body)
    )
    assert ours == theirs and sent_ours == sent_theirs


def test_a_101_leaves_the_socket_and_its_first_bytes_to_the_caller():
    def steps(conn: Any) -> Any:
        conn.request("GET", "/", headers={"Connection": "Upgrade", "Upgrade": "echo"})
        r = conn.getresponse()
        first = r.fp.read(2)
        sock = r.fp.raw._sock  # as docker-py takes it
        sock.sendall(b"ping")
        return [r.status, first, sock.recv(100)]

    theirs, ours, _, _ = both(echo_after_101, steps)
    assert ours == theirs == [101, b"hi", b"echo:ping"]


def test_a_timeout_on_the_given_socket_as_the_stdlib():
    script = replies(
        lambda c: c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), close=False
    )

    def steps(conn: Any) -> Any:
        conn.request("GET", "/")
        r = conn.getresponse()
        conn.sock.settimeout(0.3)
        return [r.status, outcome(r.read)]

    theirs, ours, _, _ = both(script, steps)
    assert ours == theirs == [200, ("raised", "TimeoutError")]


def test_closing_a_response_unread_does_not_leave_its_rest_for_the_next():
    """A listed difference: the stdlib's next response would start in the leftover."""
    script = per_connection(replies(response(body=BIG)), replies(response(body=b"next")))
    with ScriptedServer(script, by_index=True) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        try:
            conn.request("GET", "/1")
            r = conn.getresponse()
            assert r.read(10) == BIG[:10]
            r.close()
            conn.request("GET", "/2")
            second = conn.getresponse()
            assert (second.status, second.read()) == (200, b"next")
        finally:
            conn.close()
    assert len(srv.conns) == 2  # the next request went on a new connection


def with_limit(monkeypatch: Any, given: bool, name: str, value: int, head: bytes) -> list[Any]:
    """[stdlib's outcome, ours] for a response with *head*, the limit *name* set to
    *value* on each module; *given*: over a socket the caller gives."""
    raw = b"HTTP/1.1 200 OK\r\n" + head + b"Content-Length: 2\r\n\r\nok"
    outcomes = []
    for module in (http.client, sync_facade):
        monkeypatch.setattr(module, name, value)
        with ScriptedServer(replies(raw, close=True)) as srv:
            conn = module.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            if given:
                conn.sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            try:
                outcomes.append(outcome(lambda c=conn: exchange(c)))
            finally:
                conn.close()
    return outcomes


@pytest.mark.parametrize("given", [True, False], ids=["caller-socket", "bridged"])
@pytest.mark.parametrize(
    ("name", "value", "head"),
    [
        ("_MAXHEADERS", 5, b"".join(b"X-%d: v\r\n" % i for i in range(7))),
        ("_MAXLINE", 100, b"X-Long: " + b"v" * 200 + b"\r\n"),
    ],
)
def test_lowered_limits_apply_as_the_stdlibs(monkeypatch, given, name, value, head):
    """Code that lowers (or raises) http.client's _MAXHEADERS or _MAXLINE gets the same
    from the façade, whichever driver reads the response."""
    theirs, ours = with_limit(monkeypatch, given, name, value, head)
    assert ours == theirs and ours[0] == "raised"


@pytest.mark.parametrize("given", [True, False], ids=["caller-socket", "bridged"])
@pytest.mark.parametrize(
    ("name", "value", "head"),
    [
        ("_MAXHEADERS", 200, b"".join(b"X-%d: v\r\n" % i for i in range(150))),
        ("_MAXLINE", 100_000, b"X-Long: " + b"v" * 70_000 + b"\r\n"),
    ],
)
def test_raised_limits_let_a_larger_head_through_as_the_stdlibs(
    monkeypatch, given, name, value, head
):
    theirs, ours = with_limit(monkeypatch, given, name, value, head)
    assert ours == theirs and ours[4] == b"ok"


@pytest.mark.parametrize(
    "body",
    [io.BytesIO(b"file body"), io.StringIO("text body"), b"byte body"],
    ids=["file", "text", "bytes"],
)
def test_debug_output_over_a_given_socket_as_the_stdlibs(capsys, body):
    """What set_debuglevel(1) prints for a request and its answer, ports masked."""
    printed = []
    for module in (http.client, sync_facade):
        if hasattr(body, "seek"):
            body.seek(0)
        with ScriptedServer(replies(response(body=b"ok"), close=True)) as srv:
            conn = module.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            conn.sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            conn.set_debuglevel(1)
            try:
                conn.request("POST", "/d", body, {"Content-Length": "9"})
                conn.getresponse().read()
            finally:
                conn.close()
            printed.append(capsys.readouterr().out.replace(str(srv.port), "PORT"))
    theirs, ours = printed
    assert ours == theirs and "send:" in ours and "reply:" in ours
