"""A route-based HTTP/1.1 server (stdlib ``http.server``) for the high-level client.

Runs on TCP or a Unix domain socket in its own threads; records every request
(method, path, headers, body, which connection) and stops when its ``with`` ends.
"""

from __future__ import annotations

import email.parser
import gzip
import hashlib
import http.server
import json
import os
import socket
import socketserver
import ssl
import threading
import time
import zlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

HANDLER_TIMEOUT = 5.0


class Seen:
    """One request as the server got it."""

    def __init__(self, method: str, path: str, headers: Any, body: bytes, conn: int) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.conn = conn
        self.at = time.monotonic()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = HANDLER_TIMEOUT
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.conn_count += 1
            self.conn_id = self.server.conn_count
            self.server.active += 1
            self.server.max_active = max(self.server.max_active, self.server.active)

    def finish(self) -> None:
        with self.server.lock:
            self.server.active -= 1
        super().finish()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        body = self._body()
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        seen = Seen(self.command, self.path, self.headers, body, self.conn_id)
        with self.server.lock:
            self.server.seen.append(seen)
        route = url.path.strip("/").split("/")
        name = route[0]
        robots = self.server.robots
        if url.path == "/robots.txt" and robots is not None:
            self._send(robots[0], robots[1], {"Content-Type": "text/plain"})
        elif name == "echo":
            info: dict[str, Any] = {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "length": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
            if self.headers.get_content_type() == "multipart/form-data":
                raw = b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n"
                msg = email.parser.BytesParser().parsebytes(raw + body)
                info["parts"] = [
                    {
                        "name": p.get_param("name", header="content-disposition"),
                        "filename": p.get_filename(),
                        "type": p.get_content_type(),
                        "sha256": hashlib.sha256(p.get_payload(decode=True)).hexdigest(),
                    }
                    for p in msg.get_payload()
                ]
            self._send(200, json.dumps(info).encode(), {"Content-Type": "application/json"})
        elif name == "status":
            self._send(int(route[1]), f"status {route[1]}".encode())
        elif name == "redirect":
            self._send(int(route[1]), b"moved", {"Location": q["to"]})
        elif name == "encoded":
            coding = route[1]
            raw = (q.get("text", "hello, decoded world! ") * int(q.get("n", "100"))).encode()
            if coding == "gzip":
                data = gzip.compress(raw)
            elif coding == "deflate":
                data = zlib.compress(raw)
            elif coding == "rawdeflate":
                c = zlib.compressobj(wbits=-15)
                data = c.compress(raw) + c.flush()
                coding = "deflate"
            elif coding == "br":
                import brotli

                data = brotli.compress(raw)
            elif coding == "zstd":
                import zstandard

                data = zstandard.ZstdCompressor().compress(raw)
            elif coding == "gzip-deflate":  # two codings, applied in order
                data = gzip.compress(zlib.compress(raw))
                coding = "deflate, gzip"
            else:
                data = raw
            self._send(200, data, {"Content-Encoding": coding})
        elif name == "bomb":
            size = int(q.get("size", str(64 << 20)))
            c = zlib.compressobj(9, zlib.DEFLATED, 31)
            data = b"".join(c.compress(bytes(1 << 20)) for _ in range(size >> 20)) + c.flush()
            self._send(200, data, {"Content-Encoding": "gzip"})
        elif name == "bytes":
            size = int(route[1])
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = bytes(range(256)) * 256
            left = size
            while left > 0:
                n = min(left, len(block))
                self.wfile.write(block[:n])
                left -= n
        elif name == "slow":
            time.sleep(float(q.get("delay", "1")))
            self._send(200, b"slow")
        elif name == "keepalive":
            self._send(200, b"ka", {"Keep-Alive": f"timeout={q.get('timeout', '5')}"})
        elif name == "close":
            self.close_connection = True
            self._send(200, b"closing", {"Connection": "close"})
        elif name == "truncated":
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
        else:
            self._send(200, f"path {self.path}".encode(), {"Content-Type": "text/plain"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _TCP(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = False
    block_on_close = True


class _Unix(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = False
    block_on_close = True

    def get_request(self) -> Any:
        sock, _ = super().get_request()
        return sock, ("local", 0)


class AppServer:
    """``with AppServer() as s``: ``s.url(path)``, ``s.seen`` (requests), ``s.conn_count``.

    With *uds* (a path), it listens on that Unix domain socket instead of TCP; with
    *robots* (status, body), that is its answer to ``/robots.txt``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        uds: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        robots: tuple[int, bytes] | None = None,
    ) -> None:
        if uds is not None:
            self._server: Any = _Unix(uds, _Handler)
        else:
            _TCP.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self._server = _TCP((host, 0), _Handler)
        s = self._server
        if ssl_context is not None:
            s.socket = ssl_context.wrap_socket(s.socket, server_side=True)
        self.scheme = "https" if ssl_context is not None else "http"
        s.lock = threading.Lock()
        s.seen = []
        s.conn_count = 0
        s.active = 0
        s.max_active = 0
        s.robots = robots  # (status, body) of /robots.txt
        self.host = host
        self.uds = uds
        self.port = 0 if uds else s.server_address[1]
        self._thread = threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{path}"

    @property
    def seen(self) -> list[Seen]:
        return list(self._server.seen)

    @property
    def conn_count(self) -> int:
        return int(self._server.conn_count)

    @property
    def max_active(self) -> int:
        return int(self._server.max_active)

    def __enter__(self) -> AppServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()  # joins the connection threads
        self._thread.join(HANDLER_TIMEOUT)
        if self.uds is not None:
            try:
                os.unlink(self.uds)
            except OSError:
                pass
