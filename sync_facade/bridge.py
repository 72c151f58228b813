"""The one background event-loop thread, and the cheap way to run work on it and wait.

A call posts a step function with ``call_soon_threadsafe`` and the caller blocks on a
plain lock that the loop thread releases when the coroutine ends. The coroutine is
stepped by a small driver, not wrapped in a Task: one hop costs a wake-up of the loop
and a lock release, nothing else. (The core awaits only futures and never asks for the
current task, which is what makes that possible.)

The thread is a daemon started on first use (uvloop where installed), restarted in a
child after ``os.fork()``. Calling it from its own loop thread is an error, not a
deadlock; calling it from a thread that runs an event loop of its own just blocks
that thread, as a blocking socket call would.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import aiohttpc

T = TypeVar("T")

INTERRUPT_GRACE = 5.0  # seconds an interrupted call may take to wind down


class Call:
    """One coroutine being stepped on the loop; optionally waited for by a thread."""

    __slots__ = ("_coro", "_done_cbs", "_lock", "_loop", "_waiting", "done", "exc", "result")

    def __init__(self, coro: Coroutine[Any, Any, Any], loop: asyncio.AbstractEventLoop) -> None:
        self._coro: Coroutine[Any, Any, Any] | None = coro
        self._loop = loop
        self._lock: Any = None
        self._waiting: asyncio.Future[Any] | None = None
        self._done_cbs: list[Callable[[], None]] | None = None
        self.done = False
        self.result: Any = None
        self.exc: BaseException | None = None

    def step(self, _fut: object = None) -> None:
        """Advance the coroutine (on the loop thread) until it waits or ends."""
        coro = self._coro
        if coro is None:
            return
        self._waiting = None
        try:
            yielded = coro.send(None)
        except StopIteration as stop:
            self._finish(stop.value, None)
        except BaseException as exc:  # delivered to the waiting thread
            self._finish(None, exc)
        else:
            if yielded is None:  # a bare yield, as in ``asyncio.sleep(0)``
                self._loop.call_soon(self.step)
            else:
                yielded._asyncio_future_blocking = False
                self._waiting = yielded
                yielded.add_done_callback(self.step)

    def cancel(self) -> None:
        """Cancel the coroutine where it waits (on the loop thread)."""
        waiting = self._waiting
        if waiting is not None:
            waiting.cancel()
        elif self._coro is not None and not self.done:
            coro = self._coro
            try:
                coro.throw(asyncio.CancelledError())
            except StopIteration as stop:
                self._finish(stop.value, None)
            except BaseException as exc:
                self._finish(None, exc)
            else:
                coro.close()
                self._finish(None, asyncio.CancelledError())

    def on_done(self, fn: Callable[[], None]) -> None:
        """Call *fn* (on the loop thread) when the coroutine has ended."""
        if self.done:
            fn()
        else:
            self._done_cbs = [*(self._done_cbs or []), fn]

    def _finish(self, result: Any, exc: BaseException | None) -> None:
        self._coro = None
        self.result = result
        self.exc = exc
        self.done = True
        try:
            for fn in self._done_cbs or ():
                fn()
        finally:
            if self._lock is not None:
                self._lock.release()

    def outcome(self) -> Any:
        exc = self.exc
        if exc is not None:
            self.exc = None  # no reference cycle through the traceback
            try:
                raise exc
            finally:
                del exc
        return self.result


class Bridge:
    """The process's background loop thread."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ident: int | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is None:
            loop = self._start()
        return loop

    @property
    def current_loop(self) -> asyncio.AbstractEventLoop | None:
        """The running loop, without starting one."""
        return self._loop

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._guard:
            if self._loop is not None:
                return self._loop
            loop = aiohttpc.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(loop, ready), name="sync_facade-loop", daemon=True
            )
            thread.start()
            ready.wait()
            self._thread = thread
            self._loop = loop
            return loop

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        self._ident = threading.get_ident()
        loop.call_soon(ready.set)
        loop.run_forever()

    def in_loop_thread(self) -> bool:
        return threading.get_ident() == self._ident

    def _check_thread(self, coro: Coroutine[Any, Any, Any] | None = None) -> None:
        if self.in_loop_thread():
            if coro is not None:
                coro.close()  # never started: no "was never awaited" warning
            raise RuntimeError(
                "sync_facade: a blocking call was made from the bridge's own event-loop "
                "thread; use the aiohttpc API there"
            )

    def run(
        self,
        coro: Coroutine[Any, Any, T],
        on_interrupt: Callable[[], None] | None = None,
    ) -> T:
        """Run *coro* on the loop thread and wait for its result (or exception).

        If the wait is interrupted (KeyboardInterrupt), the coroutine is cancelled and
        *on_interrupt* runs on the loop thread before the interruption propagates.
        """
        self._check_thread(coro)
        loop = self.loop
        call = Call(coro, loop)
        lock = call._lock = threading.Lock()
        lock.acquire()
        loop.call_soon_threadsafe(call.step)
        try:
            lock.acquire()
        except BaseException:
            self._interrupted(call, on_interrupt)
            # The caller goes on only once the work has wound down on the loop, so that
            # its clean-up cannot land on whatever the caller does next.
            lock.acquire(timeout=INTERRUPT_GRACE)
            raise
        return call.outcome()  # type: ignore[no-any-return]

    def _interrupted(self, call: Call, on_interrupt: Callable[[], None] | None) -> None:
        def cancel() -> None:
            if on_interrupt is not None:
                call.on_done(on_interrupt)
            call.cancel()

        self.loop.call_soon_threadsafe(cancel)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a plain function on the loop thread and wait for its result."""
        self._check_thread()

        async def wrapper() -> T:
            return fn(*args)

        return self.run(wrapper())

    def clean_up(self, fn: Callable[..., Any], *args: Any) -> None:
        """``call`` for clean-up that may run as the interpreter exits (a ``__del__``).

        Then the daemon loop thread runs no more and a wait for it would never end:
        the call is dropped, and the process's sockets close with it.
        """
        if not sys.is_finalizing():
            self.call(fn, *args)

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run a plain function on the loop thread, without waiting."""
        self.loop.call_soon_threadsafe(fn, *args)

    def _after_fork(self) -> None:
        # The thread did not survive the fork; the loop's selector belongs to the parent.
        self._guard = threading.Lock()
        self._loop = None
        self._thread = None
        self._ident = None


bridge = Bridge()

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=bridge._after_fork)
