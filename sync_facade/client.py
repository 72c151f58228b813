"""The blocking ``HTTPConnection``, ``HTTPSConnection`` and ``HTTPResponse``.

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
from aiohttpc.body import content_length
from aiohttpc.buffer import BodyBuffer
from aiohttpc.connection import resolve_timeout, split_hostport
from aiohttpc.direct_read import SOME as DIRECT_MIN
from aiohttpc.direct_read import DirectBody
from aiohttpc.errors import NotConnected
from aiohttpc.reader import NEED, BodyReader
from aiohttpc.status import HTTP_PORT, HTTPS_PORT

from .bridge import bridge

_UNSET: Any = object()
_DEFAULT_TIMEOUT: Any = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]


class _LocalSource:
    """The body bytes already handed over to the caller's thread."""

    __slots__ = ("_core", "buffer", "direct", "done", "error")

    def __init__(
        self, core: aiohttpc.HTTPResponse, chunks: list[bytes], done: bool, error: Any
    ) -> None:
        self._core = core
        self.buffer = BodyBuffer()
        self.buffer.extend(chunks)
        self.done = done
        self.error = error
        self.direct: DirectBody | None = None  # this thread reads the rest itself

    def consumed(self) -> None:
        pass  # flow control happens on the loop, as chunks are handed over

    def drop_direct(self) -> None:
        """Stop reading the body off the socket (its duplicate socket is closed)."""
        direct = self.direct
        if direct is not None:
            self.direct = None
            direct.close()

    def release(self, complete: bool) -> None:
        core = self._core
        if not self.done:
            # The rest of the body is still on the connection: the core closes it, and
            # before the caller goes on, so that its next request opens a new one.
            if bridge.in_loop_thread():
                core.close()
            else:
                bridge.call(core.close)
        # The core's own reader is finished now, so it no longer needs to ask us; and
        # without the link the two responses are freed by reference counting alone.
        core.view = None


