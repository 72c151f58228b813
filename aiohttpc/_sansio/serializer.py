"""Request head encoding with validation, and chunk framing. Pure functions.

Validation follows ``http.client`` (same exception classes and messages) and is
stricter where the stdlib lets bytes through that could split a request: CR, LF and
NUL (and the other control bytes) can never reach the wire from a method, URL,
header name or header value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import urlsplit

from ..errors import InvalidURL
from .grammar import bad_in_encoded, bad_in_method, bad_in_name, bad_in_url, bad_in_value


def validate_method(method: str) -> None:
    """Raise ValueError if *method* could not be sent as a request-line token."""
    match = bad_in_method(method)
    if match:
        raise ValueError(
            f"method can't contain control characters. {method!r} "
            f"(found at least {match.group()!r})"
        )


def validate_url(url: str) -> None:
    """Raise InvalidURL if *url* (a request target or a host) holds control bytes."""
    match = bad_in_url(url)
    if match:
        raise InvalidURL(
            f"URL can't contain control characters. {url!r} (found at least {match.group()!r})"
        )


# The parameters a caller fills are typed Any on purpose: each function checks what it
# gets and raises the stdlib's error; a compiled build would otherwise raise its own.
def encode_header_name(name: Any) -> bytes:
    """Encode and validate a header name; ValueError if it is not a token."""
    raw = name.encode("ascii") if isinstance(name, str) else bytes(name)
    if not raw or bad_in_name(raw):
        raise ValueError(f"Invalid header name {raw!r}")
    return raw


def encode_header_value(value: Any) -> bytes:
    """Encode one header value as the stdlib does (str as Latin-1, int as decimal).

    Anything else must be bytes-like; TypeError otherwise (a list of ints is not a value).
    """
    if isinstance(value, str):
        raw = value.encode("latin-1")
    elif isinstance(value, int):
        raw = str(value).encode("ascii")
    elif isinstance(value, bytes):
        raw = value
    else:
        try:
            raw = memoryview(value).tobytes()
        except TypeError:
            raise TypeError(
                f"expected string or bytes-like object, got {type(value).__name__!r}"
            ) from None
    if bad_in_value(raw):
        raise ValueError(f"Invalid header value {raw!r}")
    return raw


# Lines already validated, for headers sent again and again (User-Agent, Accept...).
_known_lines: dict[tuple[str, str], bytes] = {}
_KNOWN_MAX: Final = 512  # entries, each a value of at most _KNOWN_VALUE characters
_KNOWN_VALUE: Final = 256


def header_line(name: Any, *values: Any) -> bytes:
    """One validated header line (without CRLF); several values fold as the stdlib does."""
    if len(values) == 1 and type(name) is str and type(value := values[0]) is str:
        key = (name, value)
        line = _known_lines.get(key)
        if line is None:
            line = encode_header_name(name) + b": " + encode_header_value(value)
            if len(value) <= _KNOWN_VALUE:
                if len(_known_lines) >= _KNOWN_MAX:
                    _known_lines.clear()
                _known_lines[key] = line
        return line
    return encode_header_name(name) + b": " + b"\r\n\t".join(map(encode_header_value, values))


def request_line(
    method: str,
    url: str,
    version: str = "HTTP/1.1",
    encode: Callable[[str], bytes] | None = None,
) -> bytes:
    """Validate and encode the request line (without CRLF): as ASCII, or with the
    caller's *encode* (``http.client``'s ``_encode_request``), whose bytes may then
    hold no control character either."""
    url = url or "/"
    if bad_in_method(method) or bad_in_url(url):
        validate_method(method)  # raises with the stdlib's message
        validate_url(url)
    text = f"{method} {url} {version}"
    if encode is None:
        return text.encode("ascii")
    line = encode(text)
    if bad_in_encoded(line.replace(b" ", b"", 2)):
        raise InvalidURL(f"request line can't contain control characters: {line!r}")
    return line


def strip_ipv6_zone(host: bytes) -> bytes:
    """An IPv6 host without its zone (`[fe80::1%eth0]` -> `[fe80::1]`), as Host sends it."""
    host, percent, _ = host.partition(b"%")
    if percent:
        host += b"]"
    return host


def _idna(text: str) -> bytes:
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        return text.encode("idna")


def host_value(url: str, host: str, port: int, default_port: int) -> bytes:
    """The Host header value the stdlib derives for *url* sent to *host*:*port*."""
    if url.startswith("http"):
        netloc = urlsplit(url).netloc
        if netloc:
            return strip_ipv6_zone(_idna(netloc))
    enc = _idna(host)
    if ":" in host:
        enc = strip_ipv6_zone(b"[" + enc + b"]")
    if port == default_port:
        return enc
    return enc + b":" + str(port).encode("ascii")


def chunk_size_line(n: int) -> bytes:
    """The line that opens a chunk of *n* bytes; ``CHUNK_END`` closes its data."""
    return b"%X\r\n" % n


CHUNK_END: Final = b"\r\n"


def chunk(data: bytes | memoryview) -> list[bytes | memoryview]:
    """Frame one chunk of a chunked body (for ``writelines``); its size in bytes."""
    n = len(data) if isinstance(data, bytes) else memoryview(data).nbytes
    return [chunk_size_line(n), data, CHUNK_END]


LAST_CHUNK: Final = b"0\r\n\r\n"


def join_head(lines: Iterable[bytes]) -> bytes:
    """The request head: lines joined by CRLF, ended by the blank line."""
    return b"\r\n".join(lines) + b"\r\n\r\n"
