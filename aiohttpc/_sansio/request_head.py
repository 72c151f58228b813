"""``http.client``'s request states, and the request head built under them.

A connection holds a ``RequestHeadBuilder`` and drives it with ``putrequest``,
``putheader`` and ``request``: it checks the state rules, validates what the caller
passes (through ``serializer``) and builds the head and the classified body as an
``Outgoing``, before any byte is written. Where the request goes (host, port, the
protocol version) is given with each request, so the connection's attributes stay
its own; writing is the driver's job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ..errors import CannotSendHeader, CannotSendRequest, HTTPException
from . import body as bodies
from . import serializer

CS_IDLE: Final = "Idle"
CS_REQ_STARTED: Final = "Request-started"
CS_REQ_SENT: Final = "Request-sent"

# operation -> (state it needs, state it leaves, error class, whether the error names the state)
_TRANSITIONS: Final[dict[str, tuple[str, str, type[HTTPException], bool]]] = {
    "putrequest": (CS_IDLE, CS_REQ_STARTED, CannotSendRequest, True),
    "putheader": (CS_REQ_STARTED, CS_REQ_STARTED, CannotSendHeader, False),
    "endheaders": (CS_REQ_STARTED, CS_REQ_SENT, CannotSendHeader, False),
}


class Outgoing:
    """A request ready to be written: its head and its classified body.

    A plain class, not a ``NamedTuple``: compiled, making one is a C call, where a
    named tuple's constructor is Python code on every request.
    """

    __slots__ = ("body", "chunked", "head", "kind")

    def __init__(self, head: bytes, body: Any, kind: str, chunked: bool) -> None:
        self.head = head
        self.body = body
        self.kind = kind
        self.chunked = chunked


# Where a request goes, as its head says it: (host, port, default port, version number,
# version string); the host and port are the tunnel's target when there is one. Version
# 10 sends no Host of its own. A plain tuple: a connection makes one per request.
Target = tuple[str, int, int, int, str]


_NO_NAMES: Final[frozenset[str]] = frozenset()


class RequestHeadBuilder:
    """One connection's request in the making: ``http.client``'s state, the head's lines,
    the method and URL of the last request, whether it asked ``100-continue``."""

    __slots__ = ("_host_cache", "chunk_ok", "expect_continue", "lines", "method", "state", "url")

    def __init__(self) -> None:
        # Any, not list[bytes]: a caller may give its own list (http.client's _buffer),
        # whose append a compiled build must still call.
        self.lines: Any = []
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
        """Back to Idle, the lines built so far dropped (the connection closed, or a
        request could not be built)."""
        self.state = CS_IDLE
        self.lines.clear()  # the same list: a caller may have given its own (``_buffer``)

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
        encode: Callable[[str], bytes] | None = None,
    ) -> None:
        """Start a request: the request line (encoded by *encode* if given), and Host
        and Accept-Encoding unless skipped."""
        self._transition("putrequest")
        host, port, default_port, vsn, vsn_str = target
        try:
            line = serializer.request_line(method, url, vsn_str, encode)
        except BaseException:
            self.state = CS_IDLE
            raise
        self.method = method
        self.url = url = url or "/"
        self.expect_continue = False
        lines = self.lines
        lines.clear()
        lines.append(line)
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

    def putheader(self, header: Any, *values: Any) -> None:
        """Add a header line; several values are folded onto continuation lines."""
        if self.state != CS_REQ_STARTED:
            raise CannotSendHeader()
        line = serializer.header_line(header, *values)
        if line[:7].lower() == b"expect:" and b"100-continue" in line.lower():
            self.expect_continue = True
        self.lines.append(line)

    def end_headers(self) -> None:
        """``endheaders``' state change alone, for a driver that writes the lines itself
        (``http.client``'s ``_send_output``): ``CannotSendHeader`` out of turn."""
        self._transition("endheaders")

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
            framing, encode_chunked = framing_field(method, body, names, encode_chunked, debuglevel)
            if framing is not None:
                self.lines.append(framing)
            if headers:  # no view and iterator for the usual empty mapping
                for name, value in headers.items():
                    self.putheader(name, value)
            if isinstance(body, str):
                body = bodies.encode_text(body, "body")
        except BaseException:
            self.reset()
            raise
        return self._end(body, kind, encode_chunked)


def framing_field(
    method: str, body: Any, names: frozenset[str], encode_chunked: bool, debuglevel: int = 0
) -> tuple[bytes | None, bool]:
    """The framing header line ``http.client``'s ``request()`` adds for *body* (None
    when the caller's headers, lower-cased *names*, have one), and whether the body
    is then sent chunked."""
    if "content-length" in names:
        return None, False
    if "transfer-encoding" in names:
        return None, encode_chunked
    length = bodies.content_length(body, method)
    if length is not None:
        return b"Content-Length: %d" % length, False
    if body is None:
        return None, False
    if debuglevel > 0:
        print(f"Unable to determine size of {body!r}")
    return b"Transfer-Encoding: chunked", True


def connect_head(host: str, port: int, headers: Mapping[str, str]) -> bytes:
    """The ``CONNECT`` request that opens a tunnel to *host*:*port*, as ``http.client``
    sends it (HTTP/1.0, the caller's headers validated)."""
    lines = [b"CONNECT %s:%d HTTP/1.0" % (host.encode("ascii"), port)]
    lines += [serializer.header_line(k, v) for k, v in headers.items()]
    return serializer.join_head(lines)
