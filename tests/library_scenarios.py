"""What legacy code really runs on http.client: urllib3, requests, a docker-py style
Unix socket adapter (with a hijacked connection) and botocore, each against local
servers. ``python -m tests.library_scenarios CONFIG_JSON [--facade]`` runs every
scenario, with ``sync_facade`` installed as ``http.client`` first when asked, and
prints one JSON line: each scenario's outcome, which classes did the work, and what
the process held at the end (sockets, threads) beyond what it held at the start.

A subprocess of its own: the libraries bind ``http.client``'s classes at import.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any


def _sockets() -> int:
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # the class is the outcome, compared across both runs
        return ["raised", type(exc).__name__]


def echo_digest(text: str) -> list[Any]:
    info = json.loads(text)
    return [
        info["method"],
        info["length"],
        info["sha256"],
        info["headers"].get("Transfer-Encoding"),
    ]


def urllib3_scenarios(cfg: dict[str, Any]) -> dict[str, Any]:
    import urllib3

    http, https, ca = cfg["http"], cfg["https"], cfg["ca"]
    out: dict[str, Any] = {}
    with urllib3.PoolManager(retries=False, timeout=10) as pm:
        out["get"] = outcome(
            lambda: [
                pm.request("GET", http + "/hello").status,
                pm.request("GET", http + "/x").data.decode(),
            ]
        )
        out["post"] = outcome(
            lambda: echo_digest(pm.request("POST", http + "/echo", body=b"p" * 5000).data.decode())
        )
        out["chunked_upload"] = outcome(
            lambda: echo_digest(
                pm.request(
                    "POST", http + "/echo", body=iter([b"ab", b"cde"]), chunked=True
                ).data.decode()
            )
        )

        def stream() -> list[Any]:
            r = pm.request("GET", http + "/encoded/gzip?n=300", preload_content=False)
            first = r.read(5)
            rest = b"".join(r.stream(1000))
            r.release_conn()
            return [r.status, len(first + rest), hashlib.sha256(first + rest).hexdigest()]

        out["stream"] = outcome(stream)

        def stream_chunked() -> list[Any]:
            r = pm.request("GET", cfg["chunked"] + "/", preload_content=False)
            data = b"".join(r.stream(3))
            r.release_conn()
            return [r.status, data.decode()]

        out["stream_chunked"] = outcome(stream_chunked)
        out["read_timeout"] = outcome(
            lambda: (
                pm.request("GET", http + "/slow?delay=2", timeout=urllib3.Timeout(read=0.3)).status
            )
        )
        out["connections_reused"] = outcome(lambda: _reuse_count(pm, http))
    with urllib3.PoolManager(retries=urllib3.Retry(total=2, read=2, backoff_factor=0)) as pm:
        out["retried_reset"] = outcome(lambda: pm.request("GET", cfg["reset"] + "/").data.decode())
    with urllib3.PoolManager(ca_certs=ca, retries=False, timeout=10) as pm:
        out["https"] = outcome(lambda: pm.request("GET", https + "/secure").data.decode())
    with urllib3.PoolManager(retries=False, timeout=10) as pm:
        out["https_unverified_fails"] = outcome(lambda: pm.request("GET", https + "/secure").status)
    with urllib3.ProxyManager(cfg["proxy"], ca_certs=ca, retries=False, timeout=10) as pm:
        out["https_via_connect_proxy"] = outcome(
            lambda: pm.request("GET", https + "/tunnelled").data.decode()
        )
    return out


def _reuse_count(pm: Any, http: str) -> list[Any]:
    bodies = [pm.request("GET", http + f"/n{i}").data.decode() for i in range(3)]
    pool = pm.connection_from_url(http)
    return [bodies, pool.num_connections]


def requests_scenarios(cfg: dict[str, Any]) -> dict[str, Any]:
    import requests
    from requests.adapters import HTTPAdapter

    http, https, ca = cfg["http"], cfg["https"], cfg["ca"]
    out: dict[str, Any] = {}
    with requests.Session() as s:
        out["get"] = outcome(lambda: [s.get(http + "/a").status_code, s.get(http + "/b").text])
        out["post"] = outcome(lambda: echo_digest(s.post(http + "/echo", data=b"q" * 7000).text))
        out["chunked_upload"] = outcome(
            lambda: echo_digest(s.post(http + "/echo", data=iter([b"12", b"345"])).text)
        )
        out["file_upload"] = outcome(
            lambda: json.loads(
                s.post(
                    http + "/echo",
                    files={"f": ("a.bin", io.BytesIO(b"z" * 3000), "application/x-a")},
                ).text
            )["parts"]
        )

        def iter_content() -> list[Any]:
            with s.get(http + "/bytes/300000", stream=True) as r:
                data = b"".join(r.iter_content(8192))
            return [r.status_code, len(data), hashlib.sha256(data).hexdigest()]

        out["iter_content"] = outcome(iter_content)

        def iter_chunked() -> list[Any]:
            with s.get(cfg["chunked"] + "/", stream=True) as r:
                return [r.status_code, b"".join(r.iter_content(2)).decode()]

        out["iter_content_chunked"] = outcome(iter_chunked)
        out["decoded"] = outcome(lambda: len(s.get(http + "/encoded/deflate?n=50").text))
        out["read_timeout"] = outcome(
            lambda: s.get(http + "/slow?delay=2", timeout=(5, 0.3)).status_code
        )
        out["status"] = outcome(lambda: s.get(http + "/status/404").status_code)
        out["redirect"] = outcome(lambda: s.get(http + "/redirect/302?to=/landed").text)
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(max_retries=2))
        out["retried_reset"] = outcome(lambda: s.get(cfg["reset"] + "/").text)
    with requests.Session() as s:
        out["https"] = outcome(lambda: s.get(https + "/secure", verify=ca).text)
        out["https_unverified_fails"] = outcome(lambda: s.get(https + "/secure").status_code)
        out["https_via_connect_proxy"] = outcome(
            lambda: s.get(https + "/tunnelled", verify=ca, proxies={"https": cfg["proxy"]}).text
        )
    return out


def docker_style_scenarios(cfg: dict[str, Any]) -> dict[str, Any]:
    """As docker-py talks to the Docker daemon: a requests adapter whose connections are
    Unix sockets made in ``connect()``; an attach hijacks the connection after a 101."""
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter

    class UnixHTTPConnection(urllib3.connection.HTTPConnection):
        def __init__(self, path: str, timeout: float = 10) -> None:
            super().__init__("localhost", timeout=timeout)
            self.unix_path = path

        def connect(self) -> None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.unix_path)
            self.sock = sock

    class UnixHTTPConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
        def __init__(self, path: str) -> None:
            super().__init__("localhost", timeout=10)
            self.unix_path = path

        def _new_conn(self) -> UnixHTTPConnection:
            return UnixHTTPConnection(self.unix_path)

    class UnixAdapter(HTTPAdapter):
        def __init__(self, path: str) -> None:
            self.unix_path = path
            super().__init__()

        def get_connection_with_tls_context(
            self, request: Any, verify: Any, proxies: Any = None, cert: Any = None
        ) -> Any:
            return UnixHTTPConnectionPool(self.unix_path)

        def get_connection(self, url: Any, proxies: Any = None) -> Any:
            return UnixHTTPConnectionPool(self.unix_path)

    out: dict[str, Any] = {}
    with requests.Session() as s:
        s.mount("http+docker://", UnixAdapter(cfg["uds"]))
        out["get"] = outcome(lambda: s.get("http+docker://localhost/version").text)
        out["post"] = outcome(
            lambda: echo_digest(s.post("http+docker://localhost/echo", data=b"d" * 2000).text)
        )
    with requests.Session() as s:
        s.mount("http+docker://", UnixAdapter(cfg["hijack_uds"]))

        def hijack() -> list[Any]:
            r = s.post(
                "http+docker://localhost/attach",
                headers={"Connection": "Upgrade", "Upgrade": "tcp"},
                stream=True,
            )
            sock = r.raw._fp.fp.raw._sock  # what docker-py takes over
            first = r.raw._fp.fp.read(2)  # the bytes that came with the 101's head
            sock.sendall(b"ping")
            got = sock.recv(100)
            r.close()
            sock.close()
            return [r.status_code, first.decode(), got.decode()]

        out["hijack"] = outcome(hijack)
    return out


def botocore_scenarios(cfg: dict[str, Any]) -> dict[str, Any]:
    from botocore.awsrequest import AWSRequest
    from botocore.httpsession import URLLib3Session

    http = cfg["http"]
    out: dict[str, Any] = {}
    session = URLLib3Session(timeout=10)
    try:

        def put(headers: dict[str, str]) -> list[Any]:
            req = AWSRequest(method="PUT", url=http + "/echo", data=b"b" * 4000, headers=headers)
            resp = session.send(req.prepare())
            return [resp.status_code, *echo_digest(resp.content.decode())]

        out["expect_100_continue"] = outcome(lambda: put({"Expect": "100-continue"}))
        out["plain_put"] = outcome(lambda: put({}))
        out["get"] = outcome(
            lambda: session.send(
                AWSRequest(method="GET", url=http + "/b").prepare()
            ).content.decode()
        )
    finally:
        session.close()
    return out


def main() -> None:
    cfg = json.loads(sys.argv[1])
    facade = "--facade" in sys.argv
    sockets_before = _sockets()
    threads_before = {t.ident for t in threading.enumerate()}
    if facade:
        import sync_facade

        sync_facade.install()
    import urllib3.connection

    results: dict[str, Any] = {
        "urllib3": urllib3_scenarios(cfg),
        "requests": requests_scenarios(cfg),
        "docker_style": docker_style_scenarios(cfg),
        "botocore": botocore_scenarios(cfg),
    }
    gc.collect()
    left = [t.name for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    print(
        json.dumps(
            {
                "results": results,
                "connection_module": urllib3.connection.HTTPConnection.__mro__[1].__module__,
                "sockets_left": _sockets() - sockets_before,
                "threads_left": left,
            }
        )
    )


if __name__ == "__main__":
    main()
