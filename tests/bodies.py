"""Request bodies of every streamed kind, made anew for each request (a generator or a
file is used up by one): for the tests that send the same body many times."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

SMALL = b"x" * 3000
LARGE = 64 << 20  # more than any socket buffer holds: a server that stops reading shows


def small(tmp_path: Path) -> dict[str, Callable[[], Any]]:
    """Makers of ``SMALL`` as a file, a BytesIO, a generator and an async generator."""
    path = tmp_path / "small.bin"
    path.write_bytes(SMALL)

    def gen() -> Any:
        yield SMALL[:1000]
        yield SMALL[1000:]

    async def agen() -> Any:
        yield SMALL[:1000]
        yield SMALL[1000:]

    return {
        "file": lambda: open(path, "rb"),
        "bytesio": lambda: io.BytesIO(SMALL),
        "generator": gen,
        "async-generator": agen,
    }


def large(tmp_path: Path) -> dict[str, Callable[[], Any]]:
    """Makers of ``LARGE`` bytes as bytes, a (sparse) file and a generator of MiB blocks."""
    path = tmp_path / "large.bin"
    with open(path, "wb") as f:
        f.truncate(LARGE)

    def gen() -> Any:
        block = b"x" * (1 << 20)
        for _ in range(LARGE >> 20):
            yield block

    return {
        "bytes": lambda: b"x" * LARGE,
        "file": lambda: open(path, "rb"),
        "generator": gen,
    }


def close(body: Any) -> None:
    """Close a made body that has a sync ``close`` (files, generators)."""
    if hasattr(body, "close") and not hasattr(body, "asend"):
        body.close()
