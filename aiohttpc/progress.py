"""Progress lines for the command line: bytes with rate and ETA, and crawl counts."""

from __future__ import annotations

import time
from typing import TextIO

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in _UNITS:
        if abs(n) < 1024 or unit == _UNITS[-1]:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def human_time(seconds: float) -> str:
    """3725 -> '1:02:05', 65 -> '1:05'."""
    s = int(seconds + 0.5)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def transfer_line(done: int, total: int | None, elapsed: float, width: int = 24) -> str:
    """'[#####-----]  42%  1.2 MiB / 3.0 MiB  800.0 KiB/s  ETA 0:02' (no bar if no total)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    speed = f"{human_bytes(rate)}/s"
    if total:
        frac = min(1.0, done / total)
        filled = int(frac * width)
        bar = "#" * filled + "-" * (width - filled)
        eta = human_time((total - done) / rate) if rate > 0 else "--:--"
        return (
            f"[{bar}] {frac * 100:3.0f}%  {human_bytes(done)} / {human_bytes(total)}  "
            f"{speed}  ETA {eta}"
        )
    return f"{human_bytes(done)}  {speed}"


def crawl_line(done: int, failed: int, elapsed: float, total: int | None = None) -> str:
    """'done 120/1000  failed 3  95.2 req/s'."""
    rate = (done + failed) / elapsed if elapsed > 0 else 0.0
    count = f"{done + failed}/{total}" if total is not None else f"{done + failed}"
    return f"done {count}  failed {failed}  {rate:.1f} req/s"


class LiveLine:
    """Rewrites one status line on a terminal, at most *hz* times a second."""

    def __init__(self, stream: TextIO, hz: float = 10.0) -> None:
        self._stream = stream
        self._every = 1.0 / hz
        self._last = 0.0
        self._width = 0

    def show(self, text: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self._every:
            return
        self._last = now
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self._stream.write("\r" + text + " " * pad)
        self._stream.flush()

    def end(self) -> None:
        if self._width:
            self._stream.write("\n")
            self._stream.flush()
            self._width = 0
