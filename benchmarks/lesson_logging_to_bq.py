"""The lesson logging-to-bq with 100,000 events on a warm stack: time per step, events/s.

Run: .venv/bin/python benchmarks/lesson_logging_to_bq.py [--events N] [--runs R]

It uses the stack dplat's settings point at (DPLAT_HOME, DPLAT_PROJECT,
DPLAT_PORT_OFFSET: the same as `dplat status`), which must be up: `dplat up`
first, so that start-up is not measured. Like `dplat run scenario`, each run
resets the lesson's data first (not counted in the total).
Goal (issue 5): the whole lesson in 30 s or less for 100,000 events.

Also printed, to tell where the time goes: the app's own rate (generating and
logging through FluentHandler), the agent's write time per output from its
monitor, and the streamed table's size.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dplat.scenario import catalog, runner
from dplat.scenario.context import Context
from dplat.settings import resolve
from dplat.stack import lifecycle
from dplat.stack.credentials import load_or_create

GOAL_SECONDS = 30.0
LESSON = "logging-to-bq"


class StepClock:
    """A runner reporter that prints each step's time as it ends."""

    def step_started(self, step: Any, index: int, total: int) -> None:
        print(f"  {step.name:<10}", end="", flush=True)

    def step_progress(self, message: str) -> None: ...

    def step_finished(self, result: Any) -> None:
        failed = [c.message for c in result.checks if not c.passed]
        print(f" {result.seconds:7.2f} s  {result.status}")
        for message in failed + ([result.error] if result.error else []):
            print(f"      ✘ {message}")

    def explain(self, item: Any) -> None: ...


def agent_write_seconds(settings: Any) -> dict[str, float]:
    """Seconds each output of the lesson has spent writing (monitor:
    flush_time_count, in ms, counted since the agent last loaded its config)."""
    credentials = load_or_create(settings.credentials_file)
    ctx = Context(settings, credentials, catalog.find(LESSON).folder, "bench", {})
    try:
        plugins = ctx.agent.monitor()["plugins"]
    except OSError:
        return {}
    return {p["plugin_id"]: p.get("flush_time_count", 0) / 1000 for p in plugins
            if p["plugin_id"] in ("app_s3", "app_bigquery")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    settings = resolve({}, env=None)
    not_ready = [s.name for s in lifecycle.status(settings) if not s.ready]
    if not_ready:
        print(f"the stack is not up ({', '.join(not_ready)}): run `dplat up` first")
        return 2
    lesson = catalog.find(LESSON)
    passed = True
    for run in range(1, args.runs + 1):
        print(f"run {run}: {args.events:,} events")
        before = agent_write_seconds(settings)
        report = runner.run(lesson, settings, StepClock(), options={"events": args.events})
        after = agent_write_seconds(settings)
        total = sum(s.seconds for s in report.steps)
        passed &= report.passed
        print(f"  {'total':<10} {total:7.2f} s  (goal <= {GOAL_SECONDS:.0f} s: "
              f"{'met' if total <= GOAL_SECONDS else 'NOT met'}, {total / GOAL_SECONDS:.1f}x)")
        print(f"  end to end {args.events / total:10,.0f} events/s")
        print(f"  the app logging through FluentHandler "
              f"{report.figures.get('ingest events/s', 0):,.0f} events/s")
        for plugin_id, seconds in after.items():
            spent = seconds - before.get(plugin_id, 0.0)
            spent = seconds if spent < 0 else spent  # the run reloaded the agent
            print(f"  agent output {plugin_id} spent {spent:.1f} s writing")
        print(f"  {'passed' if report.passed else 'FAILED'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
