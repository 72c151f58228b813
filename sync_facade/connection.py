"""The blocking ``HTTPConnection`` and ``HTTPSConnection``.

Every rule lives in the ``aiohttpc`` core; this module keeps ``http.client``'s state
under the stdlib's names and drives the rules one of two ways:

- A connection the façade opens itself goes through the bridge to the event loop.
  Per request/response cycle there is at most one waiting hop: ``request()`` on an
  open connection posts the send without waiting (a send error surfaces at
  ``getresponse()``, as it mostly does with the stdlib), and ``getresponse()`` brings
  back the head with whatever body has already arrived.
- A socket object the caller gives (``conn.sock = ...``, a ``connect()`` of its own,
  or ``_create_connection``) stays the caller's: the request and the response move
  over it in the caller's thread (``socket_driver``), through the overridable steps
  ``_send_request``, ``putrequest``, ``putheader``, ``endheaders``, ``_send_output``,
  ``send`` and ``response_class(sock, method=...).begin()``, as the stdlib's do.
"""

from __future__ import annotations

import errno
import io
import socket
import ssl
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttpc
from aiohttpc._sansio import body as bodies
from aiohttpc._sansio import serializer
from aiohttpc._sansio.body import content_length
from aiohttpc._sansio.request_head import (
    CS_REQ_SENT,
    Outgoing,
    RequestHeadBuilder,
    Target,
    connect_head,
    framing_field,
)
from aiohttpc.connection import resolve_timeout, split_hostport
from aiohttpc.errors import NotConnected, ResponseNotReady
from aiohttpc.status import HTTP_PORT, HTTPS_PORT

from .bridge import bridge
from .direct_write import write_small
from .response import FromLoop, HTTPResponse, limits
from .socket_driver import body_pieces, send_body
from .upgrade import reader_after, take_over

_DEFAULT_TIMEOUT: Any = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]


class _SocketView:
    """What ``conn.sock`` gives: the connection's socket, made safe to ``close()``.

    As with the stdlib (where the response keeps its own reference to the socket),
    closing it, or setting ``conn.sock = None``, leaves a response being read intact:
    the connection is closed once that response is done with it.
    """

    def __init__(self, core: aiohttpc.HTTPConnection, protocol: Any) -> None:
        # The core connection, not the façade's: the façade keeps this view, and a
        # reference back would be a cycle only the garbage collector could free.
        self._core = core
        self._protocol = protocol

    def _sock(self) -> Any:
        t = self._protocol.transport
        return t.get_extra_info("socket") if t is not None else None

    def close(self) -> None:
        core = self._core
        if core.protocol is self._protocol:
            bridge.call(core.detach_nowait)  # as ``conn.sock = None``

    def settimeout(self, value: float | None) -> None:
        self._core.timeout = value

    def gettimeout(self) -> float | None:
        return resolve_timeout(self._core.timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock(), name)

    def __repr__(self) -> str:
        return f"<sync_facade socket {self._sock()!r}>"


# The steps of a request that subclasses override (botocore's _send_output and send,
# test doubles' _validate_*): a class overriding any of them has its requests go
# through them all, one by one, as the stdlib's do.
_STEPS = (
    "_send_request",
    "putrequest",
    "putheader",
    "endheaders",
    "_send_output",
    "send",
    "_validate_path",
    "_validate_host",
    "_validate_method",
    "_encode_request",
)


def overridden(cls: type) -> frozenset[str]:
    """Which of the steps *cls* overrides (asked once per class, as it is made)."""
    return frozenset(
        name for name in _STEPS if getattr(cls, name) is not getattr(HTTPConnection, name)
    )


