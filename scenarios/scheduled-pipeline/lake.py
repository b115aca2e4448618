"""Reading back what the pipeline wrote, for the checks (never the tasks' own
report of what they wrote): Parquet parts in S3, rows in BigQuery; and the
store made unavailable for the retry step.
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


def staged_keys(s3: Any, table: str, day: str, key: str) -> list[Any]:
    """The keys of the rows in every Parquet part of one dt= partition, sorted
    (a key twice is a doubled row)."""
    prefix = f"{PREFIX}/{table}/dt={day}/"
    parts = [k for k in s3objects.keys(s3, BUCKET, prefix) if k.endswith(".parquet")]
    found: list[Any] = []
    for body in s3objects.read(s3, BUCKET, parts).values():
        found += pq.read_table(io.BytesIO(body), columns=[key]).column(key).to_pylist()
    return sorted(found)


def loaded_keys(client: Any, table: str, key: str) -> dict[str, list[Any]]:
    """The keys in raw.shop_daily_<table>, per dt (YYYYMMDD), sorted."""
    found: dict[str, list[Any]] = {f"{d:%Y%m%d}": [] for d in data.DAYS}
    sql = f"SELECT FORMAT_DATE('%Y%m%d', dt) AS day, {key} AS k FROM raw.shop_daily_{table}"
    for row in results.rows(client, sql):
        found.setdefault(row["day"], []).append(row["k"])
    return {day: sorted(keys) for day, keys in found.items()}


def summary(partitions: dict[str, list[Any]]) -> dict[str, int]:
    """Rows per partition: what a failed check prints first."""
    return {day: len(keys) for day, keys in sorted(partitions.items())}


def differences(found: dict[str, list[Any]], expected: dict[str, list[Any]]) -> list[str]:
    """Keys missing, unexpected or doubled, per partition, in words."""
    lines = []
    for day in sorted(set(found) | set(expected)):
        have, want = found.get(day, []), expected.get(day, [])
        doubled = sorted({k for k in have if have.count(k) > 1})
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        lines += [f"dt={day}: {what} {keys[:5]}" for what, keys in
                  (("doubled", doubled), ("missing", missing), ("not expected", extra)) if keys]
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


def _container(settings: Settings, service: str) -> Any:
    from dplat.engine import daemon
    from dplat.stack import lifecycle

    return lifecycle.containers(daemon.client(), settings.project)[service]


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
