"""The lesson mysql-to-lake's full import with 1,000,000 purchases: time and rows/s per split.

Run: .venv/bin/python benchmarks/lesson_mysql_to_lake.py [--rows N] [--mappers M] [--runs R]

It uses the stack dplat's settings point at (DPLAT_HOME, DPLAT_PROJECT,
DPLAT_PORT_OFFSET: the same as `dplat status`), which must be up (`dplat up`
first). The seed (the lesson's generator, bulk-inserted with executemany's
multi-row INSERTs) is not timed; the import (boundary query, M threads each
reading its range over its own connection and writing one Parquet part to S3,
then the _SUCCESS marker) is. The lesson's tables and objects are reset
before and after, as `dplat reset mysql-to-lake` does.
Goal (issue 6): the import of 1,000,000 rows in 60 s or less.

The mappers are threads of one Python process: converting rows to Arrow holds
the GIL, so more than about 4 mappers add connections, not speed (measured:
-m 4 10 s, -m 8 12 s). Sqoop's mappers were processes on many machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from _lesson_common import running_stack

from dplat.scenario import catalog
from dplat.scenario.context import Context
from dplat.stack import catalogue
from dplat.stack.credentials import load_or_create

GOAL_SECONDS = 60.0
LESSON = "mysql-to-lake"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--mappers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    settings = running_stack()
    if settings is None:
        return 2
    lesson = catalog.find(LESSON)
    shop = catalog.lesson_module(lesson.folder, "shop")
    sqoop = catalog.lesson_module(lesson.folder, "sqoop")
    scenario = catalog.lesson_module(lesson.folder, "scenario")
    credentials = load_or_create(settings.credentials_file)
    ctx = Context(settings, credentials, lesson.folder, "bench", {"events": args.rows})
    mysql = catalogue.by_name(settings, credentials, "mysql")
    assert lesson.reset_function is not None
    lesson.reset_function(ctx)
    try:
        started = time.perf_counter()
        data = shop.generate(args.rows)
        connection = mysql.client()
        shop.create_and_seed(connection, data)
        connection.close()
        print(f"seeded {args.rows:,} purchases and {len(data.users):,} users in "
              f"{time.perf_counter() - started:.1f} s (not timed)")
        met = True
        for run in range(1, args.runs + 1):
            met &= _import(run, args, mysql, ctx.s3, sqoop, scenario)
    finally:
        lesson.reset_function(ctx)
    return 0 if met else 1


def _import(run: int, args: Any, mysql: Any, s3: Any, sqoop: Any, scenario: Any) -> bool:
    started = time.perf_counter()
    result = sqoop.import_table(mysql.client, s3, "purchases", bucket=scenario.BUCKET,
                                prefix=scenario.PREFIXES["purchases"], dt="20201124",
                                split_by="id", mappers=args.mappers)
    seconds = time.perf_counter() - started
    print(f"run {run}: sqoop import --table purchases --split-by id -m {args.mappers}")
    for part in result.parts:
        upper = "]" if part.split.last else ")"
        print(f"  split {part.split.index}: ids [{part.split.low:>9,}, {part.split.high:>9,}{upper} "
              f"{part.rows:>9,} rows in {part.seconds:6.2f} s = "
              f"{part.rows / max(part.seconds, 1e-9):>9,.0f} rows/s")
    print(f"  {'total':<9} {result.rows:,} rows in {seconds:.2f} s = "
          f"{result.rows / seconds:,.0f} rows/s (goal <= {GOAL_SECONDS:.0f} s: "
          f"{'met' if seconds <= GOAL_SECONDS else 'NOT met'})")
    return result.rows == args.rows and seconds <= GOAL_SECONDS


if __name__ == "__main__":
    sys.exit(main())
