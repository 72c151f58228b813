"""The blocking ``HTTPConnection`` and ``HTTPSConnection``.

Every rule lives in the ``aiohttpc`` core; this module only carries calls across the
bridge and adapts the results. Per request/response cycle there is at most one
waiting hop: ``request()`` on an open connection posts the send without waiting (a
send error surfaces at ``getresponse()``, as it mostly does with the stdlib), and
``getresponse()`` brings back the head with whatever body has already arrived, so a
small response is read without another hop.
"""

from __future__ import annotations

import io
import socket
import ssl
from collections.abc import Mapping
from typing import Any

import aiohttpc
from aiohttpc._sansio.body import content_length
from aiohttpc.connection import resolve_timeout, split_hostport
from aiohttpc.errors import NotConnected
from aiohttpc.status import HTTP_PORT, HTTPS_PORT

from .bridge import bridge
from .direct_write import write_small
from .response import HTTPResponse
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


def _delegate(name: str, doc: str) -> property:
    def get(self: HTTPConnection) -> Any:
        return getattr(self._core, name)

    def set_(self: HTTPConnection, value: Any) -> None:
        setattr(self._core, name, value)

    return property(get, set_, doc=doc)


class HTTPConnection:
    """``http.client.HTTPConnection``, blocking, on the aiohttpc core."""

    _http_vsn = 11
    _http_vsn_str = "HTTP/1.1"
    response_class: type[HTTPResponse] = HTTPResponse
    default_port = HTTP_PORT
    auto_open = 1

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
        host, port = split_hostport(host, port, self.default_port)
        self._setup(aiohttpc.HTTPConnection(host, port, timeout, source_address, blocksize))

    def _setup(self, core: aiohttpc.HTTPConnection) -> None:
        core._http_vsn = self._http_vsn
        core.default_port = self.default_port  # a subclass's own (urllib3's HTTPS: 443)
        core._http_vsn_str = self._http_vsn_str
        core.auto_open = 0  # we open connections ourselves, through connect(), which
        core.blocking_iterables = True  # subclasses override; iterables may block
        self._core = core
        self._send_error: BaseException | None = None
        self._sock_view: _SocketView | None = None
        self._taken: Any = None  # after a 101: the connection, the caller's now

    def __repr__(self) -> str:
        return repr(self._core).replace("<", "<sync_facade.", 1)

    host = _delegate("host", "The host connected to.")
    port = _delegate("port", "The port connected to.")
    timeout = _delegate("timeout", "Seconds each blocking operation may take.")
    source_address = _delegate("source_address", "The local (host, port) to bind.")
    blocksize = _delegate("blocksize", "Read size for file-like bodies.")
    debuglevel = _delegate("debuglevel", "Debug output level, as set_debuglevel().")

    @property
    def _tunnel_host(self) -> str | None:
        return self._core._tunnel_host

    @property
    def _tunnel_port(self) -> int | None:
        return self._core._tunnel_port

    @property
    def _tunnel_headers(self) -> dict[str, str]:
        return self._core._tunnel_headers

    @property
    def sock(self) -> Any:
        """The connection's socket (None when not connected); see ``_SocketView``.

        After a 101 it is the switched connection itself (see ``upgrade``).
        """
        if self._taken is not None:
            return self._taken
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
        if value is None:
            bridge.call(self._core.detach_nowait)
        else:
            bridge.run(self._core.connect_socket(value), on_interrupt=self._core.close_nowait)

    def set_debuglevel(self, level: int) -> None:
        self._core.set_debuglevel(level)

    def set_tunnel(
        self, host: str, port: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self._core.set_tunnel(host, port, headers)

    def connect(self) -> None:
        """Connect to the host and port given to the constructor (or the tunnel)."""
        core = self._core
        self._taken = None
        bridge.run(core.connect(), on_interrupt=core.close_nowait)

    def close(self) -> None:
        """Close the connection; a response still being read on it is closed too."""
        taken = self._taken
        self._taken = None
        try:
            bridge.call(self._core.close_nowait)
        finally:
            if taken is not None:
                taken.close()

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

    def putrequest(
        self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False
    ) -> None:
        self._core.putrequest(method, url, skip_host, skip_accept_encoding)

    def putheader(self, header: str | bytes, *values: Any) -> None:
        self._core.putheader(header, *values)

    def endheaders(self, message_body: Any = None, *, encode_chunked: bool = False) -> None:
        self._dispatch(self._core.prepare_end(message_body, encode_chunked=encode_chunked))

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, Any] = {},
        *,
        encode_chunked: bool = False,
    ) -> None:
        out = self._core.prepare_request(method, url, body, headers, encode_chunked=encode_chunked)
        self._dispatch(out)

    def _ensure_connected(self) -> None:
        if not self._core.connected:
            if not self.auto_open:
                raise NotConnected()
            self.connect()

    def _dispatch(self, out: Any) -> None:
        core = self._core
        try:
            self._ensure_connected()
        except BaseException:
            core.cancel_prepared()
            raise
        self._send_error = None
        if write_small(core, out):  # from this thread, when the loop is not needed
            return
        if core.sends_at_once(out):
            bridge.call_soon(self._send_now, out)
        else:
            bridge.run(core.send_prepared(out), on_interrupt=core.close_nowait)

    def _send_now(self, out: Any) -> None:
        """On the loop: write a small request; an error waits for ``getresponse()``."""
        try:
            self._core.send_now(out)
        except Exception as exc:
            self._send_error = exc

    def send(self, data: Any) -> None:
        """Send raw *data* (bytes, a file or an iterable) on the connection."""
        self._ensure_connected()
        core = self._core
        bridge.run(core.send(data), on_interrupt=core.close_nowait)

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
        return (core_resp, handoff, *core_reader.hand_over(), taken)

    def getresponse(self) -> HTTPResponse:
        """The response to the request sent (``ResponseNotReady`` if none can be read).

        After a ``101 Switching Protocols`` the connection stays open for the new
        protocol, as with the stdlib: ``sock`` is it, and the response's ``fp`` first
        gives the bytes that came right after the head.
        """
        core = self._core
        core_resp, handoff, chunks, done, error, taken = bridge.run(
            self._getresponse(), on_interrupt=core.close_nowait
        )
        response = self.response_class(core_resp, handoff, chunks, done, error)
        core_resp.handed_to = response
        if taken is not None:
            self._taken, tail = taken
            response.fp = reader_after(self._taken, tail)
        return response


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
        self.key_file = key_file
        self.cert_file = cert_file
        host, port = split_hostport(host, port, self.default_port)
        core = aiohttpc.HTTPSConnection(
            host,
            port,
            key_file,
            cert_file,
            timeout,
            source_address,
            context=context,
            check_hostname=check_hostname,
            blocksize=blocksize,
        )
        self._setup(core)

    @property
    def _context(self) -> ssl.SSLContext:
        return self._core._context  # type: ignore[attr-defined, no-any-return]
