"""Content-Encoding decoders (gzip, deflate; br and zstd when their packages are
installed), with a cap on the decoded size so a small body cannot expand without bound."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from ..errors import HTTPException

DEFAULT_MAX_DECODED = 1 << 30  # 1 GiB
_STEP = 1 << 18  # decode at most this much per step: memory stays bounded for bombs


class DecodingError(HTTPException):
    """The body does not decode with its Content-Encoding."""


class DecodedTooLarge(HTTPException):
    """The decoded body would be larger than the client's cap."""


class _Zlib:
    def __init__(self, wbits: int) -> None:
        self._d = zlib.decompressobj(wbits)
        self._deflate = wbits == zlib.MAX_WBITS
        self._first = True

    def decode(self, data: bytes, room: int) -> list[bytes]:
        out = []
        try:
            if self._deflate and self._first and data:
                self._first = False
                # "deflate" is zlib-wrapped by the RFC, raw deflate in some servers
                if data[0] & 0x0F != 8:
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
            while data:
                piece = self._d.decompress(data, max(1, min(_STEP, room + 1)))
                if piece:
                    out.append(piece)
                    room -= len(piece)
                    if room < 0:
                        break
                data = self._d.unconsumed_tail
        except zlib.error as err:
            raise DecodingError(f"cannot decode body: {err}") from None
        return out

    def flush(self) -> bytes:
        try:
            return self._d.flush()
        except zlib.error as err:
            raise DecodingError(f"cannot decode body: {err}") from None


class _Whole:
    """A decoder with no output bound per call (brotli, zstd): checked after each call."""

    def __init__(self, decode: Callable[[bytes], bytes], flush: Callable[[], bytes]) -> None:
        self._decode = decode
        self._flush = flush

    def decode(self, data: bytes, room: int) -> list[bytes]:
        try:
            return [self._decode(data)]
        except Exception as err:
            raise DecodingError(f"cannot decode body: {err}") from None

    def flush(self) -> bytes:
        return self._flush()


def _brotli() -> Any:
    try:
        import brotli
    except ImportError:
        try:
            import brotlicffi as brotli
        except ImportError:
            return None
    return brotli


def _zstd() -> Any:
    try:
        import zstandard
    except ImportError:
        return None
    return zstandard


def supported() -> list[str]:
    """The codings we can decode here, for ``Accept-Encoding``."""
    names = ["gzip", "deflate"]
    if _brotli() is not None:
        names.append("br")
    if _zstd() is not None:
        names.append("zstd")
    return names


def _make(coding: str) -> Any:
    if coding in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if coding == "br" and (brotli := _brotli()) is not None:
        d = brotli.Decompressor()
        step = getattr(d, "process", None) or d.decompress
        return _Whole(step, lambda: b"")
    if coding == "zstd" and (zstd := _zstd()) is not None:
        d = zstd.ZstdDecompressor().decompressobj()
        return _Whole(d.decompress, d.flush)
    raise DecodingError(f"unsupported Content-Encoding: {coding!r}")


class Decoder:
    """Decode a body piece by piece; raises ``DecodedTooLarge`` past *max_size* bytes."""

    def __init__(self, content_encoding: str | None, max_size: int = DEFAULT_MAX_DECODED) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        # applied in the order listed, so removed in reverse
        self._steps = [_make(c) for c in reversed(codings) if c != "identity"]
        self.max_size = max_size
        self.size = 0

    @property
    def identity(self) -> bool:
        return not self._steps

    def count(self, n: int) -> None:
        """Count *n* bytes that needed no decoding toward the cap."""
        self.size += n
        if self.size > self.max_size:
            raise DecodedTooLarge(f"decoded body exceeds {self.max_size} bytes")

    def _count(self, pieces: list[bytes]) -> list[bytes]:
        for piece in pieces:
            self.size += len(piece)
        if self.size > self.max_size:
            raise DecodedTooLarge(f"decoded body exceeds {self.max_size} bytes")
        return pieces

    def decode(self, data: bytes) -> bytes:
        if not self._steps:
            return b"".join(self._count([data]))
        pieces = [data]
        for step in self._steps:
            room = self.max_size - self.size
            pieces = [out for p in pieces for out in step.decode(p, room)]
        return b"".join(self._count(pieces))

    def flush(self) -> bytes:
        pieces: list[bytes] = []
        for step in self._steps:
            room = self.max_size - self.size
            decoded = [out for p in pieces for out in step.decode(p, room)]
            pieces = [*decoded, step.flush()]
        return b"".join(self._count(pieces))
