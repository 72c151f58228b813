"""A blocking drop-in for ``http.client`` whose bytes all move through the aiohttpc core.

Use it as ``import sync_facade as http_client``, or call ``sync_facade.install()`` once
so that ``http.client`` (and so ``urllib.request``, ``xmlrpc.client`` and every library
that looks it up at call time) resolves to this module; ``uninstall()`` undoes that.
"""

from __future__ import annotations

import sys
import types
from http import HTTPStatus

from aiohttpc._sansio.grammar import bad_in_name, bad_in_value
from aiohttpc._sansio.headers import MAX_HEADERS, MAX_LINE
from aiohttpc._sansio.headers import HTTPMessage as HTTPMessage
from aiohttpc._sansio.headers import parse_headers as parse_headers
from aiohttpc._sansio.serializer import strip_ipv6_zone
from aiohttpc.errors import (
    BadStatusLine,
    CannotSendHeader,
    CannotSendRequest,
    HTTPException,
    ImproperConnectionState,
    IncompleteRead,
    InvalidURL,
    LineTooLong,
    NotConnected,
    RemoteDisconnected,
    ResponseNotReady,
    UnimplementedFileMode,
    UnknownProtocol,
    UnknownTransferEncoding,
    error,
)
from aiohttpc.status import HTTP_PORT as HTTP_PORT
from aiohttpc.status import HTTPS_PORT as HTTPS_PORT
from aiohttpc.status import responses

from .connection import HTTPConnection, HTTPSConnection
from .response import HTTPResponse

# Module-level names of http.client that libraries read (the stdlib's limits: the
# parser's own are these same values), and its header checks, by our grammar.
_MAXLINE = MAX_LINE
_MAXHEADERS = MAX_HEADERS
_UNKNOWN = "UNKNOWN"


def _is_legal_header_name(name: bytes) -> bool:
    return bool(name) and bad_in_name(name) is None


def _is_illegal_header_value(value: bytes) -> bool:
    return bad_in_value(value) is not None


_strip_ipv6_iface = strip_ipv6_zone

globals().update(HTTPStatus.__members__)

__all__ = [
    "BadStatusLine",
    "CannotSendHeader",
    "CannotSendRequest",
    "HTTPConnection",
    "HTTPException",
    "HTTPResponse",
    "HTTPSConnection",
    "ImproperConnectionState",
    "IncompleteRead",
    "InvalidURL",
    "LineTooLong",
    "NotConnected",
    "RemoteDisconnected",
    "ResponseNotReady",
    "UnimplementedFileMode",
    "UnknownProtocol",
    "UnknownTransferEncoding",
    "error",
    "responses",
]

_saved: types.ModuleType | None = None


def install() -> None:
    """Make ``http.client`` resolve to this module, for code that looks it up by name."""
    global _saved
    import http
    import http.client as original

    this = sys.modules[__name__]
    if original is this:
        return
    _saved = original
    sys.modules["http.client"] = this
    http.client = this  # type: ignore[attr-defined]


def uninstall() -> None:
    """Undo ``install()``."""
    global _saved
    import http

    if _saved is None:
        return
    sys.modules["http.client"] = _saved
    http.client = _saved  # type: ignore[attr-defined]
    _saved = None
