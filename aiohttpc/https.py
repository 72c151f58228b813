"""``HTTPSConnection``: HTTP over TLS, verified by default, also through a tunnel."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

from ._aio.protocol import HTTPProtocol
from .connection import HTTPConnection
from .status import HTTPS_PORT


def default_context() -> ssl.SSLContext:
    """The TLS context used where the caller gives none: the stdlib's verifying default,
    offering only HTTP/1.1 by ALPN, with post-handshake authentication as the stdlib's
    ``HTTPSConnection`` enables it."""
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    if context.post_handshake_auth is not None:
        context.post_handshake_auth = True
    return context


class HTTPSConnection(HTTPConnection):
    """HTTP over TLS; certificates and host names are verified by default."""

    default_port = HTTPS_PORT

    def __init__(
        self,
        host: str,
        port: int | None = None,
        key_file: str | None = None,
        cert_file: str | None = None,
        timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
        source_address: tuple[str, int] | None = None,
        *,
        context: ssl.SSLContext | None = None,
        check_hostname: bool | None = None,
        blocksize: int = 8192,
        strict: Any = None,
    ) -> None:
        super().__init__(host, port, timeout, source_address, blocksize=blocksize)
        self.key_file = key_file
        self.cert_file = cert_file
        if context is None:
            context = default_context()
        will_verify = context.verify_mode != ssl.CERT_NONE
        if check_hostname is None:
            check_hostname = context.check_hostname
        if check_hostname and not will_verify:
            raise ValueError(
                "check_hostname needs a SSL context with either CERT_OPTIONAL or CERT_REQUIRED"
            )
        if key_file or cert_file:
            context.load_cert_chain(cert_file, key_file)  # type: ignore[arg-type]
            if context.post_handshake_auth is not None:
                context.post_handshake_auth = True
        self._context = context
        if check_hostname is not None:
            self._context.check_hostname = check_hostname

    async def _secure(
        self, loop: asyncio.AbstractEventLoop, protocol: HTTPProtocol, timeout: float | None
    ) -> None:
        assert protocol.transport is not None
        server_hostname = self._tunnel_host or self.host
        transport = await loop.start_tls(
            protocol.transport,
            protocol,
            self._context,
            server_hostname=server_hostname,
            ssl_handshake_timeout=timeout,
        )
        protocol.transport = transport  # type: ignore[assignment]
