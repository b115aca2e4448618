"""Run a scenario's steps in order, with progress, checks and a report.

A step passes when it raises nothing and all of its checks pass. The first
step that does not pass stops the run (later steps would only fail for the
same reason); they are reported as skipped. A step declared ``local_only``
is skipped with its reason under `--images upstream` (announced like any
step, reported as skipped, not failed), and the run goes on: later steps do
not depend on it. A full run resets the scenario's own data first, so a rerun
gives the same result.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from dplat.errors import DplatError, ScenarioError
from dplat.scenario.checks import CheckResult
from dplat.scenario.context import Context, Explanation, load_state, save_state
from dplat.scenario.model import Scenario, Step
from dplat.settings import Settings
from dplat.stack.lifecycle import stack_credentials


@dataclass
class StepResult:
    name: str
    summary: str
    status: str  # passed, failed (a check), error (an exception), skipped
    seconds: float = 0.0
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None
    fix: str | None = None
    reason: str | None = None
    """Why a local-only step was skipped on upstream images (None for a step
    skipped because an earlier one did not pass)."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def blocks(self) -> bool:
        """Whether later steps are skipped after this one: a failure or error
        does; a local-only step skipped on upstream images does not."""
        return self.status in ("failed", "error") or (
            self.status == "skipped" and self.reason is None)


@dataclass
class RunReport:
    scenario: str
    run_id: str
    started: str
    seconds: float
    steps: list[StepResult]
    figures: dict[str, float]
    lineage: dict[str, list[str]]
    explanations: list[Explanation]

    @property
    def passed(self) -> bool:
        return all(s.status in ("passed", "skipped") for s in self.steps) and any(
            s.passed for s in self.steps
        )

    def failures(self) -> list[str]:
        """Every failed check's message and every step error, in order."""
        found = [c.message for s in self.steps for c in s.checks if not c.passed]
        return found + [f"{s.name}: {s.error}" for s in self.steps if s.error]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for step, result in zip(data["steps"], self.steps, strict=True):
            step["checks"] = [{**asdict(c), "message": c.message} for c in result.checks]
        data["passed"] = self.passed
        return data

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2, default=str) + "\n")


class Reporter(Protocol):
    """How the runner shows its progress (the CLI prints; tests record)."""

    def step_started(self, step: Step, index: int, total: int) -> None: ...

    def step_progress(self, message: str) -> None: ...

    def step_finished(self, result: StepResult) -> None: ...

    def explain(self, item: Explanation) -> None: ...

    # A reporter may also define ``check_finished(result: CheckResult)``,
    # called as each check is made (before its step ends).


class SilentReporter:
    """A reporter that shows nothing (tests and benchmarks read the report)."""

    def step_started(self, step: Step, index: int, total: int) -> None: ...

    def step_progress(self, message: str) -> None: ...

    def step_finished(self, result: StepResult) -> None: ...

    def explain(self, item: Explanation) -> None: ...


def _run_step(step: Step, ctx: Context) -> StepResult:
    first_check = len(ctx.checks)
    result = StepResult(step.name, step.summary, "passed")
    start = time.perf_counter()
    try:
        step.run(ctx)
    except DplatError as exc:
        result.status, result.error, result.fix = "error", exc.message, exc.fix
    except Exception as exc:  # a lesson's bug or a client error: report, don't crash
        result.status, result.error = "error", f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - start
    result.checks = ctx.checks[first_check:]
    if result.status == "passed" and not all(c.passed for c in result.checks):
        result.status = "failed"
    return result


def _reset(scenario: Scenario, ctx: Context) -> None:
    """Run the lesson's reset; a failure becomes an error that names the lesson
    (lessons raise ScenarioError with their own fix; anything else is a bug or
    a client error that would otherwise end the run with a traceback)."""
    if scenario.reset_function is None:
        return
    try:
        scenario.reset_function(ctx)
    except DplatError:
        raise
    except Exception as exc:
        from dplat.stack import catalogue

        needed = catalogue.on_demand(scenario.services_on(ctx.settings.images))
        up = " ".join(["dplat up", *(f"--with {s}" for s in needed)])
        raise ScenarioError(
            f"resetting {scenario.name}'s data failed: {type(exc).__name__}: {str(exc)[:200]}",
            fix=f"Check the stack with `dplat status` (`{up}` repairs it), then run again.",
        ) from exc


