"""``HTTPConnection`` and ``HTTPSConnection``: ``http.client``'s rules, awaited.

The request/response states, as in ``http.client``::

      (null)  --putrequest()-->  Request-started  --putheader()*-->  Request-started
         ^                                                              |
         |                                                        endheaders()
      getresponse()                                                     v
         +------------------------------------------------------  Request-sent

A response that is not read to the end blocks the next ``getresponse()``
(``ResponseNotReady``), as in the stdlib. Unlike the stdlib, a connection the server
has closed while idle is noticed and opened anew before the next request, and any
error while sending or reading a head closes the connection rather than leaving it
half used.

The state rules and the building of the request head are those of the connection's
``RequestHeadBuilder`` (``_sansio.request_head``); what arrives is its protocol's
``Incoming`` (``_sansio.incoming``). This module connects, writes and waits.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Mapping
from typing import Any

from ._aio import sender, small_request
from ._aio.dialer import dial, is_address
from ._aio.protocol import HTTPProtocol, bounded, resolve_timeout
from ._aio.resolver import Resolver, system_lookup
from ._sansio import body as bodies
from ._sansio import serializer
from ._sansio.request_head import (
    CS_REQ_SENT,
    Outgoing,
    RequestHeadBuilder,
    Target,
    connect_head,
)
from .errors import (
    InvalidURL,
    NotConnected,
    RemoteDisconnected,
    ResponseNotReady,
)
from .response import HTTPResponse
from .status import HTTP_PORT


def _close(connected: tuple[asyncio.BaseTransport, Any]) -> None:
    """A connection made just as its connect timed out: nobody will use it."""
    connected[0].close()


def split_hostport(host: str, port: int | None, default_port: int) -> tuple[str, int]:
    """``host:port`` and ``[v6]:port`` parsing with the stdlib's InvalidURL message.

    A port outside 0-65535 is an InvalidURL here, before any socket exists (the
    stdlib's socket layer raises OverflowError at connect).
    """
    if port is None:
        i = host.rfind(":")
        j = host.rfind("]")
        if i > j:
            tail = host[i + 1 :]
            if tail == "":
                port = default_port
            else:
                try:
                    port = int(tail)
                except ValueError:
                    raise InvalidURL(f"nonnumeric port: '{tail}'") from None
            host = host[:i]
        else:
            port = default_port
        if host and host[0] == "[" and host[-1] == "]":
            host = host[1:-1]
    if isinstance(port, int) and not 0 <= port <= 65535:
        raise InvalidURL(f"port out of range: {port}")
    return host, port


class HTTPConnection:
    """One HTTP/1.1 connection to *host*:*port*, with ``http.client``'s API awaited.

    ``timeout`` bounds the connect and each wait for the network (``TimeoutError``).
    Raises the ``http.client`` exceptions: ``CannotSendRequest``, ``CannotSendHeader``,
    ``ResponseNotReady``, ``NotConnected``, ``InvalidURL``, and ``OSError`` subclasses
    from the socket.
    """

    response_class: type[HTTPResponse] = HTTPResponse
    default_port = HTTP_PORT
    _http_vsn = 11
    _http_vsn_str = "HTTP/1.1"
    auto_open = 1
    debuglevel = 0
    # (longest line, most header lines) a response head may have, for connections made
    # from now on; None: http.client's 65536 and 100
    limits: tuple[int, int] | None = None
    blocking_iterables = False  # True: sync iterables are advanced in the default executor
    # names are looked up through this (a cache shared by a pool) when set, and their
    # addresses raced as RFC 8305 says when happy_eyeballs_delay is set; with neither,
    # the event loop connects to the name itself
    resolver: Resolver | None = None
    happy_eyeballs_delay: float | None = None

    def __init__(
        self,
        host: str,
        port: int | None = None,
        timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
        source_address: tuple[str, int] | None = None,
        blocksize: int = 8192,
        *,
        strict: Any = None,
    ) -> None:
        self.timeout = timeout
        self.source_address = source_address
        self.blocksize = blocksize
        # http.client's request state and the head being built; a driver that builds
        # requests itself (the blocking façade) gives the one it holds.
        self.request_head = RequestHeadBuilder()
        self._protocol: HTTPProtocol | None = None
        self._response: HTTPResponse | None = None
        self._expected = False  # the response to the request being sent is expected
        self.last_body_path: str | None = None  # "sendfile" or "copy": how the last body went
        self._tunnel_host: str | None = None
        self._tunnel_port: int | None = None
        self._tunnel_headers: dict[str, str] = {}
        self.host, self.port = split_hostport(host, port, self.default_port)
        serializer.validate_url(self.host)

    def __repr__(self) -> str:
        state = "connected" if self._protocol is not None else "not connected"
        return f"<{type(self).__name__} {self.host}:{self.port} {state} {self.request_head.state}>"

    async def __aenter__(self) -> HTTPConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- the socket and set-up -----------------------------------------------------------

    @property
    def sock(self) -> Any:
        """The underlying socket object of the transport, or None when not connected."""
        p = self._protocol
        if p is None or p.transport is None:
            return None
        return p.transport.get_extra_info("socket")

    @property
    def protocol(self) -> HTTPProtocol | None:
        return self._protocol

    def set_debuglevel(self, level: int) -> None:
        self.debuglevel = level

    def retarget(
        self,
        host: str,
        port: int,
        tunnel: tuple[str, int] | None = None,
        tunnel_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Where the next ``connect()`` goes, for a driver that keeps the address (and
        the tunnel's) itself; the open connection, if any, is not touched."""
        self.host, self.port = host, port
        self._tunnel_host, self._tunnel_port = tunnel if tunnel else (None, None)
        self._tunnel_headers = dict(tunnel_headers) if tunnel_headers else {}

    def set_tunnel(
        self, host: str, port: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Connect through an HTTP proxy at (host, port) given to the constructor."""
        if self._protocol is not None:
            raise RuntimeError("Can't set up tunnel for established connection")
        self._tunnel_host, self._tunnel_port = split_hostport(host, port, self.default_port)
        self._tunnel_headers = dict(headers) if headers else {}

    # -- connecting ----------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the TCP connection (and the CONNECT tunnel, if one was set)."""
        self._drop_protocol()
        loop = asyncio.get_running_loop()
        timeout = resolve_timeout(self.timeout)
        kwargs: dict[str, Any] = {}
        if self.source_address:
            host, port = self.source_address
            if not host:  # any address, as socket.bind(("", port)) takes it
                host = "::" if ":" in self.host else "0.0.0.0"
            kwargs["local_addr"] = (host, port)
        if (self.resolver is None and self.happy_eyeballs_delay is None) or is_address(self.host):
            connecting = loop.create_connection(
                self._protocol_factory(loop), self.host, self.port, **kwargs
            )
        else:
            connecting = self._dial(loop, kwargs.get("local_addr"))
        if timeout is None:
            _transport, protocol = await connecting  # no Task needed: nothing to cancel
        else:
            _transport, protocol = await bounded(loop.create_task(connecting), timeout, _close)
        self._protocol = protocol
        try:
            if self._tunnel_host:
                await self._tunnel(protocol, timeout)
            await self._secure(loop, protocol, timeout)
        except BaseException:
            self._drop_protocol()
            raise

    def _protocol_factory(self, loop: asyncio.AbstractEventLoop) -> Callable[[], HTTPProtocol]:
        return lambda: HTTPProtocol(loop, limits=self.limits)

    async def _dial(
        self, loop: asyncio.AbstractEventLoop, local_addr: tuple[str, int] | None
    ) -> tuple[asyncio.Transport, HTTPProtocol]:
        """Look the name up (through the resolver) and race its addresses."""
        if self.resolver is not None:
            infos = await self.resolver.resolve(self.host, self.port)
        else:
            infos = await system_lookup(self.host, self.port)
        sock = await dial(infos, delay=self.happy_eyeballs_delay, local_addr=local_addr)
        try:
            return await loop.create_connection(self._protocol_factory(loop), sock=sock)
        except BaseException:
            sock.close()
            raise

    async def connect_socket(self, sock: socket.socket) -> None:
        """Use an already connected socket (e.g. a Unix domain socket) as the connection.

        The transport takes the socket over; no tunnel or TLS is set up on it.
        """
        self._drop_protocol()
        loop = asyncio.get_running_loop()
        task = loop.create_task(loop.create_connection(self._protocol_factory(loop), sock=sock))
        _transport, protocol = await bounded(task, resolve_timeout(self.timeout), _close)
        self._protocol = protocol

    def detach_nowait(self) -> None:
        """Forget the connection without cutting short a response still being read.

        That response closes the connection when it is done with it, as if the server
        had said ``Connection: close``.
        """
        p = self._protocol
        self._protocol = None
        if p is None:
            return
        response = self._response
        if response is not None and not response.isclosed():
            response.own_connection()
        else:
            p.close()

    async def _secure(
        self, loop: asyncio.AbstractEventLoop, protocol: HTTPProtocol, timeout: float | None
    ) -> None:
        """Hook for TLS; plain HTTP has nothing to do."""

    async def _tunnel(self, protocol: HTTPProtocol, timeout: float | None) -> None:
        assert self._tunnel_host is not None and self._tunnel_port is not None
        head = connect_head(self._tunnel_host, self._tunnel_port, self._tunnel_headers)
        if self.debuglevel > 0:
            print("send:", repr(head))
        protocol.rx.expect("CONNECT")
        protocol.write(head)
        resp = await protocol.read_head(timeout)
        if resp.status != 200:
            raise OSError(f"Tunnel connection failed: {resp.status} {resp.reason.strip()}")
        if self.debuglevel > 0:
            for name, value in resp.headers.items():
                print("header:", f"{name}: {value}")

    def _drop_protocol(self) -> None:
        p = self._protocol
        self._protocol = None
        if p is not None:
            p.close()

    async def close(self) -> None:
        """Close the connection (and a response still being read on it); wait until closed."""
        p = self._protocol
        self.close_nowait()
        if p is not None:
            await p.wait_closed()

    def close_nowait(self) -> None:
        """``close()`` without awaiting: usable from callbacks on the loop."""
        self.request_head.reset()
        self._expected = False
        try:
            self._drop_protocol()
        finally:
            response = self._response
            if response is not None:
                self._response = None
                response.close()

    # -- building a request -----------------------------------------------------------

    @property
    def _method(self) -> str | None:
        return self.request_head.method

    def _target(self) -> Target:
        """Where the head says the request goes; for ``RequestHeadBuilder``."""
        th = self._tunnel_host
        if th:
            return (th, self._tunnel_port, self.default_port, self._http_vsn, self._http_vsn_str)  # type: ignore[return-value]
        return (self.host, self.port, self.default_port, self._http_vsn, self._http_vsn_str)

    def _drop_closed_response(self) -> None:
        r = self._response
        if r is not None and r.isclosed():
            self._response = None

    def putrequest(
        self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False
    ) -> None:
        """Start a request: the request line, and Host and Accept-Encoding unless skipped."""
        self._drop_closed_response()
        self.request_head.putrequest(
            method, url, skip_host, skip_accept_encoding, target=self._target()
        )

    def putheader(self, header: str | bytes, *values: str | bytes | int) -> None:
        """Add a header line; several values are folded onto continuation lines."""
        self.request_head.putheader(header, *values)

    def prepare_end(self, message_body: Any = None, *, encode_chunked: bool = False) -> Outgoing:
        """The synchronous half of ``endheaders``: validate, change state, build the head."""
        return self.request_head.prepare_end(message_body, encode_chunked=encode_chunked)

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
        r = self._response
        if r is not None and r.isclosed():  # a closed response no longer blocks
            self._response = None
        # _target(), inlined: one call less on every request
        th = self._tunnel_host
        host, port = (th, self._tunnel_port) if th else (self.host, self.port)
        return self.request_head.prepare_request(
            method,
            url,
            body,
            headers,
            target=(host, port, self.default_port, self._http_vsn, self._http_vsn_str),  # type: ignore[arg-type]
            encode_chunked=encode_chunked,
            debuglevel=self.debuglevel,
        )

    # -- sending -------------------------------------------------------------------------

    async def endheaders(self, message_body: Any = None, *, encode_chunked: bool = False) -> None:
        """Send the request head, then *message_body* if given."""
        await self.send_prepared(self.prepare_end(message_body, encode_chunked=encode_chunked))

    async def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, Any] = {},
        *,
        encode_chunked: bool = False,
    ) -> None:
        """Send a whole request; Content-Length or chunking chosen as the stdlib does."""
        out = self.prepare_request(method, url, body, headers, encode_chunked=encode_chunked)
        if not self._written_at_once(out):  # most requests: no second coroutine
            await self.send_prepared(out)

    def cancel_prepared(self) -> None:
        """A prepared request will not be sent after all (its connection failed)."""
        if self._response is None:
            self.request_head.cancel()

    @property
    def busy(self) -> bool:
        """Whether there is anything to close: a connection, or a response on one."""
        return self._protocol is not None or self._response is not None

    @property
    def connected(self) -> bool:
        """Whether a usable connection is open (one the server has not closed)."""
        p = self._protocol
        return p is not None and p.usable

    def _small(self, out: Outgoing) -> bool:
        """Whether *out* is written in one go: no body, or a small bytes body."""
        return small_request.is_small(out, self.request_head.expect_continue)

    def sends_at_once(self, out: Outgoing) -> bool:
        """Whether *out* goes out in one write on the open connection (nothing to wait for:
        no connect, no body to stream, no paused transport to drain)."""
        return small_request.at_once(self._protocol, out, self.request_head.expect_continue)

    def send_now(self, out: Outgoing) -> None:
        """Write a request for which ``sends_at_once`` held, without awaiting anything.

        Raises what the write raised (the connection is closed then), or
        ``RemoteDisconnected`` if the server closed the connection in the meantime.
        """
        p = self._protocol
        if p is None or not p.usable:
            self.close_nowait()
            raise RemoteDisconnected("Remote end closed connection without response")
        self._write_whole(p, out)

    def _written_at_once(self, out: Outgoing) -> bool:
        """Write *out* when ``sends_at_once`` holds; False (nothing done) when not."""
        rq = self.request_head
        try:
            if not small_request.write_at_once(
                self._protocol, out, rq.method, rq.expect_continue, self.debuglevel
            ):
                return False
        except BaseException:
            self.close_nowait()
            raise
        self._expected = True
        self.last_body_path = None if out.kind == bodies.NONE else "copy"
        return True

    def announce_idle(self, out: Outgoing) -> bytes | None:
        """For a writer off the loop: when *out* goes out in one write on the open, idle
        connection, expect its response and return its bytes; None (nothing done) when
        not. The caller must write them all, before anything else is written on the
        connection (the blocking façade writes them straight onto the socket).

        Only on an idle connection: no response is being parsed on the loop's thread
        while the caller's thread starts expecting the next one.
        """
        p = self._protocol
        if p is None or not p.usable or not p.rx.idle or not self._small(out):
            return None
        return self._announce(p, out)

    def _announce(self, p: HTTPProtocol, out: Outgoing) -> bytes:
        """Expect the response to *out* and return its bytes (head and small body)."""
        self.last_body_path = None if out.kind == bodies.NONE else "copy"
        self._expected = True
        return small_request.announce(p, out, self.request_head.method, self.debuglevel)

    def _write_whole(self, p: HTTPProtocol, out: Outgoing) -> None:
        """Write a small request in one go; a failed write closes the connection."""
        try:
            p.write(self._announce(p, out))
        except BaseException:
            self.close_nowait()
            raise

    async def _ensure_open(self) -> HTTPProtocol:
        if not self.connected:
            if not self.auto_open:
                if self._protocol is not None:
                    # there was a connection and the server has closed it
                    raise RemoteDisconnected("Remote end closed connection without response")
                raise NotConnected()
            await self.connect()
        assert self._protocol is not None
        return self._protocol

    async def send(self, data: Any) -> None:
        """Send *data* (bytes, a file or an iterable) on the open connection."""
        p = await self._ensure_open()
        kind = bodies.classify(data)
        rq = self.request_head
        if rq.state == CS_REQ_SENT and not self._expected:
            # The head of the request just built, written by a driver's own hands (as
            # http.client's _send_output does): its response comes next.
            p.rx.expect(rq.method)
            self._expected = True
        if self.debuglevel > 0:  # what http.client's send() prints
            print("send:", repr(data))
            sender.print_readable(kind, "sending")
        try:
            await self._write_body(p, data, kind, False, debug=False)
        except BaseException:
            self.close_nowait()
            raise

    async def send_prepared(self, out: Outgoing) -> None:
        """Send a request made by ``prepare_request``/``prepare_end``: head, then body."""
        head, body, kind, chunked = out.head, out.body, out.kind, out.chunked
        p = self._protocol if self.connected else None  # no coroutine for the common case
        if p is None:
            try:
                p = await self._ensure_open()
            except BaseException:
                self.request_head.reset()
                raise
        try:
            if self._small(out):
                self._write_whole(p, out)
                if p.writing_paused:
                    await p.drain(resolve_timeout(self.timeout))
                return
            self.last_body_path = "copy"
            p.rx.expect(self.request_head.method)
            self._expected = True
            if self.debuglevel > 0:
                print("send:", repr(head))
            p.write(head)
            timeout = resolve_timeout(self.timeout)
            if self.request_head.expect_continue and not await sender.wait_continue(p, timeout):
                return
            await self._write_body(p, body, kind, chunked)
            if chunked:
                if self.debuglevel > 0:
                    print("send:", repr(serializer.LAST_CHUNK))
                p.write(serializer.LAST_CHUNK)
            if not p.lost:
                await p.drain(timeout)
            # Lost after the whole request was handed over: not a send error (the stdlib's
            # sendall had returned too); getresponse() reports the answer or the loss.
        except OSError:
            t = p.transport
            if not p.answered and not p.lost and t is not None and t.is_closing():
                # A send failed and the transport is closing: its loss, reported next,
                # reads what the server sent before (see HTTPProtocol.connection_lost).
                await p.wait_closed()
            if p.answered:
                # The server answered before it took the whole request (a 413, a 401):
                # that answer is the outcome, getresponse() returns it. Never reused.
                p.retire()
                return
            self.close_nowait()
            raise
        except BaseException:
            # Never leave a half-sent request on a connection that could be reused.
            self.close_nowait()
            raise

    async def _write_body(
        self, p: HTTPProtocol, body: Any, kind: str, chunked: bool, *, debug: bool | None = None
    ) -> None:
        self.last_body_path = await sender.write_body(
            p,
            body,
            kind,
            chunked,
            resolve_timeout(self.timeout),
            blocksize=self.blocksize,
            debug=self.debuglevel > 0 if debug is None else debug,
            blocking_iterables=self.blocking_iterables,
        )

    # -- the response --------------------------------------------------------------------

    async def getresponse(self) -> HTTPResponse:
        """The response to the request sent; ``ResponseNotReady`` if none can be read now."""
        r = self._response
        if r is not None and r.isclosed():
            self._response = None
        rq = self.request_head
        if rq.state != CS_REQ_SENT or self._response is not None:
            raise ResponseNotReady(rq.state)
        p = self._protocol
        if p is None:
            raise ResponseNotReady(rq.state)
        timeout = resolve_timeout(self.timeout)
        try:
            # read_head's loop, without a coroutine of its own
            while (head := p.arrived_head()) is None:
                await p.wait(timeout)
        except BaseException:
            self.close_nowait()
            raise
        if self.debuglevel > 0:
            print("reply:", repr(f"{head.raw_version} {head.status} {head.reason}\r\n"))
        rq.head_arrived()
        self._expected = False
        if p.rx.retired:
            head.will_close = True
        will_close = head.will_close
        response = self.response_class(
            p,
            p.rx.current,
            rq.method,
            rq.url,
            debuglevel=self.debuglevel,
            timeout=timeout,
        )
        if will_close:
            self._protocol = None  # the response now owns the connection
        else:
            self._response = response
        return response
