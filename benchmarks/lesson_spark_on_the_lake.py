"""The lesson spark-on-the-lake on a warm stack, the cluster's memory, and its transform on 1 and 2 workers.

Run: PYTHONPATH=platform .venv/bin/python benchmarks/lesson_spark_on_the_lake.py [--events N] [--runs R]

It uses the stack dplat's settings point at (DPLAT_HOME, DPLAT_PROJECT,
DPLAT_PORT_OFFSET, as `dplat status`), starting `spark` if it is not up
(its start is not timed). Then:

1. the whole lesson, as `dplat run scenario` runs it, per step (goal, issue
   15: under 120 s with the service up);
2. the cluster's memory after a minute idle once the lesson ran (goal under
   1.5 GiB for `spark` + `spark-worker`; benchmarks/spark_cluster.py gives
   the figure of a cluster that never ran a job);
3. the scaling line: the transform step R times with the one worker of the
   stack, then R times with a second worker (a copy of `spark-worker`'s
   container: same image, network, volume and memory limit) registered, and
   the second worker removed again.

The machine is shared and has 2 cores: each figure is printed with the load
average at the time, and the faster of R runs is the one that counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import docker
from stack import container_memory

from dplat.scenario import catalog, runner
from dplat.settings import resolve
from dplat.stack import catalogue, lifecycle
from dplat.stack.credentials import load_or_create

LESSON = "spark-on-the-lake"
LESSON_GOAL = 120.0
IDLE_GOAL_MIB = 1536
SETTLE_SECONDS = 60


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_lesson(settings: Any, events: int, only: str | None = None) -> runner.RunReport:
    return runner.run(catalog.find(LESSON), settings, runner.SilentReporter(), only=only,
                      options={"events": events})


def whole_lesson(settings: Any, events: int) -> bool:
    report = run_lesson(settings, events)
    steps = "  ".join(f"{s.name} {s.seconds:.1f}s" for s in report.steps)
    verdict = "passed" if report.passed else f"FAILED: {report.failures()[:2]}"
    print(f"lesson ({events:,} orders)                {report.seconds:8.1f} s "
          f"(goal < {LESSON_GOAL:.0f} s) {verdict}; {load()}")
    print(f"  {steps}")
    for name, value in report.figures.items():
        print(f"  {name}: {value}")
    return report.passed and report.seconds < LESSON_GOAL


def idle_memory(engine: docker.DockerClient, project: str) -> bool:
    time.sleep(SETTLE_SECONDS)
    found = lifecycle.containers(engine, project)
    total = 0.0
    for name in ("spark", "spark-worker"):
        usage, limit = container_memory(found[name])
        total += usage
        print(f"idle memory {name:<28} {usage / 2**20:8.1f} MiB (limit {limit / 2**20:.0f} MiB)")
    print(f"{'idle memory spark total':<40} {total / 2**20:8.1f} MiB (goal < {IDLE_GOAL_MIB})")
    return total / 2**20 < IDLE_GOAL_MIB


def transform_seconds(settings: Any, events: int, runs: int, workers: int) -> float:
    took = []
    for _ in range(runs):
        report = run_lesson(settings, events, only="transform")
        if not report.passed:
            raise SystemExit(f"transform failed with {workers} worker(s): {report.failures()[:2]}")
        took.append(report.steps[0].seconds)
    print(f"transform with {workers} worker(s)              {min(took):8.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in took)}); {load()}")
    return min(took)


def second_worker(engine: docker.DockerClient, project: str) -> Any:
    """A copy of the stack's spark-worker container, registered with the master."""
    original = lifecycle.containers(engine, project)["spark-worker"]
    attrs = original.attrs
    (network,) = attrs["NetworkSettings"]["Networks"]
    volumes = {m["Name"]: {"bind": m["Destination"], "mode": "rw"}
               for m in attrs["Mounts"] if m["Type"] == "volume"}
    return engine.containers.run(
        attrs["Config"]["Image"], attrs["Config"]["Cmd"], detach=True,
        environment=attrs["Config"]["Env"], volumes=volumes, network=network,
        mem_limit=attrs["HostConfig"]["Memory"], labels={"dplat.bench": "1"},
        name=f"{project}-spark-worker-bench")


def wait_for_cores(spark: Any, cores: int, timeout: float = 300) -> None:
    """Until the Connect application holds ``cores`` executor cores."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if spark.application().get("cores") == cores:
            return
        time.sleep(2)
    raise SystemExit(f"the Connect application never got {cores} cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="orders (the lesson's --events)")
    parser.add_argument("--runs", type=int, default=3, help="transform runs per worker count")
    parser.add_argument("--no-scaling", action="store_true", help="stop after the idle memory")
    args = parser.parse_args()
    settings = resolve({}, env=None)
    lifecycle.up(settings, report=lambda message: None, include=["spark"])
    spark = catalogue.by_name(settings, load_or_create(settings.credentials_file), "spark")
    engine = docker.from_env()
    met = whole_lesson(settings, args.events)
    met &= idle_memory(engine, settings.project)
    if args.no_scaling:
        return 0 if met else 1
    one = transform_seconds(settings, args.events, args.runs, 1)
    extra = second_worker(engine, settings.project)
    try:
        wait_for_cores(spark, 4)
        two = transform_seconds(settings, args.events, args.runs, 2)
    finally:
        extra.remove(force=True)
    print(f"2 workers / 1 worker                     {two / one:8.2f} (below 1 is faster)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
