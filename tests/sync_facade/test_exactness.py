"""Exchanges where the façade once parted from ``http.client``: each is run with both and
the outcomes compared, or, where the README lists a deliberate difference, both outcomes
are checked."""

from __future__ import annotations

import collections
import http.client
import io
import select
import socket

import pytest

import sync_facade
from tests import bodies
from tests.servers import (
    Conn,
    ScriptedServer,
    answer,
    answer_and_close,
    answer_early,
    echo_after_101,
    replies,
    response,
)
from tests.sync_facade.differential import Scenario, compare, observe

OK = response(body=b"hello")
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def GET(*reads):
    return [("request", "GET", "/"), ("getresponse",), *reads]


SAME = [
    # 1. a status line cut short by the end of stream is no response
    Scenario("status-cut-20", answer(b"HTTP/1.1 20"), GET(("read",))),
    Scenario("status-cut-2", answer(b"HTTP/1.1 2"), GET(("read",))),
    Scenario("status-cut-99", answer(b"HTTP/1.1 99"), GET(("read",))),
    Scenario("status-cut-after-code", answer(b"HTTP/1.1 200"), GET(("read",))),
    # 3. Transfer-Encoding that names no coding: Content-Length frames the body, and the
    # connection is reused (a hang here would be the 5 s timeout, then a difference)
    Scenario(
        "te-identity-with-length",
        replies(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\nabcd", OK
        ),
        GET(("read",)) + GET(("read",)),
    ),
    Scenario(
        "te-empty-with-length",
        replies(b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\nContent-Length: 4\r\n\r\nabcd", OK),
        GET(("read",)) + GET(("read",)),
    ),
    Scenario(
        "te-identity-until-close",
        answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nto the end"),
        GET(("read",)),
    ),
    # 4. a body that failed keeps failing
    Scenario(
        "chunk-cut-reads-again",
        answer(CHUNKED + b"5\r\nab"),
        GET(("read",), ("read",), ("read", 5), ("readline",)),
    ),
    Scenario(
        "chunk-cut-read-amt-again",
        answer(CHUNKED + b"5\r\nhello\r\n5\r\nab"),
        GET(("read", 7), ("read",), ("read", 3)),
    ),
    Scenario(
        "timeout-cl-reads-again",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", then="wait"),
        GET(("read",), ("read",), ("read", 2)),
        conn_kwargs={"timeout": 0.5},
    ),
    Scenario(
        "timeout-cl-read-amt-again",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", then="wait"),
        GET(("read", 3), ("read", 5), ("read", 5), ("read",)),
        conn_kwargs={"timeout": 0.5},
    ),
    Scenario(
        "timeout-chunked-reads-again",
        answer(CHUNKED + b"5\r\nab", then="wait"),
        GET(("read",), ("read",), ("read", 1)),
        conn_kwargs={"timeout": 0.5},
    ),
    # 11. a header value is str, bytes-like or int: nothing else is sent
    Scenario("value-int-list", replies(OK), [("request", "GET", "/", None, {"X": [65, 66]})]),
    Scenario("value-tuple", replies(OK), [("request", "GET", "/", None, {"X": (b"a",)})]),
    Scenario("value-object", replies(OK), [("request", "GET", "/", None, {"X": object()})]),
    Scenario(
        "value-bytes-like",
        replies(OK),
        [
            ("request", "GET", "/", None, {"X": bytearray(b"ab"), "Y": memoryview(b"cd")}),
            ("getresponse",),
            ("read",),
        ],
    ),
    Scenario(
        "value-int", replies(OK), [("request", "GET", "/", None, {"X": 12}), ("getresponse",)]
    ),
]


def _outs(obs, op):
    return [out for o, out in obs["log"] if o == op]


def check_read_fails_again(theirs, ours):
    # The stdlib reports the cut-off body once, then reads b"" as if it had ended.
    first = ("raised", "IncompleteRead", "IncompleteRead(3 bytes read, 7 more expected)")
    assert _outs(theirs, "read") == [first, b"", b""]
    again = ("raised", "IncompleteRead", "IncompleteRead(0 bytes read, 10 more expected)")
    assert _outs(ours, "read") == [first, again, again]


def check_framing_error(theirs, ours):
    assert _outs(theirs, "getresponse")[0][0] == 200
    assert _outs(theirs, "read")[0][:2] == ("raised", "OverflowError")
    assert _outs(ours, "getresponse")[0][:2] == ("raised", "ResponseFramingError")


def check_nul_refused(theirs, ours):
    assert _outs(theirs, "header") == ["a\x00b"]
    assert _outs(ours, "getresponse")[0][:2] == ("raised", "MalformedHeader")


INTENDED = [
    Scenario(
        "cl-cut-reads-again",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        GET(("read",), ("read",), ("read",)),
        intended="a body that failed keeps failing",
        check=check_read_fails_again,
    ),
    Scenario(
        "content-length-too-large",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000000000000\r\n\r\nabcd"),
        GET(("read",)),
        intended="a Content-Length no body can have is a framing error",
        check=check_framing_error,
    ),
    Scenario(
        "nul-in-header-value",
        answer(b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 2\r\n\r\nok"),
        GET(("read",), ("header", "X")),
        intended="NUL in a response header is refused",
        check=check_nul_refused,
    ),
]


def test_reset_mid_body_never_reads_as_the_end():
    """After a reset in the middle of a body, no later read returns b"" as if it ended."""
    scenario = Scenario(
        "reset-mid-body",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"a" * 1000, then="reset"),
        GET(("sleep", 0.2), ("read",), ("read",), ("read", 10), ("isclosed",)),
    )
    ours = observe(scenario, sync_facade)
    reads = _outs(ours, "read")
    assert all(out[0] == "raised" for out in reads), reads
    assert reads[1][:2] == reads[2][:2] == ("raised", "IncompleteRead")


# -- 2. 101 Switching Protocols: the connection stays for the new protocol ---------------------


def switch_and_talk(mod, port: int, **kwargs):
    conn = mod.HTTPConnection("127.0.0.1", port, timeout=5, **kwargs)
    try:
        conn.request("GET", "/", headers={"Upgrade": "echo", "Connection": "Upgrade"})
        resp = conn.getresponse()
        head = (resp.status, resp.reason, resp.will_close, resp.length)
        first = resp.fp.read(2)  # what came with the head: in the response's buffer
        sock = conn.sock
        sock.sendall(b"ping")
        ready = select.select([sock], [], [], 5)[0] == [sock]
        echoed = sock.recv(100)
        sock.sendall(b"pong")
        more = sock.recv(100)
        after = (resp.read(), resp.isclosed())
        sock.settimeout(0.2)
        try:
            sock.recv(1)
            quiet = False
        except TimeoutError:
            quiet = True
        return head, first, ready, echoed, more, after, quiet
    finally:
        conn.close()


def test_101_leaves_the_socket_to_the_caller():
    results = {}
    for mod in (http.client, sync_facade):
        with ScriptedServer(echo_after_101) as srv:
            results[mod] = switch_and_talk(mod, srv.port)
        assert not srv.errors
    assert results[sync_facade] == results[http.client]
    assert results[http.client][1:5] == (b"hi", True, b"echo:ping", b"echo:pong")


def test_101_socket_is_a_real_socket_and_the_connection_lets_go():
    with ScriptedServer(echo_after_101) as srv:
        conn = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/", headers={"Upgrade": "echo", "Connection": "Upgrade"})
        resp = conn.getresponse()
        sock = conn.sock
        assert isinstance(sock, socket.socket) and sock.gettimeout() == 5
        resp.close()  # closing the response leaves the switched connection open
        assert resp.fp is None
        sock.sendall(b"x")
        assert sock.recv(100) == b"echo:x"
        conn.close()
        assert sock.fileno() == -1  # conn.close() closes it, as the stdlib's


def test_101_over_tls(server_ssl, client_ssl):
    results = {}
    for mod in (http.client, sync_facade):
        with ScriptedServer(echo_after_101, ssl_context=server_ssl) as srv:
            conn = mod.HTTPSConnection("localhost", srv.port, timeout=5, context=client_ssl)
            try:
                conn.request("GET", "/", headers={"Upgrade": "echo", "Connection": "Upgrade"})
                resp = conn.getresponse()
                first = resp.fp.read(2)
                conn.sock.sendall(b"ping")
                results[mod] = (resp.status, first, conn.sock.recv(100))
            finally:
                conn.close()
    assert results[sync_facade] == results[http.client] == (101, b"hi", b"echo:ping")


# -- 5. a subclass's default_port ---------------------------------------------------------------


def _get_once(conn) -> None:
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
    finally:
        conn.close()


@pytest.mark.parametrize("explicit", [False, True])
def test_host_header_uses_the_subclass_default_port(explicit):
    received = {}
    for mod in (http.client, sync_facade):
        with ScriptedServer(replies(OK)) as srv:

            class Conn443(mod.HTTPConnection):
                default_port = srv.port  # this server stands in for the scheme's port

            _get_once(Conn443("127.0.0.1", srv.port) if explicit else Conn443("127.0.0.1"))
        received[mod] = srv.received[0]
    assert received[sync_facade] == received[http.client]
    assert b"Host: 127.0.0.1\r\n" in received[sync_facade]


def test_tunnel_uses_the_subclass_default_port():
    heads = {}
    for mod in (http.client, sync_facade):

        def proxy(conn: Conn) -> None:
            head = conn.read_until(b"\r\n\r\n")
            if head is None:
                return
            conn.requests.append((head, b""))
            conn.send(b"HTTP/1.1 200 OK\r\n\r\n")
            replies(OK)(conn)

        with ScriptedServer(proxy) as srv:

            class Tls(mod.HTTPConnection):
                default_port = 443

            conn = Tls("127.0.0.1", srv.port, timeout=5)
            conn.set_tunnel("example.org")
            _get_once(conn)
        heads[mod] = srv.received[0]
    assert heads[sync_facade] == heads[http.client]
    assert b"CONNECT example.org:443 HTTP/1.0" in heads[sync_facade]
    assert b"Host: example.org\r\n" in heads[sync_facade]


# -- 10. ports outside 0-65535 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port"), [("127.0.0.1", 70000), ("127.0.0.1", -1), ("127.0.0.1:65536", None)]
)
def test_port_out_of_range_is_refused_before_any_socket(host, port):
    theirs = http.client.HTTPConnection(host, port, timeout=1)
    try:
        # The stdlib fails only at connect, from the socket layer: OverflowError, a
        # resolver error, or (70000 taken modulo 65536) a connect to another port.
        with pytest.raises((OSError, OverflowError)):
            theirs.request("GET", "/")
    finally:
        theirs.close()
    with pytest.raises(http.client.InvalidURL, match="port out of range"):
        sync_facade.HTTPConnection(host, port)
    with pytest.raises(http.client.InvalidURL, match="port out of range"):
        sync_facade.HTTPSConnection(host, port)


