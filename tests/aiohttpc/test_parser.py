"""The sans-IO response parser: framings, limits, errors, and split-invariance."""

from __future__ import annotations

import http.client

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiohttpc import errors
from aiohttpc._sansio.parser import MAX_INFORMATIONAL, ResponseParser
from tests.stdlib_reading import stdlib_reads


class Sink:
    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.heads: list = []
        self.body = bytearray()
        self.complete = 0
        self.stray = 0

    def on_informational(self, status: int) -> None:
        self.events.append(("1xx", status))

    def on_head(self, head) -> None:
        self.heads.append(head)
        self.events.append(("head", head.status))

    def on_switched(self, head) -> None:
        self.on_head(head)
        self.on_complete()

    def on_body(self, data: bytes) -> None:
        self.body += data

    def on_complete(self) -> None:
        self.complete += 1
        self.events.append(("done",))

    def on_stray_data(self) -> None:
        self.stray += 1


def parse(data: bytes, method: str = "GET", pieces: list[int] | None = None, eof: bool = True):
    """Feed *data* (split at the given sizes) and return the sink, or the exception."""
    sink = Sink()
    p = ResponseParser(sink)
    p.expect(method)
    try:
        pos = 0
        for n in pieces or []:
            p.feed(data[pos : pos + n])
            pos += n
        if pos < len(data):
            p.feed(data[pos:])
        if eof:
            p.feed_eof()
    except http.client.HTTPException as exc:
        return exc
    return sink


def summary(result) -> tuple:
    if isinstance(result, BaseException):
        return ("error", type(result).__name__, str(result))
    h = result.heads[0] if result.heads else None
    return (
        h and (h.status, h.reason, h.version, h.headers.items(), h.length, h.chunked, h.will_close),
        bytes(result.body),
        result.complete,
        result.stray,
        result.events,
    )


CL = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Y: z\r\n\r\nhello"
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n1A\r\n" + b"x" * 26 + b"\r\n0\r\nX-Trailer: t\r\n\r\n"
)
CLOSE = b"HTTP/1.0 200 OK\r\nServer: s\r\n\r\nuntil the end"
INFO = (
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: 1\r\n\r\n"
    b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + CL
)

SAMPLES = [CL, CHUNKED, CLOSE, INFO]


def test_content_length():
    s = parse(CL)
    head = s.heads[0]
    assert (head.status, head.reason, head.version, head.length) == (200, "OK", 11, 5)
    assert head.headers.get("x-y") == "z"
    assert bytes(s.body) == b"hello" and s.complete == 1 and not head.will_close


def test_chunked_with_extensions_and_trailers():
    sink = Sink()
    p = ResponseParser(sink)
    p.expect("GET")
    p.feed(CHUNKED)
    assert bytes(sink.body) == b"hello" + b"x" * 26
    assert sink.complete == 1
    assert p.trailers is not None and p.trailers.get("X-Trailer") == "t"
    assert sink.heads[0].chunked and sink.heads[0].length is None


def test_read_until_close():
    s = parse(CLOSE)
    assert bytes(s.body) == b"until the end" and s.complete == 1
    assert s.heads[0].will_close and s.heads[0].length is None


def test_until_close_not_complete_before_eof():
    s = parse(CLOSE, eof=False)
    assert s.complete == 0


@pytest.mark.parametrize(
    ("method", "status"),
    [("HEAD", "200 OK"), ("GET", "204 No Content"), ("GET", "304 Not Modified")],
)
def test_no_body(method, status):
    data = f"HTTP/1.1 {status}\r\nContent-Length: 10\r\n\r\n".encode()
    s = parse(data, method, eof=False)
    assert s.complete == 1 and s.heads[0].length == 0 and not s.body


def test_informational_skipped():
    s = parse(INFO)
    assert [e for e in s.events if e[0] == "1xx"] == [("1xx", 100), ("1xx", 102), ("1xx", 103)]
    assert len(s.heads) == 1 and s.heads[0].status == 200 and bytes(s.body) == b"hello"


def test_informational_bounded():
    data = b"HTTP/1.1 100 Continue\r\n\r\n" * (MAX_INFORMATIONAL + 1) + CL
    assert isinstance(parse(data), errors.TooManyInformational)
    ok = parse(b"HTTP/1.1 100 Continue\r\n\r\n" * MAX_INFORMATIONAL + CL)
    assert bytes(ok.body) == b"hello"


