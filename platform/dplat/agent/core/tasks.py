"""Tasks and timers a plugin starts, cancelled and awaited when it stops.

A bare ``asyncio.create_task`` in a plugin outlives the plugin when someone
forgets to cancel it, and its exception is lost until garbage collection. So
plugins call ``self.spawn(...)`` / ``self.every(...)``: the task is named after
the plugin, a crash is logged at once and counted, and ``cancel_all()`` (run
by the base when the plugin closes) leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any


class TaskSet:
    """The running tasks of one owner."""

    def __init__(self, owner: str, log: logging.Logger | logging.LoggerAdapter[Any],
                 on_crash: Callable[[BaseException], None] | None = None) -> None:
        self._owner = owner
        self._log = log
        self._on_crash = on_crash
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background until it ends or the owner closes."""
        task = asyncio.get_running_loop().create_task(coro, name=f"{self._owner}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def every(self, interval: float, tick: Callable[[], Awaitable[Any] | Any], *,
              name: str) -> asyncio.Task[Any]:
        """Call ``tick`` every ``interval`` seconds (a timer). A failing tick is
        logged and the timer goes on, as Fluentd's timer helper does."""
        if interval <= 0:
            raise ValueError(f"timer interval must be positive, got {interval}")

        async def loop() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    result = tick()
                    if inspect.isawaitable(result):
                        await result
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._log.exception("timer %s failed", name)
                    if self._on_crash is not None:
                        self._on_crash(exc)

        return self.spawn(loop(), name=name)

    async def cancel_all(self) -> None:
        """Cancel every task and wait until all have ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.difference_update(tasks)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._log.error("task %s crashed: %r", task.get_name(), exc, exc_info=exc)
            if self._on_crash is not None:
                self._on_crash(exc)
