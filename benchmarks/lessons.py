"""Every lesson end to end on a warm stack, with default sizes.

Run: .venv/bin/python benchmarks/lessons.py [NAME ...]

Goal (issue 6): each lesson <= 60 s. Uses the stack `dplat up` runs (default
settings); each lesson resets its own data first, as `dplat run scenario` does.
Prints seconds per lesson and per step, and whether every check passed.
"""

from __future__ import annotations

import sys
import time

from dplat.scenario import catalog, runner
from dplat.settings import resolve
from dplat.stack import catalogue, lifecycle

GOAL_SECONDS = 60.0


def main(names: list[str]) -> int:
    settings = resolve()
    lessons = [catalog.find(n) for n in names] if names else catalog.all_scenarios()
    needed = catalogue.on_demand(s for lesson in lessons for s in lesson.services)
    lifecycle.up(settings, report=lambda message: None, include=needed)
    worst = 0.0
    for lesson in lessons:
        start = time.perf_counter()
        report = runner.run(lesson, settings, runner.SilentReporter())
        took = time.perf_counter() - start
        worst = max(worst, took)
        steps = "  ".join(f"{s.name} {s.seconds:.1f}s" for s in report.steps)
        verdict = "passed" if report.passed else f"FAILED: {report.failures()[:2]}"
        print(f"{lesson.name:<20} {took:6.1f} s  ratio to goal {took / GOAL_SECONDS:4.2f}  {verdict}")
        print(f"{'':<20} {steps}")
    print(f"slowest lesson: {worst:.1f} s (goal <= {GOAL_SECONDS:.0f} s each)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
