"""Programs nobody here wrote: nginx as a second server, wrk as the C client limit.

Both are used when installed (Debian: ``apt-get install nginx-light wrk``) and
skipped otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any

from .server import VHOSTS, vhost

_WRK_CONNS = {"S1": 1, "S2": 64, "S3": 1000}
_WRK_SECONDS = 5
_WRK_SECONDS_QUICK = 2


def find_program(name: str) -> str | None:
    """The path of *name* on PATH or in /usr/sbin, /usr/bin (where Debian puts nginx)."""
    return shutil.which(name) or next(
        (p for d in ("/usr/sbin", "/usr/bin") if os.path.exists(p := os.path.join(d, name))),
        None,
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (for a server that cannot be told port 0)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_listening(proc: subprocess.Popen[bytes], port: int, timeout: float = 10.0) -> bool:
    """Wait until *proc* accepts connections on 127.0.0.1:*port*; False if it exits or
    does not within *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Terminate *proc*, killing it if it has not exited after *timeout* seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def _pinned(cpu: int | None) -> Any:
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def wrk_run(
    scenario: str, port: int, params: dict[str, Any], cpu: int | None, quick: bool = False
) -> dict[str, Any]:
    """Run wrk for S1-S3 (a fixed duration); S4/S5 are not what wrk measures."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "not installed (wrk)"}
    conns = _WRK_CONNS.get(scenario)
    if conns is None:
        return {"skipped": "not applicable"}
    if scenario == "S3":
        conns = params.get("connections", conns)
    seconds = _WRK_SECONDS_QUICK if quick else _WRK_SECONDS
    cmd = [wrk, "-t1", f"-c{conns}", f"-d{seconds}s", f"http://127.0.0.1:{port}/small"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, preexec_fn=_pinned(cpu))
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out.stdout)
    if not m:
        return {"error": out.stdout.strip()[-200:] or out.stderr.strip()[-200:]}
    seconds = float(m.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(3)]
    return {"count": int(m.group(1)), "seconds": seconds}


def server_capacity(port: int, cpu: int | None, quick: bool = False) -> dict[str, Any]:
    """How many small requests per second the server gives to wrk with 64 connections."""
    r = wrk_run("S2", port, {}, cpu, quick)
    if "count" not in r:
        return {"note": r.get("skipped") or r.get("error")}
    return {"req_per_s": r["count"] / r["seconds"], "by": "wrk -t1 -c64"}


class Nginx:
    def __init__(self, port: int, proc: subprocess.Popen[bytes], root: str) -> None:
        self.port = port
        self.proc = proc
        self.root = root

    def stop(self) -> None:
        stop_process(self.proc, 10)
        shutil.rmtree(self.root, ignore_errors=True)


CONF = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 120;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        {listen}
        root {root};
        location = /small {{ default_type text/plain; return 200 "Hello, World!"; }}
        location = /large {{
            default_type application/octet-stream;
            try_files /large-$arg_size.bin =404;
        }}
        location = /sink {{ client_max_body_size 0; return 200 "$content_length"; }}
    }}
}}
"""


def nginx_server(cpu: int | None, sizes: tuple[int, ...]) -> Nginx | None:
    """Start nginx with the embedded server's routes, or None when it is not installed.

    ``/large?size=N`` is served from a file, made here for each of *sizes*; any other
    size is a 404.
    """
    exe = find_program("nginx")
    if exe is None:
        return None
    root = tempfile.mkdtemp(prefix="aiohttpc-nginx-")
    os.chmod(root, 0o755)  # nginx's workers run as an unprivileged user
    block = bytes(range(256)) * 4096
    for size in sizes:
        with open(os.path.join(root, f"large-{size}.bin"), "wb") as f:
            for _ in range(size // len(block)):
                f.write(block)
            f.write(block[: size % len(block)])
    port = free_port()
    conf = os.path.join(root, "nginx.conf")
    with open(conf, "w") as f:
        listen = "\n        ".join(
            f"listen {vhost(i)}:{port}{' backlog=4096' if i == 0 else ''};" for i in range(VHOSTS)
        )
        f.write(CONF.format(root=root, listen=listen))
    proc = subprocess.Popen(
        [exe, "-p", root, "-c", conf], preexec_fn=_pinned(cpu), stderr=subprocess.DEVNULL
    )
    if wait_listening(proc, port):
        return Nginx(port, proc, root)
    stop_process(proc)
    shutil.rmtree(root, ignore_errors=True)
    return None
