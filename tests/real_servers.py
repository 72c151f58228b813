"""Real servers nobody here wrote, started for a test and stopped after it: nginx and
tinyproxy, from Debian's packages (``.ci/run`` installs them)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

START_TIMEOUT = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        (p for d in ("/usr/sbin", "/usr/bin") if os.path.exists(p := os.path.join(d, name))),
        None,
    )
    if found is None:
        pytest.fail(f"{name} is not installed: run the README's test command (it installs it)")
    return found


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    _stop(proc)
    with open(log, errors="replace") as f:
        pytest.fail(f"server did not start on port {port}:\n{f.read()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


NGINX_CONF = """
user root;
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    default_type application/octet-stream;
    types {{ text/plain txt; application/json json; }}
    keepalive_timeout 30 {keepalive};
    keepalive_requests 100000;
    gzip on;
    gzip_types text/plain application/json;
    gzip_min_length 64;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        server_name _;
        root {root};
        location = /moved {{ return 301 /hello.txt; }}
        location = /see-other {{ return 303 /hello.txt; }}
        location = /sink {{ client_max_body_size 0; return 204; }}
    }}
}}
"""


@contextlib.contextmanager
def nginx(root: str, *, keepalive: int = 2) -> Iterator[str]:
    """nginx serving *root* on a free loopback port; yields its base URL.

    Routes beyond the files: ``/moved`` (301 to /hello.txt), ``/see-other`` (303),
    ``/sink`` (reads any body, 204). Sends ``Keep-Alive: timeout=<keepalive>``.
    """
    binary = _binary("nginx")
    prefix = os.path.join(root, ".nginx")
    os.makedirs(prefix, exist_ok=True)
    port = free_port()
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(prefix=prefix, port=port, root=root, keepalive=keepalive))
    log = os.path.join(prefix, "error.log")
    proc = subprocess.Popen(
        [binary, "-p", prefix, "-c", conf, "-e", log],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(proc, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


TINYPROXY_CONF = """
Port {port}
Listen 127.0.0.1
Timeout 30
MaxClients 200
Allow 127.0.0.1
LogLevel Info
LogFile "{log}"
PidFile "{prefix}/tinyproxy.pid"
"""


@contextlib.contextmanager
def tinyproxy(workdir: str, *, auth: tuple[str, str] | None = None) -> Iterator[str]:
    """tinyproxy (HTTP forwarding and CONNECT to any port) on loopback; yields its URL
    (with the credentials in it when *auth* makes it ask for Basic auth)."""
    binary = _binary("tinyproxy")
    prefix = os.path.join(workdir, ".tinyproxy")
    os.makedirs(prefix, exist_ok=True)
    os.chmod(prefix, 0o777)  # it drops root privileges before it writes its log
    port = free_port()
    log = os.path.join(prefix, "tinyproxy.log")
    open(log, "w").close()
    os.chmod(log, 0o666)
    conf = os.path.join(prefix, "tinyproxy.conf")
    with open(conf, "w") as f:
        f.write(TINYPROXY_CONF.format(port=port, log=log, prefix=prefix))
        if auth:
            f.write(f"BasicAuth {auth[0]} {auth[1]}\n")
    proc = subprocess.Popen(
        [binary, "-d", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_listening(proc, port, log)
        userinfo = f"{auth[0]}:{auth[1]}@" if auth else ""
        yield f"http://{userinfo}127.0.0.1:{port}"
    finally:
        _stop(proc)
