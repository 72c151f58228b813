"""``python -m aiohttpc``, run as a real subprocess against loopback servers."""

from __future__ import annotations

import hashlib
import os
import pty
import socket
import subprocess
import sys
from typing import Any

from tests.app_server import AppServer

TIMEOUT = 60


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "aiohttpc", *args],
        input=stdin,
        capture_output=True,
        timeout=TIMEOUT,
        env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
    )


def assert_one_clean_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("aiohttpc: ")
    return lines[0]


def test_body_to_stdout_and_head_with_i() -> None:
    with AppServer() as s:
        out = cli(s.url("/hello"))
        assert out.returncode == 0 and out.stdout == b"path /hello" and out.stderr == b""
        out = cli("-i", s.url("/hello"))
        head, _, body = out.stdout.partition(b"\n\n")
        assert head.splitlines()[0] == b"HTTP/1.1 200 OK"
        assert b"Content-Type: text/plain" in head and body == b"path /hello"


def test_method_headers_and_data() -> None:
    with AppServer() as s:
        out = cli("-X", "PUT", "-H", "X-One: 1", "-H", "X-Two:2", "-d", "hello", s.url("/echo"))
        assert out.returncode == 0
        seen = s.seen[-1]
        assert seen.method == "PUT" and seen.body == b"hello"
        assert seen.headers["X-One"] == "1" and seen.headers["X-Two"] == "2"
        out = cli("-d", "@-", s.url("/echo"), stdin=b"from stdin")
        assert s.seen[-1].method == "POST" and s.seen[-1].body == b"from stdin"


def test_data_from_a_file(tmp_path: Any) -> None:
    blob = os.urandom(1 << 20)
    path = tmp_path / "upload.bin"
    path.write_bytes(blob)
    with AppServer() as s:
        out = cli("-d", f"@{path}", s.url("/echo"))
        assert out.returncode == 0, out.stderr
        seen = s.seen[-1]
        assert seen.headers["Content-Length"] == str(len(blob))  # a file, not chunks
        assert hashlib.sha256(seen.body).digest() == hashlib.sha256(blob).digest()


def test_output_file_with_progress(tmp_path: Any) -> None:
    size = 4 << 20
    with AppServer() as s:
        out = cli("--progress", "-o", str(tmp_path / "a.bin"), s.url(f"/bytes/{size}"))
        assert out.returncode == 0
        assert (tmp_path / "a.bin").stat().st_size == size
        last = out.stderr.decode().split("\r")[-1]
        assert "100%" in last and "4.0 MiB / 4.0 MiB" in last and "ETA" in last
        out = cli("-o", str(tmp_path / "b.bin"), s.url(f"/bytes/{size}"))
        assert out.returncode == 0 and out.stderr == b""  # not a terminal: no progress


def test_progress_shows_on_a_terminal(tmp_path: Any) -> None:
    with AppServer() as s:
        master, slave = pty.openpty()
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "aiohttpc",
                    "-o",
                    str(tmp_path / "t.bin"),
                    s.url("/bytes/2000000"),
                ],
                stderr=slave,
                stdout=subprocess.DEVNULL,
                timeout=TIMEOUT,
            )
            os.close(slave)
            slave = -1
            shown = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            if slave >= 0:
                os.close(slave)
            os.close(master)
        assert proc.returncode == 0
        assert b"100%" in shown and b"[####" in shown


def test_errors_are_one_line_with_a_status() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    out = cli(f"http://127.0.0.1:{dead}/")
    assert out.returncode == 1
    assert "ConnectionRefusedError" in assert_one_clean_line(out.stderr)
    out = cli("ftp://127.0.0.1/")
    assert out.returncode == 1 and "InvalidURL" in assert_one_clean_line(out.stderr)
    out = cli("-H", "no colon", "http://127.0.0.1:1/")
    assert out.returncode == 1 and "Name: value" in assert_one_clean_line(out.stderr)
    with AppServer() as s:
        out = cli(s.url("/status/404"))
        assert out.returncode == 22 and out.stdout == b""
        assert "404" in assert_one_clean_line(out.stderr)
        out = cli(s.url("/truncated"))
        assert out.returncode == 1 and "IncompleteRead" in assert_one_clean_line(out.stderr)


def test_crawl_a_list_into_a_directory(tmp_path: Any) -> None:
    with AppServer() as s:
        urls = [s.url(f"/page/{i}") for i in range(30)] + [s.url("/status/404"), "not a url"]
        listing = tmp_path / "urls.txt"
        listing.write_text("# a comment\n\n" + "\n".join(urls) + "\n")
        out = cli("--parallel", "8", "--from-file", str(listing), "-o", str(tmp_path / "out"))
        assert out.returncode == 1  # two failed
        text = out.stderr.decode()
        assert "Traceback" not in text
        assert text.count("aiohttpc: ") == 2
        assert "32 URLs in" in text and "30 saved, 2 failed" in text
        files = sorted(os.listdir(tmp_path / "out"))
        assert len(files) == 30
        bodies = {(tmp_path / "out" / f).read_bytes() for f in files}
        assert bodies == {f"path /page/{i}".encode() for i in range(30)}
