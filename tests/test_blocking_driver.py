"""The sans-IO objects need no event loop: a plain blocking driver, written here in a few
lines, holds a RequestHeadBuilder, an Incoming and a BodyReader over a socket and reads
what http.client reads from the same server script. This is the shape of a second
driver (the caller's thread over a socket it owns); the asyncio protocol is the first."""

from __future__ import annotations

import http.client
import socket

import pytest

from aiohttpc._sansio.incoming import Incoming, ResponseStream
from aiohttpc._sansio.reader import NEED, BodyReader
from aiohttpc._sansio.request_head import RequestHeadBuilder
from tests.servers import ScriptedServer, chunked, replies, response

BIG = bytes(range(256)) * 400  # 100 KiB: many receives


class _Source:
    """The BodySource a blocking driver gives its reader: the stream, and on release
    the reuse verdict of the connection's Incoming."""

    def __init__(self, rx: Incoming, stream: ResponseStream, verdicts: list[bool]) -> None:
        self.rx, self.stream, self.buffer, self.verdicts = rx, stream, stream.buffer, verdicts

    @property
    def done(self) -> bool:
        return self.stream.done

    @property
    def error(self) -> BaseException | None:
        return self.rx.error

    def consumed(self) -> None:
        pass  # nothing to resume: this driver receives only when a read asks

    def release(self, complete: bool) -> None:
        self.verdicts.append(self.rx.reusable(self.stream, complete))


class BlockingConnection:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.rq = RequestHeadBuilder()
        self.rx = Incoming()
        self.target = ("127.0.0.1", port, 80, 11, "HTTP/1.1")
        self.verdicts: list[bool] = []

    def _receive(self) -> None:
        data = self.sock.recv(4096)
        if data:
            self.rx.parser.feed(data)
        else:
            self.rx.parser.feed_eof()

    def request(self, method: str, url: str, body: bytes | None = None) -> BodyReader:
        out = self.rq.prepare_request(method, url, body, target=self.target)
        stream = self.rx.expect(self.rq.method)
        self.sock.sendall(out.head + (out.body or b""))
        for _ in range(1000):
            if stream.head is not None:
                break
            self._receive()
        self.rq.head_arrived()
        head = stream.head
        assert head is not None
        source = _Source(self.rx, stream, self.verdicts)
        return BodyReader(source, head.length, head.chunked, method == "HEAD")

    def read(self, reader: BodyReader, amt: int | None = None) -> bytes:
        for _ in range(10_000):
            data = reader.try_read(amt)
            if data is not NEED:
                return data  # type: ignore[no-any-return]
            self._receive()
        raise AssertionError("no end")

    def close(self) -> None:
        self.sock.close()


SCRIPT = [
    response(body=b"hello"),
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"ab", b"cdef"),
    response(body=BIG),
    response(body=b"bye", headers=[("Connection", "close")]),
]
REQUESTS = [("GET", "/a", None), ("POST", "/b", b"xyz"), ("GET", "/c", None), ("GET", "/d", None)]


def run_stdlib(port: int) -> list[tuple[int, bytes, bool]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    out = []
    try:
        for method, url, body in REQUESTS:
            conn.request(method, url, body)
            resp = conn.getresponse()
            data = resp.read(3) + resp.read()
            out.append((resp.status, data, not resp.will_close))
    finally:
        conn.close()
    return out


def run_ours(port: int) -> list[tuple[int, bytes, bool]]:
    conn = BlockingConnection(port)
    out = []
    try:
        for method, url, body in REQUESTS:
            reader = conn.request(method, url, body)
            status = conn.rx.current.head.status  # type: ignore[union-attr]
            data = conn.read(reader, 3) + conn.read(reader)
            assert reader.closed
            out.append((status, data, conn.verdicts[-1]))
    finally:
        conn.close()
    return out


@pytest.mark.timeout(60)
def test_a_blocking_driver_reads_what_http_client_reads():
    with ScriptedServer(replies(*SCRIPT, close=True)) as srv:
        theirs = run_stdlib(srv.port)
        ours = run_ours(srv.port)
    assert ours == theirs
    assert [keep for _, _, keep in ours] == [True, True, True, False]
    assert len(srv.received) == 2 and srv.received[0] == srv.received[1]  # the same bytes