# -- 6. the answer to a streamed body is never lost to the close that follows it ---------------


@pytest.mark.parametrize("mod", [http.client, sync_facade], ids=["stdlib", "facade"])
@pytest.mark.parametrize("kind", ["file", "bytesio", "generator"])
def test_answer_then_close_after_a_streamed_body(tmp_path, mod, kind):
    """Repeated: a 1-in-20 race fails 100 runs with probability 0.994."""
    make = bodies.small(tmp_path)[kind]
    outcomes: collections.Counter = collections.Counter()
    with ScriptedServer(answer_and_close) as srv:
        for _ in range(100):
            body = make()
            conn = mod.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            try:
                conn.request("POST", "/", body, {"Content-Length": str(len(bodies.SMALL))})
                resp = conn.getresponse()
                outcomes[(resp.status, resp.read())] += 1
            except Exception as exc:  # counted, and the assertion shows which
                outcomes[repr(exc)] += 1
            finally:
                conn.close()
                bodies.close(body)
    assert outcomes == {(200, b"ok"): 100}
    assert all(r.endswith(bodies.SMALL) for r in srv.received)


# -- 7. an answer before the upload is sent --------------------------------------------------


def _upload(mod, port, body):
    conn = mod.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {} if isinstance(body, bytes) else {"Content-Length": str(bodies.LARGE)}
        conn.request("POST", "/", body, headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except Exception as exc:
        return type(exc)
    finally:
        conn.close()
        bodies.close(body)


@pytest.mark.parametrize("kind", ["bytes", "file", "generator"])
def test_early_answer_during_an_upload_is_the_outcome(tmp_path, kind):
    make = bodies.large(tmp_path)[kind]
    with ScriptedServer(answer_early) as srv:
        theirs = _upload(http.client, srv.port, make())
        ours = [_upload(sync_facade, srv.port, make()) for _ in range(3)]
    # The stdlib's send fails with the socket's error; ours gives the server's answer.
    assert isinstance(theirs, type) and issubclass(theirs, OSError), theirs
    assert ours == [(413, b"too big")] * 3


# -- differences settled: matched where the stdlib's way is harmless --------------------------

SETTLED_SAME = [
    Scenario(
        "message-regular",
        replies(response(body=b"ok", headers=[("X", "1")])),
        GET(("message",), ("read",)),
    ),
    Scenario(
        "message-irregular",
        replies(b"HTTP/1.1 200 OK\r\nBroken\r\nX: a\r\n b\r\nContent-Length: 2\r\n\r\nok"),
        GET(("message",), ("read",)),
    ),
    Scenario("geturl-unset", replies(OK), GET(("geturl",), ("read",))),
    Scenario(
        "closed-after-conn-close",
        replies(response(body=b"x" * 100)),
        GET(("read", 10), ("closed",), ("close",), ("closed",), ("read",)),
    ),
]


def test_responses_keyed_by_status_members():
    assert sync_facade.responses == http.client.responses
    assert [type(k) for k in sync_facade.responses] == [type(k) for k in http.client.responses]
    assert sync_facade.responses[404] == "Not Found"


def _debug_output(mod, port: int) -> str:
    import contextlib
    import re

    def gen():
        yield b"ab"
        yield b""
        yield b"cd"

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        conn = mod.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.set_debuglevel(1)
        chunked_headers = {"Transfer-Encoding": "chunked"}
        for body, kw in [
            (io.BytesIO(b"abc"), {}),
            (gen(), {}),
            (b"xyz", {}),
            (io.StringIO("text"), {}),
            (b"q" * 10, {"encode_chunked": True, "headers": chunked_headers}),
            (io.BytesIO(b"file"), {"encode_chunked": True, "headers": chunked_headers}),
        ]:
            conn.request("POST", "/", body=body, **kw)
            conn.getresponse().read()
        conn.putrequest("POST", "/")
        conn.putheader("Content-Length", "6")
        conn.endheaders()
        conn.send(b"abc")
        conn.send(io.BytesIO(b"def"))
        conn.getresponse().read()
        conn.close()
    text = re.sub(r"0x[0-9a-f]+", "ADDR", out.getvalue())
    return text.replace(f":{port}", ":PORT")


def test_debug_output_same_as_stdlib():
    """Request lines, each body piece as sent (chunk framing too), the readable notes."""
    outs = []
    for mod in (http.client, sync_facade):
        with ScriptedServer(replies(*[response(body=b"ok")] * 7)) as srv:
            outs.append(_debug_output(mod, srv.port))
    assert outs[1] == outs[0]
    assert "send: b'A\\r\\nqqqqqqqqqq\\r\\n'" in outs[0] and "reading a readable" in outs[0]


# -- differences kept (README: "Deliberate differences") --------------------------------------


def check_complete_at_head(theirs, ours):
    assert _outs(theirs, "isclosed")[0] is False
    assert _outs(ours, "isclosed")[0] is True
    assert _outs(theirs, "read") == _outs(ours, "read")


def check_plain_hex(theirs, ours):
    assert _outs(theirs, "read")[0] == b"hello"
    assert _outs(ours, "read")[0][:2] == ("raised", "IncompleteRead")


def check_short_line_reads_raise(theirs, ours):
    assert _outs(theirs, "readline") == [b"abc", b""]
    assert _outs(ours, "readline")[0][:2] == ("raised", "IncompleteRead")


def check_read_as_chunked(theirs, ours):
    assert _outs(ours, "read") == [b"hello"]
    assert _outs(theirs, "read") != [b"hello"]


def check_repeated_length(theirs, ours):
    assert _outs(theirs, "getresponse")[0][4] is None  # the stdlib: no length, until close
    assert _outs(ours, "getresponse")[0][4] == 5
    assert _outs(ours, "read") == [b"hello"] and ours["connections"] == 1


KEPT = [
    Scenario(
        "complete-at-head-length-zero",
        replies(response()),
        GET(("isclosed",), ("read",)),
        intended="a body already complete when the head is read",
        check=check_complete_at_head,
    ),
    Scenario(
        "complete-at-head-chunked-empty",
        replies(CHUNKED + b"0\r\n\r\n"),
        GET(("sleep", 0.2), ("isclosed",), ("read",)),
        intended="a body already complete when the head is read",
        check=check_complete_at_head,
    ),
    Scenario(
        "complete-at-head-ended-by-eof",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"),
        GET(("sleep", 0.2), ("isclosed",), ("read",)),
        intended="a body already complete when the head is read",
        check=check_complete_at_head,
    ),
    *[
        Scenario(
            f"chunk-size-{name}",
            answer(CHUNKED + size + b"\r\nhello\r\n0\r\n\r\n"),
            GET(("read",)),
            intended="chunk sizes are plain hex",
            check=check_plain_hex,
        )
        for name, size in [("0x5", b"0x5"), ("underscore", b"0_5"), ("plus", b"+5")]
    ],
    Scenario(
        "readline-truncated",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        GET(("readline",), ("readline",)),
        intended="a truncated body raises in readline() and read1() too",
        check=check_short_line_reads_raise,
    ),
    Scenario(
        "te-gzip-chunked",
        answer(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        ),
        GET(("read",)),
        intended="the last transfer coding decides chunked framing",
        check=check_read_as_chunked,
    ),
    Scenario(
        "te-two-fields",
        answer(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n"
        ),
        GET(("read",)),
        intended="the last transfer coding decides chunked framing",
        check=check_read_as_chunked,
    ),
    Scenario(
        "content-length-repeated-value",
        replies(b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", OK),
        GET(("read",)),
        intended="a Content-Length list of one value is that value",
        check=check_repeated_length,
    ),
]


def test_read1_on_a_truncated_body_raises():
    scenario = Scenario(
        "read1-truncated",
        answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        GET(("sleep", 0.2), ("read1",), ("read1",)),
    )
    theirs, ours = observe(scenario, http.client), observe(scenario, sync_facade)
    assert _outs(theirs, "read1") == [b"abc", b""]
    assert _outs(ours, "read1")[0] == b"abc"
    assert _outs(ours, "read1")[1][:2] == ("raised", "IncompleteRead")


@pytest.mark.parametrize("scenario", SAME + SETTLED_SAME, ids=str)
def test_same_as_stdlib(scenario):
    compare(scenario)


@pytest.mark.parametrize("scenario", INTENDED + KEPT, ids=str)
def test_intended_difference(scenario):
    """Each a row of the README's deliberate differences, checked on both outcomes."""
    compare(scenario)


def test_101_bytes_survive_a_read_of_the_response():
    """The stdlib's read() of the 101 closes its fp and drops the bytes read ahead with
    the head; here they stay the first bytes of ``resp.fp`` (README: differences)."""
    seen = {}
    for mod in (http.client, sync_facade):
        with ScriptedServer(echo_after_101) as srv:
            conn = mod.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            try:
                conn.request("GET", "/", headers={"Upgrade": "echo", "Connection": "Upgrade"})
                resp = conn.getresponse()
                assert resp.read() == b""
                seen[mod] = None if resp.fp is None else resp.fp.read(2)
            finally:
                conn.close()
    assert seen == {http.client: None, sync_facade: b"hi"}


def test_debug_output_leaves_out_skipped_1xx_responses():
    import contextlib

    outs = {}
    for mod in (http.client, sync_facade):
        server = replies(b"HTTP/1.1 100 Continue\r\nX: y\r\n\r\n" + response(body=b"ok"))
        with ScriptedServer(server) as srv:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                conn = mod.HTTPConnection("127.0.0.1", srv.port, timeout=5)
                conn.set_debuglevel(1)
                _get_once(conn)
            outs[mod] = out.getvalue()
    assert "reply: 'HTTP/1.1 100 Continue\\r\\n'" in outs[http.client]
    assert "100 Continue" not in outs[sync_facade]
    assert "reply: 'HTTP/1.1 200 OK\\r\\n'" in outs[sync_facade]
