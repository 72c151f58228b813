"""The client's pure pieces: URLs and proxies, redirects, payloads, decoding, rate
limits and progress lines."""

from __future__ import annotations

import asyncio
import gzip
import io
import zlib

import pytest

from aiohttpc.client import urls
from aiohttpc.client.decoding import DecodedTooLarge, Decoder, DecodingError
from aiohttpc.client.payload import build
from aiohttpc.client.ratelimit import RateLimiter, TokenBucket
from aiohttpc.client.redirects import follow
from aiohttpc.errors import InvalidURL
from aiohttpc.progress import crawl_line, human_bytes, human_time, transfer_line


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        ("http://h/", None, ("http", "h", 80, "/")),
        ("https://H.example:8443", None, ("https", "h.example", 8443, "/")),
        ("http://[::1]:81/a?b=1", {"c": "d e"}, ("http", "::1", 81, "/a?b=1&c=d+e")),
        ("http://h/a b/ü?x=1 2", None, ("http", "h", 80, "/a%20b/%C3%BC?x=1%202")),
        ("http://h/%41?q=%7E", None, ("http", "h", 80, "/%41?q=%7E")),  # kept as encoded
        ("http://h/p#frag", None, ("http", "h", 80, "/p")),
    ],
)
def test_parse(url: str, params: object, expected: tuple[str, str, int, str]) -> None:
    u = urls.parse(url, params)  # type: ignore[arg-type]
    assert (u.scheme, u.host, u.port, u.target) == expected


@pytest.mark.parametrize(
    "url",
    ["http://h/", "http://h", "https://a.b-c.example:8443/p/q;x=1?a=%20&b=~", "http://h:80/x?"],
)
def test_plain_url_fast_path_agrees_with_the_general_one(url: str) -> None:
    general = urls.parse("HTTP" + url[4:].replace("://h", "://H", 1))  # not "plain": slow path
    assert urls.parse(url) == general._replace(host=general.host.lower())


@pytest.mark.parametrize("bad", ["ftp://h/", "http://", "http://h:99999/", "http://h:x/", "h/p"])
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(InvalidURL):
        urls.parse(bad)


def test_proxy_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    target = urls.parse("http://site.example/")
    assert urls.ProxySelector(None, True)(target) is None
    monkeypatch.setenv("http_proxy", "proxy.local:3128")
    chosen = urls.ProxySelector(None, True)(target)
    assert chosen is not None and (chosen.host, chosen.port) == ("proxy.local", 3128)
    assert urls.ProxySelector(None, False)(target) is None
    assert urls.ProxySelector(None, True)(urls.parse("https://site.example/")) is None
    selector = urls.ProxySelector(None, True)
    monkeypatch.setenv("no_proxy", ".example")  # read when the selector is made
    assert selector(target) is not None
    assert urls.ProxySelector(None, True)(target) is None
    explicit = urls.ProxySelector("http://u:p@other:8080", True)(target)
    assert explicit is not None and explicit.username == "u" and explicit.port == 8080
    with pytest.raises(InvalidURL):
        urls.ProxySelector("https://tls-proxy:443", True)


def test_follow_rules() -> None:
    here = urls.parse("https://a.example/x/y")
    hop = follow("POST", here, 303, "../z?q=1", {"Content-Type": "a/b", "Authorization": "t"})
    assert hop is not None
    assert (hop.method, str(hop.url), hop.keep_body) == ("GET", "https://a.example/z?q=1", False)
    assert hop.headers == {"Authorization": "t"}
    hop = follow("PUT", here, 308, "http://a.example/", {"Cookie": "c", "X": "1", "Host": "h"})
    assert hop is not None and hop.method == "PUT" and hop.keep_body
    assert hop.headers == {"X": "1"}  # https -> http is another origin
    assert follow("GET", here, 200, "/elsewhere", {}) is None
    assert follow("GET", here, 302, None, {}) is None
    with pytest.raises(InvalidURL):
        follow("GET", here, 302, "javascript:alert(1)", {})


async def _collect(body: object) -> bytes:
    return b"".join([x async for x in body])  # type: ignore[attr-defined]


