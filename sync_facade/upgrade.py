"""After a ``101 Switching Protocols``: the connection as the caller's blocking socket.

With the stdlib, ``conn.sock`` stays open after a 101 and the caller speaks the new
protocol on it (WebSocket, h2c, Docker's attach). Here the loop lets go of the
connection at ``getresponse()``: over plain TCP or a Unix socket the caller gets a
real socket (a duplicate of the transport's descriptor, the transport then dropped),
so ``select()``, ``settimeout()`` and ``sendall()`` work as with the stdlib; over TLS,
whose state lives in the loop, a socket-like object that carries each call across the
bridge. The bytes that arrived right after the 101's head are the response's ``fp``'s
first bytes, as they would sit in the stdlib response's buffer.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
from typing import Any

import aiohttpc
from aiohttpc._aio.protocol import bounded

from .bridge import bridge


async def take_over(core: aiohttpc.HTTPResponse, timeout: float | None) -> tuple[Any, bytes]:
    """On the loop: the 101's connection as a blocking socket, and the bytes past its head."""
    transport, tail, eof = core.take_transport()
    raw = transport.get_extra_info("socket")
    if transport.get_extra_info("sslcontext") is None and raw is not None:
        sock = socket.socket(fileno=os.dup(raw.fileno()))
        sock.settimeout(timeout)
        transport.set_protocol(asyncio.Protocol())  # its loss is nobody's business now
        transport.abort()  # closes the transport's descriptor, not the connection
        return sock, tail
    reader, writer = core.streams_over(transport, tail, eof)
    return BridgedSocket(reader, writer, timeout), b""


class BridgedSocket:
    """A blocking socket's calls on a TLS connection that the loop keeps (after a 101)."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float | None
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._timeout = timeout
        self._closed = False

    def __repr__(self) -> str:
        return f"<sync_facade.BridgedSocket {'closed' if self._closed else 'open'}>"

    def settimeout(self, value: float | None) -> None:
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def _check(self) -> None:
        if self._closed:
            raise OSError(9, "Bad file descriptor")

    async def _recv(self, n: int) -> bytes:
        task = asyncio.get_running_loop().create_task(self._reader.read(n))
        return await bounded(task, self._timeout)  # type: ignore[no-any-return]

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Up to *bufsize* bytes; ``b""`` once the peer has closed; TimeoutError."""
        self._check()
        return bridge.run(self._recv(bufsize))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        view = memoryview(buffer).cast("B")
        with view:
            data = self.recv(nbytes or len(view))
            view[: len(data)] = data
        return len(data)

    async def _send(self, data: bytes) -> None:
        self._writer.write(data)
        await bounded(asyncio.get_running_loop().create_task(self._writer.drain()), self._timeout)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._check()
        bridge.run(self._send(bytes(data)))

    def send(self, data: Any, flags: int = 0) -> int:
        self.sendall(data)
        return len(memoryview(data).cast("B"))

    def shutdown(self, how: int) -> None:
        self._check()
        if how in (socket.SHUT_WR, socket.SHUT_RDWR):
            bridge.call(self._writer.write_eof)

    def makefile(self, mode: str = "r", buffering: int | None = None, **_: Any) -> Any:
        """A buffered binary file on this socket (``rb`` or ``wb``)."""
        raw = _RawIO(self, prefix=b"")
        if "w" in mode:
            return io.BufferedWriter(raw)
        return io.BufferedReader(raw)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            bridge.clean_up(self._writer.close)

    def __enter__(self) -> BridgedSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _RawIO(io.RawIOBase):
    """*prefix*, then what the socket receives; writes go to the socket. Closing it leaves
    the socket open, as closing a stdlib response's ``fp`` does."""

    def __init__(self, sock: Any, prefix: bytes) -> None:
        self._sock = sock
        self._prefix = prefix

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        prefix = self._prefix
        if prefix:
            n = min(len(b), len(prefix))
            b[:n] = prefix[:n]
            self._prefix = prefix[n:]
            return n
        return self._sock.recv_into(b)  # type: ignore[no-any-return]

    def write(self, b: Any) -> int:
        self._sock.sendall(b)
        return len(memoryview(b).cast("B"))


def reader_after(sock: Any, tail: bytes) -> io.BufferedReader:
    """The 101 response's ``fp``: the bytes past its head, then the socket's."""
    return io.BufferedReader(_RawIO(sock, tail))
