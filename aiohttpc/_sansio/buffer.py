"""A queue of received body chunks with a running size. Pure, no I/O.

Chunks are kept as they arrived and joined only when a read spans several of them;
a partly read first chunk is tracked by an offset, so many small reads of one big
chunk copy only what they return.
"""

from __future__ import annotations


class BodyBuffer:
    # The chunks are ``_chunks[_first:]``: a list with a moving front rather than a
    # deque, which is 0.7 KiB even when empty and there is one per response.
    __slots__ = ("_chunks", "_first", "_off", "size")

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._first = 0
        self._off = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def append(self, data: bytes) -> None:
        if data:
            self._chunks.append(data)
            self.size += len(data)

    def extend(self, chunks: list[bytes]) -> None:
        for data in chunks:
            self.append(data)

    def clear(self) -> None:
        self._chunks.clear()
        self._first = self._off = 0
        self.size = 0

    def take(self, n: int = -1) -> bytes:
        """Remove and return up to *n* bytes (everything if *n* < 0)."""
        if n < 0 or n >= self.size:
            n = self.size
        if not n:
            return b""
        chunks = self._chunks
        first = chunks[self._first]
        off = self._off
        if n == len(first) and not off:  # the whole first chunk: the common read
            if len(chunks) == 1:  # _drop_first's own first case, inlined: ~0.8 % per request
                chunks.clear()
            else:
                self._drop_first()
            self.size -= n
            return first
        avail = len(first) - off
        if n <= avail:
            out = first[off : off + n] if (off or n < avail) else first
            self._advance(n)
            return out
        parts = []
        need = n
        while need:
            first = chunks[self._first]
            avail = len(first) - self._off
            k = min(need, avail)
            parts.append(first[self._off : self._off + k] if (self._off or k < avail) else first)
            self._advance(k)
            need -= k
        return b"".join(parts)

    def take_chunk(self, n: int = -1) -> bytes:
        """Remove and return bytes from the first chunk only (at most *n* if *n* >= 0)."""
        if not self.size:
            return b""
        first = self._chunks[self._first]
        off = self._off
        avail = len(first) - off
        if n < 0 or n > avail:
            n = avail
        if not off and n == len(first):  # the whole first chunk: each piece of a stream
            self.size -= n
            if self._first + 1 == len(self._chunks):  # _drop_first's first case, inlined
                self._chunks.clear()
                self._first = 0
            else:
                self._drop_first()
            return first
        self._advance(n)
        return first[off : off + n]

    def take_into(self, view: memoryview) -> int:
        """Remove up to ``len(view)`` bytes, copied into *view*; returns how many."""
        n = min(len(view), self.size)
        done = 0
        while done < n:
            first = self._chunks[self._first]
            off = self._off
            k = min(n - done, len(first) - off)
            view[done : done + k] = memoryview(first)[off : off + k]
            self._advance(k)
            done += k
        return n

    def take_chunks(self) -> list[bytes]:
        """Remove and return everything as the list of chunks (no join)."""
        chunks = self._chunks[self._first :]
        if chunks and self._off:
            chunks[0] = chunks[0][self._off :]
        self.clear()
        return chunks

    def peek(self, n: int = -1) -> bytes:
        """Bytes at the front without removing them: the first chunk (or *n* bytes)."""
        if not self.size:
            return b""
        first = self._chunks[self._first]
        if n <= len(first) - self._off:
            return first[self._off :] if n < 0 else first[self._off : self._off + n]
        return b"".join(self._iter_from_off())[:n]

    def line_length(self, limit: int = -1) -> int:
        """Length of the first line including its ``\\n`` (capped at *limit*), or -1."""
        total = 0
        for part in self._iter_from_off():
            i = part.find(b"\n")
            if i >= 0:
                total += i + 1
                return total if limit < 0 else min(total, limit)
            total += len(part)
            if 0 <= limit <= total:
                return limit
        return -1

    def _iter_from_off(self):  # type: ignore[no-untyped-def]
        chunks = self._chunks
        start = self._first
        for i in range(start, len(chunks)):
            chunk = chunks[i]
            yield chunk[self._off :] if i == start and self._off else chunk

    def _advance(self, n: int) -> None:
        self.size -= n
        off = self._off + n
        if off >= len(self._chunks[self._first]):
            self._drop_first()
            self._off = 0
        else:
            self._off = off

    def _drop_first(self) -> None:
        chunks = self._chunks
        first = self._first + 1
        if first == len(chunks):
            chunks.clear()
            first = 0
        elif first >= 32 and 2 * first >= len(chunks):
            del chunks[:first]  # now and then, so each drop is O(1) on average
            first = 0
        self._first = first
