"""The GoogleSQL conformance suite as a benchmark: wall time, first-query latency, idle memory.

Run: .venv/bin/python benchmarks/bigquery_conformance.py [--endpoint URL] [--workers N]

Without --endpoint it starts a throw-away dplat/bigquery:local container (as
the suite's CLI does) and measures, besides the suite's wall time:

* first-query latency: from asking the engine to start the container to the
  first answered ``SELECT 1`` (the service's readiness probe, polled);
* idle memory: the container's memory once it has answered that query and sat
  idle for a few seconds (usage minus reclaimable page cache, as ``docker stats``).

Issue 11's budget for the emulator after the fixes: first query <= 2 s and idle
memory <= 200 MiB. The suite's pass rate is printed too, so a faster run that
answers worse shows.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from tests.conformance.bigquery.cases import load
from tests.conformance.bigquery.endpoint import client_for, local_emulator
from tests.conformance.bigquery.runner import run_all

IDLE_SECONDS = 5.0
MIB = 1024 * 1024


def idle_memory(container: Any) -> float:
    """MiB in use by the container, page cache it could drop excluded."""
    stats = container.stats(stream=False)["memory_stats"]
    cache = stats.get("stats", {}).get("inactive_file", 0)
    return (stats["usage"] - cache) / MIB


def suite(client: Any, workers: int) -> tuple[float, int, int, int]:
    """Seconds for the whole suite; passes, wrong answers, cases."""
    cases = load()
    started = time.monotonic()
    outcomes = run_all(client, cases, workers=workers)
    seconds = time.monotonic() - started
    passed = sum(o.kind == "pass" for o in outcomes)
    wrong = sum(o.kind == "wrong-answer" for o in outcomes)
    return seconds, passed, wrong, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", help="measure only the suite, against this endpoint")
    parser.add_argument("--project", default="dplat")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if args.endpoint:
        seconds, passed, wrong, total = suite(client_for(args.endpoint, args.project), args.workers)
    else:
        with local_emulator() as emulator:
            time.sleep(IDLE_SECONDS)
            memory = idle_memory(emulator.container)
            print(f"first query after start  {emulator.seconds_to_first_query:6.2f} s")
            print(f"idle memory              {memory:6.0f} MiB")
            seconds, passed, wrong, total = suite(emulator.client, args.workers)
    print(f"suite wall time          {seconds:6.1f} s  ({total} cases, {total / seconds:.0f}/s)")
    print(f"suite pass rate          {passed / total:6.1%}  ({wrong} wrong answers)")


if __name__ == "__main__":
    main()
