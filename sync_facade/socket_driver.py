"""The façade's second driver: a request and its response in the caller's thread, over a
socket object the caller owns.

For what the event loop cannot take over: an ``ssl.SSLSocket`` a library wrapped
itself, urllib3's ``SSLTransport``, a Unix socket or a paramiko channel a subclass
made, a test double with only ``makefile``/``sendall``. The rules are the core's
sans-IO objects (``Incoming`` and its parser, ``BodyReader``, the serializer's chunk
framing); this module only moves bytes. Reads take no more than the parser says
belongs to the response (``next_read``), as ``http.client`` does, so whatever follows
stays in the socket: the next response, or the protocol a 101 switched to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiohttpc._aio.sender import print_readable
from aiohttpc._sansio import body as bodies
from aiohttpc._sansio import serializer
from aiohttpc._sansio.framing import ResponseHead
from aiohttpc._sansio.headers import MAX_HEADERS, MAX_LINE
from aiohttpc._sansio.incoming import Incoming
from aiohttpc._sansio.parser import ANY, LINE, STATUS
from aiohttpc.errors import HTTPException, IncompleteRead

BLOCK = 64 << 10  # a read of a body running until close, or of what has arrived


class SocketBody:
    """A response read off *fp* (the socket's buffered reader) in this thread: the
    ``BodySource`` its ``BodyReader`` reads from."""

    __slots__ = ("buffer", "buffered", "complete", "fp", "max_line", "rx", "stream")

    def __init__(
        self, fp: Any, method: str | None, max_line: int = MAX_LINE, max_headers: int = MAX_HEADERS
    ) -> None:
        self.fp = fp
        self.max_line = max_line
        self.rx = Incoming(max_line, max_headers)
        self.stream = self.rx.expect(method)
        self.buffer = self.stream.buffer
        self.complete: bool | None = None  # how the reader finished, once it has
        self.buffered = 0  # bytes known to be in the reader past the head

    @property
    def done(self) -> bool:
        return self.stream.done

    @property
    def error(self) -> BaseException | None:
        return self.rx.error

    def consumed(self) -> None:
        pass  # nothing to resume: bytes are read only when a read asks for them

    def release(self, complete: bool) -> None:
        self.complete = complete
        if complete and not self.rx.upgraded and self.fp is not None:
            # As the stdlib's response: read to its end, it lets go of the socket's file
            # (after a 101 the file stays: the socket is the new protocol's).
            self.fp.close()

    def read_head(self, read_status: Callable[[], tuple[str, int, str]] | None) -> ResponseHead:
        """Read the head; each status line comes from *read_status* (the response's
        ``_read_status``, which subclasses override), the header lines from ``fp``.

        With *read_status* None, a head that the reader has buffered whole is taken in
        one piece (exactly up to its blank line), the parser's fast path."""
        parser = self.rx.parser
        stream = self.stream
        peek = getattr(self.fp, "peek", None) if read_status is None else None
        while stream.head is None:
            if peek is not None and parser.state == STATUS:
                buffered = peek(self.max_line)
                end = buffered.find(b"\r\n\r\n")
                if end >= 0:
                    parser.feed(self.fp.read(end + 4))
                    self.buffered = len(buffered) - end - 4
                    continue
                peek = None  # a long head, or not CRLF: line by line
            if parser.state == STATUS and read_status is not None:
                version, status, reason = read_status()
                line = f"{version} {status} {reason}"
                if not line.endswith("\n"):
                    line += "\r\n"
                parser.feed(line.encode("iso-8859-1"))
            else:
                data = self.fp.readline(self.max_line + 1)
                if data:
                    parser.feed(data)
                else:
                    parser.feed_eof()
        return stream.head

    def take_buffered(self, length: int) -> None:
        """Parse a Content-Length body now if the reader already holds all of it (no
        socket read, no wait: the first read() then needs no more calls)."""
        if self.buffered >= length:
            self.buffered -= length
            self.rx.parser.feed(self.fp.read(length))

    def receive(self, need: int) -> None:
        """Read once from ``fp``, no further than this response goes, and parse it:
        *need* bytes more (-1: the whole body; 1: whatever comes first)."""
        parser = self.rx.parser
        n = parser.next_read
        fp = self.fp
        if n == LINE:
            data = fp.readline(self.max_line + 1)
        elif n == ANY:
            data = fp.read() if need < 0 else fp.read1(max(need, BLOCK))
        elif n <= 0:
            if not self.stream.done:  # nothing more belongs to it, yet it is not whole:
                self.rx.fail(IncompleteRead(b""))  # fail, rather than ask again forever
            return
        elif need == 1:
            data = fp.read1(n)
        else:
            data = fp.read(n if need < 0 or need > n else need)
        try:
            if data:
                parser.feed(data)
            else:
                parser.feed_eof()
        except HTTPException as exc:
            self.rx.fail(exc)


def body_pieces(data: Any, blocksize: int, doing: str | None) -> Iterator[Any]:
    """The pieces ``http.client``'s ``send``/``_send_output`` writes for a body: a
    file's blocks (a text file's encoded as ISO-8859-1), a bytes-like whole, an
    iterable's items. With *doing* ("sending", "reading"), the debug lines first."""
    kind = bodies.classify(data)
    if doing is not None:
        print_readable(kind, doing)
    if kind in (bodies.FILE, bodies.TEXT_FILE):
        while block := data.read(blocksize):
            if kind == bodies.TEXT_FILE:
                block = block.encode("iso-8859-1")
            yield block
    elif kind == bodies.BYTES:
        yield data.encode("iso-8859-1") if isinstance(data, str) else data
    elif kind == bodies.ITERABLE:
        yield from data
    elif kind != bodies.NONE:
        raise TypeError(f"cannot send {type(data)!r} in a blocking request")


def send_body(
    send: Callable[[Any], None], body: Any, chunked: bool, blocksize: int, debug: bool
) -> None:
    """Send *body* through *send* (the connection's ``send``, which subclasses
    override), framed as chunks when *chunked*; empty pieces are skipped."""
    for piece in body_pieces(body, blocksize, "reading" if debug else None):
        if not piece:
            continue
        if chunked:
            send(b"".join(serializer.chunk(piece)))
        else:
            send(piece)
    if chunked:
        send(serializer.LAST_CHUNK)