def test_multipart_length_matches_what_is_sent(tmp_path: object) -> None:
    f = io.BytesIO(b"in memory")  # no file descriptor: size unknown, so no length
    p = build(files={"a": ("a.bin", b"x" * 1000), "b": f}, data={"k": ["1", "2"]})
    assert "Content-Length" not in p.headers and not p.replayable
    sent = asyncio.run(_collect(p.body))
    assert sent.count(b'name="k"') == 2 and b"in memory" in sent
    p = build(files={"a": ("a.bin", b"x" * 1000, "application/x-a")}, data={"k": "v"})
    sent = asyncio.run(_collect(p.body))
    assert int(p.headers["Content-Length"]) == len(sent) and p.replayable
    boundary = p.headers["Content-Type"].split("boundary=")[1]
    assert sent.endswith(f"--{boundary}--\r\n".encode())
    assert b'filename="a.bin"\r\nContent-Type: application/x-a' in sent


def test_multipart_quotes_names() -> None:
    p = build(files={'we"ird\r\nname': ("f\r\n.txt", b"x")})
    sent = asyncio.run(_collect(p.body))
    assert b'name="we%22ird%0D%0Aname"' in sent and b'filename="f%0D%0A.txt"' in sent


def test_decoder_in_pieces_and_stacked() -> None:
    raw = b"0123456789abcdef" * 5000
    data = gzip.compress(zlib.compress(raw))
    d = Decoder("deflate, gzip")
    out = b"".join(d.decode(data[i : i + 777]) for i in range(0, len(data), 777)) + d.flush()
    assert out == raw and d.size == len(raw)
    with pytest.raises(DecodingError):
        Decoder("compress")
    with pytest.raises(DecodingError):
        Decoder("gzip").decode(b"not gzip at all")


def test_decoder_cap_holds_for_a_bomb() -> None:
    bomb = gzip.compress(bytes(50 << 20))
    d = Decoder("gzip", max_size=1 << 20)
    with pytest.raises(DecodedTooLarge):
        d.decode(bomb)
    assert d.size <= (1 << 20) + (1 << 18)  # stopped within one step past the cap


def test_token_bucket() -> None:
    b = TokenBucket(rate=4, burst=2)
    assert [b.reserve(10.0) for _ in range(4)] == [0.0, 0.0, 0.25, 0.5]
    assert b.reserve(12.0) == 0.0  # refilled meanwhile
    with pytest.raises(ValueError):
        TokenBucket(0)
    with pytest.raises(ValueError):
        RateLimiter(1, burst=0)


async def test_rate_limiter_forgets_idle_hosts() -> None:
    limiter = RateLimiter(1000, max_keys=10)
    for i in range(100):
        await limiter.take(f"host{i}")
        await asyncio.sleep(0.002)  # each bucket is full again 1 ms after its request
    assert len(limiter._buckets) <= 11


def test_progress_lines() -> None:
    assert human_bytes(512) == "512 B" and human_bytes(1536) == "1.5 KiB"
    assert human_bytes(3 << 30) == "3.0 GiB"
    assert human_time(65) == "1:05" and human_time(3725) == "1:02:05"
    line = transfer_line(1 << 20, 4 << 20, 2.0, width=8)
    assert line.startswith("[##------]  25%  1.0 MiB / 4.0 MiB  512.0 KiB/s  ETA 0:06")
    assert transfer_line(1 << 20, None, 1.0) == "1.0 MiB  1.0 MiB/s"
    assert crawl_line(90, 10, 4.0, 1000) == "done 100/1000  failed 10  25.0 req/s"


def test_should_retry_only_what_the_server_cannot_have_seen():
    from aiohttpc.client.session import should_retry

    reset = ConnectionResetError()
    assert should_retry("GET", True, True, reset, True)
    assert should_retry("PUT", True, True, reset, True)
    assert not should_retry("POST", True, True, reset, True)  # not idempotent
    assert not should_retry("GET", False, True, reset, True)  # a body sent once only
    assert not should_retry("GET", True, False, reset, True)  # a fresh connection failed
    assert not should_retry("GET", True, True, TimeoutError(), True)  # not a connection error
    assert not should_retry("GET", True, True, reset, False)  # a reply had begun
