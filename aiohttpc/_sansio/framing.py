"""What a response head says about its body and its connection, by the stdlib's rules.

``ResponseHead`` carries the status line and headers; ``decide_framing`` sets how its
body is delimited (length, chunked, or until close) and whether the connection ends
with it. Pure functions: nothing here reads bytes or knows of sockets.
"""

from __future__ import annotations

from typing import Final

from ..errors import ResponseFramingError
from .headers import Headers


class ResponseHead:
    """The status line and headers of a final response, with its decided framing."""

    __slots__ = (
        "chunked",
        "headers",
        "length",
        "raw_version",
        "reason",
        "status",
        "version",
        "will_close",
    )

    def __init__(self, raw_version: str, status: int, reason: str, headers: Headers) -> None:
        self.raw_version = raw_version
        self.version = 10 if raw_version in ("HTTP/1.0", "HTTP/0.9") else 11
        self.status = status
        self.reason = reason
        self.headers = headers
        self.chunked = False
        self.length: int | None = None
        self.will_close = False

    def __repr__(self) -> str:
        return f"<ResponseHead {self.status} {self.reason!r} v{self.version}>"


def _wants_close(version: int, index: dict[str, list[str]]) -> bool:
    """The stdlib's keep-alive rules for HTTP/1.1 and HTTP/1.0 (first values count)."""
    conn = index.get("connection")
    if version == 11:
        return conn is not None and "close" in conn[0].lower()
    if index.get("keep-alive", ("",))[0]:
        return False
    if conn is not None and "keep-alive" in conn[0].lower():
        return False
    pconn = index.get("proxy-connection")
    return not (pconn is not None and "keep-alive" in pconn[0].lower())


def _content_length(values: list[str]) -> int | None:
    """One length from every Content-Length value, or None where the stdlib ignores it.

    Raises ResponseFramingError when the values disagree.
    """
    found: set[int] = set()
    for value in values:
        for part in value.split(","):
            try:
                n = int(part)
            except ValueError:
                n = -1
            found.add(n)
    if len(found) > 1:
        raise ResponseFramingError(f"conflicting Content-Length values: {values!r}")
    n = found.pop() if found else -1
    return None if n < 0 else n


def _transfer_codings(values: list[str]) -> list[str]:
    """The transfer codings named, in order; ``identity`` (no coding) and empty items
    name none, so framing then comes from Content-Length, as in the stdlib."""
    codings = []
    for value in values:
        for part in value.split(","):
            coding = part.strip().lower()
            if coding and coding != "identity":
                codings.append(coding)
    return codings


# No body can be longer than this: a larger Content-Length cannot be read or indexed.
MAX_CONTENT_LENGTH: Final = (1 << 63) - 1

# The headers that decide framing and keep-alive, and the lengths of their names.
FRAMING: Final = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection"}
)
FRAMING_LENGTHS: Final = frozenset(map(len, FRAMING))


def decide_framing(
    head: ResponseHead, method: str | None, index: dict[str, list[str]] | None = None
) -> None:
    """Set ``chunked``, ``length`` and ``will_close`` on *head*, as the stdlib does.

    *index* maps lower-cased names to values for (at least) the ``FRAMING`` headers;
    by default the head's own header index. Stricter than the stdlib: Transfer-Encoding
    together with Content-Length reads the body by Transfer-Encoding and closes the
    connection afterwards; conflicting Content-Length values, or a length no body can
    have, raise ResponseFramingError.
    """
    if index is None:
        index = head.headers.index
    te = index.get("transfer-encoding")
    cl = index.get("content-length")
    head.will_close = _wants_close(head.version, index)
    if te and (codings := _transfer_codings(te)):
        head.chunked = codings[-1] == "chunked"
        if cl or not head.chunked:
            head.will_close = True
    elif cl:
        v = cl[0]
        length = int(v) if len(cl) == 1 and v.isdigit() and v.isascii() else _content_length(cl)
        if length is not None and length > MAX_CONTENT_LENGTH:
            raise ResponseFramingError(f"Content-Length too large: {v!r}")
        head.length = length
    status = head.status
    if method == "CONNECT" and 200 <= status < 300:
        head.length = 0  # the tunnel begins right after the head
        head.chunked = False
        head.will_close = False
        return
    if status == 204 or status == 304 or 100 <= status < 200 or method == "HEAD":
        # After a 101 the connection is the caller's for the new protocol: will_close
        # says what the head says, as in the stdlib (no length and no reuse either way).
        head.length = 0
        head.chunked = False
    if not head.chunked and head.length is None:
        head.will_close = True
