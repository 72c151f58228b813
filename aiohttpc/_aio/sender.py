"""Writing request bodies onto a connection: zero-copy files, chunk framing, back-pressure.

Bodies are written as they come, never joined: zero-copy ``sendfile`` for a regular
file over plain TCP, otherwise blocks read through the default executor (files, and
sync iterables that may block) or awaited (async sources).
"""

from __future__ import annotations

import asyncio
import os
import select
from collections.abc import AsyncIterator
from typing import Any

from .._sansio import body as bodies
from .._sansio import serializer
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


def _sendfile_blocking(
    sock_fd: int, file_fd: int, offset: int, count: int, timeout: float | None
) -> int:
    """``os.sendfile`` until *count* bytes are sent, polling the non-blocking socket.

    Runs in a worker thread while the event loop has nothing queued on the socket.
    """
    poller = select.poll()
    poller.register(sock_fd, select.POLLOUT)
    wait_ms = -1 if timeout is None else int(timeout * 1000)
    sent = 0
    while sent < count:
        try:
            n = os.sendfile(sock_fd, file_fd, offset + sent, count - sent)
        except BlockingIOError:
            if not poller.poll(wait_ms):
                raise TimeoutError("timed out") from None
            continue
        if n == 0:
            break  # the file is shorter than it was
        sent += n
    return sent


async def _drained(p: HTTPProtocol, timeout: float | None) -> None:
    """Wait until the transport has written everything it holds."""
    t = p.transport
    assert t is not None
    if not t.get_write_buffer_size():
        return
    high, low = t.get_write_buffer_limits()
    t.set_write_buffer_limits(high=0)  # pause_writing now, resume_writing once empty
    try:
        await p.drain(timeout)
    finally:
        t.set_write_buffer_limits(high=high, low=low)


async def sendfile(p: HTTPProtocol, f: Any, chunked: bool, timeout: float | None) -> bool:
    """Zero-copy upload of a regular file over plain TCP.

    The default loop's ``loop.sendfile``; on other loops (uvloop has none),
    ``os.sendfile`` in a worker thread once the transport's own buffer is empty.
    Returns False (nothing sent) where neither can serve (TLS, not a regular file).
    """
    loop = asyncio.get_running_loop()
    t = p.transport
    if t is None or t.get_extra_info("sslcontext") is not None:
        return False
    sock = t.get_extra_info("socket")
    span = bodies.file_span(f)
    if span is None or sock is None or not hasattr(os, "sendfile"):
        return False
    file_fd, offset, count = span
    if not count:
        return True
    if chunked:
        p.write(serializer.chunk_size_line(count))
    # the timeout bounds each MiB, as a socket timeout would bound each send
    limit = None if timeout is None else timeout * max(1.0, count / (1 << 20))
    if isinstance(loop, asyncio.BaseEventLoop):
        await p.drain(timeout)
        task = loop.create_task(loop.sendfile(t, f, offset, count))
    else:
        await _drained(p, timeout)
        job = loop.run_in_executor(
            None, _sendfile_blocking, sock.fileno(), file_fd, offset, count, timeout
        )
        task = asyncio.ensure_future(job)
    try:
        sent = await bounded(task, limit)
    except RuntimeError:
        if not (p.lost or t.is_closing()):
            raise
        # loop.sendfile refuses a closing transport
        raise ConnectionResetError("Connection lost") from None
    p.bytes_sent += sent
    if sent != count:
        raise OSError(f"file changed while sending: sent {sent} of {count} bytes")
    if not isinstance(loop, asyncio.BaseEventLoop):
        f.seek(offset + count)
    if chunked:
        p.write(serializer.CHUNK_END)
    return True


def print_readable(kind: str, doing: str) -> None:
    """The lines ``http.client`` prints at debug level for a file body (*doing*:
    "reading" for a request body, "sending" for ``send()``)."""
    if kind in (bodies.FILE, bodies.TEXT_FILE):
        print(f"{doing} a readable")
        if kind == bodies.TEXT_FILE:
            print("encoding file using iso-8859-1")


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
    """Write *body* (framed as chunks if *chunked*); returns "sendfile" or "copy".

    With *debug*, prints what ``http.client`` prints for a request body: each piece as
    sent (chunk framing included), after "reading a readable" for a file.
    """
    if kind == bodies.FILE and not debug and await sendfile(p, body, chunked, timeout):
        return "sendfile"
    if debug:
        print_readable(kind, "reading")
    async for block in blocks(body, kind, blocksize, blocking_iterables):
        p.check_open()  # never write on into a transport that a failed send closed
        if not len(block):
            if debug:
                print("Zero length chunk ignored")
            continue
        if chunked:
            framed = serializer.chunk(block)
            if debug:
                print("send:", repr(b"".join(framed)))
            p.writelines(framed)
        else:
            if debug:
                print("send:", repr(block))
            p.write(block)
        if p.writing_paused:
            await p.drain(timeout)
    return "copy"


async def wait_continue(p: HTTPProtocol, timeout: float | None) -> bool:
    """Wait for ``100 Continue``; False if a final response came first.

    After ``CONTINUE_WAIT`` seconds without an answer the body is sent anyway.
    """
    wait = CONTINUE_WAIT if timeout is None else min(timeout, CONTINUE_WAIT)
    stream = p.current
    while 100 not in stream.informational and stream.head is None and p.error is None:
        try:
            await p.wait(wait)
        except TimeoutError:
            return True
    if stream.head is not None and 100 not in stream.informational:
        p.retire()  # the server may read the unsent body as a request
        return False
    return True
