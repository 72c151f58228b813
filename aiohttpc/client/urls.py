"""URLs for the high-level client: split into origin and request target, query
parameters merged in, and the proxy (if any) chosen from settings or the environment."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from ..errors import InvalidURL

DEFAULT_PORTS = {"http": 80, "https": 443}

Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | str | None


class URL(NamedTuple):
    """An absolute http(s) URL, split the way the client needs it."""

    scheme: str  # "http" or "https"
    host: str  # without brackets for IPv6
    port: int
    target: str  # path and query: the request-target in origin form
    username: str | None
    password: str | None

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host.lower(), self.port)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.target}"


# A URL that needs no quoting, no lower-casing and no userinfo: split at once.
_PLAIN = re.compile(
    r"(https?)://([a-z0-9.-]+)(?::([0-9]{1,5}))?"
    r"(/[A-Za-z0-9/%:@!$&'()*+,;=._~-]*)?(?:\?([A-Za-z0-9/?%:@!$&'()*+,;=._~-]*))?"
)


def parse(url: str | URL, params: Params = None) -> URL:
    """Split an absolute http(s) URL; ``InvalidURL`` for anything else."""
    if isinstance(url, URL):
        if not params:
            return url
        url = str(url)
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    plain = _PLAIN.fullmatch(url)
    if plain is not None and not params:
        scheme, host, port_text, path, query = plain.groups()
        number = DEFAULT_PORTS[scheme] if port_text is None else int(port_text)
        if number <= 65535 and host.strip("."):
            path = path or "/"
            return URL(scheme, host, number, f"{path}?{query}" if query else path, None, None)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise InvalidURL(f"{err}: {url!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL(f"unsupported URL scheme {parts.scheme!r} in {url!r}")
    host = parts.hostname
    if not host:
        raise InvalidURL(f"no host in URL {url!r}")
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~") or "/"
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    if params:
        extra = params if isinstance(params, str) else urlencode(params, doseq=True)
        query = f"{query}&{extra}" if query else extra
    target = f"{path}?{query}" if query else path
    if port is None:
        port = DEFAULT_PORTS[scheme]
    user = None if parts.username is None else unquote(parts.username)
    password = None if parts.password is None else unquote(parts.password)
    return URL(scheme, host, port, target, user, password)


def join(base: URL, location: str) -> str:
    """The absolute URL a ``Location`` header points to, relative to *base*."""
    joined = urljoin(str(base), location.strip())
    parts = urlsplit(joined)
    return urlunsplit(parts._replace(fragment=""))


def _proxy_url(proxy: str) -> URL:
    if "://" not in proxy:
        proxy = "http://" + proxy
    found = parse(proxy)
    if found.scheme != "http":
        raise InvalidURL(f"only http:// proxies are supported, not {proxy!r}")
    return found


class ProxySelector:
    """The proxy a URL goes through: *proxy* if given, else (with *trust_env*)
    ``HTTP_PROXY``/``HTTPS_PROXY`` unless ``NO_PROXY`` lists the host; None: direct.

    The environment is read once, when the selector is made; answers are cached per
    scheme and host.
    """

    MAX_CACHED = 10_000

    def __init__(self, proxy: str | None, trust_env: bool) -> None:
        self._fixed = _proxy_url(proxy) if proxy else None
        self._env: dict[str, str] = {}
        if proxy is None and trust_env:
            self._env = urllib.request.getproxies_environment()
        self._cache: dict[tuple[str, str], URL | None] = {}

    def __call__(self, url: URL) -> URL | None:
        if self._fixed is not None or not self._env:
            return self._fixed
        key = (url.scheme, url.host)
        try:
            return self._cache[key]
        except KeyError:
            pass
        chosen = self._env.get(url.scheme)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        found = None if not chosen or bypass(url.host, self._env) else _proxy_url(chosen)
        if len(self._cache) >= self.MAX_CACHED:
            self._cache.clear()
        self._cache[key] = found
        return found
