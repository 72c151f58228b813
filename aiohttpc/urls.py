"""URLs for the high-level client: split into origin and request target, query
parameters merged in, and the proxy (if any) chosen from settings or the environment."""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from .errors import InvalidURL

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


def parse(url: str, params: Params = None) -> URL:
    """Split an absolute http(s) URL; ``InvalidURL`` for anything else."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
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


def proxy_for(url: URL, proxy: str | None, trust_env: bool) -> URL | None:
    """The proxy to use for *url*: *proxy* if given, else ``HTTP(S)_PROXY`` unless
    ``NO_PROXY`` lists the host (with *trust_env*); None for a direct connection."""
    if proxy is None and trust_env:
        proxies = urllib.request.getproxies_environment()
        chosen = proxies.get(url.scheme)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if chosen and bypass(url.host, proxies):
            chosen = None
        proxy = chosen or None
    if not proxy:
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy
    found = parse(proxy)
    if found.scheme != "http":
        raise InvalidURL(f"only http:// proxies are supported, not {proxy!r}")
    return found
