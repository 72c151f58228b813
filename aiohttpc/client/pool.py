"""``Pool``: open connections per origin, kept for reuse, within total and per-host limits.

``acquire`` gives a ``Lease`` (an idle connection, or a reserved slot whose connection
is not open yet); ``release`` gives it back once its response was read to the end, and
``discard`` after anything else — every path frees the slot. The rules of who gets
what are the pure functions of ``pool_policy``. Acquire and release are O(1) per origin.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Any

from .._aio.protocol import HTTPProtocol
from ..connection import HTTPConnection
from .pool_policy import Grant, OriginCounts, PoolCounts, Release, grant, keep_alive_for, release
from .timeouts import PoolTimeout

_ACTIVE, _IDLE, _GONE = "active", "idle", "gone"


class Lease:
    """One connection slot held by one exchange."""

    __slots__ = ("_origin", "conn", "expires", "protocol", "reused", "state", "uses")

    def __init__(self, origin: _Origin, conn: HTTPConnection) -> None:
        self._origin = origin
        self.conn = conn
        self.reused = False  # True when the connection served an earlier response
        self.uses = 0
        self.expires = 0.0
        self.state = _ACTIVE
        # the connection's protocol, kept by the user of the lease: a response that owns
        # it (Connection: close) is closed with it even after the connection let go
        self.protocol: HTTPProtocol | None = None

    def __repr__(self) -> str:
        return f"<Lease {self._origin.key!r} {self.state} uses={self.uses}>"


# The waiter queue of every origin nobody has waited for yet: shared, and holding
# nothing (maxlen 0), so only ``_Origin.add_waiter`` may add to a queue. A crawler
# holds an origin per host it has a connection to, and an empty deque is 0.7 KiB.
_NO_WAITERS: deque[tuple[int, asyncio.Future[Lease]]] = deque(maxlen=0)


class _Origin:
    __slots__ = ("blocked", "idle", "key", "open", "waiters")

    def __init__(self, key: Hashable) -> None:
        self.key = key
        self.idle: dict[Lease, None] = {}  # insertion order: popitem() is the most recent
        self.open = 0
        self.waiters = _NO_WAITERS  # (arrival, fut) in arrival order
        self.blocked = False  # queued in the pool's list of origins waiting for a slot

    def add_waiter(self, arrival: int, fut: asyncio.Future[Lease]) -> None:
        if self.waiters is _NO_WAITERS:
            self.waiters = deque()
        self.waiters.append((arrival, fut))


def _closed_factory(key: Hashable) -> HTTPConnection:
    raise RuntimeError("the pool is closed")


class Pool:
    """Connections by key (scheme, host, port, TLS settings, proxy: the caller's choice).

    *factory* makes an unconnected connection for a key. ``limit`` bounds all open
    connections, ``limit_per_host`` those of one key (None: no bound); idle ones are
    closed after ``keepalive_expiry`` seconds, or sooner if the server said so.
    """

    def __init__(
        self,
        factory: Callable[[Hashable], HTTPConnection],
        *,
        limit: int | None = 100,
        limit_per_host: int | None = None,
        keepalive_expiry: float = 15.0,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1 (or None)")
        if limit_per_host is not None and limit_per_host < 1:
            raise ValueError("limit_per_host must be at least 1 (or None)")
        self._factory = factory
        self.limit = limit
        self.limit_per_host = limit_per_host
        self.keepalive_expiry = keepalive_expiry
        self._origins: dict[Hashable, _Origin] = {}
        self._idle: OrderedDict[Lease, None] = OrderedDict()  # least recently used first
        self._blocked: deque[_Origin] = deque()
        self._open = 0
        self._arrivals = 0  # numbers waiters in arrival order, across origins
        self._sweeper: asyncio.TimerHandle | None = None
        self._closed = False
        self._closing: set[HTTPProtocol] = set()  # closed by us, maybe not gone yet

    def __repr__(self) -> str:
        return f"<Pool open={self._open} idle={len(self._idle)} origins={len(self._origins)}>"

    # -- what tests and tracing look at ---------------------------------------------------

    def stats(self) -> dict[str, int]:
        """Counts: open (or opening) connections, idle ones, waiters, origins tracked."""
        waiting = sum(1 for o in self._origins.values() for _, w in o.waiters if not w.done())
        return {
            "open": self._open,
            "idle": len(self._idle),
            "waiting": waiting,
            "origins": len(self._origins),
        }

    # -- acquire -------------------------------------------------------------------------

    def _counts(self, origin: _Origin) -> tuple[OriginCounts, PoolCounts]:
        return (
            OriginCounts(len(origin.idle), origin.open),
            PoolCounts(self._open, len(self._idle), self.limit, self.limit_per_host),
        )

    def _try(self, origin: _Origin, fresh: bool) -> Lease | None:
        """A lease for *origin* now, if the rules give one."""
        while True:
            o, p = self._counts(origin)
            decision = grant(o, p, fresh=fresh)
            if decision is Grant.REUSE:
                lease, _ = origin.idle.popitem()
                del self._idle[lease]
                if lease.expires > time.monotonic() and lease.conn.connected:
                    lease.state = _ACTIVE
                    lease.reused = True
                    return lease
                self._close(lease)  # expired, or the server closed it: try again
                continue
            if decision is Grant.EVICT_THEN_OPEN:
                if fresh and origin.idle:
                    victim = next(iter(origin.idle))
                else:
                    victim = next(iter(self._idle))
                self._unidle(victim)
                self._close(victim)
                continue
            if decision is Grant.OPEN:
                origin.open += 1
                self._open += 1
                try:
                    conn = self._factory(origin.key)
                except BaseException:
                    origin.open -= 1
                    self._open -= 1
                    self._freed(origin)
                    raise
                return Lease(origin, conn)
            return None

    async def acquire(
        self, key: Hashable, *, timeout: float | None = None, fresh: bool = False
    ) -> Lease:
        """A connection slot for *key*: raises ``PoolTimeout`` after *timeout* seconds."""
        if self._closed:
            raise RuntimeError("the pool is closed")
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(key)
        if _first_live(origin) is None:  # else wait in line behind those already waiting
            lease = self._try(origin, fresh)
            if lease is not None:
                return lease
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Lease] = loop.create_future()
        self._arrivals += 1
        origin.add_waiter(self._arrivals, fut)
        if not origin.blocked and self._blocked_by_total(origin):
            origin.blocked = True
            self._blocked.append(origin)
        handle = None if timeout is None else loop.call_later(timeout, _expire, fut)
        try:
            return await fut
        except BaseException:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                lease = fut.result()  # granted as we gave up: give it back
                self.release(lease, reusable=lease.reused)
            self._drop_waiter(origin)
            raise
        finally:
            if handle is not None:
                handle.cancel()

    def _blocked_by_total(self, origin: _Origin) -> bool:
        return self.limit_per_host is None or origin.open < self.limit_per_host

    def _drop_waiter(self, origin: _Origin) -> None:
        _first_live(origin)
        self._forget(origin)

    def _serve(self, origin: _Origin) -> bool:
        """Give *origin*'s first live waiter a lease if the rules allow; True if served."""
        first = _first_live(origin)
        if first is None:
            return False
        lease = self._try(origin, False)
        if lease is None:
            return False
        origin.waiters.popleft()
        first[1].set_result(lease)
        return True

    # -- release -------------------------------------------------------------------------

    def release(self, lease: Lease, *, reusable: bool, keep_alive: float | None = None) -> None:
        """Give back a connection whose response is finished with.

        *reusable*: its response was read to the end and the connection stays open;
        *keep_alive*: the server's ``Keep-Alive: timeout=`` hint, in seconds.
        """
        if lease.state != _ACTIVE:
            return
        origin = lease._origin
        lease.uses += 1
        ok = reusable and lease.conn.connected and not self._closed
        own = _first_live(origin)
        other = self._first_blocked(origin)
        decision = release(None if own is None else own[0], None if other is None else other[1], ok)
        if decision is Release.HAND_OVER:
            lease.reused = True
            origin.waiters.popleft()[1].set_result(lease)
            return
        if decision is Release.KEEP:
            expiry = keep_alive_for(self.keepalive_expiry, keep_alive)
            if expiry > 0:
                lease.state = _IDLE
                lease.expires = time.monotonic() + expiry
                origin.idle[lease] = None
                self._idle[lease] = None
                self._arm_sweeper(lease.expires)
                return
        self._close(lease)

    def discard(self, lease: Lease) -> None:
        """Close the connection and free its slot (after an error, or when unusable)."""
        if lease.state == _IDLE:
            self._unidle(lease)
        if lease.state != _GONE:
            self._close(lease)

    def _unidle(self, lease: Lease) -> None:
        del lease._origin.idle[lease]
        del self._idle[lease]
        lease.state = _ACTIVE

    def _close(self, lease: Lease) -> None:
        lease.state = _GONE
        p = lease.conn.protocol or lease.protocol
        if p is not None and not p.lost:
            closing = self._closing
            if len(closing) > 64 + 2 * self._open:
                closing.difference_update([x for x in closing if x.lost])
            closing.add(p)
        lease.conn.close_nowait()
        origin = lease._origin
        origin.open -= 1
        self._open -= 1
        self._freed(origin)

    def _first_blocked(self, besides: _Origin) -> tuple[_Origin, int] | None:
        """The first origin (not *besides*) waiting for a slot under the total limit, and
        the arrival number of its first waiter. Stale entries are dropped on the way."""
        blocked = self._blocked
        i = 0
        while i < len(blocked) and i < 2:
            origin = blocked[i]
            first = _first_live(origin)
            if first is None or not self._blocked_by_total(origin):
                # nobody waits any more, or its own per-host limit binds: its releases serve it
                del blocked[i]
                origin.blocked = False
                self._forget(origin)
                continue
            if origin is not besides:
                return origin, first[0]
            i += 1
        return None

    def _freed(self, origin: _Origin) -> None:
        """A slot of *origin* was freed: it goes to the longest-waiting of *origin*'s first
        waiter and the first origin waiting for a slot under the total limit."""
        if self._closed:
            self._forget(origin)
            return
        own = _first_live(origin)
        other = self._first_blocked(origin)
        if own is not None and (other is None or own[0] < other[1]) and self._serve(origin):
            self._forget(origin)
            return
        if other is not None:
            blocked = other[0]
            self._serve(blocked)
            if _first_live(blocked) is None and self._blocked and self._blocked[0] is blocked:
                self._blocked.popleft()
                blocked.blocked = False
                self._forget(blocked)
        elif own is not None:
            self._serve(origin)
        self._forget(origin)

    def _forget(self, origin: _Origin) -> None:
        """Drop an origin with nothing open and nobody waiting (bounded memory)."""
        if (
            origin.open == 0
            and not origin.waiters
            and not origin.blocked
            and self._origins.get(origin.key) is origin
        ):
            del self._origins[origin.key]

    # -- idle expiry ---------------------------------------------------------------------

    def _arm_sweeper(self, at: float) -> None:
        """Make sure an expiry sweep runs by *at* (``time.monotonic`` seconds)."""
        current = self._sweeper
        if current is not None:
            if current.when() <= self._loop_time(at) + 0.01:
                return
            current.cancel()
        loop = asyncio.get_running_loop()
        self._sweeper = loop.call_at(self._loop_time(at), self._sweep)

    @staticmethod
    def _loop_time(at: float) -> float:
        loop = asyncio.get_running_loop()
        return loop.time() + max(0.0, at - time.monotonic())

    def _sweep(self) -> None:
        self._sweeper = None
        now = time.monotonic()
        for lease in [x for x in self._idle if x.expires <= now or not x.conn.connected]:
            self._unidle(lease)
            self._close(lease)
        if self._idle and not self._closed:
            self._arm_sweeper(min(x.expires for x in self._idle))

    # -- closing -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close idle connections, wait until every connection the pool closed is gone,
        and refuse new acquires; waiters get RuntimeError.

        Connections still lent out are closed when they come back.
        """
        self._closed = True
        # The factory is usually a bound method of the pool's owner, which holds the
        # pool: dropping it lets a closed client be freed without the cycle collector.
        self._factory = _closed_factory
        idle = list(self._idle)
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for lease in idle:
            self._unidle(lease)
            self._close(lease)
        for origin in list(self._origins.values()):
            for _, w in origin.waiters:
                if not w.done():
                    w.set_exception(RuntimeError("the pool is closed"))
        closing = [p for p in self._closing if not p.lost]
        self._closing.clear()
        if closing:  # so no socket outlives the pool
            await asyncio.gather(*(p.wait_closed() for p in closing), return_exceptions=True)


def _first_live(origin: _Origin) -> tuple[int, asyncio.Future[Lease]] | None:
    """*origin*'s first waiter still waiting (those who gave up are dropped), or None."""
    waiters = origin.waiters
    while waiters:
        if not waiters[0][1].done():
            return waiters[0]
        waiters.popleft()
    return None


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_exception(PoolTimeout("timed out waiting for a connection from the pool"))
