"""Loopback test servers: scripted raw TCP (optionally TLS) and a CONNECT proxy.

Each server runs its connections in threads, so the stdlib's blocking client and our
async one can be pointed at the same script. Every socket has a timeout and every
server stops (and joins its threads) when its ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

TIMEOUT = 10.0


def refused_port(host: str = "127.0.0.1") -> int:
    """A port on *host* with nothing listening (bound, then let go): connects are refused."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Conn:
    """One accepted connection, as a script sees it. Everything received is recorded."""

    def __init__(self, sock: socket.socket, server: ScriptedServer) -> None:
        self.sock = sock
        self.server = server
        self.raw = bytearray()
        self._buf = bytearray()
        self.requests: list[tuple[bytes, bytes]] = []

    # -- receiving -------------------------------------------------------------------
    def recv_some(self, n: int = 65536) -> bytes:
        if self._buf:
            data = bytes(self._buf)
            self._buf.clear()
            return data
        data = self.sock.recv(n)
        self.raw += data
        return data

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.raw += data
        self._buf += data
        return True

    def read_until(self, marker: bytes) -> bytes | None:
        while True:
            i = self._buf.find(marker)
            if i >= 0:
                out = bytes(self._buf[: i + len(marker)])
                del self._buf[: i + len(marker)]
                return out
            if not self._fill():
                return None

    def read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            if not self._fill():
                break
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def read_request(self, *, body: bool = True) -> tuple[bytes, bytes] | None:
        """Read one request head and (if *body*) its body by its framing; None at EOF."""
        head = self.read_until(b"\r\n\r\n")
        if head is None:
            return None
        data = b""
        if body:
            data = self.read_body(head)
        self.requests.append((head, data))
        return head, data

    def read_body(self, head: bytes) -> bytes:
        lower = head.lower()
        if b"transfer-encoding: chunked" in lower:
            parts = []
            while True:
                line = self.read_until(b"\r\n")
                if line is None:
                    break
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    self.read_until(b"\r\n")
                    break
                parts.append(self.read_exact(size))
                self.read_exact(2)
            return b"".join(parts)
        for line in lower.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                return self.read_exact(int(line.split(b":")[1]))
        return b""

    def drain_to_eof(self, limit: float = TIMEOUT) -> None:
        """Read until the client closes (or the timeout passes)."""
        deadline = time.monotonic() + limit
        with contextlib.suppress(OSError):
            while time.monotonic() < deadline:
                r, _, _ = select.select([self.sock], [], [], 0.05)
                if r and not self._fill():
                    return

    # -- sending ---------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def reset(self) -> None:
        """Close with RST (SO_LINGER 0)."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Handler = Callable[[Conn], None]


def replies(
    *responses: bytes | Callable[[Conn], Any], read_body: bool = True, close: bool = False
) -> Handler:
    """A handler that answers each request with the next response, then waits for EOF
    (or, with *close*, closes the connection after the last response).

    A response may be bytes, or a callable that gets the ``Conn`` (to delay, reset...).
    """

    def handler(conn: Conn) -> None:
        for resp in responses:
            if conn.read_request(body=read_body) is None:
                return
            if callable(resp):
                resp(conn)
            else:
                conn.send(resp)
        if close:
            conn.close()
        else:
            conn.drain_to_eof(2.0)

    return handler


def per_connection(*handlers: Handler) -> Callable[[int], Handler]:
    """Use the i-th handler for the i-th connection (the last one for the rest)."""
    return lambda i: handlers[min(i, len(handlers) - 1)]


class ScriptedServer:
    """A loopback TCP server; each connection runs ``handler(conn)`` in its own thread.

    *handler* may also be a function of the connection's index returning a handler
    (see ``per_connection``). ``conns`` lists every connection in accept order. With
    *uds* (a path) it listens on that Unix domain socket instead (``port`` is 0).
    """

    def __init__(
        self,
        handler: Handler | Callable[[int], Handler],
        *,
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
        by_index: bool = False,
        uds: str | None = None,
    ) -> None:
        self._handler = handler
        self._by_index = by_index
        self.host = host
        self.ssl_context = ssl_context
        self.uds = uds
        if uds is not None:
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(uds)
        else:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self._listener = socket.socket(family, socket.SOCK_STREAM)
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind((host, 0))
        self._listener.listen(128)
        self.port: int = 0 if uds is not None else self._listener.getsockname()[1]
        self.conns: list[Conn] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def received(self) -> list[bytes]:
        return [bytes(c.raw) for c in self.conns]

    def __enter__(self) -> ScriptedServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._acceptor.join(TIMEOUT)
        self._listener.close()
        if self.uds is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.uds)
        for t in self._threads:
            t.join(0.05)
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv
        for t in self._threads:
            t.join(TIMEOUT)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            r, _, _ = select.select([self._listener], [], [], 0.05)
            if not r:
                continue
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.settimeout(TIMEOUT)
            index = len(self.conns)
            t = threading.Thread(target=self._serve, args=(sock, index), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, sock: socket.socket, index: int) -> None:
        try:
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_side=True)
        except (OSError, ssl.SSLError) as exc:
            self.errors.append(exc)
            sock.close()
            return
        conn = Conn(sock, self)
        self.conns.append(conn)
        handler = self._handler(index) if self._by_index else self._handler  # type: ignore[call-arg]
        try:
            handler(conn)  # type: ignore[arg-type]
        except (OSError, ssl.SSLError):
            pass
        except BaseException as exc:  # pragma: no cover - reported by the test
            self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                sock.close()


def response(
    status: str = "200 OK",
    body: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    *,
    version: str = "HTTP/1.1",
    length: bool = True,
) -> bytes:
    """Build response bytes; Content-Length is added unless *length* is False."""
    lines = [f"{version} {status}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*parts: bytes, trailer: bytes = b"") -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p)
    return out + b"0\r\n" + trailer + b"\r\n"


def _hash_exact(conn: Conn, h: Any, n: int) -> int:
    """Feed the next *n* body bytes to *h* a MiB at a time (never all in memory)."""
    left = n
    while left:
        block = conn.read_exact(min(left, 1 << 20))
        if not block:
            raise OSError("client went away")
        h.update(block)
        left -= len(block)
        conn.raw.clear()
    return n


def sha256_sink(conn: Conn) -> None:
    """Read one request, hash its body, answer with the hex digest and the size."""
    head = conn.read_until(b"\r\n\r\n")
    if head is None:
        return
    h = hashlib.sha256()
    total = 0
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        while True:
            line = conn.read_until(b"\r\n")
            assert line is not None
            size = int(line.split(b";")[0], 16)
            if size == 0:
                conn.read_until(b"\r\n")
                break
            total += _hash_exact(conn, h, size)
            assert conn.read_exact(2) == b"\r\n"
    else:
        for line in lower.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                total += _hash_exact(conn, h, int(line.split(b":")[1]))
    body = f"{h.hexdigest()} {total}".encode()
    conn.send(response(body=body))
    conn.drain_to_eof(2.0)


def relay(a: socket.socket, b: socket.socket, limit: float = TIMEOUT) -> None:
    """Copy bytes both ways until either side closes."""
    socks = [a, b]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        r, _, _ = select.select(socks, [], [], 0.1)
        for s in r:
            try:
                data = s.recv(65536)
            except OSError:
                return
            if not data:
                return
            (b if s is a else a).sendall(data)


def connect_proxy(target_port: int, *, status: bytes = b"200 Connection established") -> Handler:
    """A CONNECT proxy handler that tunnels to 127.0.0.1:*target_port*."""

    def handler(conn: Conn) -> None:
        req = conn.read_request(body=False)
        if req is None:
            return
        if status[:3] != b"200":
            conn.send(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
            conn.drain_to_eof(2.0)
            return
        with socket.create_connection(("127.0.0.1", target_port), timeout=TIMEOUT) as up:
            conn.send(b"HTTP/1.1 " + status + b"\r\nX-Proxy: yes\r\n\r\n")
            relay(conn.sock, up)

    return handler


def answer(*parts: bytes, then: str = "close", wait: float = 5.0) -> Handler:
    """Answer the first request with these bytes, then ``close``, ``reset`` or ``wait``
    (for the client to close, at most *wait* seconds)."""

    def handler(conn: Conn) -> None:
        if conn.read_request() is None:
            return
        for part in parts:
            conn.send(part)
        if then == "close":
            conn.close()
        elif then == "reset":
            conn.reset()
        else:
            conn.drain_to_eof(wait)

    return handler


def answer_and_close(conn: Conn) -> None:
    """Read a whole request, answer 200 and close at once."""
    if conn.read_request() is None:
        return
    conn.send(response(body=b"ok"))
    conn.close()


def answer_early(conn: Conn) -> None:
    """Read a request's head only; answer 413 and close with its body unread."""
    if conn.read_until(b"\r\n\r\n") is None:
        return
    conn.send(response("413 Payload Too Large", body=b"too big", headers=[("Connection", "close")]))
    conn.close()


def echo_after_101(conn: Conn) -> None:
    """Switch to an echo protocol; its first bytes (``hi``) go out with the 101's head."""
    if conn.read_request() is None:
        return
    conn.send(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhi")
    for _ in range(10):
        data = conn.sock.recv(100)
        if not data:
            break
        conn.send(b"echo:" + data)
    conn.close()
