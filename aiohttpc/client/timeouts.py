"""``Timeout``: separate limits for connecting, reading, writing, waiting for the pool,
and the whole exchange."""

from __future__ import annotations

import time
from dataclasses import dataclass


class PoolTimeout(TimeoutError):
    """No connection slot became free within the pool timeout."""


class TotalTimeout(TimeoutError):
    """The whole exchange (connect, send, every read) took longer than ``total``."""


@dataclass(frozen=True)
class Timeout:
    """Seconds allowed for each part of an exchange; None means no limit.

    ``connect``: TCP (and TLS, tunnel) set-up; ``read``: each wait for response bytes;
    ``write``: each wait for the socket to take request bytes; ``pool``: waiting for a
    free connection slot; ``total``: everything, from the first byte sent to the last
    byte of the body read.
    """

    connect: float | None = 10.0
    read: float | None = 60.0
    write: float | None = 60.0
    pool: float | None = 60.0
    total: float | None = None

    @classmethod
    def of(cls, value: Timeout | float | None) -> Timeout:
        """A ``Timeout`` from itself, one number for every part, or None for no limits."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(None, None, None, None, None)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"timeout must be a Timeout, a number or None, not {value!r}")
        return cls(value, value, value, value, None)


class Deadline:
    """The end of a ``total`` budget: each wait is cut to what is left of it."""

    __slots__ = ("at",)

    def __init__(self, total: float | None) -> None:
        self.at = None if total is None else time.monotonic() + total

    def cap(self, limit: float | None) -> float | None:
        """*limit* shortened to the time left; raises TotalTimeout when none is left."""
        if self.at is None:
            return limit
        left = self.at - time.monotonic()
        if left <= 0:
            raise TotalTimeout("total timeout exceeded")
        return left if limit is None or left < limit else limit


__all__ = ["Deadline", "PoolTimeout", "Timeout", "TotalTimeout"]
