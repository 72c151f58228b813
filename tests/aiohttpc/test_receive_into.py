"""Large ``readinto()`` calls: the body received straight into the caller's buffer.

Each scenario is also read with the stdlib's ``http.client`` from the same scripted
server, and the counts and bytes are compared.
"""

from __future__ import annotations

import asyncio
import http.client
import random
import ssl
import time

import pytest

import aiohttpc
from aiohttpc._sansio.reader import LARGE_READ as INTO_MIN
from tests.servers import Conn, ScriptedServer, chunked, replies, response

BODY = random.Random(4).randbytes((3 << 20) + 12345)
SMALL = response(body=b"after")


def stand_in_active(conn: aiohttpc.HTTPConnection) -> bool:
    """Whether the connection's transport is receiving through a stand-in protocol."""
    p = conn._protocol
    assert p is not None and p.transport is not None
    return isinstance(p.transport.get_protocol(), asyncio.BufferedProtocol)


async def read_into(r: aiohttpc.HTTPResponse, piece: int) -> tuple[list[int], bytes]:
    buf = bytearray(piece)
    counts, data = [], bytearray()
    for _ in range(len(BODY) // max(1, piece) + 3):
        n = await r.readinto(buf)
        counts.append(n)
        data += buf[:n]
        if not n:
            break
    buf.append(0)  # the buffer is not held: it can be resized
    return counts, bytes(data)


def stdlib_read_into(port: int, piece: int) -> tuple[list[int], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/")
        r = conn.getresponse()
        buf = bytearray(piece)
        counts, data = [], bytearray()
        for _ in range(len(BODY) // max(1, piece) + 3):
            n = r.readinto(buf)
            counts.append(n)
            data += buf[:n]
            if not n:
                break
        return counts, bytes(data)
    finally:
        conn.close()


@pytest.mark.parametrize("piece", [INTO_MIN - 1, INTO_MIN, 1 << 20, 5 << 20])
async def test_counts_and_bytes_as_the_stdlib_and_the_connection_is_kept(piece):
    with ScriptedServer(replies(response(body=BODY), SMALL)) as srv:
        expected = await asyncio.to_thread(stdlib_read_into, srv.port, piece)
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        got = await read_into(r, piece)
        assert got == expected
        assert got[1] == BODY
        assert conn._protocol is not None and conn._protocol.transport is not None
        assert not stand_in_active(conn)  # handed back once the body ended
        await conn.request("GET", "/again")
        assert await (await conn.getresponse()).read() == b"after"
        assert len(srv.conns) == 2  # stdlib's, then ours, kept alive for both requests
        await conn.close()


async def test_a_large_read_goes_through_the_stand_in_until_the_body_ends():
    with ScriptedServer(replies(response(body=BODY))) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        buf = bytearray(1 << 20)
        assert await r.readinto(buf) == len(buf)
        assert stand_in_active(conn)
        assert bytes(buf) == BODY[: len(buf)]
        rest = await r.read()
        assert rest == BODY[len(buf) :]
        assert not stand_in_active(conn)
        await conn.close()


async def test_other_reads_between_large_readintos():
    with ScriptedServer(replies(response(body=BODY))) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        out = bytearray()
        a = bytearray(256 << 10)
        out += a[: await r.readinto(a)]
        out += await r.read(1000)
        out += await r.read1(5000)
        b = bytearray(300 << 10)
        out += b[: await r.readinto(b)]
        out += await r.readline(100)
        async for piece in r:
            out += piece
        assert bytes(out) == BODY
        assert r.isclosed()
        await conn.close()


async def test_not_a_byte_past_the_body_lands_in_the_buffer():
    extra = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz"

    def send_with_more(conn: Conn) -> None:
        conn.send(response(body=BODY) + extra)

    with ScriptedServer(replies(send_with_more)) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        buf = bytearray(b"\xaa") * (len(BODY) + (1 << 20))
        n = await r.readinto(buf)
        assert n == len(BODY)
        assert bytes(buf[:n]) == BODY
        assert buf[n:] == b"\xaa" * (1 << 20)
        assert await r.readinto(buf) == 0
        await conn.close()


async def test_a_request_sent_before_the_body_is_read_gets_its_response():
    # The next response arrives right behind the body: the body's bytes go into the
    # buffer, the next response's go to the parser.
    with ScriptedServer(replies(response(body=BODY), SMALL)) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        await conn.request("GET", "/again")
        await asyncio.sleep(0.1)
        counts, data = await read_into(r, 1 << 20)
        assert data == BODY and counts[-1] == 0
        assert await (await conn.getresponse()).read() == b"after"
        assert len(srv.conns) == 1
        await conn.close()


def cut_off(conn: Conn) -> None:
    conn.send(response(body=BODY)[: -(len(BODY) - (1536 << 10))])
    conn.close()


async def test_a_cut_off_body_reads_short_as_the_stdlib():
    with ScriptedServer(replies(cut_off)) as srv:
        expected = await asyncio.to_thread(stdlib_read_into, srv.port, 1 << 20)
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        got = await read_into(r, 1 << 20)
        assert got == expected
        assert got[0] == [1 << 20, 512 << 10, 0]
        assert r.isclosed()
        await conn.close()


async def test_a_cut_off_body_read_whole_reports_what_arrived():
    with ScriptedServer(replies(cut_off)) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        buf = bytearray(len(BODY))
        n = await r.readinto(buf)
        assert n == 1536 << 10 and bytes(buf[:n]) == BODY[:n]
        await conn.close()


def stall_after(n: int):
    def handler(conn: Conn) -> None:
        conn.send(response(body=BODY)[: -(len(BODY) - n)])
        conn.drain_to_eof(5.0)

    return handler


@pytest.mark.parametrize("method", ["readinto", "read"])
async def test_a_stalled_large_read_times_out_and_the_connection_is_closed(method):
    with ScriptedServer(replies(stall_after(100 << 10))) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=0.3)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        buf = bytearray(1 << 20)

        async def large_read() -> object:
            return await (r.readinto(buf) if method == "readinto" else r.read(len(buf)))

        t = time.monotonic()
        with pytest.raises(TimeoutError):
            await large_read()
        assert 0.25 < time.monotonic() - t < 3
        assert r.isclosed()
        with pytest.raises(OSError, match="timed out object"):  # as the stdlib's, again
            await large_read()
        buf.append(0)  # the buffer is not held: it can be resized
        await conn.close()


async def test_a_trickling_body_does_not_time_out_while_bytes_keep_coming():
    body = BODY[: 640 << 10]

    def trickle(conn: Conn) -> None:
        conn.send(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for i in range(0, len(body), 64 << 10):
            time.sleep(0.06)
            conn.send(body[i : i + (64 << 10)])
        conn.drain_to_eof(2.0)

    with ScriptedServer(replies(trickle)) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=0.25)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        buf = bytearray(1 << 20)
        n = await r.readinto(buf)  # the whole fill takes ~0.6 s: more than the timeout
        assert n == len(body) and bytes(buf[:n]) == body
        await conn.close()


async def test_a_cancelled_readinto_closes_the_connection_and_frees_the_buffer():
    with ScriptedServer(replies(stall_after(100 << 10))) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        buf = bytearray(1 << 20)
        task = asyncio.ensure_future(r.readinto(buf))
        await asyncio.sleep(0.2)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert r.isclosed()
        buf.append(0)
        await conn.close()


async def test_chunked_bodies_read_as_the_stdlib():
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(
        *(BODY[i : i + 100_000] for i in range(0, len(BODY), 100_000))
    )
    with ScriptedServer(replies(raw)) as srv:
        expected = await asyncio.to_thread(stdlib_read_into, srv.port, 1 << 20)
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        assert await read_into(r, 1 << 20) == expected
        await conn.close()


async def test_tls_reads_the_usual_way(server_ssl: ssl.SSLContext, client_ssl: ssl.SSLContext):
    with ScriptedServer(replies(response(body=BODY)), ssl_context=server_ssl) as srv:
        conn = aiohttpc.HTTPSConnection("127.0.0.1", srv.port, context=client_ssl, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        buf = bytearray(1 << 20)
        assert await r.readinto(buf) == len(buf)
        assert not stand_in_active(conn)
        _, data = await read_into(r, 1 << 20)
        assert bytes(buf) + data == BODY
        await conn.close()


# -- read(amt) of LARGE_READ or more: received in place, copied out once -------------------


def outcome_of_reads(read, piece: int) -> list[object]:
    """What a loop of ``read(piece)`` gives: each piece's length, then the end or error."""
    seen: list[object] = []
    data = bytearray()
    for _ in range(len(BODY) // max(1, piece) + 3):
        try:
            got = read(piece)
        except http.client.IncompleteRead as exc:
            seen.append(("IncompleteRead", len(exc.partial), exc.expected))
            break
        seen.append(len(got))
        data += got
        if not got:
            break
    seen.append(bytes(data) == BODY[: len(data)])
    return seen


def stdlib_reads(port: int, piece: int) -> list[object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/")
        return outcome_of_reads(conn.getresponse().read, piece)
    finally:
        conn.close()


async def our_reads(port: int, piece: int) -> tuple[list[object], bool]:
    """The same loop on aiohttpc; and whether its first read was received in place."""
    conn = aiohttpc.HTTPConnection("127.0.0.1", port, timeout=5)
    await conn.request("GET", "/")
    r = await conn.getresponse()
    loop = asyncio.get_running_loop()
    # The first read right after the head: what has arrived is one receive (256 KiB at
    # most), so a 1 MiB read is still to come.
    first = await r.read(piece)
    in_place = stand_in_active(conn)
    reads = iter([first])

    def read(n: int) -> bytes:
        # run on the loop from a worker thread: the same synchronous loop as the stdlib's
        done = next(reads, None)
        if done is not None:
            return done
        return asyncio.run_coroutine_threadsafe(r.read(n), loop).result(10)

    try:
        return await asyncio.to_thread(outcome_of_reads, read, piece), in_place
    finally:
        await conn.close()


@pytest.mark.parametrize("piece", [INTO_MIN - 1, INTO_MIN, 1 << 20, 5 << 20])
async def test_large_reads_give_what_the_stdlib_gives(piece):
    with ScriptedServer(replies(response(body=BODY), response(body=BODY))) as srv:
        expected = await asyncio.to_thread(stdlib_reads, srv.port, piece)
        got, received_in_place = await our_reads(srv.port, piece)
    assert got == expected
    assert expected[-1] is True and sum(n for n in expected if type(n) is int) == len(BODY)
    # Below LARGE_READ the pieces are joined as before; a large read that has not
    # arrived is received in place (64 KiB may have arrived with the head, or not). A
    # read of the whole body hands the stand-in back before it returns: it never shows.
    if piece != INTO_MIN:
        assert received_in_place is (piece == 1 << 20)


async def test_a_large_read_of_a_cut_off_body_reads_short_as_the_stdlibs():
    with ScriptedServer(replies(cut_off, cut_off)) as srv:
        expected = await asyncio.to_thread(stdlib_reads, srv.port, 1 << 20)
        got, _ = await our_reads(srv.port, 1 << 20)
    assert got == expected
    assert expected == [1 << 20, 512 << 10, 0, True]  # short reads, as a short CL body gives


async def test_a_large_read_then_other_reads_then_a_large_read():
    with ScriptedServer(replies(response(body=BODY), SMALL)) as srv:
        conn = aiohttpc.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        await conn.request("GET", "/")
        r = await conn.getresponse()
        out = await r.read(300 << 10)
        assert stand_in_active(conn)
        out += await r.read(1000) + await r.read1(5000) + await r.readline(100)
        out += await r.read(1 << 20)
        out += await r.read()
        assert out == BODY and r.isclosed()
        assert r._scratch is None  # the memory large reads used goes with the body
        await conn.request("GET", "/again")
        assert await (await conn.getresponse()).read() == b"after"
        assert len(srv.conns) == 1
        await conn.close()
