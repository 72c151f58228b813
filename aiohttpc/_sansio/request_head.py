"""``http.client``'s request states, and the request head built under them.

``RequestHeadBuilder`` is the part of a connection that ``putrequest``, ``putheader``
and ``request`` drive: it checks the state rules, validates what the caller passes
(through ``serializer``) and builds the head and the classified body as an
``Outgoing``, before any byte is written. Writing it is the connection's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..errors import CannotSendHeader, CannotSendRequest, HTTPException
from . import body as bodies
from . import serializer

CS_IDLE = "Idle"
CS_REQ_STARTED = "Request-started"
CS_REQ_SENT = "Request-sent"

# operation -> (state it needs, state it leaves, error class, whether the error names the state)
_TRANSITIONS: dict[str, tuple[str, str, type[HTTPException], bool]] = {
    "putrequest": (CS_IDLE, CS_REQ_STARTED, CannotSendRequest, True),
    "putheader": (CS_REQ_STARTED, CS_REQ_STARTED, CannotSendHeader, False),
    "endheaders": (CS_REQ_STARTED, CS_REQ_SENT, CannotSendHeader, False),
}


class Outgoing(NamedTuple):
    """A request ready to be written: its head and its classified body."""

    head: bytes
    body: Any
    kind: str
    chunked: bool


_NO_NAMES: frozenset[str] = frozenset()


class RequestHeadBuilder:
    """The request-building half of ``HTTPConnection``; see ``connection`` for the rest.

    The connection provides the attributes declared here without a value.
    """

    _http_vsn = 11
    _http_vsn_str = "HTTP/1.1"
    default_port: int
    debuglevel: int
    host: str
    port: int
    _tunnel_host: str | None
    _tunnel_port: int | None
    _response: Any

    def __init__(self) -> None:
        self._buffer: list[bytes] = []
        self._state = CS_IDLE
        self._method: str | None = None
        self._url: str | None = None
        self._expect_continue = False
        self._host_cache: tuple[tuple[str, int], bytes] | None = None

    def _transition(self, op: str) -> None:
        need, after, error, named = _TRANSITIONS[op]
        if self._state != need:
            raise error(self._state) if named else error()
        self._state = after

    def putrequest(
        self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False
    ) -> None:
        """Start a request: the request line, and Host and Accept-Encoding unless skipped."""
        if self._response is not None and self._response.isclosed():
            self._response = None
        self._transition("putrequest")
        try:
            line = serializer.request_line(method, url, self._http_vsn_str)
        except BaseException:
            self._state = CS_IDLE
            raise
        self._method = method
        self._url = url or "/"
        self._expect_continue = False
        self._buffer = [line]
        if self._http_vsn == 11:
            if not skip_host:
                host = self._tunnel_host or self.host
                port = self._tunnel_port if self._tunnel_host else self.port
                if self._url.startswith("http"):
                    value = serializer.host_value(self._url, host, port, self.default_port)  # type: ignore[arg-type]
                    self.putheader("Host", value)
                else:
                    self._buffer.append(self._host_line(host, port))  # type: ignore[arg-type]
            if not skip_accept_encoding:
                self._buffer.append(b"Accept-Encoding: identity")

    def _host_line(self, host: str, port: int) -> bytes:
        """The Host line for requests with a path URL, cached for the (host, port)."""
        key = (host, port)
        cached = self._host_cache
        if cached is None or cached[0] != key:
            value = serializer.host_value("", host, port, self.default_port)
            cached = self._host_cache = (key, serializer.header_line("Host", value))
        return cached[1]

    def putheader(self, header: str | bytes, *values: str | bytes | int) -> None:
        """Add a header line; several values are folded onto continuation lines."""
        if self._state != CS_REQ_STARTED:
            raise CannotSendHeader()
        line = serializer.header_line(header, *values)
        if line[:7].lower() == b"expect:" and b"100-continue" in line.lower():
            self._expect_continue = True
        self._buffer.append(line)

    def prepare_end(self, message_body: Any = None, *, encode_chunked: bool = False) -> Outgoing:
        """The synchronous half of ``endheaders``: validate, change state, build the head."""
        kind = bodies.classify(message_body)  # TypeError before anything is sent
        return self._end(message_body, kind, encode_chunked)

    def _end(self, message_body: Any, kind: str, encode_chunked: bool) -> Outgoing:
        self._transition("endheaders")
        head = serializer.join_head(self._buffer)
        self._buffer.clear()  # not a new list: one object less per request
        if kind == bodies.BYTES and not isinstance(message_body, bytes):
            message_body = memoryview(message_body).cast("B")
        return Outgoing(head, message_body, kind, encode_chunked and self._http_vsn == 11)

    def prepare_request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, Any] = {},
        *,
        encode_chunked: bool = False,
    ) -> Outgoing:
        """The synchronous half of ``request``: every check, the state change, the head.

        Raises what ``request`` raises for bad input, before anything is sent.
        """
        names = frozenset(k.lower() for k in headers) if headers else _NO_NAMES
        kind = bodies.classify(body)  # TypeError before the state changes
        self.putrequest(
            method, url, skip_host="host" in names, skip_accept_encoding="accept-encoding" in names
        )
        try:
            if "content-length" in names:
                encode_chunked = False
            elif "transfer-encoding" not in names:
                encode_chunked = False
                length = bodies.content_length(body, method)
                if length is None:
                    if body is not None:
                        if self.debuglevel > 0:
                            print(f"Unable to determine size of {body!r}")
                        encode_chunked = True
                        self._buffer.append(b"Transfer-Encoding: chunked")
                else:
                    self._buffer.append(b"Content-Length: %d" % length)
            if headers:  # no view and iterator for the usual empty mapping
                for name, value in headers.items():
                    self.putheader(name, value)
            if isinstance(body, str):
                body = bodies.encode_text(body, "body")
        except BaseException:
            self._state = CS_IDLE
            self._buffer = []
            raise
        return self._end(body, kind, encode_chunked)
