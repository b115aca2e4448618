"""Waiting for something to become true: the one way dplat, its lessons and its
tests wait.

Nothing sleeps a fixed time and hopes: callers poll the real signal (a probe
that answers, a count in the monitor, rows in a table, a line in a log) until
it is there or time runs out. A fixed sleep is either too long on a fast
laptop or too short on a loaded 2-core CI host.

One loop, in two forms, :func:`wait_until` (threads, the CLI, lessons) and
:func:`wait_until_async` (the agent's event loop, its tests). Both:

* return the condition's first truthy value;
* treat the exceptions named in ``ignore`` as "not yet" (a probe whose server
  is still starting), any other exception propagates;
* stop early when ``give_up`` returns something truthy (the process exited);
* on a timeout, with ``what`` (what is awaited, in words), raise
  :class:`WaitTimeout` naming it and the *last thing seen*, so a failure says
  where it got stuck; without ``what`` they return the last value, for a
  lesson's check to compare with what it expected.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

_NOTHING = object()


class WaitTimeout(TimeoutError):
    """What was awaited did not happen in time; ``last`` is the last value (or
    ignored exception) the condition gave."""

    def __init__(self, message: str, last: object) -> None:
        super().__init__(message)
        self.last = last


class _Poll:
    """The bookkeeping both loops share: deadline, last thing seen, the outcome."""

    def __init__(self, timeout: float, what: str | None, ignore: tuple[type[BaseException], ...],
                 give_up: Callable[[], object] | None) -> None:
        self.timeout, self.what, self.ignore, self.give_up = timeout, what, ignore, give_up
        self.started = time.monotonic()
        self.last: object = _NOTHING
        self.stopped: object = None

    def over(self) -> bool:
        """True when the time is up or the caller gave up."""
        if self.give_up is not None:
            self.stopped = self.give_up()
            if self.stopped:
                return True
        return time.monotonic() - self.started >= self.timeout

    def outcome(self) -> Any:
        """The last value, or WaitTimeout (or the last ignored exception) raised."""
        last = self.last
        if self.what is None:
            if isinstance(last, BaseException):
                raise last
            return last
        seen = "nothing (never called)" if last is _NOTHING else _describe(last)
        why = (f"gave up after {time.monotonic() - self.started:.1f} s"
               + (f" ({self.stopped})" if isinstance(self.stopped, str) else "")
               if self.stopped else f"timed out after {self.timeout:g} s")
        error = WaitTimeout(f"{why} waiting for {self.what}; last seen: {seen}", last)
        raise error from (last if isinstance(last, BaseException) else None)


def _describe(value: object) -> str:
    text = f"{type(value).__name__}: {value}" if isinstance(value, BaseException) else repr(value)
    return text if len(text) <= 2000 else text[:1000] + " ... " + text[-1000:]


def wait_until(condition: Callable[[], T], timeout: float, *, interval: float = 0.2,
               what: str | None = None, ignore: tuple[type[BaseException], ...] = (),
               give_up: Callable[[], object] | None = None) -> T:
    """Call ``condition`` every ``interval`` seconds until it returns something
    truthy (returned) or ``timeout`` seconds pass (see the module docstring)."""
    poll = _Poll(timeout, what, ignore, give_up)
    while True:
        try:
            value = condition()
        except ignore as exc:
            poll.last = exc
        else:
            if value:
                return value
            poll.last = value
        if poll.over():
            return poll.outcome()
        time.sleep(interval)


async def wait_until_async(condition: Callable[[], T | Awaitable[T]], timeout: float, *,
                           interval: float = 0.05, what: str | None = None,
                           ignore: tuple[type[BaseException], ...] = (),
                           give_up: Callable[[], object] | None = None) -> T:
    """:func:`wait_until` for an event loop: sleeps without blocking it, and
    ``condition`` may be a coroutine function."""
    poll = _Poll(timeout, what, ignore, give_up)
    while True:
        try:
            value = condition()
            if inspect.isawaitable(value):
                value = await value
        except ignore as exc:
            poll.last = exc
        else:
            if value:
                return value  # type: ignore[return-value]
            poll.last = value
        if poll.over():
            return poll.outcome()
        await asyncio.sleep(interval)
