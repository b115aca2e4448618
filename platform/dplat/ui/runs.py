"""A lesson run started from the console, and its live progress.

The run itself is the CLI's: :func:`dplat.scenario.lessons.run_on_stack` in a
worker thread, with a :class:`PageReporter` in place of the terminal's
spinner. Each thing the runner reports (the stack being checked, a step
starting, each check passing or failing with its "where to look" text, the
step's verdict) becomes one event: a small HTML fragment appended to the
run's list. The page follows the list with server-sent events
(``GET /lessons/NAME/events``); a page opened mid-run first gets what already
happened, then the rest as it comes.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dplat.ui.html import esc

Start = Callable[[Any, Callable[[str], None]], Any]
"""How a run starts: (reporter, stack_progress) -> the run's report."""


@dataclass
class Event:
    id: int
    kind: str  # stack, step, check, result, explain, end
    html: str


@dataclass
class Run:
    """One run's events, readable from the event loop while a thread appends."""

    lesson: str
    loop: asyncio.AbstractEventLoop
    events: list[Event] = field(default_factory=list)
    finished: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def publish(self, kind: str, html: str) -> None:
        """Called from the worker thread: append, then wake the readers. After
        `dplat ui` stopped (its loop closed) a run still going has no page."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._append, Event(next(self._ids), kind, html))

    def _append(self, event: Event) -> None:
        self.events.append(event)
        if event.kind == "end":
            self.finished = True
        self._changed.set()

    async def wait(self, seen: int, timeout: float) -> None:
        """Return when there are more than ``seen`` events, or after ``timeout``."""
        while len(self.events) <= seen and not self.finished:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except TimeoutError:
                return


def _check_html(check: Any) -> str:
    """One check, as it is made; a failed one's message ends with where to look."""
    mark = "✔" if check.passed else "✘"
    return (
        f'<li class="check {"ok" if check.passed else "bad"}"><span class="mark">{mark}</span> '
        f"{esc(check.message)}</li>"
    )


class PageReporter:
    """The runner's Reporter protocol (dplat.scenario.runner), as page events."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def stack_progress(self, message: str) -> None:
        self.run.publish("stack", f'<li class="stack">{esc(message)}</li>')

    def step_started(self, step: Any, index: int, total: int) -> None:
        self.run.publish(
            "step",
            f'<li class="step">[{index + 1}/{total}] <b>{esc(step.name)}</b>: {esc(step.summary)}</li>',
        )

    def step_progress(self, message: str) -> None:
        self.run.publish("progress", f'<li class="progress">{esc(message)}</li>')

    def check_finished(self, check: Any) -> None:
        self.run.publish("check", _check_html(check))

    def step_finished(self, result: Any) -> None:
        error = ""
        if result.error:
            fix = f'<div class="fix">{esc(result.fix)}</div>' if result.fix else ""
            error = f'<div class="error">{esc(result.error)}{fix}</div>'
        if getattr(result, "reason", None):  # a local-only step on upstream images
            error = f'<div class="skipped">{esc(result.reason)}</div>'
        ok = result.status == "passed"
        kind = "ok" if ok else "skipped" if result.status == "skipped" else "bad"
        self.run.publish(
            "result",
            f'<li class="result {kind}">{esc(result.status)} '
            f"<b>{esc(result.name)}</b> ({result.seconds:.1f} s){error}</li>",
        )

    def explain(self, item: Any) -> None:
        self.run.publish(
            "explain",
            f'<li class="explain"><details><summary>{esc(item.kind)}: {esc(item.title)}</summary>'
            f"<pre>{esc(item.text)}</pre></details></li>",
        )

    def ended(self, verdict: str, ok: bool) -> None:
        self.run.publish("end", f'<li class="end {"ok" if ok else "bad"}">{esc(verdict)}</li>')
