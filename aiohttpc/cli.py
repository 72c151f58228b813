"""The command line: fetch one URL (body to stdout or a file), or crawl a list of URLs
into a directory. Network and HTTP errors print one line and exit non-zero."""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import os
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

from . import __version__
from .client.response import HTTPStatusError, Response
from .client.session import Client
from .client.timeouts import Timeout
from .errors import HTTPException
from .progress import LiveLine, crawl_line, transfer_line
from .ray_driver import WorkerLost

EXIT_ERROR = 1  # network, TLS, protocol or file errors
EXIT_HTTP = 22  # the server answered 4xx or 5xx (as curl -f)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m aiohttpc",
        description="Fetch a URL, or crawl a list of URLs, with aiohttpc.",
    )
    p.add_argument("url", nargs="?", help="the URL to fetch")
    p.add_argument("--version", action="version", version=f"aiohttpc {__version__}")
    p.add_argument("-i", "--include", action="store_true", help="print status and headers")
    p.add_argument("-X", "--request", metavar="METHOD", help="the method (default GET)")
    p.add_argument(
        "-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="a header"
    )
    p.add_argument(
        "-d", "--data", metavar="DATA", help="the body: text, @FILE (sent with sendfile), @-"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write the body to a file (a directory with --from-file)",
    )
    p.add_argument("-k", "--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument("--no-redirects", action="store_true", help="do not follow redirects")
    p.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="each wait (default 30)"
    )
    p.add_argument(
        "--from-file", metavar="FILE", help="crawl the URLs in FILE (one per line; - for stdin)"
    )
    p.add_argument(
        "--parallel", type=int, default=16, metavar="N", help="requests at once when crawling"
    )
    p.add_argument("--per-host", type=int, default=4, metavar="N", help="requests at once per host")
    p.add_argument("--rate", type=float, metavar="R", help="requests per second per host")
    p.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="crawl on Ray workers (a running local Ray or a new one; 'auto' or ray://... "
        "joins a cluster); the bodies are written by the workers",
    )
    p.add_argument("--workers", type=int, metavar="N", help="Ray workers (default: the CPUs)")
    progress = p.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress", action="store_true", default=None, help="always show progress"
    )
    progress.add_argument(
        "--no-progress", dest="progress", action="store_false", help="never show progress"
    )
    return p


def _headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"a header must look like 'Name: value', not {line!r}")
        headers[name.strip()] = value.strip()
    return headers


def _body(data: str | None) -> Any:
    if data is None:
        return None
    if data == "@-":
        return sys.stdin.buffer.read()
    if data.startswith("@"):
        return open(data[1:], "rb")
    return data.encode()


def _say(message: str) -> None:
    print(f"aiohttpc: {message}", file=sys.stderr)


def _error_text(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"


def _show_head(response: Response) -> None:
    out = sys.stdout
    out.write(f"{response.http_version} {response.status} {response.reason}\n")
    for name, value in response.headers.items():
        out.write(f"{name}: {value}\n")
    out.write("\n")
    out.flush()


async def _fetch_one(client: Client, args: argparse.Namespace, body: Any, show: bool) -> int:
    method = (args.request or ("POST" if body is not None else "GET")).upper()
    kwargs: dict[str, Any] = {"headers": _headers(args.header), "content": body}
    if args.no_redirects:
        kwargs["follow_redirects"] = False
    async with client.stream(method, args.url, **kwargs) as response:
        if args.include:
            _show_head(response)
        try:
            response.raise_for_status()
        except HTTPStatusError as exc:
            _say(str(exc))
            return EXIT_HTTP
        if args.output:
            line = LiveLine(sys.stderr) if show else None
            started = time.monotonic()

            def progress(done: int, total: int | None) -> None:
                if line is not None:
                    line.show(transfer_line(done, total, time.monotonic() - started))

            written = await response.save(args.output, progress=progress)
            if line is not None:
                line.show(transfer_line(written, written, time.monotonic() - started), force=True)
                line.end()
        else:
            out = sys.stdout.buffer
            async for block in response.iter_bytes():
                out.write(block)
            out.flush()
    return 0


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def output_name(url: str) -> str:
    """A file name for *url*'s body: readable, safe, and distinct for distinct URLs."""
    readable = _UNSAFE.sub("_", url.split("://", 1)[-1]).strip("_")[:80] or "index"
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    return f"{readable}-{digest}"


def _url_lines(path: str) -> Iterator[str]:
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        for line in handle:
            url = line.strip()
            if url and not url.startswith("#"):
                yield url
    finally:
        if handle is not sys.stdin:
            handle.close()


async def save_body(directory: str, response: Response) -> int:
    """Write a 2xx body to its file in *directory* (a crawl's ``process``)."""
    response.raise_for_status()
    return await response.save(os.path.join(directory, output_name(response.url)))


async def _crawl(client: Client | None, args: argparse.Namespace, show: bool) -> int:
    """Crawl with *client*, or on Ray without one; the same files and summary."""
    if not args.output:
        raise ValueError("--from-file needs -o DIR for the bodies")
    os.makedirs(args.output, exist_ok=True)
    headers = _headers(args.header)
    line = LiveLine(sys.stderr) if show else None
    started = time.monotonic()
    ok = failed = 0
    received = 0
    store = functools.partial(save_body, os.path.abspath(args.output))
    if client is None:
        from .ray_driver import ray_crawl

        results = ray_crawl(
            _url_lines(args.from_file),
            workers=args.workers,
            concurrency=args.parallel,
            per_host=args.per_host,
            rate=args.rate,
            timeout=args.timeout,
            process=store,
            address=args.ray or None,
            client_options={"headers": headers, "verify": not args.insecure},
        )
    else:
        results = client.crawl(
            _url_lines(args.from_file),
            concurrency=args.parallel,
            per_host=args.per_host,
            rate=args.rate,
            headers=headers,
            process=store,
        )
    async with contextlib.aclosing(results):
        async for result in results:
            if result.error is None:
                ok += 1
                received += result.value
            else:
                failed += 1
                if line is not None:
                    line.end()
                _say(f"{result.url}: {_error_text(result.error)}")
            if line is not None:
                line.show(crawl_line(ok, failed, time.monotonic() - started))
    elapsed = time.monotonic() - started
    if line is not None:
        line.end()
    print(
        f"{ok + failed} URLs in {elapsed:.1f} s: {ok} saved, {failed} failed, "
        f"{received} bytes, {(ok + failed) / elapsed if elapsed else 0:.1f} req/s",
        file=sys.stderr,
    )
    return 0 if not failed else EXIT_ERROR


async def _run(args: argparse.Namespace) -> int:
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    timeout = Timeout(args.timeout, args.timeout, args.timeout, args.timeout)
    if args.ray is not None:
        if not args.from_file:
            raise ValueError("--ray crawls: give --from-file FILE -o DIR")
        return await _crawl(None, args, show)
    body = _body(args.data)
    try:
        async with Client(
            timeout=timeout,
            verify=not args.insecure,
            limit=max(args.parallel, 1),
            limit_per_host=args.per_host if args.from_file else None,
        ) as client:
            if args.from_file:
                return await _crawl(client, args, show)
            return await _fetch_one(client, args, body, show)
    finally:
        if hasattr(body, "close"):
            body.close()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from . import run

    args = _parser().parse_args(argv)
    if not args.url and not args.from_file:
        _parser().error("give a URL, or --from-file FILE -o DIR")
    try:
        return run(_run(args))
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except (OSError, HTTPException, ValueError, UnicodeError, ImportError, WorkerLost) as exc:
        _say(_error_text(exc))
        return EXIT_ERROR
