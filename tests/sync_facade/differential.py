"""Run one scripted scenario with ``http.client`` and with ``sync_facade``; compare.

A scenario is a server script and a list of steps on one connection. Every step's
outcome (value, or exception class and message) is recorded, with the response heads,
the bytes the server received on each connection, and how many connections it saw.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sync_facade
from tests.servers import ScriptedServer

Step = tuple[Any, ...]


@dataclass
class Scenario:
    name: str
    server: Callable[..., Any]
    steps: list[Step]
    by_index: bool = False
    conn_kwargs: dict[str, Any] = field(default_factory=dict)
    # A deliberate difference: why (the README lists it), and a check on both outcomes.
    intended: str | None = None
    check: Callable[[dict[str, Any], dict[str, Any]], None] | None = None

    def __str__(self) -> str:
        return self.name


def _head(resp: Any) -> tuple[Any, ...]:
    return (
        resp.status,
        resp.reason,
        resp.version,
        resp.getheaders(),
        resp.length,
        resp.chunked,
        resp.will_close,
    )


def _exc(exc: BaseException) -> tuple[str, ...]:
    if isinstance(exc, (http.client.HTTPException, ValueError, TypeError)):
        return ("raised", type(exc).__name__, str(exc))
    return ("raised", type(exc).__name__)  # OSError texts vary with the loop


def run_steps(mod: Any, port: int, steps: list[Step], conn_kwargs: dict[str, Any]) -> list[Any]:
    host = conn_kwargs.pop("host", "127.0.0.1")
    conn = mod.HTTPConnection(host, port, **{"timeout": 5, **conn_kwargs})
    log: list[Any] = []
    resp: Any = None
    try:
        for step in steps:
            op, *args = step
            try:
                if op == "request":
                    method, url, *rest = args
                    body = rest[0] if rest else None
                    headers = rest[1] if len(rest) > 1 else {}
                    kw = rest[2] if len(rest) > 2 else {}
                    if callable(body):
                        body = body()
                    conn.request(method, url, body, headers, **kw)
                    out: Any = None
                elif op == "getresponse":
                    resp = conn.getresponse()
                    out = _head(resp)
                elif op == "read":
                    out = resp.read(*args)
                elif op == "read1":
                    out = resp.read1(*args)
                elif op == "readline":
                    out = resp.readline(*args)
                elif op == "readlines":
                    out = resp.readlines()
                elif op == "iter":
                    out = list(resp)
                elif op == "readinto":
                    buf = bytearray(args[0])
                    n = resp.readinto(buf)
                    out = (n, bytes(buf[:n]))
                elif op == "peek_nonempty":
                    out = len(resp.peek()) > 0
                elif op == "isclosed":
                    out = resp.isclosed()
                elif op == "close_response":
                    resp.close()
                    out = None
                elif op == "close":
                    conn.close()
                    out = None
                elif op == "putrequest":
                    out = conn.putrequest(*args)
                elif op == "putheader":
                    out = conn.putheader(*args)
                elif op == "endheaders":
                    body = args[0] if args else None
                    kw = args[1] if len(args) > 1 else {}
                    out = conn.endheaders(body, **kw)
                elif op == "send":
                    out = conn.send(args[0])
                elif op == "set_tunnel":
                    out = conn.set_tunnel(*args)
                elif op == "sock_is_none":
                    out = conn.sock is None
                elif op == "header":
                    out = resp.getheader(*args)
                elif op == "msg":
                    out = (type(resp.msg).__name__, resp.msg.get_all(args[0]))
                elif op == "message":
                    m = resp.msg
                    out = (m.get_payload(), m.as_string(), [type(d).__name__ for d in m.defects])
                elif op == "geturl":
                    out = resp.geturl()
                elif op == "closed":
                    out = resp.closed
                elif op == "state":
                    out = (resp.status, resp.length, resp.isclosed())
                elif op == "sleep":
                    time.sleep(args[0])
                    out = None
                elif op == "auto_open":
                    conn.auto_open = args[0]
                    out = None
                else:  # pragma: no cover - a typo in a scenario
                    raise AssertionError(f"unknown step {op}")
            except Exception as exc:
                out = _exc(exc)
            log.append((op, out))
    finally:
        conn.close()
        if resp is not None:
            resp.close()
    return log


def observe(scenario: Scenario, mod: Any) -> dict[str, Any]:
    with ScriptedServer(scenario.server, by_index=scenario.by_index) as srv:
        log = run_steps(mod, srv.port, scenario.steps, dict(scenario.conn_kwargs))
    received = [r.replace(b":%d" % srv.port, b":PORT") for r in srv.received]
    return {"log": log, "received": received, "connections": len(srv.conns)}


def compare(scenario: Scenario) -> None:
    theirs = observe(scenario, http.client)
    ours = observe(scenario, sync_facade)
    if scenario.intended is None:
        assert ours == theirs
    else:
        assert ours != theirs, f"{scenario.name}: the listed difference did not show"
        assert scenario.check is not None
        scenario.check(theirs, ours)
