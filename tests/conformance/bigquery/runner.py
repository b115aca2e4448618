"""Running cases against an endpoint and classifying each outcome.

Outcomes (the words used in known_failures.txt and in the CLI's report):

- ``pass``: the expected rows (and types), or the expected error.
- ``wrong-answer``: rows came back and they are not BigQuery's; also an error
  case (or an unsupported one) that returned rows. The outcome issue 11 wants
  to be zero.
- ``error``: the query failed where BigQuery answers, or failed with another
  message than BigQuery's.
- ``unsupported-ok``: a case marked unsupported that failed with an error, as
  it must. Not counted as right in the pass rate, but not a failure either.
- ``unsupported-passes``: marked unsupported, yet the right answer came back:
  the mark is stale, remove it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cases import NamedCase
from .compare import column_types, same_rows

KNOWN_FAILURES = Path(__file__).with_name("known_failures.txt")
FAILURES = ("wrong-answer", "error", "unsupported-passes")
QUERY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outcome:
    name: str
    family: str
    kind: str  # pass | wrong-answer | error | unsupported-ok | unsupported-passes
    detail: str = ""


def _query(client: Any, sql: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Rows as tuples of client values, and the result's column types."""
    job = client.query(sql, retry=None, job_retry=None, timeout=QUERY_TIMEOUT)
    result = job.result(timeout=QUERY_TIMEOUT, retry=None)
    return [tuple(row.values()) for row in result], column_types(result.schema or [])


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:400]


def run_case(client: Any, named: NamedCase) -> Outcome:
    """Run one case (its setup first, in a fresh dataset if it asks for one)."""
    case = named.case
    dataset = None
    if "{dataset}" in case.sql or any("{dataset}" in s for s in case.setup):
        dataset = f"conf_{uuid.uuid4().hex[:12]}"
        client.create_dataset(dataset)

    def fill(sql: str) -> str:
        return sql.replace("{dataset}", dataset) if dataset else sql

    def outcome(kind: str, detail: str = "") -> Outcome:
        return Outcome(named.name, named.family, kind, detail)

    try:
        try:
            for statement in case.setup:
                _query(client, fill(statement))
        except Exception as exc:  # a failing setup is this case's failure
            if case.unsupported is not None:
                return outcome("unsupported-ok", "setup: " + _one_line(exc))
            return outcome("error", "setup: " + _one_line(exc))
        try:
            rows, types = _query(client, fill(case.sql))
        except Exception as exc:
            message = _one_line(exc)
            if case.unsupported is not None:
                return outcome("unsupported-ok", message)
            if case.expect_error is not None and case.expect_error.lower() in str(exc).lower():
                return outcome("pass")
            if case.expect_error is not None:
                return outcome("error", f"wanted an error with {case.expect_error!r}; {message}")
            return outcome("error", message)
        if case.expect_error is not None:
            return outcome("wrong-answer", f"wanted an error, got {rows!r}"[:400])
        right = same_rows(case.expected, rows, ordered=case.ordered, approx=case.approx)
        if right and case.types is not None and types != case.types:
            right = False
            detail = f"types {types} (wanted {case.types}); rows {rows!r}"
        else:
            detail = f"got {rows!r} wanted {case.expected!r}"
        if case.unsupported is not None:
            return outcome("unsupported-passes" if right else "wrong-answer", detail[:400])
        return outcome("pass") if right else outcome("wrong-answer", detail[:400])
    finally:
        if dataset:
            # cleanup only: a failure here must not hide the case's outcome
            with contextlib.suppress(Exception):
                client.delete_dataset(dataset, delete_contents=True, not_found_ok=True)


def run_all(client: Any, cases: list[NamedCase], workers: int = 4) -> list[Outcome]:
    """Every case's outcome, in the cases' order; ``workers`` queries at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda named: run_case(client, named), cases))


def read_known_failures(path: Path = KNOWN_FAILURES) -> dict[str, str]:
    """known_failures.txt: ``<case name> <outcome>`` per line, ``#`` comments."""
    known: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in FAILURES:
            raise ValueError(f"{path}:{number}: want '<case name> <{'|'.join(FAILURES)}>'")
        known[parts[0]] = parts[1]
    return known


def write_known_failures(outcomes: list[Outcome], path: Path = KNOWN_FAILURES) -> None:
    """Record today's failures (the CLI's --write-known-failures)."""
    lines = [
        "# Cases the emulator fails today: '<case name> <outcome>'. The conformance test",
        "# fails when a case's outcome differs from this list (regression, or a fix: then",
        "# delete its line). Regenerate: python -m tests.conformance.bigquery.run --write-known-failures",
    ]
    lines += [f"{o.name} {o.kind}" for o in outcomes if o.kind in FAILURES]
    path.write_text("\n".join(lines) + "\n")


def pass_rates(outcomes: list[Outcome]) -> dict[str, Counter[str]]:
    """Per family, how many cases had each outcome."""
    rates: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        rates[o.family][o.kind] += 1
    return dict(rates)