def run(
    scenario: Scenario,
    settings: Settings,
    reporter: Reporter,
    *,
    up_to: str | None = None,
    only: str | None = None,
    explain: bool = False,
    options: dict[str, int] | None = None,
) -> RunReport:
    steps = scenario.select(up_to=up_to, only=only)
    started = datetime.now(UTC)
    ctx = Context(
        settings=settings,
        credentials=stack_credentials(settings),
        folder=scenario.folder,
        run_id=started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6],
        options={**scenario.options, **(options or {})},
        explaining=explain,
        on_progress=reporter.step_progress,
        on_explain=reporter.explain,
        # Optional: the CLI prints checks with their step's verdict; the
        # console (dplat.ui.runs) shows each one as soon as it is made.
        on_check=getattr(reporter, "check_finished", None) or (lambda result: None),
    )
    # `--only S` continues an earlier run: keep its state. Anything that starts
    # at the first step starts from clean data.
    if only and only != scenario.steps[0].name:
        ctx.state = load_state(settings, scenario.name)
    else:
        ctx.state = {"options": ctx.options}
        _reset(scenario, ctx)
    results: list[StepResult] = []
    clock = time.perf_counter()
    blocked = False
    for index, step in enumerate(steps):
        if blocked:
            results.append(StepResult(step.name, step.summary, "skipped"))
            continue
        reporter.step_started(step, index, len(steps))
        reason = step.skipped_because(settings.images)
        if reason is not None:
            reporter.step_progress(f"skipped: {reason}")
            result = StepResult(step.name, step.summary, "skipped", reason=reason)
        else:
            result = _run_step(step, ctx)
        blocked = result.blocks
        results.append(result)
        reporter.step_finished(result)
        save_state(settings, scenario.name, ctx.state)
    report = RunReport(
        scenario=scenario.name,
        run_id=ctx.run_id,
        started=started.isoformat(),
        seconds=time.perf_counter() - clock,
        steps=results,
        figures=ctx.figures,
        lineage=ctx.lineage,
        explanations=ctx.explanations,
    )
    report.write(last_report_file(settings, scenario.name))
    return report


def last_report_file(settings: Settings, scenario: str) -> Path:
    """Where the last run's report is kept (`scenario show --lineage` reads it)."""
    path = settings.home / "state" / f"{scenario}.report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def lineage_tree(lineage: dict[str, list[str]]) -> list[tuple[int, str]]:
    """The lineage as (depth, name) lines: each final output, then what it was
    made from, recursively (a table made from another table nests under it)."""
    used_as_source = {source for sources in lineage.values() for source in sources}
    roots = [target for target in lineage if target not in used_as_source] or list(lineage)
    lines: list[tuple[int, str]] = []

    def walk(node: str, depth: int, seen: frozenset[str]) -> None:
        lines.append((depth, node))
        if node in seen:
            return
        for source in lineage.get(node, []):
            walk(source, depth + 1, seen | {node})

    for root in roots:
        walk(root, 0, frozenset())
    return lines


def reset(
    scenario: Scenario, settings: Settings, on_note: Callable[[str], None] = lambda line: None
) -> None:
    """`dplat reset NAME`: run the scenario's reset and forget its state.
    ``on_note`` hears the reset's progress lines (e.g. what it had to leave)."""
    ctx = Context(
        settings=settings,
        credentials=stack_credentials(settings),
        folder=scenario.folder,
        run_id="reset",
        options=dict(scenario.options),
        on_progress=on_note,
    )
    _reset(scenario, ctx)
    save_state(settings, scenario.name, {})
