"""Response headers: a fast name/value list, and the ``HTTPMessage`` built only on demand.

The parser hands us the raw header block. For a regular block (every line
``token ":" value CRLF``) the list is split with ``bytes`` operations; anything the
fast path does not vouch for (folded lines, lines without a colon, bare CR or LF) is
given to ``email.parser`` so the result is exactly what ``http.client`` would report.
"""

from __future__ import annotations

import email.parser
from collections.abc import Iterator
from http.client import HTTPMessage
from typing import IO, Any, Final

from ..errors import HTTPException, LineTooLong
from .grammar import field

MAX_LINE: Final = 65536
MAX_HEADERS: Final = 100


def build_message(raw: bytes) -> HTTPMessage:
    """Parse a raw header block the way ``http.client.parse_headers`` does."""
    text = raw.decode("iso-8859-1")
    return email.parser.Parser(_class=HTTPMessage).parsestr(text)  # type: ignore[return-value]


def message_of(items: list[tuple[str, str]]) -> HTTPMessage | None:
    """The ``HTTPMessage`` that ``email.parser`` builds for a regular block with these
    items, built from them (no second parse). None when the email parser would do
    more: stop at a name that is not ASCII, or parse the (empty) payload of a
    multipart or message content type, noting defects."""
    msg = HTTPMessage()
    for name, value in items:
        if not name.isascii():
            return None
        if len(name) == 12 and name.lower() == "content-type":
            kind = value.lstrip(" \t").lower()
            if kind.startswith(("multipart/", "message/")):
                return None
        msg.set_raw(name, value)
    msg.set_payload("")
    return msg


def split_regular(raw: bytes) -> list[tuple[str, str]] | None:
    """Split a header block of CRLF-terminated lines; None if it is not regular."""
    if not raw:
        return []
    if raw.count(b"\r") != raw.count(b"\n") or raw.count(b"\r\n") != raw.count(b"\n"):
        return None
    items: list[tuple[str, str]] = []
    for line in raw.split(b"\r\n"):
        if not line:
            continue
        item = field(line)
        if item is None:
            return None
        items.append(item)
    return items


class Headers:
    """Case-insensitive, order-keeping header list with the ``email.message`` read API.

    ``get``/``get_all``/``items`` answer like ``HTTPMessage``; ``message`` builds the
    real ``HTTPMessage`` the first time it is asked for.
    """

    __slots__ = ("_index", "_items", "_message", "_raw")

    def __init__(self, raw: bytes, items: list[tuple[str, str]] | None = None) -> None:
        self._raw = raw
        self._message: HTTPMessage | None = None
        if items is None:
            items = split_regular(raw)
            if items is None:
                self._message = build_message(raw)
                items = [(k, str(v)) for k, v in self._message.items()]
        self._items = items
        self._index: dict[str, list[str]] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its bytes and fields (a crawl's results cross processes)."""
        return (Headers, (self._raw, list(self._items)))

    @property
    def index(self) -> dict[str, list[str]]:
        """Lower-cased name -> its values, in order (built on first use; do not modify)."""
        return self._index if self._index is not None else self._build_index()

    def _build_index(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for k, v in self._items:
            key = k.lower()
            found = index.get(key)
            if found is None:
                index[key] = [v]
            else:
                found.append(v)
        self._index = index
        return index

    @property
    def raw(self) -> bytes:
        return self._raw

    @property
    def message(self) -> HTTPMessage:
        if self._message is None:
            # Without a message yet, the items are those of a regular block.
            self._message = message_of(self._items) or build_message(self._raw)
        return self._message

    def get_all(self, name: str, failobj: Any = None) -> Any:
        """Every value of *name* (a list), or *failobj* when there is none."""
        found = self.index.get(name.lower())
        return list(found) if found else failobj

    def getheader(self, name: str, default: Any = None) -> Any:
        """``HTTPResponse.getheader``'s answer: the values of *name* joined by ", ", or
        *default* (itself joined when it is a list of strings, as the stdlib does)."""
        found = self.get_all(name) or default
        if isinstance(found, str) or not hasattr(found, "__iter__"):
            return found
        return ", ".join(found)

    def get(self, name: str, failobj: Any = None) -> Any:
        """The first value of *name*, or *failobj*."""
        found = self.index.get(name.lower())
        return found[0] if found else failobj

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)  # type: ignore[no-any-return]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys(self) -> list[str]:
        return [k for k, _ in self._items]

    def values(self) -> list[str]:
        return [v for _, v in self._items]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<Headers {self._items!r}>"


def read_header_lines(fp: IO[bytes]) -> bytes:
    """Read header lines from a binary file up to the blank line, with the stdlib limits."""
    lines = []
    while True:
        line = fp.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise LineTooLong("header line")
        lines.append(line)
        if len(lines) > MAX_HEADERS:
            raise HTTPException(f"got more than {MAX_HEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            break
    return b"".join(lines)


def parse_headers(fp: IO[bytes], _class: type = HTTPMessage) -> HTTPMessage:
    """Read a header block from *fp* and return it parsed as *_class* (``HTTPMessage``)."""
    text = read_header_lines(fp).decode("iso-8859-1")
    return email.parser.Parser(_class=_class).parsestr(text)  # type: ignore[return-value]
