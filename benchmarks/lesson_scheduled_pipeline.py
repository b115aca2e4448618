"""The lesson scheduled-pipeline end to end on a warm stack, and the airflow service's memory.

Run: .venv/bin/python benchmarks/lesson_scheduled_pipeline.py [--runs R]

It uses the stack dplat's settings point at (DPLAT_HOME, DPLAT_PROJECT,
DPLAT_PORT_OFFSET: the same as `dplat status`), which must be up with airflow
(`dplat up --with airflow` first: starting it is not what this measures).
Each run is the whole lesson through the runner (reset, seed, deploy,
backfill of five days, retry with the store paused, rerun, late data), timed
per step. Memory is the airflow container's, as `docker stats` shows it,
idle before the lesson and after it.
Goals (issue 14): the lesson under 180 s; airflow idle under 1 GiB.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from _lesson_common import running_stack

from dplat.engine import daemon
from dplat.scenario import catalog, runner
from dplat.stack import lifecycle

GOAL_SECONDS = 180.0
GOAL_IDLE_MIB = 1024.0
LESSON = "scheduled-pipeline"


def memory_mib(container: Any) -> float:
    """What the cgroup charges, less reclaimable file cache (as `docker stats`)."""
    stats = container.stats(stream=False)["memory_stats"]
    return (stats.get("usage", 0) - stats.get("stats", {}).get("inactive_file", 0)) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    settings = running_stack()
    if settings is None:
        return 2
    containers = lifecycle.containers(daemon.client(), settings.project)
    if "airflow" not in containers:
        print("airflow is not running: `dplat up --with airflow` first")
        return 2
    airflow = containers["airflow"]
    idle = memory_mib(airflow)
    print(f"{'airflow memory, idle':<40} {idle:8.0f} MiB  (goal < {GOAL_IDLE_MIB:.0f})")
    lesson = catalog.find(LESSON)
    worst = 0.0
    for attempt in range(1, args.runs + 1):
        started = time.perf_counter()
        report = runner.run(lesson, settings, runner.SilentReporter())
        seconds = time.perf_counter() - started
        worst = max(worst, seconds)
        for step in report.steps:
            print(f"  run {attempt} {step.name:<12} {step.status:<8} {step.seconds:8.1f} s")
        print(f"{f'run {attempt}: the lesson, end to end':<40} {seconds:8.1f} s  "
              f"(goal < {GOAL_SECONDS:.0f}; {'passed' if report.passed else 'FAILED'})")
        if not report.passed:
            print("\n".join(report.failures()[:5]))
            return 1
    after = memory_mib(airflow)
    print(f"{'airflow memory, after the lesson':<40} {after:8.0f} MiB")
    ok = worst < GOAL_SECONDS and idle < GOAL_IDLE_MIB
    print(f"ratio to goal: lesson {worst / GOAL_SECONDS:.2f}, idle memory "
          f"{idle / GOAL_IDLE_MIB:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
