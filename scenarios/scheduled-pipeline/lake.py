"""Reading back what the pipeline wrote, for the checks (never the tasks' own
report of what they wrote): Parquet parts in S3, rows in BigQuery, whole rows
with every column; and the store made unavailable for the retry step.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import pyarrow.parquet as pq

from dplat.scenario import results, s3objects
from dplat.settings import Settings

from . import data

BUCKET = "datastaging"
PREFIX = "shop-daily"  # the DAG's PREFIX: s3://datastaging/shop-daily/<table>/dt=YYYYMMDD/
KPI_TABLE = "mart.shop_daily_kpis"


def staged_rows(s3: Any, table: str, day: str) -> list[data.Row]:
    """Every row of every Parquet part of one dt= partition, all its columns
    as plain values (times as ISO UTC text), sorted by key (a key twice is a
    doubled row)."""
    prefix = f"{PREFIX}/{table}/dt={day}/"
    parts = [k for k in s3objects.keys(s3, BUCKET, prefix) if k.endswith(".parquet")]
    found: list[data.Row] = []
    for body in s3objects.read(s3, BUCKET, parts).values():
        found += [{c: results.plain(v) for c, v in row.items()}
                  for row in pq.read_table(io.BytesIO(body)).to_pylist()]
    return sorted(found, key=lambda r: r[data.KEYS[table]])


def loaded_rows(client: Any, table: str) -> dict[str, list[data.Row]]:
    """The rows of raw.shop_daily_<table> without their dt, per dt (YYYYMMDD),
    sorted by key."""
    found: dict[str, list[data.Row]] = {f"{d:%Y%m%d}": [] for d in data.DAYS}
    columns = ", ".join(data.COLUMNS[table])
    sql = f"SELECT FORMAT_DATE('%Y%m%d', dt) AS dt, {columns} FROM raw.shop_daily_{table}"
    for row in results.rows(client, sql):
        found.setdefault(row.pop("dt"), []).append(row)
    return {day: sorted(rows, key=lambda r: r[data.KEYS[table]]) for day, rows in found.items()}


def summary(partitions: dict[str, list[Any]]) -> dict[str, int]:
    """Rows per partition: what a failed check prints first."""
    return {day: len(rows) for day, rows in sorted(partitions.items())}


def differences(found: dict[str, list[data.Row]], expected: dict[str, list[data.Row]],
                key: str) -> list[str]:
    """Rows missing, unexpected, doubled or with other values, per partition,
    in words (for a row that differs: its key and the columns, found/expected)."""
    lines = []
    for day in sorted(set(found) | set(expected)):
        have = [r[key] for r in found.get(day, [])]
        want = {r[key]: r for r in expected.get(day, [])}
        doubled = sorted({k for k in have if have.count(k) > 1})
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        lines += [f"dt={day}: {what} {keys[:5]}" for what, keys in
                  (("doubled", doubled), ("missing", missing), ("not expected", extra)) if keys]
        lines += [f"dt={day}: {key} {row[key]} differs: " + ", ".join(
                      f"{c} {v!r}, expected {want[row[key]].get(c)!r}" for c, v in row.items()
                      if v != want[row[key]].get(c))
                  for row in found.get(day, []) if row[key] in want and row != want[row[key]]]
    return lines


def kpis(client: Any) -> list[dict[str, Any]]:
    return results.rows(client, f"SELECT * FROM {KPI_TABLE} ORDER BY day")


def kpi_table(client: Any) -> str:
    return results.text_table(kpis(client))


def drop_tables(client: Any) -> None:
    """The pipeline's tables; a dataset goes only when no lesson has a table left in it."""
    from google.api_core.exceptions import NotFound

    for table in (*(f"raw.shop_daily_{t}" for t in data.TABLES), KPI_TABLE):
        client.delete_table(table, not_found_ok=True)
    for dataset in ("raw", "mart"):
        try:
            if not list(client.list_tables(dataset)):
                client.delete_dataset(dataset, not_found_ok=True)
        except NotFound:
            pass


def _containers(settings: Settings) -> dict[str, Any]:
    from dplat.engine import daemon
    from dplat.stack import lifecycle

    return lifecycle.containers(daemon.client(), settings.project)


def _container(settings: Settings, service: str) -> Any:
    return _containers(settings)[service]


def running(settings: Settings, service: str) -> bool:
    """Whether the stack's ``service`` has a running container (an on-demand
    service such as airflow may have none: `dplat reset` starts nothing)."""
    found = _containers(settings).get(service)
    return found is not None and found.status == "running"


def remove_in_container(settings: Settings, service: str, paths: list[str]) -> None:
    """Delete ``paths`` inside the service's container (what lives only on its
    volume, e.g. Airflow's task logs); ``rm -rf`` of what is not there is fine."""
    result = _container(settings, service).exec_run(["rm", "-rf", "--", *paths])
    if result.exit_code != 0:
        raise RuntimeError(f"rm in {service}: {result.output.decode(errors='replace')[:200]}")


@contextlib.contextmanager
def paused(settings: Settings, service: str) -> Iterator[None]:
    """The stack's ``service`` container frozen (`docker pause`) while the block
    runs: it keeps its data and its port, but answers nothing, like a store
    that hangs. Unpaused on the way out, whatever happened."""
    container = _container(settings, service)
    container.pause()
    try:
        yield
    finally:
        container.unpause()
