"""The compiled sans-IO rules against their Python source: the same events and the same
errors for any byte stream, split anywhere. (The whole suite also runs twice in CI:
compiled, and with ``AIOHTTPC_NO_EXTENSIONS=1``.)"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiohttpc
from aiohttpc import _compiled
from aiohttpc._sansio import parser as used_parser

FORCED_SOURCE = os.environ.get("AIOHTTPC_NO_EXTENSIONS", "") not in ("", "0")


def test_which_build_runs_is_told_truly():
    on_disk = not (used_parser.__file__ or "").endswith(".py")
    assert aiohttpc.__compiled__ is on_disk
    if FORCED_SOURCE:
        assert not aiohttpc.__compiled__


def test_every_compiled_module_follows_the_build():
    """The protocol, direct receive, response and small-request write load compiled or
    from source together with the sans-IO rules: one build, never a mix."""
    import importlib

    for name in _compiled.COMPILED_ELSEWHERE:
        module = importlib.import_module(name)
        from_source = (module.__file__ or "").endswith(".py")
        assert from_source is not aiohttpc.__compiled__, name
    # the list the finder forces to source is the one setup.py compiles
    setup_py = Path(__file__).resolve().parents[1] / "setup.py"
    tree = ast.parse(setup_py.read_text())
    listed = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED"
    )
    elsewhere = [p.removesuffix(".py").replace("/", ".") for p in listed if "/_sansio/" not in p]
    assert sorted(elsewhere) == sorted(_compiled.COMPILED_ELSEWHERE)


def test_the_source_loads_beside_whatever_runs():
    source = _compiled.load_source()
    from aiohttpc._sansio_source import parser as source_parser

    assert source.__name__ == _compiled.SOURCE_ALIAS
    assert (source_parser.__file__ or "").endswith("parser.py")
    # the same exception classes: errors compare across the two
    assert source_parser.IncompleteRead is used_parser.IncompleteRead


class Recorder:
    """A parser sink that writes down every event (body pieces joined)."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def _add(self, event: Any) -> None:
        self.events.append(event)

    def on_informational(self, status: int) -> None:
        self._add(("1xx", status))

    def on_head(self, head: Any) -> None:
        fields = (head.status, head.reason, head.version, head.headers.items())
        self._add(("head", fields, head.length, head.chunked, head.will_close))

    def on_switched(self, head: Any) -> None:
        self._add(("switched", head.status, head.headers.items()))

    def on_body(self, data: bytes) -> None:
        if self.events and self.events[-1][0] == "body":
            self.events[-1] = ("body", self.events[-1][1] + bytes(data))
        else:
            self._add(("body", bytes(data)))

    def on_complete(self) -> None:
        self._add(("complete",))

    def on_stray_data(self) -> None:
        self._add(("stray",))


def run(module: Any, method: str, pieces: list[bytes], eof: bool) -> list[Any]:
    sink = Recorder()
    p = module.ResponseParser(sink)
    p.expect(method)
    try:
        for piece in pieces:
            p.feed(piece)
            if p.state == module.IDLE:
                p.expect(method)  # a keep-alive connection's next request
        if eof:
            p.feed_eof()
    except Exception as exc:
        sink.events.append(("raised", type(exc).__name__, str(exc)))
    sink.events.append(("state", p.state, p.next_read))
    return sink.events


FRAGMENTS = [
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.0 204 No Content\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
    b"HTTP/1.1 20",
    b"HTTP/2 200\r\n",
    b"Content-Length: 5\r\n",
    b"Content-Length: 5, 5\r\n",
    b"Content-Length: -1\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip, chunked\r\n",
    b"Connection: close\r\n",
    b"X: folded\r\n continued\r\n",
    b"Bad Header\r\n",
    b"X-Nul: a\x00b\r\n",
    b"Bare: lf\n",
    b"\r\n",
    b"hello",
    b"5\r\nhello\r\n",
    b"5;ext=1\r\nhello\r\n",
    b"0x5\r\nhello\r\n",
    b"0\r\n\r\n",
    b"0\r\nTrailer: t\r\n\r\n",
    b"\r\n\r\n",
]


@st.composite
def streams(draw: Any) -> tuple[str, list[bytes], bool]:
    data = b"".join(draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12)))
    if data and draw(st.booleans()):  # a mutation: a byte changed, dropped or added
        i = draw(st.integers(0, len(data) - 1))
        byte = bytes([draw(st.integers(0, 255))])
        how = draw(st.sampled_from(["change", "drop", "add"]))
        data = {
            "change": data[:i] + byte + data[i + 1 :],
            "drop": data[:i] + data[i + 1 :],
            "add": data[:i] + byte + data[i:],
        }[how]
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    method = draw(st.sampled_from(["GET", "HEAD", "CONNECT", "POST"]))
    return method, [p for p in pieces if p], draw(st.booleans())


@pytest.mark.skipif(
    not aiohttpc.__compiled__, reason="this build is not compiled: no second parser to compare"
)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_compiled_parser_matches_its_source(stream: tuple[str, list[bytes], bool]) -> None:
    method, pieces, eof = stream
    _compiled.load_source()
    from aiohttpc._sansio_source import parser as source_parser

    assert run(used_parser, method, pieces, eof) == run(source_parser, method, pieces, eof)
