"""The packages' annotations, as a user's type checker sees them (PEP 561)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent / "typing" / "public_api_example.py"
ROOT = Path(__file__).resolve().parent.parent


def mypy_strict(paths: list[Path], cache: Path) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on *paths*, reading our packages' annotations (an editable
    install's import hook is not something mypy follows, so the source tree is on
    MYPYPATH; the packages' own code is read, its errors not reported)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            "--cache-dir",
            str(cache),
            "--config-file",
            os.devnull,
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=cache.parent,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )


@pytest.mark.timeout(300)
def test_a_program_using_the_public_api_is_mypy_strict_clean(tmp_path: Path) -> None:
    """The example passes ``mypy --strict``; in the same run, a wrong type in a use of
    the API is found (so the check is not vacuous)."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import aiohttpc\n"
        "async def f() -> None:\n"
        "    conn = aiohttpc.HTTPConnection('h', 80)\n"
        "    resp = await conn.getresponse()\n"
        "    status: str = resp.status\n"
    )
    out = mypy_strict([EXAMPLE, bad], tmp_path / "cache")
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, out.stdout + out.stderr
    assert errors[0].startswith("bad.py:5:")
    assert (
        'Incompatible types in assignment (expression has type "int", variable has type "str")'
        in errors[0]
    )
