"""A small, fast asyncio server in its own thread, for soak and crawl tests: many
requests per second, with misbehaving routes chosen by path.

Routes: ``/ok`` (small keep-alive reply), ``/hang`` (never answers), ``/reset`` (RST),
``/close`` (replies, then closes), ``/stall`` (head and part of the body, then nothing),
``/slow?ms=N`` (replies after N ms). Anything else is ``/ok``.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections import Counter
from typing import Any

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
CLOSING = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
STALL = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"


class _Proto(asyncio.Protocol):
    def __init__(self, server: FastServer) -> None:
        self.server = server
        self.buf = b""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        server = self.server
        server.connections += 1
        server.open.add(transport)
        server.max_open = max(server.max_open, len(server.open))

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.open.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            path = head.split(b" ", 2)[1]
            self.server.requests += 1
            if self.server.paths is not None:
                self.server.paths[path.decode()] += 1
            self.answer(path)

    def answer(self, path: bytes) -> None:
        t = self.transport
        if path.startswith(b"/hang"):
            return
        if path.startswith(b"/reset"):
            sock = t.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            t.abort()
        elif path.startswith(b"/close"):
            t.write(CLOSING)
            t.close()
        elif path.startswith(b"/stall"):
            t.write(STALL)
        elif path.startswith(b"/slow"):
            ms = int(path.partition(b"ms=")[2].partition(b"&")[0] or b"10")
            server = self.server
            server.active += 1
            server.max_active = max(server.max_active, server.active)
            asyncio.get_running_loop().call_later(ms / 1000, self._late)
        else:
            t.write(OK)

    def _late(self) -> None:
        self.server.active -= 1
        if not self.transport.is_closing():
            self.transport.write(OK)


class FastServer:
    """``with FastServer() as s``: ``s.url(path)``; counts ``requests``, ``connections``,
    the most connections open at once (``max_open``) and ``/slow`` requests being
    answered at once (``max_active``); with *count_paths*, how often each path came."""

    def __init__(self, host: str = "127.0.0.1", *, count_paths: bool = False) -> None:
        self.host = host
        self.port = 0
        self.requests = 0
        self.connections = 0
        self.active = 0  # /slow requests being answered, and the most at once
        self.max_active = 0
        self.max_open = 0  # the most connections open at once
        self.paths: Counter[str] | None = Counter() if count_paths else None
        self.open: set[Any] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: Any = None

    def url(self, path: str = "/ok") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _run(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            loop.create_server(lambda: _Proto(self), self.host, 0, backlog=4096)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        self._server.close()
        # a connection accepted just before the stop is made a few callbacks later:
        # let those run, so that it is in ``open`` and is aborted with the rest
        for _ in range(5):
            loop.run_until_complete(asyncio.sleep(0))
        for t in list(self.open):
            t.abort()
        loop.run_until_complete(self._server.wait_closed())
        for _ in range(100):  # until every transport has had its connection_lost
            loop.run_until_complete(asyncio.sleep(0))
            if not self.open:
                break
        loop.close()

    def __enter__(self) -> FastServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
