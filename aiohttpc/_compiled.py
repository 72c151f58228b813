"""Which implementation of the per-request path runs: compiled, or the Python source.

``pip install`` compiles the ``aiohttpc._sansio`` modules, the protocol, the direct
receive, the response and the small-request write with mypyc where a C compiler is
there (see ``setup.py``); the Python source beside them stays the reference and the
fallback. ``AIOHTTPC_NO_EXTENSIONS=1`` in the environment makes every one of them load
from its source even where a compiled module sits beside it. ``load_source()`` loads
the sans-IO source modules under another package name next to the compiled ones, so
tests can compare the two in one process.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

SANSIO = "aiohttpc._sansio"
SOURCE_ALIAS = "aiohttpc._sansio_source"
_HERE = Path(__file__).resolve().parent
_DIR = _HERE / "_sansio"
# The compiled modules outside ``_sansio`` (as ``setup.py`` lists them).
COMPILED_ELSEWHERE = (
    "aiohttpc._aio.protocol",
    "aiohttpc._aio.receive_into",
    "aiohttpc._aio.small_request",
    "aiohttpc.response",
)


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of *package* in *directory*'s ``.py`` files only."""

    def __init__(self, package: str, directory: Path) -> None:
        self.package = package
        self.directory = directory

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name == self.package:
            init = self.directory / "__init__.py"
            where = [str(self.directory)]
            return importlib.util.spec_from_file_location(
                name, init, submodule_search_locations=where
            )
        prefix = self.package + "."
        if name.startswith(prefix) and "." not in name[len(prefix) :]:
            source = self.directory / f"{name[len(prefix) :]}.py"
            if source.is_file():
                return importlib.util.spec_from_file_location(name, source)
        return None


class _ModuleSourceFinder(importlib.abc.MetaPathFinder):
    """Finds the named modules in their ``.py`` files only."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name not in COMPILED_ELSEWHERE:
            return None
        parts = name.split(".")[1:]
        return importlib.util.spec_from_file_location(
            name, _HERE.joinpath(*parts).with_suffix(".py")
        )


def _install(package: str) -> None:
    if not any(isinstance(f, _SourceFinder) and f.package == package for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder(package, _DIR))


def load_source() -> ModuleType:
    """The Python source of ``aiohttpc._sansio``, as the package ``SOURCE_ALIAS``."""
    _install(SOURCE_ALIAS)
    return importlib.import_module(SOURCE_ALIAS)


def compiled() -> bool:
    """Whether the per-request path in use is the compiled build."""
    from . import response
    from ._sansio import parser

    return not any((m.__file__ or "").endswith(".py") for m in (parser, response))


if os.environ.get("AIOHTTPC_NO_EXTENSIONS", "") not in ("", "0"):
    _install(SANSIO)
    sys.meta_path.insert(0, _ModuleSourceFinder())
