"""Into the warehouse: the lake's partitions loaded into BigQuery, and the totals read back.

Spark wrote ``dt`` only into the folder names (``dt=2020-11-20/``), not into
the files, so the rows are read back with the S3 API, given their ``dt``, and
loaded as one Parquet upload. On real BigQuery a load job over
``gs://.../daily_country/*`` with hive partitioning options
(``HivePartitioningOptions(mode="AUTO", source_uri_prefix=...)``) reads the
folder names itself; the emulators do not.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from typing import Any

DESCRIPTION = """\
rows = boto3 GetObject + pyarrow.parquet.read_table per dt=... object, dt from the key
client.load_table_from_file(<one Parquet file>, "mart.spark_daily_country",
    job_config=LoadJobConfig(source_format=PARQUET, write_disposition=WRITE_TRUNCATE))"""

TOTALS = """\
SELECT CAST(dt AS STRING) AS dt, CAST(SUM(orders) AS INT64) AS orders,
       CAST(SUM(revenue) AS NUMERIC) AS revenue
FROM {table} GROUP BY dt ORDER BY dt"""


def load(client: Any, table: str, rows: list[dict[str, Any]]) -> int:
    """Replace ``table`` with ``rows`` (a Parquet load job); the rows it loaded."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from google.cloud import bigquery

    client.create_dataset(table.split(".")[0], exists_ok=True)
    schema = pa.schema([("dt", pa.date32()), ("country", pa.string()), ("orders", pa.int64()),
                        ("buyers", pa.int64()), ("revenue", pa.decimal128(12, 2)),
                        ("revenue_to_date", pa.decimal128(12, 2))])
    records = [{**r, "dt": date.fromisoformat(r["dt"])} for r in rows]
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records, schema=schema), sink)
    sink.seek(0)
    config = bigquery.LoadJobConfig(source_format=bigquery.SourceFormat.PARQUET,
                                    write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
    job = client.load_table_from_file(sink, table, job_config=config)
    job.result()
    return int(job.output_rows)


def totals(client: Any, table: str) -> list[dict[str, Any]]:
    """Orders and revenue per day, as BigQuery sums them."""
    return [dict(row.items()) for row in client.query(TOTALS.format(table=table)).result()]


def by_day(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        days[row["dt"]].append(row)
    return dict(sorted(days.items()))


def drop(client: Any, table: str) -> None:
    """Drop ``table``; its dataset too when no other table is left in it."""
    from google.api_core.exceptions import NotFound

    client.delete_table(table, not_found_ok=True)
    dataset = table.split(".")[0]
    try:
        if not list(client.list_tables(dataset)):
            client.delete_dataset(dataset, not_found_ok=True)
    except NotFound:
        pass
