"""CPython's own test.test_httplib, run with the façade installed as http.client and
with the stdlib itself: every test passes on both, except the deliberate differences
listed here (each also a row of the README's differences table)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

# test id -> why the façade differs on purpose
DIFFERENCES = {
    "test.test_httplib.HeaderTests.test_putheader": (
        "folded values (obs-fold) and blanks in header names are refused: both are "
        "request-smuggling vectors that RFC 9112 servers must reject"
    ),
    "test.test_httplib.BasicTest.test_putrequest_override_domain_validation": (
        "overriding _validate_path adds checks but cannot take away the refusal of "
        "control characters in the request line"
    ),
    "test.test_httplib.BasicTest.test_putrequest_override_host_validation": (
        "overriding _validate_host cannot let CR/LF into the Host value"
    ),
    "test.test_httplib.OfflineTest.test_all": (
        "the classes live in sync_facade (their __module__), so the test's own "
        "reckoning of __all__ leaves them out"
    ),
}


def run(*args: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.httplib_runner", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = out.stdout.strip().splitlines()
    assert lines, out.stderr[-2000:]
    found: dict[str, str] = json.loads(lines[-1])
    if "missing" in found:
        pytest.skip(found["missing"])
    return found


@pytest.mark.timeout(300)
def test_cpython_test_httplib_passes_on_the_facade_but_for_the_listed_differences():
    theirs = run()
    ours = run("--facade")
    assert set(ours) == set(theirs) and len(ours) > 100
    assert all(outcome != "failed" for outcome in theirs.values())
    failed = {name for name, outcome in ours.items() if outcome == "failed"}
    assert failed == set(DIFFERENCES)
    # what the stdlib skips (no network, no resources) we skip too, and nothing more
    assert {n for n, o in ours.items() if o == "skipped"} == {
        n for n, o in theirs.items() if o == "skipped"
    }
