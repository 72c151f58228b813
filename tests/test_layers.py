"""The sans-IO layer stays sans-IO: its modules import no event loop, socket or thread
machinery, and within the package only each other (any driver can hold them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aiohttpc"
SANS_IO = sorted(p.stem for p in (PACKAGE / "_sansio").glob("*.py") if p.stem != "__init__")
# What the sans-IO modules may import of the package: each other, and the public
# exception classes and status constants at its top.
ALLOWED = {*SANS_IO, "errors", "status"}
NOT_SANS_IO = {"asyncio", "socket", "ssl", "selectors", "select", "threading", "uvloop"}


def imports(module: str) -> tuple[set[str], set[str]]:
    """(top-level stdlib/third-party names, sibling modules) that *module* imports."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    outside, inside = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            outside.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: a sibling (from . import x, or from .x import y)
                if node.module:
                    inside.add(node.module.split(".")[0])
                else:
                    inside.update(alias.name for alias in node.names)
            elif node.module:
                outside.add(node.module.split(".")[0])
    return outside, inside


@pytest.mark.parametrize("module", SANS_IO)
def test_sans_io_module_imports_no_io(module):
    outside, inside = imports(f"_sansio/{module}")
    assert not outside & NOT_SANS_IO, outside & NOT_SANS_IO
    assert inside <= ALLOWED, inside - ALLOWED


def test_the_check_sees_the_layers():
    assert {"parser", "reader", "serializer", "grammar", "framing"} <= set(SANS_IO)
    outside, inside = imports("_aio/protocol")  # the asyncio driver: seen as such
    assert "asyncio" in outside and "_sansio" in inside
