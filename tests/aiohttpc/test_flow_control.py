"""Flow control: a 1 GiB download through bounded memory, and write-side back-pressure."""

from __future__ import annotations

import asyncio
import time

import aiohttpc
from aiohttpc._aio.protocol import HIGH_WATER
from tests.servers import Conn, ScriptedServer, replies, response

GIB = 1 << 30
BLOCK = bytes(range(256)) * 4096  # 1 MiB


def rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def gigabyte(conn: Conn) -> None:
    conn.read_request()
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % GIB)
    for _ in range(GIB // len(BLOCK)):
        conn.send(BLOCK)
    conn.drain_to_eof(2.0)


async def test_one_gib_download_keeps_memory_bounded():
    with ScriptedServer(gigabyte) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        await conn.request("GET", "/big")
        r = await conn.getresponse()
        p = conn.protocol
        base = rss()
        peak_rss = peak_buffered = total = 0
        paused_seen = False
        i = 0
        async for chunk in r:
            total += len(chunk)
            i += 1
            if i % 64 == 0:
                await asyncio.sleep(0.002)  # a slow consumer: the socket fills up
                peak_buffered = max(peak_buffered, p.current.buffer.size)
                peak_rss = max(peak_rss, rss())
                paused_seen = paused_seen or p._paused_reading
        assert total == GIB
        assert r.isclosed()
        # the unread body never grew much past the high-water mark
        assert peak_buffered <= HIGH_WATER + (1 << 20)
        assert peak_rss - base < 64 << 20
        assert paused_seen
        await conn.close()


async def test_slow_reader_pauses_and_resumes():
    body = BLOCK * 16

    def sixteen(conn: Conn) -> None:
        conn.read_request()
        conn.send(response(body=body))
        conn.drain_to_eof(2.0)

    with ScriptedServer(sixteen) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        p = conn.protocol
        for _ in range(200):  # bounded wait for the buffer to fill
            if p._paused_reading:
                break
            await asyncio.sleep(0.01)
        assert p._paused_reading and p.current.buffer.size <= HIGH_WATER + (1 << 20)
        data = await r.read()
        assert data == body and not p._paused_reading
        await conn.close()


async def test_body_complete_while_paused_then_next_response():
    """A body that ended in the read that paused the connection: reading it resumes."""
    body = BLOCK + b"x" * 100  # over the high-water mark only with its last piece
    small = b"next"
    raw = response(body=body)
    cut = len(raw) - 200

    def in_two(conn: Conn) -> None:
        # The last 200 bytes cross the mark and end the body in one read.
        conn.send(raw[:cut])
        time.sleep(0.2)
        conn.send(raw[cut:])

    with ScriptedServer(replies(in_two, response(body=small))) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=3)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        p = conn.protocol
        for _ in range(200):  # bounded wait for the whole body
            if p.current.done:
                break
            await asyncio.sleep(0.01)
        assert p.current.done and p._paused_reading and p.current.buffer.size > HIGH_WATER
        assert await r.read() == body
        assert not p._paused_reading
        await conn.request("GET", "/next")
        assert await (await conn.getresponse()).read() == small
        await conn.close()


async def test_write_side_waits_for_drain():
    """A body much larger than the socket buffers goes out completely when the peer reads
    slowly: the writer awaited drain() instead of buffering everything."""
    total = 48 << 20

    def slow_sink(conn: Conn) -> None:
        import time

        head = conn.read_until(b"\r\n\r\n")
        assert head is not None
        time.sleep(0.3)  # let the client hit the transport's high-water mark
        got = len(conn.read_exact(total))
        conn.raw.clear()
        conn.send(response(body=str(got).encode()))
        conn.drain_to_eof(2.0)

    with ScriptedServer(slow_sink) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        blocks = (b"z" * (1 << 20) for _ in range(total >> 20))
        await conn.request("POST", "/", body=blocks, headers={"Content-Length": str(total)})
        transport = conn.protocol.transport
        assert transport.get_write_buffer_size() <= 4 << 20
        assert await (await conn.getresponse()).read() == str(total).encode()
        await conn.close()
