"""Shared fixtures: event loops (asyncio and uvloop), trustme certificates."""

from __future__ import annotations

import asyncio
import signal
import ssl
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.sync_facade.differential")

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a dependency where it installs
    uvloop = None


def pytest_asyncio_loop_factories(config: Any, item: Any) -> Mapping[str, Any] | None:
    """Every async test runs on the default asyncio loop and on uvloop."""
    factories: dict[str, Any] = {"asyncio": asyncio.new_event_loop}
    if uvloop is not None:
        factories["uvloop"] = uvloop.new_event_loop
    return factories


@pytest.fixture(scope="session")
def ca() -> Any:
    import trustme

    return trustme.CA()


@pytest.fixture(scope="session")
def server_ssl(ca: Any) -> ssl.SSLContext:
    """A server context with a certificate for localhost and 127.0.0.1, signed by *ca*."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1", "::1").configure_cert(ctx)
    return ctx


@pytest.fixture(scope="session")
def client_ssl(ca: Any) -> ssl.SSLContext:
    """A client context that trusts *ca* (and verifies as the default context does)."""
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to loopback directly unless they set a proxy themselves."""
    import os

    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in the main thread during the test, as in a program
    run from a terminal, also where the test run began with SIGINT ignored (a background
    job of a non-interactive shell: Python then installs no handler of its own)."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
