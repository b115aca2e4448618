"""The transform step's second half: why DataFrames beat row-by-row code.

The optimizer sees Spark's expressions and pushes a filter into the Parquet
scan; a Python function per row (a UDF, which is how an RDD lambda looks to
Spark) it cannot see into. The UDF half needs the host's Python to match the
executors' (plumbing.udf_refusal); on another Python it is left out with that
reason in the step's output, and the expression half still runs.
"""

from __future__ import annotations

import time
from typing import Any

from . import inputs, plumbing, truth

ROW_BY_ROW_ROWS = 300_000
TIMING_RUNS = 1  # per variant (the Python workers are already started by then)


def why_dataframes(ctx: Any, spark: Any, frames: Any, orders: Any, data: inputs.Shop) -> None:
    """No RDDs through Connect; the filter as an expression (pushed down);
    then, when this Python can send a UDF, the same filter row by row and timed."""
    try:
        spark.sparkContext  # noqa: B018 - the attribute access is the test
        has_rdds = True
    except Exception:
        has_rdds = False
    ctx.check("Spark Connect offers no RDD API (spark.sparkContext)", has_rdds, False,
              where="RDDs live in the driver's JVM; a Connect client sends only plans")
    ctx.explain("code", "frames.py: one filter, two ways", plumbing.source(
        frames.paid_per_day, frames.paid_per_day_row_by_row, frames.every_tenth))
    expected = truth.paid_per_day(data)
    plan = _paid_per_day(ctx, frames, frames.paid_per_day(orders), "expressions", expected)
    ctx.check_that("with expressions the filter is pushed into the Parquet scan",
                   "EqualTo(status,paid)" in plan, _pushed(plan),
                   "PushedFilters with EqualTo(status,paid)", where="explain() of frames.paid_per_day")
    refusal = plumbing.udf_refusal()
    if refusal is not None:
        ctx.progress(f"left out: {refusal}")
        ctx.show("left out: the row-by-row comparison (a Python UDF)", refusal)
        return
    plan = _paid_per_day(ctx, frames, frames.paid_per_day_row_by_row(orders), "row by row",
                         expected)
    ctx.check_that("row by row, rows go to Python and nothing is pushed",
                   "BatchEvalPython" in plan and "EqualTo(status,paid)" not in plan,
                   _pushed(plan), "BatchEvalPython, no pushed status filter",
                   where="explain() of frames.paid_per_day_row_by_row")
    _timed(ctx, spark, frames)


def _paid_per_day(ctx: Any, frames: Any, frame: Any, name: str, expected: dict[str, Any]) -> str:
    """Check one way's revenue per day against the truth; its plan, for the checks."""
    plan: str = frames.plan(frame)
    ctx.explain("plan", f"paid revenue per day, {name}: explain()", plan)
    ctx.check(f"paid revenue per day, {name}",
              {r["dt"]: r["revenue"] for r in frames.plain_rows(frame)}, expected,
              where="frames.paid_per_day*; truth.paid_per_day")
    return plan


def _timed(ctx: Any, spark: Any, frames: Any) -> None:
    seconds = {}
    for row_by_row in (False, True):
        runs = []
        for _ in range(TIMING_RUNS):
            started = time.perf_counter()
            total = frames.every_tenth(spark, ROW_BY_ROW_ROWS, row_by_row).collect()[0]["total"]
            runs.append(time.perf_counter() - started)
        seconds[row_by_row] = min(runs)
        ctx.check(f"sum of every tenth id ({'row by row' if row_by_row else 'expressions'})",
                  total, sum(range(0, ROW_BY_ROW_ROWS, 10)), where="frames.every_tenth")
    ctx.figure("every tenth of 300k ids, expressions (s)", round(seconds[False], 3))
    ctx.figure("every tenth of 300k ids, Python per row (s)", round(seconds[True], 3))
    ctx.show("why DataFrames: the same filter over 300,000 rows",
             f"Spark expressions (code-generated, in the JVM): {seconds[False]:.2f} s\n"
             f"a Python function per row (as RDD code):        {seconds[True]:.2f} s "
             f"({seconds[True] / max(seconds[False], 1e-6):.1f}x)")


def _pushed(plan: str) -> str:
    return next((line.strip() for line in plan.splitlines() if "PushedFilters" in line),
                "no PushedFilters in the scan")
