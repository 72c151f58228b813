"""A small request written whole: the request half's per-request path.

Most requests are a head and no body, or a small bytes body: they go out in one
write, with nothing to wait for, and no coroutine. Larger bodies are ``sender``'s.
"""

from __future__ import annotations

from typing import Final

from .._sansio import body as bodies
from .._sansio.request_head import Outgoing
from .protocol import HTTPProtocol

SMALL_BODY: Final = 1 << 16  # bodies up to this size go out in the same write as the head


def at_once(p: HTTPProtocol | None, out: Outgoing, expect_continue: bool) -> bool:
    """Whether *out* goes out in one write on *p* with nothing to wait for: no connect,
    no paused transport to drain, and ``is_small``."""
    return p is not None and not p.writing_paused and p.usable and is_small(out, expect_continue)


def is_small(out: Outgoing, expect_continue: bool) -> bool:
    """Whether *out* is written in one go: no body, or a small bytes body not waiting
    for a 100-continue."""
    kind = out.kind
    return kind == bodies.NONE or (
        kind == bodies.BYTES
        and not out.chunked
        and len(out.body) <= SMALL_BODY
        and not expect_continue
    )


def announce(p: HTTPProtocol, out: Outgoing, method: str | None, debuglevel: int) -> bytes:
    """Expect the response to *out* on *p*; returns the request's bytes (head and small
    body), which the caller writes whole before anything else."""
    head = out.head
    body = out.body
    p.rx.expect(method)
    if debuglevel > 0:
        print("send:", repr(head))
        if body:
            print("send:", repr(body))
    return head + body if body else head


def write_at_once(
    p: HTTPProtocol | None,
    out: Outgoing,
    method: str | None,
    expect_continue: bool,
    debuglevel: int,
) -> bool:
    """Write *out* when ``at_once`` holds; False (nothing done) when not. Raises what
    the write raised."""
    if not at_once(p, out, expect_continue):
        return False
    assert p is not None
    p.write(announce(p, out, method, debuglevel))
    return True
