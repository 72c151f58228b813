"""Blocking reads of a Content-Length body straight off the socket, from a thread.

For the blocking façade's large reads. The event loop's path copies each piece twice
(into the transport's buffer, then into a bytes object), wakes the loop per piece and
passes the pieces between threads; here the caller's thread reads into the bytes it
returns, with the stdlib's buffered reader, as ``http.client`` itself does. The
transport does not read meanwhile (see ``HTTPProtocol.lend_reading`` and
``loop_body``). The timeout applies to each receive, as a socket's does.
"""

from __future__ import annotations

import io
import math
import os
import select
import socket

from aiohttpc._sansio.reader import LARGE_READ  # a smaller read takes what has arrived

GATHER = 256 << 10  # a read that wants every byte it asks for is woken per this much

_SOL, _LOWAT, _RCVBUF = socket.SOL_SOCKET, socket.SO_RCVLOWAT, socket.SO_RCVBUF


class _Raw(io.RawIOBase):
    """A non-blocking socket as a blocking raw stream: receive first, wait only if empty.

    (A socket object with a timeout would poll before every receive; while a body
    streams in, the data is usually there already.) While ``gather`` is set the caller
    wants every byte it asks for, so a wait asks the kernel (``SO_RCVLOWAT``) to wake
    it only once that much, up to ``GATHER``, has arrived: far fewer wake-ups and
    receives than waking for each segment. A wait that times out with fewer bytes in
    returns those, so a read still fails only after a whole timeout without a byte
    (between one and two timeouts after the last byte, where a plain socket's is one).
    """

    def __init__(self, sock: socket.socket, timeout: float | None) -> None:
        self._sock = sock
        self._ms = -1 if timeout is None else max(0, math.ceil(timeout * 1000))
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self.gather = False
        try:
            # The option belongs to the socket, which the transport shares: every wait
            # puts back the value found here. Setting it once proves it can be set.
            self._lowat: int | None = sock.getsockopt(_SOL, _LOWAT)
            sock.setsockopt(_SOL, _LOWAT, self._lowat)
        except OSError:
            self._lowat = None  # plain waits, woken by any byte

    def readable(self) -> bool:
        return True

    def readinto(self, b: memoryview) -> int:  # type: ignore[override]
        sock = self._sock
        while True:
            try:
                return sock.recv_into(b)
            except BlockingIOError:
                pass
            lowat = self._lowat
            if (
                self.gather
                and lowat is not None
                # No more than the receive buffer surely holds: a kernel that does not
                # clamp the option itself would otherwise never wake us.
                and (want := min(len(b), GATHER, sock.getsockopt(_SOL, _RCVBUF) // 4)) > 1
            ):
                sock.setsockopt(_SOL, _LOWAT, want)
                try:
                    ready = self._poll.poll(self._ms)
                finally:
                    sock.setsockopt(_SOL, _LOWAT, lowat)
                if ready:
                    continue
                try:
                    return sock.recv_into(b)  # fewer than wanted came in time
                except BlockingIOError:
                    pass
            elif self._poll.poll(self._ms):
                continue
            raise TimeoutError("timed out")


class DirectBody:
    """The rest of one body, ``left`` bytes, read by the thread that wants them.

    ``received`` counts what was read, ``eof`` says the peer closed before the end.
    It closes its own socket (a duplicate of the connection's descriptor, so the
    descriptor stays valid even if the transport closes meanwhile) once the body is
    complete, cut short, or a read fails; ``close()`` does it for an abandoned body.
    """

    __slots__ = ("_file", "_raw", "_sock", "eof", "left", "received")

    def __init__(self, fd: int, left: int, timeout: float | None) -> None:
        sock = socket.socket(fileno=os.dup(fd))
        try:
            # The descriptor's flags are the transport's too: it stays non-blocking.
            sock.setblocking(False)
            self._raw = _Raw(sock, timeout)
            self._file: io.BufferedReader | None = io.BufferedReader(self._raw, 1)
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

        Fewer than ``LARGE_READ`` bytes wanted: one receive, of whatever has arrived up to
        ``LARGE_READ``. Fewer returned than asked means the peer closed (``eof``).
        """
        f = self._file
        if f is None:
            return b""
        left = self.left
        try:
            if need < 0 or need >= LARGE_READ:
                n = left if need < 0 else min(need, left)
                self._raw.gather = True
                try:
                    data = f.read(n)
                finally:
                    self._raw.gather = False
                short = len(data) < n
            else:
                data = f.read1(min(left, LARGE_READ))
                short = not data
        except BaseException:
            self.close()
            raise
        self._count(len(data), short)
        return data

    def readinto(self, view: memoryview) -> int:
        """Block until *view* is full or the body ends (at most ``left``); the count.

        The bytes go from the socket straight into *view*. Fewer than asked, before the
        body's end, means the peer closed (``eof``).
        """
        f = self._file
        if f is None:
            return 0
        n = min(len(view), self.left)
        try:
            self._raw.gather = True
            try:
                with view[:n] as target:
                    got = f.readinto(target)
            finally:
                self._raw.gather = False
        except BaseException:
            self.close()
            raise
        self._count(got, got < n)
        return got

    def _count(self, got: int, short: bool) -> None:
        self.left -= got
        self.received += got
        if short:
            self.eof = True
        if short or not self.left:
            self.close()

    def close(self) -> None:
        f = self._file
        if f is not None:
            self._file = None
            f.close()
            self._sock.close()
