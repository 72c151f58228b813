"""aiohttpc: an asyncio-native HTTP/1.1 client shaped like ``http.client``."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from .client import Client
from .client_response import HTTPStatusError, Request, Response
from .connection import HTTPConnection
from .crawl import CrawlResult, crawl
from .decoding import DecodedTooLarge, DecodingError
from .errors import *  # noqa: F403 - the exception classes are part of the API
from .errors import __all__ as _errors_all
from .headers import Headers, HTTPMessage, parse_headers
from .https import HTTPSConnection
from .pool import Pool
from .redirects import TooManyRedirects
from .response import HTTPResponse
from .status import *  # noqa: F403
from .status import HTTP_PORT, HTTPS_PORT, responses
from .status import __all__ as _status_all
from .timeouts import PoolTimeout, Timeout, TotalTimeout
from .tracing import Hooks, Trace

__version__ = "0.1.0.dev0"

T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A uvloop loop where uvloop is installed, else the default asyncio loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()  # type: ignore[no-any-return]


def run(main: Coroutine[Any, Any, T], *, debug: bool | None = None) -> T:
    """``asyncio.run(main)`` on uvloop when it is installed."""
    with asyncio.Runner(debug=debug, loop_factory=new_event_loop) as runner:
        return runner.run(main)


__all__ = [
    "HTTPS_PORT",
    "Client",
    "CrawlResult",
    "DecodedTooLarge",
    "DecodingError",
    "HTTPStatusError",
    "Hooks",
    "Pool",
    "PoolTimeout",
    "Request",
    "Response",
    "Timeout",
    "TooManyRedirects",
    "TotalTimeout",
    "Trace",
    "crawl",
    "HTTP_PORT",
    "HTTPConnection",
    "HTTPMessage",
    "HTTPResponse",
    "HTTPSConnection",
    "Headers",
    "new_event_loop",
    "parse_headers",
    "responses",
    "run",
    *_errors_all,
    *_status_all,
]
