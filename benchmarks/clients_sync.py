"""Blocking clients: each method runs one scenario and returns what it counted.

S2 runs 64 threads, each with its own connection. Peers are imported only when used,
so a machine without them still runs the rest.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

HOST = "127.0.0.1"
PIECE = 1 << 20


def in_threads(n_threads: int, total: int, work: Callable[[int], int]) -> int:
    """Split *total* requests over *n_threads* threads running ``work(count)``."""
    shares = [total // n_threads + (1 if i < total % n_threads else 0) for i in range(n_threads)]
    done: list[int] = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            done.append(work(n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return sum(done)


class HttpClientLike:
    """``http.client`` and anything with its API (``sync_facade``)."""

    def __init__(self, module: Any, blocksize: int = 8192) -> None:
        self.mod = module
        self.blocksize = blocksize

    def _conn(self, port: int) -> Any:
        return self.mod.HTTPConnection(HOST, port, blocksize=self.blocksize)

    def s1(self, port: int, requests: int) -> int:
        conn = self._conn(port)
        for _ in range(requests):
            conn.request("GET", "/small")
            conn.getresponse().read()
        conn.close()
        return requests

    def s2(self, port: int, requests: int, concurrency: int) -> int:
        return in_threads(concurrency, requests, lambda n: self.s1(port, n))

    def s4(self, port: int, size: int) -> int:
        conn = self._conn(port)
        conn.request("GET", f"/large?size={size}")
        r = conn.getresponse()
        total = 0
        while data := r.read(PIECE):
            total += len(data)
        conn.close()
        return total

    def s5(self, port: int, path: str, size: int) -> int:
        conn = self._conn(port)
        with open(path, "rb") as f:
            conn.request("POST", "/sink", body=f, headers={"Content-Length": str(size)})
        got = int(conn.getresponse().read())
        conn.close()
        return got


class StdlibReadinto:
    """S4 with ``readinto()`` into one reused 1 MiB buffer (compare ``aiohttpc_readinto``)."""

    def __init__(self) -> None:
        import http.client

        self.mod = http.client

    def s4(self, port: int, size: int) -> int:
        conn = self.mod.HTTPConnection(HOST, port)
        conn.request("GET", f"/large?size={size}")
        r = conn.getresponse()
        buf = bytearray(PIECE)
        total = 0
        while n := r.readinto(buf):
            total += n
        conn.close()
        return total


class Urllib3:
    def __init__(self) -> None:
        import urllib3

        self.urllib3 = urllib3

    def _pool(self, port: int, size: int = 1) -> Any:
        return self.urllib3.HTTPConnectionPool(HOST, port, maxsize=size, block=True)

    def s1(self, port: int, requests: int) -> int:
        pool = self._pool(port)
        for _ in range(requests):
            pool.request("GET", "/small").data  # noqa: B018 - read the body
        pool.close()
        return requests

    def s2(self, port: int, requests: int, concurrency: int) -> int:
        pool = self._pool(port, concurrency)

        def work(n: int) -> int:
            for _ in range(n):
                pool.request("GET", "/small").data  # noqa: B018
            return n

        total = in_threads(concurrency, requests, work)
        pool.close()
        return total

    def s4(self, port: int, size: int) -> int:
        pool = self._pool(port)
        r = pool.request("GET", f"/large?size={size}", preload_content=False)
        total = sum(len(chunk) for chunk in r.stream(PIECE))
        r.release_conn()
        pool.close()
        return total

    def s5(self, port: int, path: str, size: int) -> int:
        pool = self._pool(port)
        with open(path, "rb") as f:
            r = pool.request("POST", "/sink", body=f, headers={"Content-Length": str(size)})
        pool.close()
        return int(r.data)


class Requests:
    def __init__(self) -> None:
        import requests

        self.requests = requests

    def _session(self, size: int = 1) -> Any:
        s = self.requests.Session()
        adapter = self.requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=size)
        s.mount("http://", adapter)
        return s

    def s1(self, port: int, requests: int) -> int:
        s = self._session()
        url = f"http://{HOST}:{port}/small"
        for _ in range(requests):
            s.get(url).content  # noqa: B018
        s.close()
        return requests

    def s2(self, port: int, requests: int, concurrency: int) -> int:
        s = self._session(concurrency)
        url = f"http://{HOST}:{port}/small"

        def work(n: int) -> int:
            for _ in range(n):
                s.get(url).content  # noqa: B018
            return n

        total = in_threads(concurrency, requests, work)
        s.close()
        return total

    def s4(self, port: int, size: int) -> int:
        s = self._session()
        with s.get(f"http://{HOST}:{port}/large?size={size}", stream=True) as r:
            total = sum(len(c) for c in r.iter_content(PIECE))
        s.close()
        return total

    def s5(self, port: int, path: str, size: int) -> int:
        s = self._session()
        with open(path, "rb") as f:
            r = s.post(f"http://{HOST}:{port}/sink", data=f, headers={"Content-Length": str(size)})
        s.close()
        return int(r.content)


class HttpxSync:
    def __init__(self) -> None:
        import httpx

        self.httpx = httpx

    def _client(self, size: int = 1) -> Any:
        limits = self.httpx.Limits(max_connections=size, max_keepalive_connections=size)
        return self.httpx.Client(limits=limits)

    def s1(self, port: int, requests: int) -> int:
        with self._client() as c:
            url = f"http://{HOST}:{port}/small"
            for _ in range(requests):
                c.get(url).content  # noqa: B018
        return requests

    def s2(self, port: int, requests: int, concurrency: int) -> int:
        with self._client(concurrency) as c:
            url = f"http://{HOST}:{port}/small"

            def work(n: int) -> int:
                for _ in range(n):
                    c.get(url).content  # noqa: B018
                return n

            return in_threads(concurrency, requests, work)

    def s4(self, port: int, size: int) -> int:
        with self._client() as c, c.stream("GET", f"http://{HOST}:{port}/large?size={size}") as r:
            return sum(len(b) for b in r.iter_bytes(PIECE))

    def s5(self, port: int, path: str, size: int) -> int:
        with self._client() as c, open(path, "rb") as f:
            r = c.post(
                f"http://{HOST}:{port}/sink", content=f, headers={"Content-Length": str(size)}
            )
            return int(r.content)


class PyCurl:
    def __init__(self) -> None:
        import pycurl

        self.pycurl = pycurl

    def _curl(self) -> Any:
        c = self.pycurl.Curl()
        c.setopt(self.pycurl.NOSIGNAL, 1)
        return c

    def s1(self, port: int, requests: int) -> int:
        c = self._curl()
        c.setopt(self.pycurl.URL, f"http://{HOST}:{port}/small")
        sink: list[bytes] = []
        c.setopt(self.pycurl.WRITEFUNCTION, sink.append)
        for _ in range(requests):
            c.perform()
        c.close()
        return requests

    def s2(self, port: int, requests: int, concurrency: int) -> int:
        return in_threads(concurrency, requests, lambda n: self.s1(port, n))

    def s4(self, port: int, size: int) -> int:
        c = self._curl()
        c.setopt(self.pycurl.URL, f"http://{HOST}:{port}/large?size={size}")
        total = 0

        def write(data: bytes) -> None:
            nonlocal total
            total += len(data)

        c.setopt(self.pycurl.WRITEFUNCTION, write)
        c.perform()
        c.close()
        return total

    def s5(self, port: int, path: str, size: int) -> int:
        c = self._curl()
        out: list[bytes] = []
        with open(path, "rb") as f:
            c.setopt(self.pycurl.URL, f"http://{HOST}:{port}/sink")
            c.setopt(self.pycurl.POST, 1)
            c.setopt(self.pycurl.READDATA, f)
            c.setopt(self.pycurl.POSTFIELDSIZE_LARGE, size)
            c.setopt(self.pycurl.HTTPHEADER, ["Expect:"])
            c.setopt(self.pycurl.WRITEFUNCTION, out.append)
            c.perform()
        c.close()
        return int(b"".join(out))


class PyCurlMulti:
    """pycurl as its users run many transfers at once: libcurl's multi interface, one
    thread driving *concurrency* easy handles (each keeps its connection alive)."""

    def __init__(self) -> None:
        import pycurl

        self.pycurl = pycurl

    def s2(self, port: int, requests: int, concurrency: int) -> int:
        pycurl = self.pycurl
        multi = pycurl.CurlMulti()
        handles = []
        for _ in range(min(concurrency, requests)):
            c = pycurl.Curl()
            c.setopt(pycurl.URL, f"http://{HOST}:{port}/small")
            c.setopt(pycurl.NOSIGNAL, 1)
            c.setopt(pycurl.WRITEFUNCTION, len)  # the body's bytes counted, not kept
            handles.append(c)
            multi.add_handle(c)
        started = len(handles)
        done = 0
        try:
            while done < requests:
                ret = pycurl.E_CALL_MULTI_PERFORM
                while ret == pycurl.E_CALL_MULTI_PERFORM:
                    ret, _ = multi.perform()
                _, finished, failed = multi.info_read()
                if failed:
                    raise RuntimeError(f"pycurl: {failed[0][2]}")
                for c in finished:
                    multi.remove_handle(c)
                    done += 1
                    if started < requests:
                        multi.add_handle(c)
                        started += 1
                if not finished:
                    multi.select(1.0)
        finally:
            for c in handles:
                with contextlib.suppress(pycurl.error):  # removed already, when it finished
                    multi.remove_handle(c)
                c.close()
            multi.close()
        return done


def make(name: str) -> Any:
    """The client called *name*, or ImportError when its package is not installed.

    ``urllib3-facade`` and ``requests-facade`` are those libraries with
    ``sync_facade.install()`` done before they are imported (each worker is a process
    of its own), as legacy code would run them on the façade."""
    if name.endswith("-facade"):
        import sync_facade

        sync_facade.install()
        name = name.removesuffix("-facade")
    if name == "stdlib":
        import http.client

        return HttpClientLike(http.client)
    if name == "stdlib-1MiB":
        import http.client

        return HttpClientLike(http.client, blocksize=1 << 20)
    if name == "sync_facade":
        import sync_facade

        return HttpClientLike(sync_facade)
    return _CLASSES[name]()


_CLASSES: dict[str, Any] = {
    "stdlib-readinto": StdlibReadinto,
    "urllib3": Urllib3,
    "requests": Requests,
    "httpx": HttpxSync,
    "pycurl": PyCurl,
    "pycurl-multi": PyCurlMulti,
}

NAMES = [
    "stdlib",
    "stdlib-1MiB",
    "stdlib-readinto",
    "sync_facade",
    "urllib3",
    "urllib3-facade",
    "requests",
    "requests-facade",
    "httpx",
    "pycurl",
    "pycurl-multi",
]


def supports(name: str, scenario: str) -> bool:
    """Whether client *name* has scenario *scenario* (without importing its package)."""
    cls = _CLASSES.get(name.removesuffix("-facade"), HttpClientLike)
    return hasattr(cls, scenario.lower())
