"""The embedded benchmark server: canned keep-alive responses on uvloop.

Routes: ``GET /small`` (a 13-byte body), ``GET /large?size=N`` (N bytes, default 256 MiB,
streamed with back-pressure), ``POST /sink`` (reads every uploaded byte, Content-Length
or chunked, and answers with the count). Besides ``--host`` it listens on the same
port at 127.0.0.2 .. 127.0.0.100, the crawl scenario's virtual hosts. Run as
``python -m benchmarks.server``; it prints ``PORT <n>`` and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

SMALL = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!"
BLOCK = bytes(range(256)) * 4096  # 1 MiB
DEFAULT_LARGE = 256 << 20
RECV_BUFFER = 1 << 20


class Handler(asyncio.BufferedProtocol):
    """One connection. Every connection receives into the one shared buffer (each
    read is handled before the next starts), so the upload sink copies each byte
    once, kernel to buffer, and allocates nothing per read."""

    rbuf = memoryview(bytearray(RECV_BUFFER))

    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.body_left = 0  # Content-Length bytes still to read
        self.chunked = False
        self.received = 0
        self.streaming: asyncio.Task[None] | None = None
        self.can_write = asyncio.Event()
        self.can_write.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.can_write.set()
        if self.streaming is not None:
            self.streaming.cancel()

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.rbuf

    def buffer_updated(self, nbytes: int) -> None:
        left = self.body_left
        if left > nbytes:
            self.body_left = left - nbytes
            self.received += nbytes
            return
        self.data_received(bytes(self.rbuf[:nbytes]))

    def data_received(self, data: bytes) -> None:
        if self.body_left:
            n = min(len(data), self.body_left)
            self.body_left -= n
            self.received += n
            data = data[n:]
            if self.body_left:
                return
            self._reply_sink()
            if not data:
                return
        self.buf += data
        while True:
            if self.chunked:
                if not self._read_chunks():
                    return
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            del self.buf[: end + 4]
            self._dispatch(head)
            if self.body_left:
                n = min(len(self.buf), self.body_left)
                self.body_left -= n
                self.received += n
                del self.buf[:n]
                if self.body_left:
                    return
                self._reply_sink()

    def _read_chunks(self) -> bool:
        buf = self.buf
        while True:
            nl = buf.find(b"\r\n")
            if nl < 0:
                return False
            size = int(bytes(buf[:nl]).split(b";")[0], 16)
            if size == 0:
                if len(buf) < nl + 4:
                    return False
                del buf[: nl + 4]
                self.chunked = False
                self._reply_sink()
                return True
            if len(buf) < nl + 2 + size + 2:
                return False
            self.received += size
            del buf[: nl + 2 + size + 2]

    def _dispatch(self, head: bytes) -> None:
        line, _, rest = head.partition(b"\r\n")
        method, target, _ = line.split(b" ", 2)
        assert self.transport is not None
        if method == b"POST" or method == b"PUT":
            lower = rest.lower()
            self.received = 0
            if b"transfer-encoding: chunked" in lower:
                self.chunked = True
                return
            i = lower.find(b"content-length:")
            n = int(lower[i + 15 : lower.find(b"\r\n", i) if lower.find(b"\r\n", i) >= 0 else None])
            self.body_left = n
            if not n:
                self._reply_sink()
            return
        if target.startswith(b"/large"):
            size = DEFAULT_LARGE
            if b"size=" in target:
                size = int(target.split(b"size=")[1])
            self.streaming = asyncio.get_running_loop().create_task(self._stream(size))
            return
        self.transport.write(SMALL)

    def _reply_sink(self) -> None:
        assert self.transport is not None
        body = str(self.received).encode()
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    async def _stream(self, size: int) -> None:
        t = self.transport
        assert t is not None
        t.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        view = memoryview(BLOCK)
        left = size
        while left and not t.is_closing():
            n = min(left, len(BLOCK))
            t.write(view[:n])
            left -= n
            if not self.can_write.is_set():
                await self.can_write.wait()


VHOSTS = 100  # S6's virtual hosts: 127.0.0.1 .. 127.0.0.100, all on loopback


def vhost(i: int) -> str:
    """The address of virtual host *i* (0-based): each is a different host to a client."""
    return f"127.0.0.{i + 1}"


async def serve(host: str, port: int, vhosts: int) -> None:
    loop = asyncio.get_running_loop()
    for _attempt in range(10):
        servers = [await loop.create_server(Handler, host, port, backlog=4096, reuse_address=True)]
        chosen = servers[0].sockets[0].getsockname()[1]
        try:
            for i in range(1, vhosts if host == vhost(0) else 0):
                servers.append(await loop.create_server(Handler, vhost(i), chosen, backlog=4096))
            break
        except OSError:  # that port is taken on another loopback address: try another
            for server in servers:
                server.close()
            if port:
                raise
    print("PORT", chosen, flush=True)
    # serve until stdin closes: the parent process going away stops us too
    await loop.run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    ap.add_argument("--vhosts", type=int, default=VHOSTS, help="also listen on 127.0.0.2..N")
    args = ap.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        import uvloop

        uvloop.run(serve(args.host, args.port, args.vhosts))
    except ImportError:
        asyncio.run(serve(args.host, args.port, args.vhosts))


if __name__ == "__main__":
    main()