@pytest.mark.parametrize("pieces", [None, [1] * 60])
def test_switching_protocols_is_final_and_keeps_what_follows(pieces):
    data = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n"
    data += b"HTTP/1.1 200 OK\r\n\r\nnot a response"
    sink = Sink()
    p = ResponseParser(sink)
    p.expect("GET")
    pos = 0
    for n in pieces or [len(data)]:
        p.feed(data[pos : pos + n])
        pos += n
    p.feed(data[pos:])
    p.feed_eof()
    head = sink.heads[0]
    assert (head.status, head.length, head.will_close) == (101, 0, False)
    assert sink.complete == 1 and sink.stray == 0 and len(sink.heads) == 1
    assert p.upgraded and not p.expecting
    assert p.upgraded_tail == b"HTTP/1.1 200 OK\r\n\r\nnot a response"


@pytest.mark.parametrize(
    ("data", "exc", "msg"),
    [
        (b"", errors.RemoteDisconnected, "Remote end closed connection without response"),
        (
            b"HTTP/1.1 " + b"x" * 70000,
            errors.LineTooLong,
            "got more than 65536 bytes when reading status line",
        ),
        (
            b"HTTP/1.1 200 OK\r\nX: " + b"x" * 70000,
            errors.LineTooLong,
            "got more than 65536 bytes when reading header line",
        ),
        (
            b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 100 + b"\r\n",
            http.client.HTTPException,
            "got more than 100 headers",
        ),
        (b"garbage\r\n\r\n", errors.BadStatusLine, "garbage\r\n"),
        (b"HTTP/1.1 abc OK\r\n\r\n", errors.BadStatusLine, "HTTP/1.1 abc OK\r\n"),
        (b"HTTP/1.1 99 Low\r\n\r\n", errors.BadStatusLine, "HTTP/1.1 99 Low\r\n"),
        (b"HTTP/1.1 1000 High\r\n\r\n", errors.BadStatusLine, "HTTP/1.1 1000 High\r\n"),
        (b"HTTP/2.0 200 OK\r\n\r\n", errors.UnknownProtocol, "HTTP/2.0"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", errors.IncompleteRead, ""),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            errors.IncompleteRead,
            "",
        ),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", errors.IncompleteRead, ""),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 70000,
            errors.LineTooLong,
            "got more than 65536 bytes when reading chunk size",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + b"x" * 70000,
            errors.LineTooLong,
            "got more than 65536 bytes when reading trailer line",
        ),
    ],
)
def test_errors(data, exc, msg):
    result = parse(data)
    assert isinstance(result, exc), result
    if msg:
        assert str(result) == msg or result.args[0] == msg


@pytest.mark.parametrize("eof", [True, False])
@pytest.mark.parametrize("head", [b"HTTP/1.1 20", b"HTTP/1.1 2", b"HTTP/1.1 99", b"HTTP/1.1 "])
def test_status_line_cut_short_is_no_response(head, eof):
    """A connection cut inside the status code never looks like a response."""
    result = parse(head, pieces=[len(head)], eof=eof)
    if eof:
        assert isinstance(result, errors.BadStatusLine), result
    else:
        assert not result.heads


@pytest.mark.parametrize(
    "te", [b"identity", b"", b"IDENTITY", b" identity , ", b"identity\r\nTransfer-Encoding:"]
)
@pytest.mark.parametrize("pieces", [None, [1] * 90])
def test_transfer_encoding_naming_no_coding_keeps_content_length(te, pieces):
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + te + b"\r\nContent-Length: 4\r\n\r\nabcd"
    s = parse(data, pieces=pieces, eof=False)
    head = s.heads[0]
    assert (head.length, head.chunked, head.will_close) == (4, False, False)
    assert bytes(s.body) == b"abcd" and s.complete == 1


@pytest.mark.parametrize(
    "value", [b"100000000000000000000", b"9223372036854775808", b"1, 100000000000000000000"]
)
def test_content_length_no_body_can_have_is_a_framing_error(value):
    data = b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nabcd"
    for pieces in (None, [1] * len(data)):
        result = parse(data, pieces=pieces)
        assert isinstance(result, errors.ResponseFramingError), result


def test_largest_content_length_is_a_length():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nabcd"
    s = parse(data, eof=False)
    assert s.heads[0].length == (1 << 63) - 1 and bytes(s.body) == b"abcd"


NUL_HEADS = [
    b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX\x00: ab\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: ab\x00\r\n\tfolded\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\nX: a\x00b\nContent-Length: 0\n\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: a\x00\r\n\r\n",
]


