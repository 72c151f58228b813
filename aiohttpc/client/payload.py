"""Request bodies for the high-level client: ``content``, form ``data``, ``json`` and
multipart ``files`` turned into a body the core can send, plus its headers.

Files stay files: a lone file goes to the core as is (``sendfile`` where it can), and a
multipart body streams its file parts block by block, with a Content-Length whenever
every part's size is known.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import mimetypes
import os
import pathlib
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlencode

from .._sansio import body as bodies

BLOCK = 1 << 18


class Payload:
    """A body ready for the core, the headers it implies, and whether it can be re-sent."""

    __slots__ = ("body", "headers", "replayable")

    def __init__(self, body: Any, headers: dict[str, str], replayable: bool) -> None:
        self.body = body
        self.headers = headers
        self.replayable = replayable  # a redirect keeping the method may send it again


NO_BODY = Payload(None, {}, True)


def _file_length(f: Any) -> int | None:
    span = bodies.file_span(f)
    return None if span is None else span[2]


def build(
    *,
    content: Any = None,
    data: Any = None,
    json: Any = None,
    files: Mapping[str, Any] | None = None,
) -> Payload:
    """The payload for one of content=, data= (a mapping: form-encoded), json=, files=."""
    if content is None and data is None and json is None and files is None:
        return NO_BODY
    given = [n for n, v in (("content", content), ("json", json)) if v is not None]
    if files is not None:
        given.append("files")
    elif data is not None:
        given.append("data")
    if len(given) > 1:
        raise TypeError(f"give only one of content, data, json, files (got {given})")
    if json is not None:
        raw = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
        return Payload(raw, {"Content-Type": "application/json"}, True)
    if files is not None:
        return multipart(data or {}, files)
    if data is not None:
        if isinstance(data, Mapping):
            form = urlencode(list(data.items()), doseq=True).encode("ascii")
            return Payload(form, {"Content-Type": "application/x-www-form-urlencoded"}, True)
        content = data
    return _content(content)


def _content(content: Any) -> Payload:
    if content is None:
        return NO_BODY
    if isinstance(content, str):
        return Payload(content.encode(), {"Content-Type": "text/plain; charset=utf-8"}, True)
    if isinstance(content, pathlib.PurePath):
        raise TypeError("open the file and pass the file object as content")
    kind = bodies.classify(content)
    if kind == bodies.BYTES:
        return Payload(content, {}, True)
    headers: dict[str, str] = {}
    if kind == bodies.FILE and (n := _file_length(content)) is not None:
        headers["Content-Length"] = str(n)
    return Payload(content, headers, False)


class _Part:
    __slots__ = ("head", "size", "source")

    def __init__(self, head: bytes, source: Any, size: int | None) -> None:
        self.head = head
        self.source = source  # bytes, or a binary file object
        self.size = size


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart(data: Mapping[str, Any], files: Mapping[str, Any]) -> Payload:
    """A ``multipart/form-data`` body: *data* fields as text, *files* as file parts.

    A file is a binary file object, bytes, or a tuple (filename, file-or-bytes[,
    content type]).
    """
    boundary = uuid.uuid4().hex
    parts: list[_Part] = []
    for name, value in data.items():
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            raw = v if isinstance(v, bytes) else str(v).encode()
            head = f'Content-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()
            parts.append(_Part(head, raw, len(raw)))
    for name, spec in files.items():
        ctype = None
        if isinstance(spec, tuple):
            filename, source, *rest = spec
            ctype = rest[0] if rest else None
        else:
            source = spec
            filename = os.path.basename(str(getattr(spec, "name", name)))
        if isinstance(source, str):
            source = source.encode()
        ctype = ctype or mimetypes.guess_type(str(filename))[0] or "application/octet-stream"
        head = (
            f'Content-Disposition: form-data; name="{_quoted(name)}"; '
            f'filename="{_quoted(str(filename))}"\r\nContent-Type: {_quoted(ctype)}\r\n\r\n'
        ).encode()
        if isinstance(source, bytes | bytearray | memoryview):
            parts.append(_Part(head, bytes(source), len(source)))
        elif hasattr(source, "read"):
            parts.append(_Part(head, source, _file_length(source)))
        else:
            raise TypeError(f"a file must be bytes or a binary file object, not {source!r}")
    sep = f"--{boundary}\r\n".encode()
    end = f"--{boundary}--\r\n".encode()
    length: int | None = len(end)
    for part in parts:
        if length is not None and part.size is not None:
            length += len(sep) + len(part.head) + part.size + 2
        else:
            length = None
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if length is not None:
        headers["Content-Length"] = str(length)
    replayable = all(isinstance(p.source, bytes) for p in parts)
    return Payload(_MultipartStream(parts, sep, end), headers, replayable)


class _MultipartStream:
    """The multipart body as an async iterable; file parts are read in the executor."""

    def __init__(self, parts: list[_Part], sep: bytes, end: bytes) -> None:
        self._parts = parts
        self._sep = sep
        self._end = end

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._blocks()

    async def _blocks(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        for part in self._parts:
            if isinstance(part.source, bytes):
                yield self._sep + part.head + part.source + b"\r\n"
                continue
            yield self._sep + part.head
            read = part.source.read
            while block := await loop.run_in_executor(None, read, BLOCK):
                yield block
            yield b"\r\n"
        yield self._end
