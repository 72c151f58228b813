"""sender.write_body on a real connected socket pair (both loops): the bytes each kind
of body becomes, plain and chunked, and which path a file took."""

from __future__ import annotations

import asyncio
import io
import socket

import pytest

from aiohttpc._aio import sender
from aiohttpc._aio.protocol import HTTPProtocol
from aiohttpc._sansio import body as bodies

DATA = bytes(range(256)) * 40  # 10,240 bytes


async def _written(body, chunked: bool, **kwargs) -> tuple[bytes, str]:
    loop = asyncio.get_running_loop()
    a, b = socket.socketpair()
    with b:
        _, p = await loop.create_connection(lambda: HTTPProtocol(loop), sock=a)
        try:
            path = await sender.write_body(p, body, bodies.classify(body), chunked, 5, **kwargs)
            await sender._drained(p, 5)
        finally:
            await p.wait_closed()  # everything written has reached the peer's socket
        b.settimeout(5)
        got = bytearray()
        while data := b.recv(65536):
            got += data
    return bytes(got), path


def dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end], 16)
        if not size:
            assert data[end:] == b"\r\n\r\n"
            return bytes(out)
        out += data[end + 2 : end + 2 + size]
        assert data[end + 2 + size : end + 4 + size] == b"\r\n"
        pos = end + 4 + size


def gen():
    yield DATA[:100]
    yield b""  # skipped: a zero-length chunk would end a chunked body
    yield memoryview(DATA)[100:]


async def agen():
    yield DATA[:5000]
    yield DATA[5000:]


MAKERS = {
    "bytes": lambda tmp: DATA,
    "file": lambda tmp: open(tmp, "rb"),  # noqa: SIM115 - closed by the test
    "bytesio": lambda tmp: io.BytesIO(DATA),
    "generator": lambda tmp: gen(),
    "async-generator": lambda tmp: agen(),
}


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("kind", list(MAKERS))
async def test_each_kind_writes_its_bytes(tmp_path, kind, chunked):
    path = tmp_path / "body.bin"
    path.write_bytes(DATA)
    body = MAKERS[kind](path)
    try:
        got, how = await _written(body, chunked, blocking_iterables=True)
    finally:
        if hasattr(body, "close") and not hasattr(body, "asend"):
            body.close()
    # write_body leaves the last chunk to its caller
    assert (dechunk(got + b"0\r\n\r\n") if chunked else got) == DATA
    assert how == ("sendfile" if kind == "file" else "copy")


async def test_text_file_is_encoded_as_latin_1():
    got, how = await _written(io.StringIO("caf\xe9 " * 10), False)
    assert got == ("caf\xe9 " * 10).encode("latin-1") and how == "copy"


async def test_an_iterable_of_non_bytes_is_a_type_error():
    with pytest.raises(TypeError):
        await _written(iter(["text"]), False)


async def test_debug_prints_pieces_as_sent(capsys):
    await _written(io.BytesIO(b"abc"), True, debug=True)
    out = capsys.readouterr().out
    assert out == "reading a readable\nsend: b'3\\r\\nabc\\r\\n'\n"
