"""``http.client``'s request states, and the request head built under them.

A connection holds a ``RequestHeadBuilder`` and drives it with ``putrequest``,
``putheader`` and ``request``: it checks the state rules, validates what the caller
passes (through ``serializer``) and builds the head and the classified body as an
``Outgoing``, before any byte is written. Where the request goes (host, port, the
protocol version) is given with each request, so the connection's attributes stay
its own; writing is the driver's job.
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


# Where a request goes, as its head says it: (host, port, default port, version number,
# version string); the host and port are the tunnel's target when there is one. Version
# 10 sends no Host of its own. A plain tuple: a connection makes one per request.
Target = tuple[str, int, int, int, str]


_NO_NAMES: frozenset[str] = frozenset()


class RequestHeadBuilder:
    """One connection's request in the making: ``http.client``'s state, the head's lines,
    the method and URL of the last request, whether it asked ``100-continue``."""

    __slots__ = ("_host_cache", "chunk_ok", "expect_continue", "lines", "method", "state", "url")

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.state = CS_IDLE
        self.method: str | None = None
        self.url: str | None = None
        self.expect_continue = False
        self.chunk_ok = True  # the request is HTTP/1.1: its body may be chunked
        self._host_cache: tuple[Target, bytes] | None = None

    def _transition(self, op: str) -> None:
        need, after, error, named = _TRANSITIONS[op]
        if self.state != need:
            raise error(self.state) if named else error()
        self.state = after

    def reset(self) -> None:
        """Back to Idle, the lines built so far dropped (the connection closed, or the
        response's head arrived)."""
        self.state = CS_IDLE
        self.lines = []

    def head_arrived(self) -> None:
        """The response's head arrived: the next request may start (while its body is
        still unread, as in ``http.client``)."""
        self.state = CS_IDLE

    def cancel(self) -> None:
        """A built request will not be sent after all (its connection failed): back to
        Idle, so the next one may start."""
        if self.state == CS_REQ_SENT:
            self.state = CS_IDLE

    def putrequest(
        self,
        method: str,
        url: str,
        skip_host: bool = False,
        skip_accept_encoding: bool = False,
        *,
        target: Target,
    ) -> None:
        """Start a request: the request line, and Host and Accept-Encoding unless skipped."""
        self._transition("putrequest")
        host, port, default_port, vsn, vsn_str = target
        try:
            line = serializer.request_line(method, url, vsn_str)
        except BaseException:
            self.state = CS_IDLE
            raise
        self.method = method
        self.url = url = url or "/"
        self.expect_continue = False
        self.lines = [line]
        self.chunk_ok = vsn == 11
        if self.chunk_ok:
            if not skip_host:
                if url.startswith("http"):
                    value = serializer.host_value(url, host, port, default_port)
                    self.putheader("Host", value)
                else:
                    self.lines.append(self._host_line(target))
            if not skip_accept_encoding:
                self.lines.append(b"Accept-Encoding: identity")

    def _host_line(self, target: Target) -> bytes:
        """The Host line for requests with a path URL, cached for the target."""
        cached = self._host_cache
        if cached is None or cached[0] != target:
            value = serializer.host_value("", target[0], target[1], target[2])
            cached = self._host_cache = (target, serializer.header_line("Host", value))
        return cached[1]

    def putheader(self, header: str | bytes, *values: str | bytes | int) -> None:
        """Add a header line; several values are folded onto continuation lines."""
        if self.state != CS_REQ_STARTED:
            raise CannotSendHeader()
        line = serializer.header_line(header, *values)
        if line[:7].lower() == b"expect:" and b"100-continue" in line.lower():
            self.expect_continue = True
        self.lines.append(line)

    def prepare_end(self, message_body: Any = None, *, encode_chunked: bool = False) -> Outgoing:
        """The synchronous half of ``endheaders``: validate, change state, build the head."""
        kind = bodies.classify(message_body)  # TypeError before anything is sent
        return self._end(message_body, kind, encode_chunked)

    def _end(self, message_body: Any, kind: str, encode_chunked: bool) -> Outgoing:
        self._transition("endheaders")
        head = serializer.join_head(self.lines)
        self.lines.clear()  # not a new list: one object less per request
        if kind == bodies.BYTES and not isinstance(message_body, bytes):
            message_body = memoryview(message_body).cast("B")
        return Outgoing(head, message_body, kind, encode_chunked and self.chunk_ok)

    def prepare_request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, Any] = {},
        *,
        target: Target,
        encode_chunked: bool = False,
        debuglevel: int = 0,
    ) -> Outgoing:
        """The synchronous half of ``request``: every check, the state change, the head.

        Raises what ``request`` raises for bad input, before anything is sent.
        """
        names = frozenset(k.lower() for k in headers) if headers else _NO_NAMES
        kind = bodies.classify(body)  # TypeError before the state changes
        self.putrequest(
            method,
            url,
            "host" in names,
            "accept-encoding" in names,
            target=target,
        )
        try:
            if "content-length" in names:
                encode_chunked = False
            elif "transfer-encoding" not in names:
                encode_chunked = False
                length = bodies.content_length(body, method)
                if length is None:
                    if body is not None:
                        if debuglevel > 0:
                            print(f"Unable to determine size of {body!r}")
                        encode_chunked = True
                        self.lines.append(b"Transfer-Encoding: chunked")
                else:
                    self.lines.append(b"Content-Length: %d" % length)
            if headers:  # no view and iterator for the usual empty mapping
                for name, value in headers.items():
                    self.putheader(name, value)
            if isinstance(body, str):
                body = bodies.encode_text(body, "body")
        except BaseException:
            self.reset()
            raise
        return self._end(body, kind, encode_chunked)
