"""The ground truth: what the warehouse must find, computed from the requests
the app logged, with the same definitions the SQL uses.

Everything here is plain JSON (strings, numbers, lists, dicts), because the
runner keeps it in the lesson's state between steps (`--only transform` uses
the truth an earlier `ingest` computed). Hours are ISO strings such as
``2020-11-23T14:00:00Z``.

Definitions shared with sql/*.sql:

* an **error** is a request answered with a server error, ``status >= 500``
  (the app logs those at ERROR);
* **error rate** is errors / requests, a float division on both sides;
* a **percentile by nearest rank**: sort the n latencies, take the k-th with
  ``k = ceil(p * n / 100)`` (so p95 of 20 values is the 19th). It is always a
  value that was logged, so both sides agree exactly. BigQuery's
  ``APPROX_QUANTILES`` is approximate and ``PERCENTILE_CONT`` interpolates:
  neither would match to the digit.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

PERCENTILES = (50, 95, 99)
TOP_ERRORS = 5


class Logged(Protocol):
    """The fields of app.Request the truth needs."""

    at_ms: int
    request_id: str
    endpoint: str
    status: int
    latency_ms: float
    level: str
    message: str


def nearest_rank(values: Sequence[float], percent: int) -> float:
    """The ``percent``-th percentile of ``values`` by nearest rank."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(percent * len(ordered) / 100))
    return ordered[rank - 1]


def iso_hour(moment: datetime | int) -> str:
    """The hour a moment (a datetime or epoch milliseconds) falls in, as text."""
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment // 1000, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def ground_truth(requests: Iterable[Logged]) -> dict[str, Any]:
    """Counts, hourly error rates, latency percentiles, top errors and the
    answers to the lesson's questions."""
    requests = list(requests)
    hourly: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    for r in requests:
        cell = hourly[(iso_hour(r.at_ms), r.endpoint)]
        cell[0] += 1
        if r.status >= 500:
            cell[1] += 1
            errors[r.message] += 1
        latencies[r.endpoint].append(r.latency_ms)
    hourly_rows = [
        {"hour": hour, "endpoint": endpoint, "requests": n, "errors": e, "error_rate": e / n}
        for (hour, endpoint), (n, e) in sorted(hourly.items())
    ]
    latency_rows = [
        {"endpoint": endpoint, "requests": len(values),
         **{f"p{p}_ms": nearest_rank(values, p) for p in PERCENTILES}}
        for endpoint, values in sorted(latencies.items())
    ]
    top = sorted(errors.items(), key=lambda item: (-item[1], item[0]))[:TOP_ERRORS]
    return {
        "events": len(requests),
        "distinct_request_ids": len({r.request_id for r in requests}),
        "per_level": dict(sorted(Counter(r.level for r in requests).items())),
        "per_status": {str(k): v for k, v in sorted(Counter(r.status for r in requests).items())},
        "per_endpoint": dict(sorted(Counter(r.endpoint for r in requests).items())),
        "per_dt": dict(sorted(Counter(iso_hour(r.at_ms)[:10].replace("-", "")
                                      for r in requests).items())),
        "hourly": hourly_rows,
        "latency": latency_rows,
        "top_errors": [{"position": i + 1, "message": m, "errors": n}
                       for i, (m, n) in enumerate(top)],
        "slowest_endpoint": _slowest(latency_rows),
        "error_spike": _spike(hourly_rows),
    }


def _slowest(latency_rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Highest p95; ties go to the first endpoint by name (as the SQL orders)."""
    if not latency_rows:
        return None
    row = min(latency_rows, key=lambda r: (-r["p95_ms"], r["endpoint"]))
    return {"endpoint": row["endpoint"], "p95_ms": row["p95_ms"]}


def _spike(hourly_rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The hour with most errors over all endpoints; ties go to the earliest."""
    per_hour: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in hourly_rows:
        per_hour[row["hour"]][0] += row["requests"]
        per_hour[row["hour"]][1] += row["errors"]
    if not per_hour:
        return None
    hour, (n, e) = min(per_hour.items(), key=lambda item: (-item[1][1], item[0]))
    return {"hour": hour, "requests": n, "errors": e}


# -- comparing ------------------------------------------------------------------------
def differences(expected: Sequence[Mapping[str, Any]], actual: Sequence[Mapping[str, Any]],
                key: Sequence[str], limit: int = 2) -> str:
    """Rows that differ, in words ("" when none), for a check's message.

    Rows are matched by ``key``; a missing row, an unexpected row and a row
    whose values differ are each named, up to ``limit`` examples.
    """
    want = {tuple(row[k] for k in key): dict(row) for row in expected}
    have = {tuple(row[k] for k in key): dict(row) for row in actual}
    missing = [k for k in want if k not in have]
    extra = [k for k in have if k not in want]
    changed = [k for k in want if k in have and want[k] != have[k]]
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing, e.g. {_label(key, missing[:limit])}")
    if extra:
        parts.append(f"{len(extra)} unexpected, e.g. {_label(key, extra[:limit])}")
    for k in changed[:limit]:
        diff = {f: (want[k][f], have[k].get(f)) for f in want[k] if want[k][f] != have[k].get(f)}
        parts.append(f"{_label(key, [k])}: " + ", ".join(
            f"{f} expected {w!r}, found {h!r}" for f, (w, h) in diff.items()))
    if len(changed) > limit:
        parts.append(f"{len(changed) - limit} more rows differ")
    return "; ".join(parts)


def _label(key: Sequence[str], values: list[tuple[Any, ...]]) -> str:
    return ", ".join("(" + " ".join(f"{k}={v}" for k, v in zip(key, vs, strict=True)) + ")"
                     for vs in values)
