"""Real servers nobody here wrote, started for a test and stopped after it: nginx and
tinyproxy, from Debian's packages (``.ci/run`` installs them)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator

import pytest

from benchmarks.external import find_program, free_port, stop_process, wait_listening


def _binary(name: str) -> str:
    found = find_program(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run the README's test command (it installs it)")
    return found


def _started(proc: subprocess.Popen[bytes], port: int, log: str) -> None:
    if not wait_listening(proc, port):
        stop_process(proc)
        with open(log, errors="replace") as f:
            pytest.fail(f"server did not start on port {port}:\n{f.read()[-2000:]}")


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
        _started(proc, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


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
        _started(proc, port, log)
        userinfo = f"{auth[0]}:{auth[1]}@" if auth else ""
        yield f"http://{userinfo}127.0.0.1:{port}"
    finally:
        stop_process(proc)
