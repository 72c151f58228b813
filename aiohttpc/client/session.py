"""``Client``: pooled connections, redirects, decoding, proxies, rate limits and hooks,
on top of the ``http.client``-shaped core.

Each exchange takes a connection from the pool, sends with the core's
``HTTPConnection`` and hands back a ``Response``; the connection returns to the pool
only when that response was read to its end.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import ssl
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Callable,
    Hashable,
    Iterable,
    Mapping,
)
from typing import TYPE_CHECKING, Any, NamedTuple

from .._aio.dialer import DEFAULT_DELAY
from .._aio.resolver import Lookup, Resolver
from .._sansio.headers import MAX_HEADERS, MAX_LINE
from ..connection import HTTPConnection
from ..errors import InvalidURL
from ..https import HTTPSConnection, default_context
from . import payload as payloads
from . import urls
from .decoding import DEFAULT_MAX_DECODED, Decoder, supported
from .pool import Lease, Pool
from .pool_policy import parse_keep_alive
from .ratelimit import RateLimiter
from .redirects import TooManyRedirects, follow
from .response import Request, Response
from .timeouts import Deadline, Timeout
from .tracing import Hooks, Trace, fire

if TYPE_CHECKING:
    from .._aio.protocol import HTTPProtocol
    from .crawl import CrawlResult

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
DRAIN_LIMIT = 1 << 16  # a redirect's body up to this size is read so its connection is kept
_UNSET: Any = object()
DEFAULT_TIMEOUT = Timeout()


class PoolKey(NamedTuple):
    """What makes two requests able to share a connection."""

    scheme: str
    host: str
    port: int
    proxy: tuple[str, int, str | None] | None  # proxy host, port, Proxy-Authorization
    tls: ssl.SSLContext | None


def _basic(username: str | None, password: str | None) -> str:
    raw = f"{username or ''}:{password or ''}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _merge(base: Mapping[str, str], extra: Mapping[str, Any] | None) -> dict[str, str]:
    """Headers of *base* overridden by *extra*, names compared without case."""
    merged = dict(base)
    if extra:
        lower = {k.lower(): k for k in merged}
        for name, value in extra.items():
            old = lower.get(name.lower())
            if old is not None:
                del merged[old]
            merged[name] = value
            lower[name.lower()] = name
    return merged


def should_retry(
    method: str, replayable: bool, reused: bool, exc: BaseException, nothing_back: bool
) -> bool:
    """Whether a failed exchange may go again on a fresh connection: an idempotent
    request with a body that can be sent twice, failed by a connection error on a
    reused connection before any byte of a reply came (the server had closed it idle)."""
    return (
        reused
        and method in IDEMPOTENT
        and replayable
        and isinstance(exc, ConnectionError)
        and nothing_back
    )


class Client:
    """An HTTP/1.1 client with a connection pool; use ``async with`` or ``aclose()``.

    ``limit``/``limit_per_host`` bound open connections; ``rate`` (requests per second
    per host, bursts of ``burst``) spaces requests out; ``timeout`` is a ``Timeout`` or
    one number. Redirects are followed for GET and HEAD unless ``follow_redirects``
    says otherwise. Proxies come from ``proxy`` or, with ``trust_env``, from
    ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` as they are when the client is made;
    ``uds`` sends every request over a Unix domain socket. Names are looked up once
    per ``dns_ttl`` seconds for the whole pool (through ``lookup``, an async
    ``(host, port) -> getaddrinfo list``, if given), and a name's addresses are raced
    as RFC 8305 says (``happy_eyeballs_delay``; None tries them one by one). A response
    head may have lines up to ``max_line`` bytes and ``max_headers`` header lines
    (``http.client``'s limits by default). Errors: the core's
    (``http.client`` classes and ``OSError``), ``TimeoutError`` (``PoolTimeout`` among
    them), ``TooManyRedirects``, ``DecodingError``/``DecodedTooLarge`` while reading a body.
    """

    def __init__(
        self,
        *,
        limit: int | None = 100,
        limit_per_host: int | None = None,
        timeout: Timeout | float | None = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool | None = None,
        max_redirects: int = 10,
        decode: bool = True,
        max_decoded_size: int = DEFAULT_MAX_DECODED,
        proxy: str | None = None,
        trust_env: bool = True,
        verify: bool | ssl.SSLContext = True,
        uds: str | None = None,
        rate: float | None = None,
        burst: int = 1,
        keepalive_expiry: float = 15.0,
        retries: int = 1,
        hooks: Hooks | dict[str, Any] | None = None,
        dns_ttl: float = 60.0,
        lookup: Lookup | None = None,
        happy_eyeballs_delay: float | None = DEFAULT_DELAY,
        max_line: int = MAX_LINE,
        max_headers: int = MAX_HEADERS,
    ) -> None:
        from .. import __version__

        self.timeout = Timeout.of(timeout)
        self.headers = _merge(
            {
                "User-Agent": f"aiohttpc/{__version__}",
                "Accept": "*/*",
                "Accept-Encoding": ", ".join(supported()) if decode else "identity",
            },
            headers,
        )
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self.decode = decode
        self.max_decoded_size = max_decoded_size
        self.retries = retries
        self.hooks = Hooks.of(hooks)
        self._proxy = urls.ProxySelector(proxy, trust_env)
        self._uds = uds
        if isinstance(verify, ssl.SSLContext):
            self._ssl = verify
        else:
            self._ssl = default_context()
            if not verify:
                self._ssl.check_hostname = False
                self._ssl.verify_mode = ssl.CERT_NONE
        self._rate = RateLimiter(rate, burst) if rate else None
        self.resolver = Resolver(dns_ttl, lookup=lookup)
        self.happy_eyeballs_delay = happy_eyeballs_delay
        if max_line < 1 or max_headers < 0:
            raise ValueError("max_line must be positive and max_headers not negative")
        self._limits = (max_line, max_headers)
        self.pool = Pool(
            self._new_connection,
            limit=limit,
            limit_per_host=limit_per_host,
            keepalive_expiry=keepalive_expiry,
        )

    def __repr__(self) -> str:
        return f"<aiohttpc.Client {self.pool!r}>"

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pool's idle connections; lent ones close when their body is done."""
        await self.pool.aclose()

    # -- connections -------------------------------------------------------------------

    def _new_connection(self, key: Hashable) -> HTTPConnection:
        conn = self._connection_for(key)
        conn.resolver = self.resolver
        conn.happy_eyeballs_delay = self.happy_eyeballs_delay
        conn.limits = self._limits
        return conn

    def _connection_for(self, key: Hashable) -> HTTPConnection:
        assert isinstance(key, PoolKey)
        scheme, host, port, proxy, _ctx = key
        if proxy is not None:
            phost, pport, pauth = proxy
            if scheme == "https":
                conn: HTTPConnection = HTTPSConnection(phost, pport, context=self._ssl)
                conn.set_tunnel(host, port, {"Proxy-Authorization": pauth} if pauth else None)
                return conn
            return HTTPConnection(phost, pport)
        if scheme == "https":
            return HTTPSConnection(host, port, context=self._ssl)
        return HTTPConnection(host, port)

    async def _connect(self, conn: HTTPConnection, timeout: float | None) -> None:
        conn.timeout = timeout
        if self._uds is None:
            await conn.connect()
            return
        if isinstance(conn, HTTPSConnection):
            raise InvalidURL("https over a Unix domain socket is not supported")
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, self._uds)
        except BaseException:
            sock.close()
            raise
        await conn.connect_socket(sock)

    # -- requests ------------------------------------------------------------------------

    async def request(self, method: str, url: str | urls.URL, **kwargs: Any) -> Response:
        """Send a request and read the whole body (``response.content``)."""
        async with self.stream(method, url, **kwargs) as response:
            await response.read()
        return response

    def stream(
        self,
        method: str,
        url: str | urls.URL,
        *,
        params: urls.Params = None,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
        data: Any = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = _UNSET,
        follow_redirects: bool | None = None,
    ) -> _Stream:
        """``async with client.stream(...) as r``: the response with its body unread."""
        body = payloads.build(content=content, data=data, json=json, files=files)
        return _Stream(
            self._send(
                method.upper(),
                urls.parse(url, params),
                _merge(self.headers, headers),
                body,
                self.timeout if timeout is _UNSET else Timeout.of(timeout),
                follow_redirects,
            )
        )

    async def get(self, url: str, **kwargs: Any) -> Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> Response:
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> Response:
        return await self.request("OPTIONS", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Response:
        return await self.request("DELETE", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PATCH", url, **kwargs)

    async def download(
        self,
        url: str,
        path: str | os.PathLike[str],
        *,
        method: str = "GET",
        progress: Callable[[int, int | None], Any] | None = None,
        **kwargs: Any,
    ) -> Response:
        """Stream a 2xx body to the file *path* (see ``Response.save``).

        Raises ``HTTPStatusError`` for a 4xx/5xx response (nothing is written).
        """
        async with self.stream(method, url, **kwargs) as response:
            response.raise_for_status()
            await response.save(path, progress=progress)
        return response

    def crawl(
        self,
        urls: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int = 64,
        per_host: int | None = 4,
        rate: float | None = None,
        method: str = "GET",
        **kwargs: Any,
    ) -> AsyncGenerator[CrawlResult, None]:
        """Fetch every URL; yields a ``CrawlResult`` per URL as each completes.

        See ``aiohttpc.crawl.crawl``: bounded memory however long *urls* is.
        """
        from .crawl import crawl

        return crawl(
            self,
            urls,
            concurrency=concurrency,
            per_host=per_host,
            rate=rate,
            method=method,
            **kwargs,
        )

    # -- one exchange and its redirects ------------------------------------------------

    async def _send(
        self,
        method: str,
        url: urls.URL,
        headers: dict[str, str],
        body: payloads.Payload,
        timeout: Timeout,
        follow_redirects: bool | None,
    ) -> Response:
        deadline = Deadline(timeout.total)
        if follow_redirects is None:
            follow_redirects = self.follow_redirects
        if follow_redirects is None:
            follow_redirects = method in ("GET", "HEAD")
        if body.headers:
            headers = _merge(body.headers, headers)
        history: list[Response] = []
        while True:
            response = await self._exchange(method, url, headers, body, timeout, deadline)
            try:
                hop = None
                if follow_redirects:
                    location = response.headers.get("location")
                    hop = follow(method, url, response.status, location, headers)
                if hop is None or (hop.keep_body and body.body is not None and not body.replayable):
                    response.history = history
                    return response
                if len(history) >= self.max_redirects:
                    raise TooManyRedirects(f"more than {self.max_redirects} redirects from {url}")
                await self._drain(response)
            except BaseException:
                await response.aclose()
                raise
            history.append(response)
            method, url, headers = hop.method, hop.url, hop.headers
            if not hop.keep_body:
                body = payloads.NO_BODY

    @staticmethod
    async def _drain(response: Response) -> None:
        length = response.content_length
        if length is not None and length <= DRAIN_LIMIT:
            try:
                async for _ in response.iter_raw():
                    pass
            except (OSError, TimeoutError):
                pass
        await response.aclose()

    def _key(self, url: urls.URL) -> tuple[PoolKey, urls.URL | None]:
        proxy = None if self._uds else self._proxy(url)
        proxy_key = None
        if proxy is not None:
            auth = _basic(proxy.username, proxy.password) if proxy.username else None
            proxy_key = (proxy.host, proxy.port, auth)
        ctx = self._ssl if url.scheme == "https" else None
        return PoolKey(url.scheme, url.host.lower(), url.port, proxy_key, ctx), proxy

    async def _exchange(
        self,
        method: str,
        url: urls.URL,
        headers: dict[str, str],
        body: payloads.Payload,
        timeout: Timeout,
        deadline: Deadline,
    ) -> Response:
        """One request and its response head, on a pooled connection (retried once on a
        fresh one where ``should_retry`` allows)."""
        if self._rate is not None:
            await self._rate.take(url.host.lower())
        key, request, target = self._request_for(method, url, headers)
        hooks = self.hooks
        if hooks.request:
            await fire(hooks.request, request)
        trace = Trace(method, request.url, time.monotonic())
        attempt = 0
        while True:
            t0 = time.monotonic()
            lease = await self.pool.acquire(
                key, timeout=deadline.cap(timeout.pool), fresh=attempt > 0
            )
            trace.pool_wait += time.monotonic() - t0
            conn = lease.conn
            p = None
            received = -1
            try:
                await self._open(conn, trace, deadline.cap(timeout.connect))
                p = lease.protocol = conn.protocol
                assert p is not None
                sent, received = p.bytes_sent, p.bytes_received
                conn.timeout = deadline.cap(timeout.write)
                await conn.request(method, target, body.body, request.headers)
                conn.timeout = deadline.cap(timeout.read)
                core = await conn.getresponse()
            except BaseException as exc:  # the connection is closed: free its slot
                self.pool.discard(lease)
                nothing_back = p is not None and p.bytes_received == received
                if attempt < self.retries and should_retry(
                    method, body.replayable, trace.connection_reused, exc, nothing_back
                ):
                    attempt += 1
                    trace.retried = True
                    continue
                raise
            break
        trace.time_to_headers = time.monotonic() - trace.started
        trace.bytes_sent = p.bytes_sent - sent
        trace.body_path = conn.last_body_path
        response = Response(
            request,
            core,
            _Finisher(self.pool, lease, core, p, received),
            trace,
            decoder=Decoder(core.header_list.get("content-encoding"), self.max_decoded_size)
            if self.decode and method != "HEAD"
            else None,
            deadline=deadline,
            read_timeout=timeout.read,
            hooks=hooks,
        )
        if hooks.response:
            try:
                await fire(hooks.response, response)
            except BaseException:
                await response.aclose()
                raise
        return response

    def _request_for(
        self, method: str, url: urls.URL, headers: dict[str, str]
    ) -> tuple[PoolKey, Request, str]:
        """The pool key, the request as hooks see it (credentials from the URL and the
        proxy added) and the request target (absolute form through a plain proxy)."""
        key, proxy = self._key(url)
        request = Request(method, str(url), dict(headers))  # hooks may change this copy
        if url.username is not None and not any(k.lower() == "authorization" for k in headers):
            request.headers["Authorization"] = _basic(url.username, url.password)
        target = url.target
        if proxy is not None and url.scheme == "http":
            target = str(url)
            if proxy.username:
                request.headers["Proxy-Authorization"] = _basic(proxy.username, proxy.password)
        return key, request, target

    async def _open(self, conn: HTTPConnection, trace: Trace, timeout: float | None) -> None:
        """Connect a leased connection unless it is open already; the connection hook."""
        trace.connection_reused = conn.connected
        if not trace.connection_reused:
            t1 = time.monotonic()
            await self._connect(conn, timeout)
            trace.connect_time = time.monotonic() - t1
        if self.hooks.connection:
            await fire(self.hooks.connection, trace)


class _Finisher:
    """What a client ``Response`` calls once it is done with its connection: the
    connection back to the pool (kept if the body was read whole and the server
    allows it), or closed and its slot freed. An object, not a closure: a crawl holds
    one per response in flight, and a closure and its cells were eight objects."""

    __slots__ = ("_core", "_lease", "_pool", "_protocol", "_received")

    def __init__(
        self, pool: Pool, lease: Lease, core: Any, protocol: HTTPProtocol, received: int
    ) -> None:
        self._pool = pool
        self._lease = lease
        self._core = core
        self._protocol = protocol
        self._received = received  # the connection's count before this response

    def bytes_received(self) -> int:
        """Bytes this response's connection received since its request was sent."""
        return self._protocol.bytes_received - self._received

    def __call__(self, ok: bool) -> None:
        core = self._core
        if ok and core.isclosed():
            hint = parse_keep_alive(core.header_list.get("keep-alive"))
            self._pool.release(self._lease, reusable=True, keep_alive=hint)
        else:
            core.close()
            self._pool.discard(self._lease)


class _Stream:
    """``client.stream(...)``: awaitable once, or an async context manager."""

    def __init__(self, coro: Any) -> None:
        self._coro = coro
        self._response: Response | None = None

    async def __aenter__(self) -> Response:
        self._response = await self._coro
        self._coro = None  # done: not kept with the response
        return self._response

    async def __aexit__(self, *exc: object) -> None:
        if self._response is not None:
            await self._response.aclose()

    def __await__(self) -> Any:
        return self._coro.__await__()
