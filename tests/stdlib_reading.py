"""The same bytes read by the stdlib's ``http.client.HTTPResponse``, over a real socket
pair, for tests that compare our parser's answers with the stdlib's."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def stdlib_reads(raw: bytes, method: str, look: Callable[[http.client.HTTPResponse], T]) -> T:
    """``look(response)`` once the stdlib's response has begun reading *raw* (sent
    whole, then the end of stream); what begin() or *look* raises propagates."""
    a, b = socket.socketpair()
    with a, b:
        b.sendall(raw)
        b.shutdown(socket.SHUT_WR)
        resp = http.client.HTTPResponse(a, method=method)
        try:
            resp.begin()
            return look(resp)
        finally:
            resp.close()
