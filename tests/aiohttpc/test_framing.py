"""decide_framing, the one answer to 'how long is this body, and is the connection kept':
a table of heads, each also read by the stdlib where it defines the answer."""

from __future__ import annotations

import pytest

from aiohttpc._sansio.framing import MAX_CONTENT_LENGTH, ResponseHead, decide_framing
from aiohttpc._sansio.headers import Headers
from aiohttpc.errors import ResponseFramingError
from tests.stdlib_reading import stdlib_reads


def decided(version: str, status: int, lines: list[str], method: str = "GET"):
    raw = "".join(f"{line}\r\n" for line in lines).encode("latin-1")
    head = ResponseHead(version, status, "R", Headers(raw))
    decide_framing(head, method)
    return head.length, head.chunked, head.will_close


def stdlib(version: str, status: int, lines: list[str], method: str = "GET"):
    data = f"{version} {status} R\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n"
    return stdlib_reads(
        data.encode("latin-1"), method, lambda r: (r.length, r.chunked, r.will_close)
    )


SAME = [
    ("HTTP/1.1", 200, ["Content-Length: 5"]),
    ("HTTP/1.1", 200, ["Transfer-Encoding: chunked"]),
    ("HTTP/1.1", 200, ["Transfer-Encoding: CHUNKED"]),
    ("HTTP/1.1", 200, []),
    ("HTTP/1.1", 200, ["Content-Length: 5", "Connection: close"]),
    ("HTTP/1.1", 200, ["Content-Length: 5", "Connection: keep-alive, close"]),
    ("HTTP/1.0", 200, ["Content-Length: 5"]),
    ("HTTP/1.0", 200, ["Content-Length: 5", "Connection: keep-alive"]),
    ("HTTP/1.0", 200, ["Content-Length: 5", "Keep-Alive: timeout=5"]),
    ("HTTP/1.0", 200, ["Content-Length: 5", "Proxy-Connection: keep-alive"]),
    ("HTTP/1.1", 204, ["Content-Length: 5"]),
    ("HTTP/1.1", 101, ["Connection: Upgrade", "Upgrade: websocket"]),
    ("HTTP/1.1", 200, ["Content-Length: -1"]),
    ("HTTP/1.1", 200, ["Content-Length: x"]),
    ("HTTP/1.1", 200, ["Transfer-Encoding: identity", "Content-Length: 4"]),
    ("HTTP/1.1", 200, ["Transfer-Encoding: identity"]),
]


@pytest.mark.parametrize("case", SAME, ids=range(len(SAME)))
def test_same_as_stdlib(case):
    assert decided(*case) == stdlib(*case)


def test_head_and_connect():
    assert decided("HTTP/1.1", 200, ["Content-Length: 5"], "HEAD") == (0, False, False)
    assert decided("HTTP/1.1", 200, [], "CONNECT") == (0, False, False)
    # No body, so no chunked framing either (the stdlib's chunked 304 would read one).
    assert decided("HTTP/1.1", 304, ["Transfer-Encoding: chunked"]) == (0, False, False)
    assert decided("HTTP/1.1", 407, ["Content-Length: 3"], "CONNECT") == (3, False, False)


def test_stricter_than_the_stdlib():
    # Transfer-Encoding with Content-Length: read chunked, then closed.
    assert decided("HTTP/1.1", 200, ["Transfer-Encoding: chunked", "Content-Length: 3"]) == (
        None,
        True,
        True,
    )
    # The last coding decides; two fields are one list.
    assert decided("HTTP/1.1", 200, ["Transfer-Encoding: gzip, chunked"])[1] is True
    assert decided("HTTP/1.1", 200, ["Transfer-Encoding: gzip", "Transfer-Encoding: chunked"])[1]
    assert decided("HTTP/1.1", 200, ["Transfer-Encoding: chunked, gzip"]) == (None, False, True)
    # One length said twice is that length; two lengths are refused.
    assert decided("HTTP/1.1", 200, ["Content-Length: 5, 5"]) == (5, False, False)
    assert decided("HTTP/1.1", 200, ["Content-Length: 5", "Content-Length: 5"])[0] == 5
    with pytest.raises(ResponseFramingError):
        decided("HTTP/1.1", 200, ["Content-Length: 5", "Content-Length: 6"])
    with pytest.raises(ResponseFramingError):
        decided("HTTP/1.1", 200, [f"Content-Length: {MAX_CONTENT_LENGTH + 1}"])
    assert decided("HTTP/1.1", 200, [f"Content-Length: {MAX_CONTENT_LENGTH}"])[0] == (
        MAX_CONTENT_LENGTH
    )
