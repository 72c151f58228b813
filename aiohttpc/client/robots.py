"""robots.txt for crawls: each host's rules fetched once, kept for the crawl.

The rules are ``urllib.robotparser``'s, and so is what an unreadable file means: 401
or 403 disallows the whole host, any other 4xx allows it, and a 5xx or a failed fetch
disallows it (RFC 9309 calls the host unreachable). Only the first ``MAX_BYTES`` of a
file are read (RFC 9309 asks for at least 500 KiB). Lookups of one host that overlap
share one fetch; at most ``max_hosts`` hosts' rules are kept, the least recently
used going first.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.robotparser import RobotFileParser

from . import urls as urlmod

if TYPE_CHECKING:
    from .response import Response
    from .session import Client

MAX_BYTES = 512 * 1024


class RobotsDisallowed(Exception):
    """The host's robots.txt does not allow this URL to the crawler's user agent."""

    def __init__(self, url: str, agent: str, why: str = "disallowed by robots.txt") -> None:
        super().__init__(f"{url}: {why} (user agent {agent!r})")
        self.url = url
        self.agent = agent
        self.why = why

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its parts (a crawl's results cross processes)."""
        return (type(self), (self.url, self.agent, self.why))


class _Rules(RobotFileParser):
    # set by RobotFileParser.read() for 401/403 and other 4xx; the stubs omit them
    disallow_all: bool
    allow_all: bool


class Robots:
    """Answers "may *agent* fetch this URL, and how slowly?" for a crawl."""

    def __init__(self, client: Client, agent: str | None = None, max_hosts: int = 10_000) -> None:
        self.client = client
        self.agent = agent or client.headers.get("User-Agent", "*")
        self.max_hosts = max_hosts
        self._rules: OrderedDict[str, asyncio.Future[tuple[_Rules, str]]] = OrderedDict()

    async def check(self, url: str, parsed: urlmod.URL) -> float | None:
        """The host's Crawl-delay for the agent (seconds), or None; raises
        ``RobotsDisallowed`` when the rules disallow *url*."""
        origin = f"{parsed.scheme}://{parsed.netloc}"
        rules = self._rules.get(origin)
        if rules is None:
            rules = asyncio.ensure_future(self._fetch(origin))
            self._rules[origin] = rules
            while len(self._rules) > self.max_hosts:
                self._rules.popitem(last=False)
        else:
            self._rules.move_to_end(origin)
        parser, why = await asyncio.shield(rules)
        if not parser.can_fetch(self.agent, url):
            raise RobotsDisallowed(url, self.agent, why)
        delay = parser.crawl_delay(self.agent)
        return float(delay) if delay else None

    async def _fetch(self, origin: str) -> tuple[_Rules, str]:
        parser = _Rules(origin + "/robots.txt")
        try:
            async with self.client.stream("GET", origin + "/robots.txt") as response:
                status = response.status
                text = await self._text(response) if 200 <= status < 300 else ""
        except Exception as exc:  # unreachable: nothing may be fetched (RFC 9309 2.3.1.4)
            parser.disallow_all = True
            return parser, f"robots.txt unreachable ({type(exc).__name__}: {exc})"
        if status in (401, 403):
            parser.disallow_all = True
            return parser, f"robots.txt answered {status}"
        if 400 <= status < 500:
            parser.allow_all = True
        elif status >= 300:  # 5xx, or a redirect not followed: unreachable
            parser.disallow_all = True
            return parser, f"robots.txt answered {status}"
        parser.parse(text.splitlines())
        return parser, "disallowed by robots.txt"

    @staticmethod
    async def _text(response: Response) -> str:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.iter_bytes():
            chunks.append(chunk[: MAX_BYTES - size])
            size += len(chunks[-1])
            if size >= MAX_BYTES:
                break
        return b"".join(chunks).decode("utf-8", "replace")
