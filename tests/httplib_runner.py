"""Run CPython's own ``test.test_httplib`` and print each test's outcome as JSON.

``python -m tests.httplib_runner [--facade]``: with ``--facade``, ``sync_facade`` is
installed as ``http.client`` first. A subprocess of its own, because ``install()``
changes the process's ``http.client`` and the test module binds it at import.
The JSON is the last line of the output. Prints ``{"missing": reason}`` when the interpreter has no ``test`` package.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
import unittest


def outcomes(facade: bool) -> dict[str, str]:
    if facade:
        import sync_facade

        sync_facade.install()
    import test.test_httplib as module

    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    found = {case.id(): "passed" for case in _cases(suite)}  # a run empties the suite
    with contextlib.redirect_stdout(io.StringIO()):  # its servers print as they stop
        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    for case, _ in result.failures + result.errors:
        found[case.id()] = "failed"
    for case, _ in result.skipped:
        found[case.id()] = "skipped"
    return found


def _cases(suite: unittest.TestSuite) -> list[unittest.TestCase]:
    out: list[unittest.TestCase] = []
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            out += _cases(item)
        else:
            out.append(item)
    return out


def _has_httplib_tests() -> bool:
    return importlib.util.find_spec("test.test_httplib") is not None


def main() -> None:
    # Found, not imported: the façade must be installed before the test module loads.
    if importlib.util.find_spec("test") is None or not _has_httplib_tests():
        print(json.dumps({"missing": "this Python has no test.test_httplib"}))
        return
    print(json.dumps(outcomes("--facade" in sys.argv)))


if __name__ == "__main__":
    main()