class HTTPConnection:
    """``http.client.HTTPConnection``, blocking, on the aiohttpc core."""

    _http_vsn = 11
    _http_vsn_str = "HTTP/1.1"
    response_class: Any = HTTPResponse
    default_port = HTTP_PORT
    _steps: frozenset[str]  # the request steps this class overrides (``overridden``)
    auto_open = 1
    debuglevel = 0

    # urllib.request calls these on the class
    _get_content_length = staticmethod(content_length)

    @staticmethod
    def _is_textIO(stream: Any) -> bool:
        return isinstance(stream, io.TextIOBase)

    def __init__(
        self,
        host: str,
        port: int | None = None,
        timeout: Any = _DEFAULT_TIMEOUT,
        source_address: tuple[str, int] | None = None,
        blocksize: int = 8192,
        *,
        strict: Any = None,
    ) -> None:
        self.timeout = timeout
        self.source_address = source_address
        self.blocksize = blocksize
        self._given: Any = None  # a socket object the caller gave: driven in this thread
        self._taken: Any = None  # after a 101: the connection, the caller's now
        self._rq = RequestHeadBuilder()
        self._response: HTTPResponse | None = None  # over the caller's socket only
        self._tunnel_host: str | None = None
        self._tunnel_port: int | None = None
        self._tunnel_headers: dict[str, str] = {}
        self.host, self.port = self._get_hostport(host, port)
        self._validate_host(self.host)
        self._create_connection = socket.create_connection
        self._send_error: BaseException | None = None
        self._sock_view: _SocketView | None = None
        self._core = self._new_core()

    def _new_core(self) -> aiohttpc.HTTPConnection:
        return self._setup(aiohttpc.HTTPConnection(self.host, self.port, self.timeout))

    def _setup(self, core: aiohttpc.HTTPConnection) -> aiohttpc.HTTPConnection:
        core.request_head = self._rq  # one request state, whichever way it is sent
        core.auto_open = 0  # we open connections ourselves, through connect(), which
        core.blocking_iterables = True  # subclasses override; iterables may block
        return core

    def __repr__(self) -> str:
        state = "connected" if self.sock is not None else "not connected"
        return f"<sync_facade.{type(self).__name__} {self.host}:{self.port} {state}>"

    # -- state under the stdlib's names ------------------------------------------------

    def _get_hostport(self, host: str, port: int | None) -> tuple[str, int]:
        return split_hostport(host, port, self.default_port)

    def _validate_host(self, host: str) -> None:
        serializer.validate_url(host)

    # The stdlib's steps of putrequest. Overriding them adds checks, but takes none
    # away: the request line is always checked again as it is built.
    def _validate_method(self, method: str) -> None:
        serializer.validate_method(method)

    def _validate_path(self, url: str) -> None:
        serializer.validate_url(url)

    def _encode_request(self, request: str) -> bytes:
        return request.encode("ascii")

    def _output(self, s: bytes) -> None:
        """Add a line to the request being built (for callers; the façade's own steps
        add theirs to the same list directly, so an override is not called)."""
        self._rq.lines.append(s)

    @property
    def _method(self) -> str | None:
        return self._rq.method

    @property
    def _buffer(self) -> list[bytes]:
        """The request's lines so far (the stdlib's; botocore joins them itself)."""
        return self._rq.lines

    @_buffer.setter
    def _buffer(self, value: list[bytes]) -> None:
        self._rq.lines = value

    @property
    def _HTTPConnection__state(self) -> str:
        return self._rq.state

    @property
    def _HTTPConnection__response(self) -> Any:
        return self._response

    def _target(self) -> Target:
        th = self._tunnel_host
        host, port = (th, self._tunnel_port) if th else (self.host, self.port)
        return (host, port, self.default_port, self._http_vsn, self._http_vsn_str)  # type: ignore[return-value]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._steps = overridden(cls)

    def _stepped(self) -> bool:
        """Whether requests go step by step (a socket of the caller's, or a subclass
        that overrides a step) rather than in one go through the bridge."""
        return self._given is not None or bool(self._steps)

    @property
    def sock(self) -> Any:
        """The connection's socket, None when not connected: the caller's own object
        when it gave one; else a view of the bridged one (see ``_SocketView``). After a
        101 it is the switched connection itself (see ``upgrade``)."""
        if self._taken is not None:
            return self._taken
        if self._given is not None:
            return self._given
        p = self._core.protocol
        if p is None:
            return None
        view = self._sock_view
        if view is None or view._protocol is not p:
            view = self._sock_view = _SocketView(self._core, p)
        return view

    @sock.setter
    def sock(self, value: Any) -> None:
        self._taken = None
        if isinstance(value, _SocketView) and value._protocol is self._core.protocol:
            return  # our own view given back
        if self._core.protocol is not None:
            bridge.call(self._core.detach_nowait)
        self._given = value

    def set_debuglevel(self, level: int) -> None:
        self.debuglevel = level

    def set_tunnel(
        self, host: str, port: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Connect through the HTTP proxy given to the constructor, to *host*:*port*."""
        if self.sock is not None:
            raise RuntimeError("Can't set up tunnel for established connection")
        self._tunnel_host, self._tunnel_port = self._get_hostport(host, port)
        self._tunnel_headers = dict(headers) if headers else {}

    # -- connecting ----------------------------------------------------------------------

    def connect(self) -> None:
        """Connect to the host and port given to the constructor (or the tunnel)."""
        sys.audit("http.client.connect", self, self.host, self.port)
        if self._create_connection is not socket.create_connection:
            # A caller's own way to connect (a test double, a library's hook).
            self.sock = self._create_connection(
                (self.host, self.port), self.timeout, self.source_address
            )
            try:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                if exc.errno != errno.ENOPROTOOPT:
                    raise
            if self._tunnel_host:
                self._tunnel()
            return
        self._taken = self._given = None
        core = self._core
        tunnel = (self._tunnel_host, self._tunnel_port) if self._tunnel_host else None
        core.retarget(self.host, self.port, tunnel, self._tunnel_headers)  # type: ignore[arg-type]
        core.timeout = resolve_timeout(self.timeout)  # the default as it is now, as a socket's
        core.source_address = self.source_address
        core.blocksize = self.blocksize
        core.default_port = self.default_port  # a subclass's own (urllib3's HTTPS: 443)
        core._http_vsn, core._http_vsn_str = self._http_vsn, self._http_vsn_str
        core.limits = limits()
        bridge.run(core.connect(), on_interrupt=core.close_nowait)

    def _tunnel(self) -> None:
        """Open the tunnel over the caller's socket (``CONNECT``, in this thread)."""
        self.send(connect_head(self._tunnel_host, self._tunnel_port, self._tunnel_headers))  # type: ignore[arg-type]
        response = self.response_class(self.sock, method="CONNECT")
        try:
            response.begin()
            if response.status != 200:
                self.close()
                raise OSError(f"Tunnel connection failed: {response.status} {response.reason}")
            if self.debuglevel > 0:
                for name, value in response.getheaders():
                    print("header:", f"{name}: {value}")
        finally:
            response.close()

    def close(self) -> None:
        """Close the connection; a response still being read on it is closed too."""
        self._rq.reset()
        taken, given, response = self._taken, self._given, self._response
        self._taken = self._given = self._response = None
        try:
            if self._core.busy:  # only a connection that went through the loop
                bridge.call(self._core.close_nowait)
        finally:
            for thing in (given, taken, response):
                if thing is not None:
                    thing.close()

    def __del__(self) -> None:
        # A dropped stdlib connection closes its socket when collected; so does ours
        # (the loop would otherwise keep the transport open for the process's life).
        core: aiohttpc.HTTPConnection | None = getattr(self, "_core", None)
        if core is None:
            return  # __init__ did not get that far
        p = core.protocol
        if p is not None and p.loop is bridge.current_loop:  # not one from before a fork
            try:
                bridge.call_soon(core.detach_nowait)
            except RuntimeError:  # the loop is gone (interpreter shutdown)
                pass

    # -- sending -------------------------------------------------------------------------

    def _drop_closed_response(self) -> None:
        r = self._response
        if r is not None and r.isclosed():
            self._response = None
            if r.left_unread:
                # The rest of its body is still in the socket: the next response would
                # be read from it (the stdlib's desync). A new connection instead.
                self.close()

    def putrequest(
        self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False
    ) -> None:
        self._drop_closed_response()
        steps = self._steps
        if steps:  # a subclass's own checks first, as the stdlib calls them
            if "_validate_method" in steps:
                self._validate_method(method)
            if "_validate_path" in steps:
                self._validate_path(url or "/")
        encode = self._encode_request if "_encode_request" in steps else None
        self._rq.putrequest(
            method, url, skip_host, skip_accept_encoding, target=self._target(), encode=encode
        )

    def putheader(self, header: str | bytes, *values: Any) -> None:
        self._rq.putheader(header, *values)

    def endheaders(self, message_body: Any = None, *, encode_chunked: bool = False) -> None:
        if self._stepped():
            self._rq.end_headers()
            self._send_output(message_body, encode_chunked=encode_chunked)
        else:
            self._dispatch(self._rq.prepare_end(message_body, encode_chunked=encode_chunked))

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, Any] = {},
        *,
        encode_chunked: bool = False,
    ) -> None:
        if self._given is not None or self._steps:  # _stepped(), inlined
            self._send_request(method, url, body, headers, encode_chunked)
            return
        # Bridged: no response of ours to drop (the core keeps it), _target() inlined
        th = self._tunnel_host
        host, port = (th, self._tunnel_port) if th else (self.host, self.port)
        out = self._rq.prepare_request(
            method,
            url,
            body,
            headers,
            target=(host, port, self.default_port, self._http_vsn, self._http_vsn_str),  # type: ignore[arg-type]
            encode_chunked=encode_chunked,
            debuglevel=self.debuglevel,
        )
        self._dispatch(out)

    def _send_request(
        self, method: str, url: str, body: Any, headers: Mapping[str, Any], encode_chunked: bool
    ) -> None:
        """``request()`` as the stdlib's: through ``putrequest``, ``putheader`` and
        ``endheaders``, each of which a subclass may override."""
        names = frozenset(k.lower() for k in headers)
        skips = {}
        if "host" in names:
            skips["skip_host"] = True
        if "accept-encoding" in names:
            skips["skip_accept_encoding"] = True
        self.putrequest(method, url, **skips)
        line, encode_chunked = framing_field(method, body, names, encode_chunked, self.debuglevel)
        if line is not None:
            name, _, value = line.decode("ascii").partition(": ")
            self.putheader(name, value)
        for name, value in headers.items():
            self.putheader(name, value)
        if isinstance(body, str):
            body = bodies.encode_text(body, "body")
        self.endheaders(body, encode_chunked=encode_chunked)

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        """Send the head built so far, then *message_body* (chunked if asked), each
        piece through ``send``."""
        lines = self._rq.lines
        head = serializer.join_head(lines)
        lines.clear()
        self.send(head)
        if message_body is not None:
            chunked = encode_chunked and self._http_vsn == 11
            send_body(self.send, message_body, chunked, self.blocksize, self.debuglevel > 0)

    def _ensure_connected(self) -> None:
        if self._given is None and self._taken is None and not self._core.connected:
            if not self.auto_open:
                raise NotConnected()
            self.connect()

    def _dispatch(self, out: Outgoing) -> None:
        core = self._core
        try:
            self._ensure_connected()
        except BaseException:
            self._rq.cancel()
            raise
        if self._given is not None:  # connect() gave a socket of its own
            self.send(out.head)
            if out.kind != bodies.NONE:
                send_body(self.send, out.body, out.chunked, self.blocksize, self.debuglevel > 0)
            return
        self._send_error = None
        core.debuglevel = self.debuglevel  # a plain attribute here, read by the core
        if write_small(core, out):  # from this thread, when the loop is not needed
            return
        if core.sends_at_once(out):
            bridge.call_soon(self._send_now, out)
        else:
            bridge.run(core.send_prepared(out), on_interrupt=core.close_nowait)

    def _send_now(self, out: Outgoing) -> None:
        """On the loop: write a small request; an error waits for ``getresponse()``."""
        try:
            self._core.send_now(out)
        except Exception as exc:
            self._send_error = exc

    def send(self, data: Any) -> None:
        """Send raw *data* (bytes, a file or an iterable) on the connection."""
        self._ensure_connected()
        sock = self._given
        if sock is None:
            core = self._core
            core.debuglevel = self.debuglevel
            bridge.run(core.send(data), on_interrupt=core.close_nowait)
            return
        if self.debuglevel > 0:
            print("send:", repr(data))
        if hasattr(data, "read"):
            for block in body_pieces(
                data, self.blocksize, "sending" if self.debuglevel > 0 else None
            ):
                sock.sendall(block)
            return
        try:
            sock.sendall(data)
        except TypeError:
            if not isinstance(data, Iterable):
                raise TypeError(
                    f"data should be a bytes-like object or an iterable, got {type(data)!r}"
                ) from None
            for piece in data:
                sock.sendall(piece)

    # -- the response --------------------------------------------------------------------

    async def _getresponse(self) -> Any:
        error = self._send_error
        if error is not None:  # the request posted by request() could not be written
            self._send_error = None
            raise error
        core_resp = await self._core.getresponse()
        taken = None
        if core_resp.status == 101:
            taken = await take_over(core_resp, resolve_timeout(self._core.timeout))
        handoff = core_resp.hand_off()
        _, core_reader, _, _ = handoff
        return FromLoop((core_resp, handoff, *core_reader.hand_over())), taken

    def getresponse(self) -> HTTPResponse:
        """The response to the request sent (``ResponseNotReady`` if none can be read).

        After a ``101 Switching Protocols`` the connection stays open for the new
        protocol, as with the stdlib: ``sock`` is it, and the response's ``fp`` first
        gives the bytes that came right after the head.
        """
        if self._given is not None:
            return self._getresponse_here()
        core = self._core
        given, taken = bridge.run(self._getresponse(), on_interrupt=core.close_nowait)
        response = self.response_class(given)
        given[0].handed_to = response
        if taken is not None:
            self._taken, tail = taken
            response.fp = reader_after(self._taken, tail)
        return response

    def _getresponse_here(self) -> HTTPResponse:
        """``getresponse()`` over the caller's socket, in this thread."""
        self._drop_closed_response()
        rq = self._rq
        if rq.state != CS_REQ_SENT or self._response is not None:
            raise ResponseNotReady(rq.state)
        if self.debuglevel > 0:
            response = self.response_class(self.sock, self.debuglevel, method=self._method)
        else:
            response = self.response_class(self.sock, method=self._method)
        try:
            try:
                response.begin()
            except ConnectionError:
                self.close()
                raise
            rq.head_arrived()
            if response.will_close:
                self.close()  # the response keeps its own reference to the socket
            else:
                self._response = response
            return response  # type: ignore[no-any-return]
        except BaseException:
            response.close()
            raise


