"""``dial``: connect to the first address of several that answers (RFC 8305).

Addresses are tried in the order of RFC 8305 section 4: families interleaved,
starting with the family of the first address the lookup gave. A new attempt starts
when the one before it fails, or after ``delay`` seconds if it is still trying (the
"Connection Attempt Delay"); the first to connect wins and every other socket is
closed. ``delay=None`` tries one address after another, each to its end.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence

from .resolver import AddrInfo

DEFAULT_DELAY = 0.25  # RFC 8305's recommended Connection Attempt Delay


def interleave(infos: Sequence[AddrInfo]) -> list[AddrInfo]:
    """One address of each family in turn, the first address's family first."""
    by_family: dict[int, list[AddrInfo]] = {}
    for info in infos:
        by_family.setdefault(info[0], []).append(info)
    queues = list(by_family.values())
    ordered: list[AddrInfo] = []
    while queues:
        for queue in queues:
            ordered.append(queue.pop(0))
        queues = [q for q in queues if q]
    return ordered


async def _attempt(
    loop: asyncio.AbstractEventLoop, info: AddrInfo, local_addr: tuple[str, int] | None
) -> socket.socket:
    family, type_, proto, _name, address = info
    sock = socket.socket(family, type_, proto)
    try:
        sock.setblocking(False)
        if local_addr is not None:
            sock.bind(local_addr)
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


async def dial(
    infos: Sequence[AddrInfo],
    *,
    delay: float | None = DEFAULT_DELAY,
    local_addr: tuple[str, int] | None = None,
) -> socket.socket:
    """A connected non-blocking socket to one of *infos*; the errors of all if none.

    With *local_addr*, only addresses of the family it can bind are tried.
    """
    loop = asyncio.get_running_loop()
    ordered = interleave(infos)
    if local_addr is not None:
        v6 = ":" in local_addr[0]
        ordered = [i for i in ordered if (i[0] == socket.AF_INET6) == v6]
    if not ordered:
        raise OSError("no address to connect to" + (f" from {local_addr[0]}" if local_addr else ""))
    errors: list[BaseException] = []
    running: set[asyncio.Task[socket.socket]] = set()
    winner: socket.socket | None = None
    try:
        for i, info in enumerate(ordered):
            task = loop.create_task(_attempt(loop, info, local_addr))
            running.add(task)
            last = i == len(ordered) - 1
            # wait for a winner, for every attempt to fail, or for the delay
            while running and winner is None:
                done, _ = await asyncio.wait(
                    running,
                    timeout=None if last or delay is None else delay,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if not done:
                    break  # the delay passed: start the next attempt beside this one
                for t in done:
                    running.discard(t)
                    exc = t.exception()
                    if exc is None and winner is None:
                        winner = t.result()
                    elif exc is None:
                        t.result().close()
                    else:
                        errors.append(exc)
                if not last and not running:
                    break  # all failed so far: the next address at once
            if winner is not None:
                return winner
    finally:
        await _stop(running)
    raise _combined(errors)


async def _stop(running: set[asyncio.Task[socket.socket]]) -> None:
    """Cancel the attempts still running; close a socket one of them got anyway."""
    for task in running:
        task.cancel()
    if running:
        await asyncio.wait(running)
    for task in running:
        if not task.cancelled() and task.exception() is None:
            task.result().close()


def _combined(errors: list[BaseException]) -> BaseException:
    if len(errors) == 1 or len({str(e) for e in errors}) == 1:
        return errors[0]
    return OSError("Multiple exceptions: " + ", ".join(str(e) for e in errors))


def is_address(host: str) -> bool:
    """Whether *host* is an IPv4 or IPv6 address (nothing to look up)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host.partition("%")[0])
        except (OSError, ValueError):
            continue
        return True
    return False
