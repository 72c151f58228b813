"""Writing request bodies onto a connection: zero-copy files, chunk framing, back-pressure.

Bodies are written as they come, never joined: ``loop.sendfile`` for a regular file
over plain TCP on the default loop, otherwise blocks read through the default
executor (files, and sync iterables that may block) or awaited (async sources).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from . import body as bodies
from .protocol import HTTPProtocol, bounded

FILE_BLOCK = 1 << 18  # read size for file bodies that cannot use sendfile
ITER_BATCH = 1 << 18  # bytes of a blocking iterable pulled per executor call
CONTINUE_WAIT = 1.0  # seconds to wait for "100 Continue" before sending the body anyway


def _bytes_like(block: Any) -> Any:
    memoryview(block)  # TypeError for anything that is not bytes-like
    return block


def _next_batch(it: Any) -> list[Any]:
    """Pull blocks from a sync iterator until about ``ITER_BATCH`` bytes (in a worker)."""
    out: list[Any] = []
    size = 0
    for block in it:
        out.append(_bytes_like(block))
        size += memoryview(block).nbytes
        if size >= ITER_BATCH:
            break
    return out


async def blocks(
    body: Any, kind: str, blocksize: int, blocking_iterables: bool
) -> AsyncIterator[Any]:
    """The body as a stream of bytes-like blocks."""
    loop = asyncio.get_running_loop()
    if kind == bodies.BYTES:
        yield body
    elif kind in (bodies.FILE, bodies.TEXT_FILE):
        size = max(blocksize, FILE_BLOCK) if kind == bodies.FILE else blocksize
        while True:
            block = await loop.run_in_executor(None, body.read, size)
            if not block:
                break
            yield block.encode("iso-8859-1") if kind == bodies.TEXT_FILE else block
    elif kind == bodies.ASYNC_FILE:
        while True:
            block = await body.read(max(blocksize, FILE_BLOCK))
            if not block:
                break
            yield block.encode("iso-8859-1") if isinstance(block, str) else block
    elif kind == bodies.ASYNC_ITERABLE:
        async for block in body:
            yield _bytes_like(block)
    elif blocking_iterables and not isinstance(body, (list, tuple)):
        it = iter(body)
        while batch := await loop.run_in_executor(None, _next_batch, it):
            for block in batch:
                yield block
    else:
        for block in body:
            yield _bytes_like(block)


async def sendfile(p: HTTPProtocol, f: Any, chunked: bool, timeout: float | None) -> bool:
    """Zero-copy upload of a regular file over plain TCP on the default loop.

    Returns False (nothing sent) where the loop or transport cannot do it.
    """
    loop = asyncio.get_running_loop()
    t = p.transport
    if (
        t is None
        or not isinstance(loop, asyncio.BaseEventLoop)
        or t.get_extra_info("sslcontext") is not None
    ):
        return False
    span = bodies.file_span(f)
    if span is None:
        return False
    _fd, offset, count = span
    if not count:
        return True
    if chunked:
        p.write(b"%X\r\n" % count)
    await p.drain(timeout)
    # the timeout bounds each MiB, as a socket timeout would bound each send
    limit = None if timeout is None else timeout * max(1.0, count / (1 << 20))
    sent = await bounded(loop.create_task(loop.sendfile(t, f, offset, count)), limit)
    if sent != count:
        raise OSError(f"file changed while sending: sent {sent} of {count} bytes")
    if chunked:
        p.write(b"\r\n")
    return True


async def write_body(
    p: HTTPProtocol,
    body: Any,
    kind: str,
    chunked: bool,
    timeout: float | None,
    *,
    blocksize: int = 8192,
    debug: bool = False,
    blocking_iterables: bool = False,
) -> str:
    """Write *body* (framed as chunks if *chunked*); returns "sendfile" or "copy"."""
    if kind == bodies.FILE and not debug and await sendfile(p, body, chunked, timeout):
        return "sendfile"
    async for block in blocks(body, kind, blocksize, blocking_iterables):
        if not len(block):
            if debug:
                print("Zero length chunk ignored")
            continue
        if debug:
            print("send:", repr(block))
        if chunked:
            p.writelines([b"%X\r\n" % memoryview(block).nbytes, block, b"\r\n"])
        else:
            p.write(block)
        if p._paused_writing:
            await p.drain(timeout)
    return "copy"


async def wait_continue(p: HTTPProtocol, timeout: float | None) -> bool:
    """Wait for ``100 Continue``; False if a final response came first.

    After ``CONTINUE_WAIT`` seconds without an answer the body is sent anyway.
    """
    wait = CONTINUE_WAIT if timeout is None else min(timeout, CONTINUE_WAIT)
    while 100 not in p.informational and p.head is None and p.error is None:
        try:
            await p.wait(wait)
        except TimeoutError:
            return True
    if p.head is not None and 100 not in p.informational:
        p.stray = True  # the server may read the unsent body as a request: no reuse
        return False
    return True
