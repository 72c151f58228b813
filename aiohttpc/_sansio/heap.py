"""A one-time hint to glibc's malloc that bulk transfers are coming.

A streamed body arrives as pieces of varying size, each allocated while the previous
one is still held by the reader. With glibc's initial thresholds the top of the heap
is then trimmed and regrown over and over: thousands of page faults per 256 MiB,
about as much CPU as the bytes themselves. glibc raises those thresholds by itself
once a large block is freed (``mallopt(3)``, dynamic mmap threshold), as it does
after any program's first large buffer. Allocating and freeing one such block before
the first large body does exactly that, once per process; elsewhere it is a no-op
allocation. Nothing is configured, and later settings of the program are untouched.
"""

from __future__ import annotations

BULK = 1 << 20  # bodies of unknown length or at least this long count as bulk

pending = True


def expect_bulk(length: int | None) -> None:
    """Called with each body's length (None if unknown); acts once per process."""
    global pending
    if pending and (length is None or length >= BULK):
        pending = False
        block = bytes(BULK)  # calloc'd from fresh pages: nothing is touched
        del block
