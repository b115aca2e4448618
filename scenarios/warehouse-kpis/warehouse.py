"""The lesson's plumbing around google-cloud-bigquery: the raw tables' schemas,
an NDJSON load job, JSON lines per day, and a table's row count (rows as plain values and text
tables are dplat.scenario.results).

None of it is the lesson; scenario.py reads better without it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from dplat.scenario import results

Row = dict[str, Any]

# The raw tables as the export delivers them (types chosen by the loader, not guessed).
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "raw.kpi_users": [("user_id", "INT64"), ("email", "STRING"), ("country", "STRING"),
                      ("channel", "STRING"), ("signup_at", "TIMESTAMP")],
    "raw.kpi_events": [("event_id", "STRING"), ("user_id", "INT64"), ("event_type", "STRING"),
                       ("event_at", "TIMESTAMP")],
    "raw.kpi_purchases": [("purchase_id", "INT64"), ("user_id", "INT64"), ("item", "STRING"),
                          ("quantity", "INT64"), ("amount_cents", "INT64"),
                          ("status", "STRING"), ("purchased_at", "TIMESTAMP")],
}


def schema(table: str) -> list[Any]:
    from google.cloud import bigquery

    return [bigquery.SchemaField(name, kind, mode="REQUIRED") for name, kind in SCHEMAS[table]]


def load_ndjson(client: Any, table: str, records: Sequence[Row]) -> None:
    """Replace ``table`` with ``records`` through a load job of JSON lines
    (WRITE_TRUNCATE: a rerun gives the same table, never a doubled one)."""
    from google.cloud import bigquery

    job_config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON, schema=schema(table),
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
    client.load_table_from_file(io.BytesIO(ndjson(records)), table,
                                job_config=job_config).result()


def ndjson(records: Sequence[Row]) -> bytes:
    """Records as JSON lines: what a load job or an external table reads."""
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def statement(sql: str) -> str:
    """A SQL file's statement without its leading comment lines.

    The local emulator recognises ``CREATE EXTERNAL TABLE`` only at the start
    of the query text: after a comment it would make an empty native table.
    BigQuery takes the file as it is; the comments are for the reader.
    """
    lines = sql.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines)


def by_day(records: Sequence[Row], column: str) -> dict[str, list[Row]]:
    """Records grouped by the UTC day (YYYY-MM-DD) of an ISO timestamp column."""
    days: dict[str, list[Row]] = {}
    for record in records:
        days.setdefault(record[column][:10], []).append(record)
    return days


def count(client: Any, table: str) -> int:
    return int(results.rows(client, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])
