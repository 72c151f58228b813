"""Blocking reads of a Content-Length body straight off the socket, from a thread.

For the blocking façade's large reads. The event loop's path copies each piece twice
(into the transport's buffer, then into a bytes object), wakes the loop per piece and
passes the pieces between threads; here the caller's thread reads into the bytes it
returns, with the stdlib's buffered reader, as ``http.client`` itself does. The
transport does not read meanwhile (see ``HTTPProtocol.begin_direct``). The timeout
applies to each receive, as a socket's does.
"""

from __future__ import annotations

import io
import os
import socket

SOME = 64 << 10  # a read for fewer bytes than this takes what has arrived, up to this
_LONG_POLL = 1e6  # seconds; with no timeout the wait simply starts again


class _Raw(io.RawIOBase):
    """A socket as a raw stream; without a timeout it waits for as long as it takes."""

    def __init__(self, sock: socket.socket, forever: bool) -> None:
        self._sock = sock
        self._forever = forever

    def readable(self) -> bool:
        return True

    def readinto(self, b: memoryview) -> int:  # type: ignore[override]
        while True:
            try:
                return self._sock.recv_into(b)
            except TimeoutError:
                if not self._forever:
                    raise


class DirectBody:
    """The rest of one body, ``left`` bytes, read by the thread that wants them.

    ``received`` counts what was read, ``eof`` says the peer closed before the end.
    It closes its own socket (a duplicate of the connection's descriptor, so the
    descriptor stays valid even if the transport closes meanwhile) once the body is
    complete, cut short, or a read fails; ``close()`` does it for an abandoned body.
    """

    __slots__ = ("_file", "_sock", "eof", "left", "received")

    def __init__(self, fd: int, left: int, timeout: float | None) -> None:
        sock = socket.socket(fileno=os.dup(fd))
        try:
            # A timeout, never blocking mode: the descriptor's flags are the
            # transport's too, and it must stay non-blocking.
            sock.settimeout(_LONG_POLL if timeout is None else timeout)
            self._file: io.BufferedReader | None = io.BufferedReader(_Raw(sock, timeout is None), 1)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self.left = left
        self.received = 0
        self.eof = False

    @property
    def finished(self) -> bool:
        return self._file is None

    def read(self, need: int) -> bytes:
        """Block for *need* bytes (the whole rest if negative; at most ``left``).

        Fewer than ``SOME`` bytes wanted: one receive, of whatever has arrived up to
        ``SOME``. Fewer returned than asked means the peer closed (``eof``).
        """
        f = self._file
        if f is None:
            return b""
        left = self.left
        try:
            if need < 0 or need >= SOME:
                n = left if need < 0 else min(need, left)
                data = f.read(n)
                short = len(data) < n
            else:
                data = f.read1(min(left, SOME))
                short = not data
        except BaseException:
            self.close()
            raise
        got = len(data)
        self.left = left - got
        self.received += got
        if short:
            self.eof = True
        if short or not self.left:
            self.close()
        return data

    def close(self) -> None:
        f = self._file
        if f is not None:
            self._file = None
            f.close()
            self._sock.close()