@pytest.mark.parametrize("data", NUL_HEADS, ids=range(len(NUL_HEADS)))
@pytest.mark.parametrize("split", [False, True])
def test_nul_in_a_header_line_is_refused(data, split):
    result = parse(data, pieces=[1] * len(data) if split else None)
    assert isinstance(result, errors.MalformedHeader), result
    assert isinstance(result, http.client.HTTPException)


def test_nul_in_the_reason_phrase_is_the_stdlibs_business():
    data = b"HTTP/1.1 200 O\x00K\r\nContent-Length: 0\r\n\r\n"
    assert ours(data) == stdlib_parse(data)


@pytest.mark.parametrize("sep", [b"\n", b"XX", b"\n\r", b"\r\r"])
def test_chunk_crlf_checked(sep):
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc" + sep + b"0\r\n\r\n"
    assert isinstance(parse(data), errors.MalformedChunk)


def test_chunk_crlf_split_across_feeds():
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    i = data.index(b"abc") + 4  # between CR and LF
    s = parse(data, pieces=[i])
    assert bytes(s.body) == b"abc" and s.complete == 1


def test_chunk_size_must_be_hex():
    for size in (b"0x3", b"+3", b"-3", b"3_0", b""):
        data = (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + size
            + b"\r\nabc\r\n0\r\n\r\n"
        )
        assert type(parse(data)) is errors.IncompleteRead, size


def test_conflicting_content_length_refused():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhelloXX"
    assert isinstance(parse(data), errors.ResponseFramingError)
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 5, 7\r\n\r\nhelloXX"
    assert isinstance(parse(data), errors.ResponseFramingError)


def test_repeated_equal_content_length_accepted():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\nhello"
    s = parse(data, eof=False)
    assert bytes(s.body) == b"hello" and s.complete == 1


def test_transfer_encoding_with_content_length_reads_chunked_and_closes():
    data = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
    )
    s = parse(data, eof=False)
    head = s.heads[0]
    assert head.chunked and head.will_close and bytes(s.body) == b"hello" and s.stray == 0


def test_stray_bytes_after_response_reported():
    s = parse(CL + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", eof=False)
    assert s.complete == 1 and s.stray == 1 and len(s.heads) == 1


def test_stray_bytes_when_idle():
    sink = Sink()
    p = ResponseParser(sink)
    p.feed(b"HTTP/1.1 200 OK\r\n\r\n")
    assert sink.stray == 1 and not sink.heads


def test_irregular_headers_fall_back_to_email_parser():
    data = b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok"
    s = parse(data)
    head = s.heads[0]
    assert head.headers.get("X-Folded") == "a\r\n b"
    assert head.headers.message.get("X-Folded") == "a\r\n b"
    assert bytes(s.body) == b"ok"


def test_bare_lf_lines():
    s = parse(b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok")
    assert s.heads[0].headers.get("content-length") == "2" and bytes(s.body) == b"ok"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.lists(st.integers(min_value=1, max_value=40), max_size=30))
def test_any_split_gives_the_same_result(data, pieces):
    assert summary(parse(data, pieces=pieces)) == summary(parse(data))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=1, max_value=20), max_size=20))
def test_garbage_never_escapes_as_other_errors(data, pieces):
    """Arbitrary bytes give a result or an HTTPException, and splitting changes neither."""
    whole = parse(b"HTTP/1.1 200 OK\r\n" + data)
    split = parse(b"HTTP/1.1 200 OK\r\n" + data, pieces=pieces)
    assert summary(whole) == summary(split)


# -- the same bytes through the stdlib's HTTPResponse (a real socket pair) -------------


def stdlib_parse(data: bytes, method: str = "GET"):
    def look(resp: http.client.HTTPResponse):
        body = resp.read()
        return (resp.status, resp.reason, resp.version, resp.getheaders(), body)

    try:
        return stdlib_reads(data, method, look)
    except http.client.HTTPException as exc:
        return ("error", type(exc).__name__)


def ours(data: bytes, method: str = "GET"):
    r = parse(data, method)
    if isinstance(r, BaseException):
        return ("error", type(r).__name__)
    h = r.heads[0]
    return (h.status, h.reason, h.version, h.headers.items(), bytes(r.body))


