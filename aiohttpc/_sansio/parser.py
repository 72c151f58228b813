"""Sans-IO HTTP/1.1 response parser: feed bytes in, get heads, body pieces and ends out.

``ResponseParser`` keeps its state in memory and calls a *sink* (any object with the
``ParserSink`` methods) as results appear; it knows nothing of sockets or loops.
Body framing is decided once, by ``framing.decide_framing``; each framing has its own reader
state and its own end-of-stream rule. Errors are the ``http.client`` exception classes
with the stdlib's messages, plus the stricter ones from ``errors``.
"""

from __future__ import annotations

from typing import Final, Protocol

from ..errors import (
    BadStatusLine,
    ChunkCut,
    HTTPException,
    IncompleteRead,
    LineTooLong,
    MalformedChunk,
    MalformedHeader,
    RemoteDisconnected,
    TooManyInformational,
    UnknownProtocol,
)
from .framing import FRAMING, FRAMING_LENGTHS, ResponseHead, decide_framing
from .grammar import field, header_items
from .headers import MAX_HEADERS, MAX_LINE, Headers

MAX_INFORMATIONAL: Final = 32  # 1xx responses skipped before the final one, at most

# Parser states.
IDLE: Final = 0  # no response expected
STATUS: Final = 1
HEADERS: Final = 2
BODY_LENGTH: Final = 3
CHUNK_SIZE: Final = 4
CHUNK_DATA: Final = 5
CHUNK_CRLF: Final = 6
TRAILERS: Final = 7
BODY_CLOSE: Final = 8  # read until the connection closes
FAILED: Final = 9
UPGRADED: Final = 10  # after a 101: the bytes are another protocol's, kept for its taker

_HEX: Final = frozenset(b"0123456789abcdefABCDEF")

# ``ResponseParser.next_read``: what a blocking reader may read next.
LINE: Final = -1  # one line (at most ``MAX_LINE`` bytes and its newline)
ANY: Final = -2  # any amount: the body runs until the connection closes


def split_status_line(line: str) -> tuple[str, int, str]:
    """The stdlib's reading of a status line: (version, status, reason with its line
    end); ``BadStatusLine`` for anything else."""
    parts = line.split(None, 2)
    if len(parts) == 3:
        version, status_s, reason = parts
    elif len(parts) == 2:
        version, status_s = parts
        reason = ""
    else:
        version = ""
    if not version.startswith("HTTP/"):
        raise BadStatusLine(line)
    try:
        status = int(status_s)
    except ValueError:
        raise BadStatusLine(line) from None
    if status < 100 or status > 999:
        raise BadStatusLine(line)
    return version, status, reason


class ParserSink(Protocol):
    def on_informational(self, status: int) -> None: ...
    def on_head(self, head: ResponseHead) -> None: ...
    def on_switched(self, head: ResponseHead) -> None: ...
    def on_body(self, data: bytes) -> None: ...
    def on_complete(self) -> None: ...
    def on_stray_data(self) -> None: ...


class _Detached:
    """The sink of a parser whose connection is gone: any event reaching it is a bug."""

    @staticmethod
    def _gone() -> None:
        raise RuntimeError("response parser fed after it was detached from its connection")

    def on_informational(self, status: int) -> None:
        self._gone()

    def on_head(self, head: ResponseHead) -> None:
        self._gone()

    def on_switched(self, head: ResponseHead) -> None:
        self._gone()

    def on_body(self, data: bytes) -> None:
        self._gone()

    def on_complete(self) -> None:
        self._gone()

    def on_stray_data(self) -> None:
        self._gone()


_DETACHED: Final = _Detached()


def _nul_in(lines: bytes) -> None:
    """Refuse header or trailer lines holding a NUL (RFC 9110, 5.5)."""
    line = next(x for x in lines.splitlines() if b"\x00" in x)
    raise MalformedHeader(f"NUL byte in header line: {line[:100]!r}")


