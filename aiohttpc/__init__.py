"""aiohttpc: an asyncio-native HTTP/1.1 client shaped like ``http.client``."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from . import _compiled  # first: it decides where the sans-IO modules load from
from ._sansio.headers import Headers, HTTPMessage, parse_headers
from .connection import HTTPConnection
from .errors import *  # noqa: F403 - the exception classes are part of the API
from .errors import __all__ as _errors_all
from .https import HTTPSConnection
from .response import HTTPResponse
from .status import *  # noqa: F403
from .status import HTTP_PORT, HTTPS_PORT, responses
from .status import __all__ as _status_all

if TYPE_CHECKING:
    from ._aio.resolver import Resolver
    from .client.crawl import CrawlResult, crawl
    from .client.decoding import DecodedTooLarge, DecodingError
    from .client.pool import Pool
    from .client.redirects import TooManyRedirects
    from .client.response import HTTPStatusError, Request, Response
    from .client.robots import RobotsDisallowed
    from .client.session import Client
    from .client.timeouts import PoolTimeout, Timeout, TotalTimeout
    from .client.tracing import Hooks, Trace
    from .ray_driver import ray_crawl

# Whether the per-request path runs compiled (mypyc) or as Python (see ``_compiled``).
__compiled__ = _compiled.compiled()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aiohttpc")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _version()

# The high-level client is imported on first use: the core and the blocking façade
# do not pay for it.
_LAZY = {
    "Client": ".client.session",
    "CrawlResult": ".client.crawl",
    "DecodedTooLarge": ".client.decoding",
    "DecodingError": ".client.decoding",
    "HTTPStatusError": ".client.response",
    "Hooks": ".client.tracing",
    "Pool": ".client.pool",
    "PoolTimeout": ".client.timeouts",
    "Request": ".client.response",
    "Response": ".client.response",
    "Timeout": ".client.timeouts",
    "TooManyRedirects": ".client.redirects",
    "TotalTimeout": ".client.timeouts",
    "Trace": ".client.tracing",
    "crawl": ".client.crawl",
    "RobotsDisallowed": ".client.robots",
    "Resolver": "._aio.resolver",
    "ray_crawl": ".ray_driver",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


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
    "RobotsDisallowed",
    "Resolver",
    "ray_crawl",
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
