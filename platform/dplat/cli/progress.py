"""How `dplat run scenario` shows a lesson's progress: a spinner per step,
then each check's verdict (the runner's Reporter protocol, printed)."""

from __future__ import annotations

import time
from typing import Any

from dplat.console import FAIL, OK, WARN, Console, console, stage_line


class ConsoleReporter:
    """Progress per step with a spinner, then each check's verdict, on ``out``
    (stderr when stdout carries JSON)."""

    def __init__(self, out: Console = console) -> None:
        self.out = out
        self.status: Any = None
        self.started = time.monotonic()

    def stack_progress(self, message: str) -> None:
        """What `up` is doing before the first step (one spinner at a time; a
        plain line where a spinner would print nothing: CI logs, pipes)."""
        if not self.out.is_terminal:
            self.out.print(stage_line(time.monotonic() - self.started, message), markup=False, highlight=False)
            return
        if self.status is None:
            self.status = self.out.status(message)
            self.status.start()
        else:
            self.status.update(message)

    def step_started(self, step, index: int, total: int) -> None:
        self.close()
        line = f"[{index + 1}/{total}] {step.name}: {step.summary}"
        if not self.out.is_terminal:
            self.out.print(line, markup=False, highlight=False)
            return
        self.status = self.out.status(line)
        self.status.start()

    def step_progress(self, message: str) -> None:
        if self.status is not None:
            self.status.update(message)

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def step_finished(self, result) -> None:
        self.close()
        out = self.out
        style = {"passed": OK, "failed": FAIL, "error": FAIL}.get(result.status, WARN)
        out.print(f"[{style}]{result.status:>7}[/] {result.name} ({result.seconds:.1f} s)")
        for check in result.checks:
            mark = f"[{OK}]✔[/]" if check.passed else f"[{FAIL}]✘[/]"
            out.print(f"        {mark} ", end="")
            out.print(check.message, markup=False, highlight=False)
        if result.reason:
            out.print(f"        [{WARN}]skipped:[/] ", end="")
            out.print(result.reason, markup=False)
        if result.error:
            out.print(f"        [{FAIL}]error:[/] ", end="")
            out.print(result.error, markup=False)
            if result.fix:
                out.print(f"        fix: {result.fix}", markup=False)

    def explain(self, item) -> None:
        if self.status is not None:
            self.status.stop()
        self.out.rule(f"{item.kind}: {item.title}")
        self.out.print(item.text, markup=False, highlight=False)
        self.out.rule()
        if self.status is not None:
            self.status.start()
