"""Drop-in proof with real clients: urllib.request (http, https, CONNECT proxy),
xmlrpc.client, a subclass that connects over a Unix domain socket, debug output."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import io
import os
import socket
import ssl
import tempfile
import threading
import urllib.request
import xmlrpc.client
import xmlrpc.server

import pytest

import sync_facade
from tests.servers import Conn, ScriptedServer, connect_proxy, replies, response


@contextlib.contextmanager
def installed():
    sync_facade.install()
    try:
        yield
    finally:
        sync_facade.uninstall()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = f"path={self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data.upper())


@contextlib.contextmanager
def http_server(ssl_context: ssl.SSLContext | None = None):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if ssl_context is not None:
        srv.socket = ssl_context.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)


def test_module_surface_matches_http_client():
    assert sorted(sync_facade.__all__) == sorted(http.client.__all__)
    for name in http.client.__all__:
        assert hasattr(sync_facade, name), name
    for name in ("HTTPMessage", "HTTP_PORT", "HTTPS_PORT", "OK", "NOT_FOUND", "CONTINUE"):
        assert getattr(sync_facade, name) == getattr(http.client, name)
    assert callable(sync_facade.parse_headers)
    assert sync_facade.responses == http.client.responses
    assert sync_facade.IncompleteRead is http.client.IncompleteRead
    assert sync_facade.error is http.client.error


def test_parse_headers_like_stdlib():
    data = b"A: 1\r\nB: 2\r\nA: 3\r\n\r\nbody"
    ours = sync_facade.parse_headers(io.BytesIO(data))
    theirs = http.client.parse_headers(io.BytesIO(data))
    assert isinstance(ours, http.client.HTTPMessage)
    assert ours.items() == theirs.items()


def test_install_and_uninstall():
    original = http.client.HTTPConnection
    with installed():
        import http.client as hc

        assert hc is sync_facade and hc.HTTPConnection is sync_facade.HTTPConnection
    import http.client as again

    assert again.HTTPConnection is original


def test_urllib_http():
    with http_server() as srv, installed():
        url = f"http://127.0.0.1:{srv.server_port}/hello?x=1"
        with urllib.request.urlopen(url, timeout=5) as r:
            assert isinstance(r, sync_facade.HTTPResponse)
            assert (r.status, r.read()) == (200, b"path=/hello?x=1")
            assert r.geturl() == url and r.msg == "OK"
        req = urllib.request.Request(f"http://127.0.0.1:{srv.server_port}/", data=b"abc")
        with urllib.request.urlopen(req, timeout=5) as r:
            assert (r.status, r.read()) == (201, b"ABC")


def test_urllib_http_error_status():
    with ScriptedServer(replies(response("404 Not Found", body=b"nope"))) as srv, installed():
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"http://127.0.0.1:{srv.port}/", timeout=5)
        assert info.value.code == 404 and info.value.read() == b"nope"
        info.value.close()


def test_urllib_https(server_ssl, client_ssl):
    with http_server(server_ssl) as srv, installed():
        url = f"https://localhost:{srv.server_port}/secure"
        with urllib.request.urlopen(url, context=client_ssl, timeout=5) as r:
            assert r.read() == b"path=/secure"
        with pytest.raises(urllib.error.URLError) as info:
            urllib.request.urlopen(url, timeout=5)  # default context: untrusted CA
        assert isinstance(info.value.reason, ssl.SSLCertVerificationError)


def test_urllib_https_through_connect_proxy(server_ssl, client_ssl):
    with (
        http_server(server_ssl) as origin,
        ScriptedServer(connect_proxy(origin.server_port)) as proxy,
        installed(),
    ):
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"https": f"http://127.0.0.1:{proxy.port}"}),
            urllib.request.HTTPSHandler(context=client_ssl),
        )
        with opener.open(f"https://localhost:{origin.server_port}/via", timeout=5) as r:
            assert r.read() == b"path=/via"
    head = proxy.conns[0].requests[0][0]
    assert head.startswith(b"CONNECT localhost:%d HTTP/1.0\r\n" % origin.server_port)


def test_xmlrpc():
    srv = xmlrpc.server.SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False)
    srv.register_function(lambda a, b: a + b, "add")
    srv.register_function(lambda s: s[::-1], "rev")
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    t.start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/"
        with installed(), xmlrpc.client.ServerProxy(url) as proxy:
            assert proxy.add(2, 3) == 5
            assert proxy.rev("façade") == "edaçaf"
            with pytest.raises(xmlrpc.client.Fault):
                proxy.missing()
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)


class UnixHTTPConnection(sync_facade.HTTPConnection):
    """As docker clients do: connect() sets self.sock to a Unix domain socket."""

    def __init__(self, path: str, timeout: float = 5) -> None:
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


def test_subclass_connects_over_unix_socket():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "api.sock")
        lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lst.bind(path)
        lst.listen(1)
        got: list[bytes] = []
        bodies = [b'{"ok": true}', b"L" * (3 << 20), b'{"ok": true}']

        def serve() -> None:
            conn, _ = lst.accept()
            conn.settimeout(5)
            with conn:
                c = Conn(conn, None)  # type: ignore[arg-type]
                for body in bodies:
                    req = c.read_request()
                    got.append(req[0] if req else b"")
                    conn.sendall(response(body=body))
                c.drain_to_eof(2.0)

        t = threading.Thread(target=serve)
        t.start()
        try:
            conn = UnixHTTPConnection(path)
            for body in bodies:  # the large one is read straight off the socket
                conn.request("GET", "/v1.43/containers/json")
                r = conn.getresponse()
                assert r.read() == body
            assert conn.sock.family == socket.AF_UNIX
            conn.close()
        finally:
            t.join(5)
            lst.close()
    assert got[0].startswith(b"GET /v1.43/containers/json HTTP/1.1\r\nHost: localhost\r\n")
    assert len(got) == 3  # every request on the one Unix connection


def test_urllib_style_sock_close_keeps_response_readable():
    """urllib closes h.sock right after getresponse(); the response must still read."""
    body = b"x" * (4 << 20)
    with ScriptedServer(replies(response(body=body))) as srv:
        h = sync_facade.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        h.request("GET", "/")
        r = h.getresponse()
        h.sock.close()
        h.sock = None
        assert r.read() == body
        assert h.sock is None
        h.close()


def debug_output(mod, capsys, port):
    conn = mod.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.set_debuglevel(1)
    conn.request("POST", "/dbg", body=b"payload", headers={"X": "1"})
    r = conn.getresponse()
    r.read()
    conn.close()
    return capsys.readouterr().out.replace(str(port), "PORT")


def test_debug_output_matches_stdlib(capsys):
    raw = response(body=b"ok", headers=[("X-Reply", "y")])
    with ScriptedServer(replies(raw)) as a, ScriptedServer(replies(raw)) as b:
        theirs = debug_output(http.client, capsys, a.port)
        ours = debug_output(sync_facade, capsys, b.port)
    assert ours == theirs
    assert "reply: 'HTTP/1.1 200 OK\\r\\n'" in ours and "header: X-Reply: y" in ours


def test_response_object_api_against_stdlib():
    raw = response(body=b"line1\nline2\n", headers=[("X-A", "1")])

    def observe(mod, port):
        conn = mod.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api")
        r = conn.getresponse()
        out = {
            "io": isinstance(r, io.BufferedIOBase),
            "readable": r.readable(),
            "fileno": r.fileno() == conn.sock.fileno(),
            "code": (r.getcode(), r.status, r.version, r.reason),
            "info": r.info() is r.headers and r.msg is r.headers,
            "header": (r.getheader("x-a"), r.headers["X-A"], r.length, r.chunked, r.will_close),
            "debuglevel": r.debuglevel,
        }
        with r:
            out["lines"] = list(r)
            out["isclosed"] = r.isclosed()
            out["closed_before_exit"] = r.closed
        out["closed_after_exit"] = r.closed
        conn.close()
        return out

    with ScriptedServer(replies(raw)) as a, ScriptedServer(replies(raw)) as b:
        theirs = observe(http.client, a.port)
        ours = observe(sync_facade, b.port)
    # README, deliberate differences: a body read to its end by readline()/iteration
    # is complete (the stdlib only notices on a read() or close()).
    assert (theirs.pop("isclosed"), ours.pop("isclosed")) == (False, True)
    assert ours == theirs
    assert ours["lines"] == [b"line1\n", b"line2\n"] and ours["closed_after_exit"]
