"""The façade under the libraries legacy code runs on: urllib3, requests, a docker-py
style Unix socket adapter with a hijacked connection, and botocore, against local
servers (the stdlib's http.server, scripted servers, tinyproxy). Each scenario runs
once on the stdlib and once with ``sync_facade.install()``, in subprocesses, and the
outcomes are compared; nothing may be left open either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.app_server import AppServer
from tests.real_servers import tinyproxy
from tests.servers import Conn, ScriptedServer, chunked, echo_after_101, per_connection, replies

ROOT = Path(__file__).resolve().parent.parent.parent
EXPECTED_TO_FAIL = {"read_timeout", "https_unverified_fails"}  # each library's error class
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"ab", b"cde", b"f")


def chunked_until_eof(conn: Conn) -> None:
    for _ in range(50):
        if conn.read_request() is None:
            return
        conn.send(CHUNKED)


def close_unanswered(conn: Conn) -> None:
    if conn.read_request() is not None:
        conn.close()


def run(cfg: dict[str, Any], *flags: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::ResourceWarning",
            "-m",
            "tests.library_scenarios",
            json.dumps(cfg),
            *flags,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"},
    )
    lines = out.stdout.strip().splitlines()
    assert lines, out.stderr[-3000:]
    found: dict[str, Any] = json.loads(lines[-1])
    found["stderr"] = out.stderr
    return found


@pytest.fixture(scope="module")
def servers(ca: Any, server_ssl: Any) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        ca_path = os.path.join(tmp, "ca.pem")
        ca.cert_pem.write_to_path(ca_path)
        with (
            AppServer() as http,
            AppServer(ssl_context=server_ssl) as https,
            AppServer(uds=os.path.join(tmp, "app.sock")) as uds,
            ScriptedServer(echo_after_101, uds=os.path.join(tmp, "hijack.sock")) as hijack,
            ScriptedServer(chunked_until_eof) as chunks,
            ScriptedServer(
                per_connection(
                    close_unanswered, replies(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain")
                ),
                by_index=True,
            ) as reset,
            tinyproxy(tmp) as proxy,
        ):
            cfg = {
                "http": http.url("").rstrip("/"),
                "https": https.url("").rstrip("/").replace("127.0.0.1", "localhost"),
                "ca": ca_path,
                "proxy": proxy,
                "reset": f"http://127.0.0.1:{reset.port}",
                "chunked": f"http://127.0.0.1:{chunks.port}",
                "uds": uds.uds,
                "hijack_uds": hijack.uds,
            }
            yield cfg


@pytest.mark.timeout(300)
def test_libraries_run_on_the_facade_as_on_the_stdlib(servers: dict[str, Any]) -> None:
    theirs = run(servers)
    ours = run(servers, "--facade")
    assert theirs["connection_module"] == "http.client"
    assert ours["connection_module"] == "sync_facade.connection"  # the façade did the work
    for library, outcomes in theirs["results"].items():
        for name, expected in outcomes.items():
            assert ours["results"][library][name] == expected, (library, name)
            # and the scenario did what it is for, on the stdlib too: no vacuous match
            failed = isinstance(expected, list) and expected[:1] == ["raised"]
            assert failed == (name in EXPECTED_TO_FAIL), (library, name, expected)
    for library in ("urllib3", "requests"):
        results = theirs["results"][library]
        assert results["read_timeout"][1] in ("ReadTimeoutError", "ReadTimeout")
        assert results["https_unverified_fails"][1] == "SSLError"
    for run_ in (theirs, ours):
        assert run_["sockets_left"] <= 0 and run_["threads_left"] == []
        assert "ResourceWarning" not in run_["stderr"], run_["stderr"][-3000:]
