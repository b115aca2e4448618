"""Stack figures: warm `dplat up` to all ready, `dplat down`, idle memory, cold builds.

Run: .venv/bin/python benchmarks/stack.py [--cold-builds]

Goals (issue 3): warm up <= 10 s, idle memory <= 1 GiB in total. It uses its
own project, DPLAT_HOME and port offset, and removes everything it started.
`--cold-builds` also rebuilds every image without cache (several minutes).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

from dplat.engine import daemon
from dplat.settings import resolve
from dplat.stack import images, lifecycle

PROJECT = "dplat-bench"


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"{label:<40} {took:8.2f} s")
    return took


def idle_memory(engine: docker.DockerClient) -> float:
    total = 0.0
    for name, container in sorted(lifecycle.containers(engine, PROJECT).items()):
        stats = container.stats(stream=False)
        usage = stats["memory_stats"].get("usage", 0) - stats["memory_stats"].get("stats", {}).get(
            "inactive_file", 0
        )
        limit = stats["memory_stats"].get("limit", 0)
        total += usage
        print(f"idle memory {name:<28} {usage / 2**20:8.1f} MiB (limit {limit / 2**20:.0f} MiB)")
    print(f"{'idle memory total':<40} {total / 2**20:8.1f} MiB (goal <= 1024)")
    return total


def cold_builds(settings) -> None:
    for image in images.IMAGES:
        argv = images.build_command(image, settings)
        argv.insert(3, "--no-cache")
        timed(f"cold build {image.name}", lambda argv=argv: subprocess.run(argv, check=True, capture_output=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-builds", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = resolve({"home": home, "project": PROJECT, "port_offset": 30000}, env={})
        engine = daemon.ensure()
        images.build(engine, settings)
        quiet = lambda message: None  # noqa: E731
        try:
            first = timed("first up (fresh volumes)", lambda: lifecycle.up(settings, report=quiet))
            timed("down (keep volumes)", lambda: lifecycle.down(settings))
            warm = timed("warm up (images and volumes exist)", lambda: lifecycle.up(settings, report=quiet))
            timed("up on a running stack (idempotent)", lambda: lifecycle.up(settings, report=quiet))
            time.sleep(5)  # let start-up work settle before measuring idle memory
            idle_memory(engine)
            timed("down -v", lambda: lifecycle.down(settings, volumes=True))
        finally:
            lifecycle.down(settings, volumes=True)
        print(f"ratio warm up / goal 10 s: {warm / 10:.2f}   (first up {first:.1f} s)")
        if args.cold_builds:
            cold_builds(settings)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
    sys.exit(main())
