"""Build: the per-request path compiled with mypyc where a C compiler is there.

Everything else is in ``pyproject.toml``. Without a compiler (or with
``AIOHTTPC_NO_EXTENSIONS=1``) the package installs as pure Python, saying so in one
line; installing never fails for lack of a compiler. ``aiohttpc.__compiled__`` tells
which runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

# Compiled together, as one group: the per-request path. The sans-IO rules; the
# protocol and the direct receive; the response; the small-request write. Left as
# Python: the package __init__s; heap.py (its hook is monkeypatched in tests, and it
# runs once per process); the connection, whose class attributes (``default_port``,
# ``response_class``, ``auto_open``...) subclasses and callers override, which a
# compiled class would not see.
COMPILED = [
    "aiohttpc/_sansio/grammar.py",
    "aiohttpc/_sansio/headers.py",
    "aiohttpc/_sansio/framing.py",
    "aiohttpc/_sansio/parser.py",
    "aiohttpc/_sansio/serializer.py",
    "aiohttpc/_sansio/body.py",
    "aiohttpc/_sansio/buffer.py",
    "aiohttpc/_sansio/reader.py",
    "aiohttpc/_sansio/request_head.py",
    "aiohttpc/_sansio/incoming.py",
    "aiohttpc/_aio/protocol.py",
    "aiohttpc/_aio/receive_into.py",
    "aiohttpc/_aio/small_request.py",
    "aiohttpc/response.py",
]


def _say(line: str) -> None:
    print(f"aiohttpc: {line}", file=sys.stderr)


class OptionalBuildExt(build_ext):
    """Build the extensions if the machine can; else leave the pure Python in place."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers: the pure-Python install
            _say(
                f"not compiled ({type(exc).__name__}: {str(exc)[:80]}...); installed as pure Python"
            )


def ext_modules() -> list[object]:
    if os.environ.get("AIOHTTPC_NO_EXTENSIONS", "") not in ("", "0"):
        _say("AIOHTTPC_NO_EXTENSIONS is set: installed as pure Python")
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _say("mypyc is not available: installed as pure Python")
        return []
    here = Path(__file__).resolve().parent
    old = Path.cwd()
    os.chdir(here)  # mypyc takes paths relative to the project
    try:
        return list(mypycify(COMPILED, opt_level="3", group_name="aiohttpc_native"))
    except Exception as exc:  # mypyc could not translate: the source is still whole
        _say(f"not compiled ({type(exc).__name__}: {exc}); installed as pure Python")
        return []
    finally:
        os.chdir(old)


setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
