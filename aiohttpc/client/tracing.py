"""Request/response hooks and the per-exchange trace they see."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Hook = Callable[[Any], Any]  # a function or coroutine function of one argument

EVENTS = ("request", "connection", "response", "done")


@dataclass
class Trace:
    """What happened in one exchange (times in seconds, from ``time.monotonic``).

    ``connection_reused``: an idle pooled connection served it; ``retried``: it was
    sent again on a fresh connection after the reused one failed before any reply.
    Byte counts are what went over the connection for this exchange (head included);
    ``elapsed`` is set once the body was read to its end.
    """

    method: str
    url: str
    started: float
    connection_reused: bool = False
    retried: bool = False
    pool_wait: float = 0.0
    connect_time: float | None = None
    time_to_headers: float | None = None
    elapsed: float | None = None
    bytes_sent: int = 0
    bytes_received: int = 0
    body_path: str | None = None  # how the request body went: "sendfile" or "copy"


@dataclass
class Hooks:
    """Callbacks, each a function or coroutine function of one argument:

    ``request`` gets the ``Request`` before it is sent (its headers may be changed);
    ``connection`` gets the ``Trace`` once a connection is ready (created or reused);
    ``response`` gets the ``Response`` when its head has arrived; ``done`` gets the
    ``Response`` when its body was read to the end.
    """

    request: list[Hook] = field(default_factory=list)
    connection: list[Hook] = field(default_factory=list)
    response: list[Hook] = field(default_factory=list)
    done: list[Hook] = field(default_factory=list)

    @classmethod
    def of(cls, value: Hooks | dict[str, Any] | None) -> Hooks:
        if isinstance(value, Hooks):
            return value
        hooks = cls()
        for name, fns in (value or {}).items():
            if name not in EVENTS:
                raise ValueError(f"unknown hook {name!r}; events are {', '.join(EVENTS)}")
            getattr(hooks, name).extend(fns if isinstance(fns, list | tuple) else [fns])
        return hooks


async def fire(hooks: list[Hook], arg: Any) -> None:
    """Call each hook with *arg*, awaiting those that return an awaitable."""
    for hook in hooks:
        result = hook(arg)
        if inspect.isawaitable(result):
            await result
