"""Run the conformance suite and print the pass rate per family and the failures.

    python -m tests.conformance.bigquery.run [--endpoint URL] [--family date ...]

Without --endpoint (or DPLAT_BQ_CONFORMANCE_ENDPOINT) it starts the local image.
"""

from __future__ import annotations

import argparse
import sys
import time

from .cases import load
from .endpoint import open_client
from .runner import FAILURES, Outcome, pass_rates, run_all, write_known_failures


def report(outcomes: list[Outcome], seconds: float) -> str:
    """The per-family table, then every case that is not a pass."""
    lines = [f"{'family':<14} {'cases':>5} {'pass':>5} {'rate':>6} {'wrong':>5} {'error':>5} {'unsup':>5}"]
    for family, counts in sorted(pass_rates(outcomes).items()):
        total = sum(counts.values())
        lines.append(
            f"{family:<14} {total:>5} {counts['pass']:>5} {counts['pass'] / total:>6.1%} "
            f"{counts['wrong-answer']:>5} {counts['error']:>5} {counts['unsupported-ok']:>5}"
        )
    total = len(outcomes)
    passed = sum(o.kind == "pass" for o in outcomes)
    wrong = sum(o.kind == "wrong-answer" for o in outcomes)
    lines.append(f"{'ALL':<14} {total:>5} {passed:>5} {passed / max(total, 1):>6.1%} {wrong:>5}")
    lines.append(f"wall time {seconds:.1f} s")
    lines.append("")
    for o in outcomes:
        if o.kind != "pass":
            lines.append(f"{o.kind:<18} {o.name}: {o.detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", help="BigQuery REST endpoint URL; default: start dplat/bigquery:local")
    parser.add_argument("--project", default="dplat", help="project id to query in (default dplat)")
    parser.add_argument("--family", action="append", help="only these families (repeatable)")
    parser.add_argument("--workers", type=int, default=4, help="queries in flight (default 4)")
    parser.add_argument(
        "--write-known-failures", action="store_true",
        help="record this run's failures in known_failures.txt (whole suite only)",
    )
    args = parser.parse_args(argv)
    cases = load(set(args.family) if args.family else None)
    with open_client(args.endpoint, args.project) as client:
        started = time.monotonic()
        outcomes = run_all(client, cases, workers=args.workers)
        seconds = time.monotonic() - started
    print(report(outcomes, seconds))
    if args.write_known_failures:
        if args.family:
            parser.error("--write-known-failures needs the whole suite (no --family)")
        write_known_failures(outcomes)
    return 1 if any(o.kind in FAILURES for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