class ResponseParser:
    """Incremental parser for the responses on one connection.

    Call ``expect(method)`` before each response, then ``feed`` bytes and finally
    ``feed_eof`` when the peer closes. Bytes that arrive while no response is expected
    are reported with ``sink.on_stray_data()`` and dropped, never parsed as a response.
    """

    __slots__ = (
        "_chunk_len",
        "_hitems",
        "_hlines",
        "_informational",
        "_irregular",
        "_left",
        "_max_headers",
        "_max_line",
        "_method",
        "_rest",
        "_sink",
        "_state",
        "_status_line",
        "_trailer_lines",
        "trailers",
        "upgraded_tail",
    )
    _hlines: list[bytes]
    _hitems: list[tuple[str, str]]
    _trailer_lines: list[bytes]

    def __init__(
        self, sink: ParserSink, max_line: int = MAX_LINE, max_headers: int = MAX_HEADERS
    ) -> None:
        self._sink = sink
        # http.client's _MAXLINE and _MAXHEADERS, which its users may change
        self._max_line = max_line
        self._max_headers = max_headers
        self._state = IDLE
        self._rest = bytearray()
        self._method: str | None = None
        self._reset_head()
        # _hlines, _hitems and _trailer_lines are set where the paths that use them
        # start, not here: three empty lists are ~170 bytes per connection.
        self._left = 0
        self._chunk_len = 0
        self._informational = 0
        self.trailers: Headers | None = None
        # After a 101: the bytes received past its head (the new protocol's first bytes).
        self.upgraded_tail = b""

    def _reset_head(self) -> None:
        self._status_line: tuple[str, int, str] | None = None
        self._irregular = False

    @property
    def state(self) -> int:
        return self._state

    @property
    def upgraded(self) -> bool:
        """A 101 response was read: the connection no longer carries HTTP."""
        return self._state == UPGRADED

    @property
    def expecting(self) -> bool:
        """True while a response is being waited for or read."""
        return self._state not in (IDLE, FAILED, UPGRADED)

    def expect(self, method: str | None) -> None:
        """Expect the response to a request made with *method*."""
        if self._state != IDLE:
            raise RuntimeError(f"parser is not idle (state {self._state})")
        self._state = STATUS
        self._method = method
        self._informational = 0
        self.trailers = None
        self._reset_head()

    def detach(self) -> None:
        """Let go of the sink, which holds this parser: the pair is then freed by reference
        counting alone, with no cycle left for the garbage collector."""
        self._sink = _DETACHED

    @property
    def body_left(self) -> int | None:
        """Bytes of a Content-Length body still to come, when nothing else is pending."""
        return self._left if self._state == BODY_LENGTH and not self._rest else None

    @property
    def next_read(self) -> int:
        """How much a blocking reader may read next without passing the end of this
        response: a count of bytes, ``LINE``, ``ANY`` (until the connection closes), or
        0 (nothing more belongs to it). Reading no more than that leaves the bytes of
        whatever follows (the next response, a switched protocol) in the socket."""
        state = self._state
        if state in (BODY_LENGTH, CHUNK_DATA):
            return self._left
        if state == BODY_CLOSE:
            return ANY
        if state in (IDLE, FAILED, UPGRADED):
            return 0
        if state == CHUNK_CRLF:
            return 2 - len(self._rest)
        return LINE

    def skip_body(self, n: int) -> None:
        """*n* bytes of a Content-Length body were received without ``feed``."""
        if self._state != BODY_LENGTH or self._rest or not 0 <= n <= self._left:
            raise RuntimeError(f"cannot skip {n} body bytes (state {self._state})")
        self._left -= n
        if not self._left:
            self._finish()

    # -- feeding -------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Parse *data*; raises an ``HTTPException`` subclass for a malformed response."""
        state = self._state
        if state == BODY_LENGTH and not self._rest:
            left = self._left
            n = len(data)
            if n < left:
                self._left = left - n
                self._sink.on_body(data)
                return
        elif state == BODY_CLOSE:
            if data:
                self._sink.on_body(data)
            return
        if self._rest:
            self._rest += data
            buf: bytes | bytearray = self._rest
        else:
            buf = data
        try:
            pos = self._run(buf, False)
        except BaseException:
            self._state = FAILED
            self._rest = bytearray()
            raise
        if pos == len(buf):
            if self._rest:
                self._rest = bytearray()
        elif buf is self._rest:
            del self._rest[:pos]
        else:
            self._rest = bytearray(memoryview(buf)[pos:])

    def feed_eof(self) -> None:
        """The peer closed: finish a read-until-close body or raise for a cut-off one."""
        state = self._state
        if state in (IDLE, FAILED, UPGRADED):
            return
        try:
            if state in (STATUS, HEADERS) and self._rest:
                # Like the stdlib's readline at EOF: a last line without its newline.
                buf = bytes(self._rest)
                self._rest = bytearray()
                self._run(buf, True)
                state = self._state
            if state == STATUS:
                raise RemoteDisconnected("Remote end closed connection without response")
            if state == HEADERS:
                self._end_head()
                state = self._state
            if state == BODY_CLOSE:
                self._finish()
            elif state == TRAILERS:
                self._finish_trailers()
            elif state == BODY_LENGTH:
                raise IncompleteRead(b"", self._left)
            elif state in (CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF):
                # The stdlib's partial data leaves out a chunk cut short: so do ours.
                raise ChunkCut(self._chunk_len - self._left if state == CHUNK_DATA else 0)
        except BaseException:
            self._state = FAILED
            raise

    # -- the state machine ---------------------------------------------------------

    def _run(self, buf: bytes | bytearray, at_eof: bool) -> int:
        """Consume what can be consumed of *buf*; return how far it got."""
        pos = 0
        end = len(buf)
        sink = self._sink
        if not isinstance(buf, bytes):
            # Once here, rather than bytes() of every piece: for a piece that is bytes
            # already that still looks up __bytes__ and makes a bound method.
            buf = bytes(buf)
        while pos < end:
            state = self._state
            if (
                state == STATUS
                and (head_end := buf.find(b"\r\n\r\n", pos)) >= 0
                and (self._whole_head(buf, pos, head_end))
            ):
                pos = head_end + 4
            elif state == BODY_LENGTH:
                take = self._left
                if take > end - pos:  # not min(): that makes an iterator per call
                    take = end - pos
                sink.on_body(buf[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self._finish()
            elif state == CHUNK_DATA:
                take = self._left
                if take > end - pos:
                    take = end - pos
                sink.on_body(buf[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self._state = CHUNK_CRLF
            elif state == CHUNK_CRLF:
                if buf[pos : pos + 2] == b"\r\n":
                    pos += 2
                    self._state = CHUNK_SIZE
                elif end - pos == 1 and buf[pos] == 13:
                    break
                else:
                    raise MalformedChunk(b"")
            elif state == BODY_CLOSE:
                sink.on_body(buf[pos:end])
                pos = end
            elif state == UPGRADED:
                self.upgraded_tail += buf[pos:end]
                return end
            elif state in (IDLE, FAILED):
                sink.on_stray_data()
                return end
            else:
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    if not at_eof:
                        if end - pos > self._max_line:
                            self._line_too_long(state)
                        break
                    nl = end - 1
                line = buf[pos : nl + 1]
                pos = nl + 1
                if len(line) > self._max_line:
                    self._line_too_long(state)
                if state == STATUS:
                    self._status(line)
                elif state == HEADERS:
                    self._header_line(line)
                elif state == CHUNK_SIZE:
                    self._chunk_size(line)
                else:
                    self._trailer_line(line)
        return pos

    def _line_too_long(self, state: int) -> None:
        kind = {STATUS: "status line", HEADERS: "header line", CHUNK_SIZE: "chunk size"}
        what = kind.get(state, "trailer line")
        exc = LineTooLong(what)
        # the stdlib's message names its module-wide limit; this parser's may differ
        exc.args = (f"got more than {self._max_line} bytes when reading {what}",)
        raise exc

    def _status(self, raw: bytes) -> None:
        self._hlines = []
        self._hitems = []
        self._status_text(raw.decode("iso-8859-1"))

    def _status_text(self, line: str) -> None:
        code = line[9:12]
        if (
            len(code) == 3
            and line.startswith("HTTP/1.1 ")
            and code.isdigit()
            and code.isascii()
            and code[0] != "0"
            and line[12:13] in (" ", "")
        ):
            # The usual "HTTP/1.1 NNN reason": what the split below would give.
            self._status_line = ("HTTP/1.1", int(code), line[13:])
            self._state = HEADERS
            return
        self._status_line = split_status_line(line)
        self._state = HEADERS

    def _header_line(self, line: bytes) -> None:
        if line == b"\r\n" or line == b"\n":
            self._end_head(b"".join(self._hlines) + line)  # the block as the stdlib keeps it
            return
        if b"\x00" in line:
            _nul_in(line)
        lines = self._hlines
        lines.append(line)
        if len(lines) >= self._max_headers:  # the stdlib counts the blank line too
            raise HTTPException(f"got more than {self._max_headers} headers")
        if self._irregular:
            return
        if (
            line[-2:] == b"\r\n"
            and line.count(b"\r") == 1
            and (item := field(line[:-2])) is not None
        ):
            self._hitems.append(item)
        else:
            self._irregular = True

    def _whole_head(self, buf: bytes | bytearray, pos: int, end: int) -> bool:
        """Parse a complete, regular head in one pass; False leaves it to the line path.

        Regular: every line ends in CRLF, no bare CR or LF, every header line is
        ``token ":" value``, within the line and header limits. *end* is where the
        head's blank line starts.
        """
        if end - pos > self._max_line:
            return False
        text = buf[pos : end + 4].decode("latin-1")  # with the blank line, as the stdlib's
        eol = text.find("\r\n")
        items = header_items(text, eol + 2)
        n = len(items) + 2
        # Each match ends in the only CRLF of its line: with as many CR and LF as
        # matches plus the status line's and the blank line's, every line was matched
        # (a line with a NUL is not: the line path refuses it).
        if text.count("\n") != n or text.count("\r") != n or n > self._max_headers + 1:
            return False
        framing: dict[str, list[str]] = {}
        for name, value in items:
            if len(name) in FRAMING_LENGTHS and (key := name.lower()) in FRAMING:
                framing.setdefault(key, []).append(value)
        self._status_text(text[: eol + 2])
        self._hitems = items
        self._end_head(text[eol + 2 :].encode("latin-1"), framing)
        return True

    def _end_head(
        self, raw: bytes | None = None, framing: dict[str, list[str]] | None = None
    ) -> None:
        assert self._status_line is not None
        version, status, reason = self._status_line
        if raw is None:
            raw = b"".join(self._hlines)
        if 100 <= status < 200 and status != 101:
            self._informational += 1
            if self._informational > MAX_INFORMATIONAL:
                raise TooManyInformational(
                    f"more than {MAX_INFORMATIONAL} informational (1xx) responses"
                )
            self._reset_head()
            self._state = STATUS
            self._sink.on_informational(status)
            return
        if version not in ("HTTP/1.0", "HTTP/0.9") and not version.startswith("HTTP/1."):
            raise UnknownProtocol(version)
        headers = Headers(raw, None if self._irregular else self._hitems)
        head = ResponseHead(version, status, reason.strip(), headers)
        decide_framing(head, self._method, framing)
        if head.chunked:
            self._state = CHUNK_SIZE
        elif head.length is None:
            self._state = BODY_CLOSE
        else:
            self._state = BODY_LENGTH
            self._left = head.length
        if status == 101:
            # The connection now speaks the protocol the server switched to: nothing
            # after this head is HTTP, and none of it is a stray response.
            self._state = UPGRADED
            self._sink.on_switched(head)
            return
        self._sink.on_head(head)
        if self._state == BODY_LENGTH and not self._left:
            self._finish()

    def _chunk_size(self, line: bytes) -> None:
        size = line.split(b";", 1)[0].strip(b" \t\r\n")
        if not size or len(size) > 16 or not _HEX.issuperset(size):
            raise IncompleteRead(b"")  # what the stdlib raises for a bad chunk size
        n = int(size, 16)
        if n:
            self._left = self._chunk_len = n
            self._state = CHUNK_DATA
        else:
            self._trailer_lines = []
            self._state = TRAILERS

    def _trailer_line(self, line: bytes) -> None:
        if line == b"\r\n" or line == b"\n":
            self._finish_trailers()
            return
        if b"\x00" in line:
            _nul_in(line)
        self._trailer_lines.append(line)
        if len(self._trailer_lines) >= self._max_headers:
            raise HTTPException(f"got more than {self._max_headers} trailer lines")

    def _finish_trailers(self) -> None:
        if self._trailer_lines:
            self.trailers = Headers(b"".join(self._trailer_lines))
        self._finish()

    def _finish(self) -> None:
        self._state = IDLE
        self._sink.on_complete()
