"""Redirects: the next request after a 3xx, by the usual method and header rules."""

from __future__ import annotations

from typing import NamedTuple

from ..errors import HTTPException
from .urls import URL, join, parse

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Sent only to the origin they were meant for.
CREDENTIALS = ("authorization", "cookie", "proxy-authorization")
BODY_HEADERS = ("content-type", "content-length", "transfer-encoding", "content-encoding")


class TooManyRedirects(HTTPException):
    """More redirects than the client's ``max_redirects``."""


class Hop(NamedTuple):
    method: str
    url: URL
    headers: dict[str, str]
    keep_body: bool


def follow(
    method: str, url: URL, status: int, location: str | None, headers: dict[str, str]
) -> Hop | None:
    """The request a redirect asks for, or None if *status*/*location* is no redirect.

    303 turns any method but HEAD into GET; 301 and 302 turn POST into GET (as
    browsers do); 307 and 308 keep the method and body. Credentials are dropped when
    the origin changes (scheme, host or port). Raises ``InvalidURL`` for a Location
    that is not http(s).
    """
    if status not in REDIRECTS or not location:
        return None
    target = parse(join(url, location))
    keep_body = True
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
        keep_body = False
    drop = {"host"}
    if not keep_body:
        drop.update(BODY_HEADERS)
    if target.origin != url.origin:
        drop.update(CREDENTIALS)
    kept = {k: v for k, v in headers.items() if k.lower() not in drop}
    return Hop(method, target, kept, keep_body)
