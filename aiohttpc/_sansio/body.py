"""Request bodies: what kind a body is, and the Content-Length the stdlib would send."""

from __future__ import annotations

import inspect
import io
import os
from typing import Any, Final

METHODS_EXPECTING_BODY: Final = frozenset({"PATCH", "POST", "PUT"})

# Body kinds.
NONE: Final = "none"
BYTES: Final = "bytes"  # anything with the buffer protocol (and str, once encoded)
FILE: Final = "file"  # a binary file-like object with a sync read()
TEXT_FILE: Final = "text"  # a text file: read, then encoded as ISO-8859-1 block by block
ASYNC_FILE: Final = "afile"  # an object whose read() is a coroutine function (aiofiles)
ITERABLE: Final = "iter"
ASYNC_ITERABLE: Final = "aiter"


def encode_text(data: str, name: str = "body") -> bytes:
    """Encode *data* as ISO-8859-1 with the stdlib's hint on failure."""
    try:
        return data.encode("latin-1")
    except UnicodeEncodeError as err:
        raise UnicodeEncodeError(
            err.encoding,
            err.object,
            err.start,
            err.end,
            f"{name.title()} ({data[err.start : err.end]!r:.20}) is not valid Latin-1. "
            f"Use {name}.encode('utf-8') if you want to send it encoded in UTF-8.",
        ) from None


def content_length(body: Any, method: str) -> int | None:
    """The Content-Length ``http.client`` would send, or None (then: chunked)."""
    if body is None:
        return 0 if method.upper() in METHODS_EXPECTING_BODY else None
    if hasattr(body, "read"):
        return None
    try:
        return memoryview(body).nbytes
    except TypeError:
        pass
    if isinstance(body, str):
        return len(body)
    return None


def classify(body: Any) -> str:
    """Which kind of body this is; TypeError for something that cannot be sent."""
    if body is None:
        return NONE
    read = getattr(body, "read", None)
    if read is not None:
        if inspect.iscoroutinefunction(read):
            return ASYNC_FILE
        return TEXT_FILE if isinstance(body, io.TextIOBase) else FILE
    if isinstance(body, str):
        return BYTES
    try:
        memoryview(body)
    except TypeError:
        pass
    else:
        return BYTES
    if hasattr(body, "__aiter__"):
        return ASYNC_ITERABLE
    try:
        iter(body)
    except TypeError:
        raise TypeError(
            f"message_body should be a bytes-like object or an iterable, got {type(body)!r}"
        ) from None
    return ITERABLE


def file_span(f: Any) -> tuple[int, int, int] | None:
    """(fd, offset, count) of the rest of a regular file, for ``sendfile``; else None."""
    try:
        fd = f.fileno()
        st = os.fstat(fd)
        offset = f.tell()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    import stat

    if not stat.S_ISREG(st.st_mode):
        return None
    return fd, offset, max(0, st.st_size - offset)