class HTTPResponse(io.BufferedIOBase):
    """A response as ``http.client`` returns it; reads are served from bytes handed over."""

    def __init__(
        self, core: aiohttpc.HTTPResponse, chunks: list[bytes], done: bool, error: Any
    ) -> None:
        self._core = core
        self._source = _LocalSource(core, chunks, done, error)
        self._reader = BodyReader(
            self._source, core.content_length, core.chunked, core.method == "HEAD"
        )
        self.status = self.code = core.status
        self.reason = core.reason
        self.version = core.version
        self.chunked = core.chunked
        self.will_close = core.will_close
        self.debuglevel = core.debuglevel
        self._method = core.method
        self._msg = _UNSET
        self._headers = _UNSET
        self._url = _UNSET

    def __repr__(self) -> str:
        return f"<sync_facade.HTTPResponse [{self.status} {self.reason}]>"

    # -- the head ------------------------------------------------------------------------

    @property
    def msg(self) -> Any:
        return self._core.msg if self._msg is _UNSET else self._msg

    @msg.setter
    def msg(self, value: Any) -> None:
        self._msg = value  # urllib sets ``msg`` to the reason phrase

    @property
    def headers(self) -> Any:
        return self._core.msg if self._headers is _UNSET else self._headers

    @headers.setter
    def headers(self, value: Any) -> None:
        self._headers = value

    @property
    def url(self) -> Any:
        return self._core.geturl() if self._url is _UNSET else self._url

    @url.setter
    def url(self, value: Any) -> None:
        self._url = value

    @property
    def length(self) -> int | None:
        return self._reader.length

    def getheader(self, name: str, default: Any = None) -> Any:
        return self._core.getheader(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        return self._core.getheaders()

    def info(self) -> Any:
        return self.headers

    def geturl(self) -> Any:
        return self.url

    def getcode(self) -> int:
        return self.status

    def fileno(self) -> int:
        return self._core.fileno()

    # -- state ---------------------------------------------------------------------------

    def isclosed(self) -> bool:
        return self._reader.closed

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._reader.close()

    def close_local(self) -> None:
        """The core closed this response (its connection was closed): drop the rest."""
        self._source.buffer.clear()
        self._source.drop_direct()
        self._reader.closed = True

    def __iter__(self) -> HTTPResponse:  # no closed check, as the stdlib
        return self

    # -- body ----------------------------------------------------------------------------

    def _fetch(self, want: int) -> None:
        """One hop: wait on the loop for more of the body and take what has arrived.

        A large read of a long Content-Length body instead takes the rest of the body
        over: from then on this thread reads it off the socket, with no hop until its end.
        """
        src = self._source
        need = -1 if want < 0 else max(1, want - src.buffer.size)
        if src.direct is not None:
            self._read_direct(src.direct, need)
            return
        core = self._core
        direct = None
        try:
            if need < 0 or need >= DIRECT_MIN:
                chunks, done, error, direct = bridge.run(
                    _take_large(core, need), on_interrupt=core.close
                )
            else:
                chunks, done, error = bridge.run(core.take_chunks(need), on_interrupt=core.close)
        except BaseException:
            self._reader.abort()
            raise
        src.buffer.extend(chunks)
        src.done = done
        src.error = error
        src.direct = direct

    def _read_direct(self, direct: DirectBody, need: int) -> None:
        src = self._source
        try:
            data = direct.read(need)
        except BaseException:
            src.direct = None
            self._reader.abort()
            raise
        src.buffer.append(data)
        if direct.finished:
            src.direct = None
            src.done, src.error = bridge.call(self._core.end_direct, direct)

    def read(self, amt: int | None = None) -> bytes:
        reader = self._reader
        while (data := reader.try_read(amt)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def read1(self, n: int = -1) -> bytes:
        reader = self._reader
        while (data := reader.try_read1(n)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def peek(self, n: int = -1) -> bytes:
        reader = self._reader
        while (data := reader.try_peek(n)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def readline(self, limit: int | None = -1) -> bytes:
        reader = self._reader
        lim = -1 if limit is None else limit
        while (data := reader.try_readline(lim)) is NEED:
            self._fetch(reader.want)
        return data  # type: ignore[no-any-return]

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        data = self.read(len(view))
        n = len(data)
        view[:n] = data
        return n

    def readinto1(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        data = self.read1(len(view))
        n = len(data)
        view[:n] = data
        return n


async def _take_large(
    core: aiohttpc.HTTPResponse, need: int
) -> tuple[list[bytes], bool, BaseException | None, DirectBody | None]:
    """On the loop, for a large read: the body's rest to read directly, else the usual."""
    started = core.begin_direct(DIRECT_MIN)
    if started is not None:
        return started[0], False, None, started[1]
    return (*await core.take_chunks(need), None)


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
        core._http_vsn_str = self._http_vsn_str
        core.auto_open = 0  # we open connections ourselves, through connect(), which
        core.blocking_iterables = True  # subclasses override; iterables may block
        self._core = core
        self._send_error: BaseException | None = None
        self._sock_view: _SocketView | None = None

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
        """The connection's socket (None when not connected); see ``_SocketView``."""
        p = self._core.protocol
        if p is None:
            return None
        view = self._sock_view
        if view is None or view._protocol is not p:
            view = self._sock_view = _SocketView(self._core, p)
        return view

    @sock.setter
    def sock(self, value: Any) -> None:
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
        bridge.run(core.connect(), on_interrupt=core.close_nowait)

    def close(self) -> None:
        """Close the connection; a response still being read on it is closed too."""
        bridge.call(self._core.close_nowait)

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
        rest = core.write_direct(out)  # from this thread, when the loop is not needed
        if rest is not None:
            if rest:
                bridge.call_soon(core.write_rest, rest)
        elif core.sends_at_once(out):
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
        return (core_resp, *core_resp.take_available())

    def getresponse(self) -> HTTPResponse:
        """The response to the request sent (``ResponseNotReady`` if none can be read)."""
        core = self._core
        core_resp, chunks, done, error = bridge.run(
            self._getresponse(), on_interrupt=core.close_nowait
        )
        response = self.response_class(core_resp, chunks, done, error)
        core_resp.view = response
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