HTTPConnection._steps = frozenset()


class HTTPSConnection(HTTPConnection):
    """``http.client.HTTPSConnection``: verified TLS by default, on the aiohttpc core."""

    default_port = HTTPS_PORT

    def __init__(
        self,
        host: str,
        port: int | None = None,
        key_file: str | None = None,
        cert_file: str | None = None,
        timeout: Any = _DEFAULT_TIMEOUT,
        source_address: tuple[str, int] | None = None,
        *,
        context: ssl.SSLContext | None = None,
        check_hostname: bool | None = None,
        blocksize: int = 8192,
        strict: Any = None,
    ) -> None:
        if key_file is not None or cert_file is not None or check_hostname is not None:
            warnings.warn(  # as the stdlib's 3.11 warns
                "key_file, cert_file and check_hostname are deprecated, "
                "use a custom context instead.",
                DeprecationWarning,
                2,
            )
        self.key_file = key_file
        self.cert_file = cert_file
        self._tls = (key_file, cert_file, context, check_hostname)
        super().__init__(host, port, timeout, source_address, blocksize)

    def _new_core(self) -> aiohttpc.HTTPConnection:
        key_file, cert_file, context, check_hostname = self._tls
        core = aiohttpc.HTTPSConnection(
            self.host,
            self.port,
            key_file,
            cert_file,
            self.timeout,
            context=context,
            check_hostname=check_hostname,
        )
        return self._setup(core)

    @property
    def _context(self) -> ssl.SSLContext:
        return self._core._context  # type: ignore[attr-defined, no-any-return]

    def connect(self) -> None:
        super().connect()
        given = self._given
        if given is not None and not isinstance(given, ssl.SSLSocket):
            # A socket the caller's own _create_connection made: TLS here, as the stdlib.
            server_hostname = self._tunnel_host or self.host
            self.sock = self._context.wrap_socket(given, server_hostname=server_hostname)