DIFFERENTIAL = [
    CL,
    CHUNKED,
    CLOSE,
    b"HTTP/1.1 100 Continue\r\n\r\n" + CL,
    b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 404 Not   Found  \r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nrest",
    b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nrest",
    b"HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Spaces:   v  \r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n\tb\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    b"HTTP/1.1 200 OK",
    b"HTTP/1.1 200 OK\r\n",
    b"",
    b"HTTP/1.1 x OK\r\n\r\n",
    b"ICY 200 OK\r\n\r\n",
    b"HTTP/3 200 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\nX-Lf: y\n\nok",
    b"HTTP/1.1 200 OK\r\nX: " + b"y" * 65600 + b"\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 99 + b"\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 100 + b"\r\n",
    # status lines near the whole-head parser's fast path for "HTTP/1.1 NNN"
    b"HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 \xb200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200\tTabbed\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1  200 Two spaces\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 Bare CR\r\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 999 Top\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 204\r\n\r\n",
    b"HTTP/1.1 200 \xe9t\xe9\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nA: b\nC: d\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nA b: c\r\nContent-Length: 0\r\n\r\n",
    # a status line cut short by the end of stream is no response
    b"HTTP/1.1 20",
    b"HTTP/1.1 2",
    b"HTTP/1.1 99",
    b"HTTP/1.1 200",
    b"HTTP/1.1 200 O",
    # Transfer-Encoding naming no coding: the length comes from Content-Length
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\nabcdEXTRA",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\nContent-Length: 4\r\n\r\nabcdEXTRA",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Identity \r\nContent-Length: 4\r\n\r\nabcd",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nto the end",
]


@pytest.mark.parametrize("data", DIFFERENTIAL, ids=range(len(DIFFERENTIAL)))
def test_same_as_stdlib(data):
    assert ours(data) == stdlib_parse(data)


def test_head_same_as_stdlib():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    assert ours(data, "HEAD") == stdlib_parse(data, "HEAD")


def test_body_bytes_received_elsewhere():
    sink = Sink()
    p = ResponseParser(sink)
    p.expect("GET")
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
    assert p.body_left == 8
    with pytest.raises(RuntimeError):
        p.skip_body(9)  # more than is left
    p.skip_body(5)
    assert (p.body_left, sink.complete) == (3, 0)
    p.feed(b"c")
    p.skip_body(2)
    assert (p.body_left, sink.complete, bytes(sink.body)) == (None, 1, b"abc")
    with pytest.raises(RuntimeError):
        p.skip_body(0)  # no body is being read


def test_body_left_only_for_content_length():
    p = ResponseParser(Sink())
    p.expect("GET")
    p.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe")
    assert p.body_left is None
    with pytest.raises(RuntimeError):
        p.skip_body(1)


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_second_response_on_a_parser_keeps_nothing_of_the_first(eol):
    """Header and trailer lines read line by line belong to their own response only."""
    first = eol.join([b"HTTP/1.1 200 OK", b"X-First: 1", b"Transfer-Encoding: chunked", b""])
    first += eol + b"2\r\nok\r\n0\r\nX-T1: a\r\n\r\n"
    second = eol.join([b"HTTP/1.1 201 Created", b"X-Second: 2", b"Transfer-Encoding: chunked"])
    second += eol + eol + b"0\r\nX-T2: b\r\n\r\n"
    for step in (1, 7, 1000):
        sink = Sink()
        p = ResponseParser(sink)
        trailers = []
        for data in (first, second):
            p.expect("GET")
            for pos in range(0, len(data), step):
                p.feed(data[pos : pos + step])
            assert p.trailers is not None
            trailers.append(p.trailers.items())
        assert sink.complete == 2
        assert trailers == [[("X-T1", "a")], [("X-T2", "b")]]
        for head in sink.heads:
            assert head.headers.message.items() == head.headers.items()
        assert [h.headers.items() for h in sink.heads] == [
            [("X-First", "1"), ("Transfer-Encoding", "chunked")],
            [("X-Second", "2"), ("Transfer-Encoding", "chunked")],
        ]


def test_a_detached_parser_refuses_to_deliver():
    # detach() is for a parser whose connection is gone; feeding it after is a bug
    sink = Sink()
    p = ResponseParser(sink)
    p.detach()
    p.expect("GET")
    with pytest.raises(RuntimeError, match="detached"):
        p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert sink.events == []


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\nhello world",
    ],
    ids=["length", "chunked", "until-close"],
)
@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_body_pieces_are_bytes_however_the_input_is_split(data, size):
    # Split input is kept in a bytearray between feeds; what reaches the sink must
    # still be bytes, as the stdlib's reads return.
    pieces: list[object] = []
    sink = Sink()
    sink.on_body = pieces.append  # type: ignore[method-assign]
    p = ResponseParser(sink)
    p.expect("GET")
    for i in range(0, len(data), size):
        p.feed(data[i : i + size])
    p.feed_eof()
    assert b"".join(pieces) == b"hello world"  # type: ignore[arg-type]
    assert {type(x) for x in pieces} == {bytes}
