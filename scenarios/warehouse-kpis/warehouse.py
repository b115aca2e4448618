"""The lesson's plumbing around google-cloud-bigquery: the raw tables' schemas,
an NDJSON load job, rows as plain values, and a text table for printing.

None of it is the lesson; scenario.py reads better without it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
    body = io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())
    client.load_table_from_file(body, table, job_config=job_config).result()


def plain(value: Any) -> Any:
    """A BigQuery value as the ground truth writes it (days as ISO text)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def rows(client: Any, sql: str) -> list[Row]:
    return [{k: plain(v) for k, v in row.items()} for row in client.query(sql).result()]


def count(client: Any, table: str) -> int:
    return int(rows(client, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])


def text_table(found: Sequence[Row]) -> str:
    """Rows as an aligned text table, the way a SQL console prints them."""
    if not found:
        return "(no rows)"
    columns = list(found[0])
    cells = [["NULL" if row[c] is None else str(row[c]) for c in columns] for row in found]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = re.compile(r"-?\d+(\.\d+)?")
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.rjust(w) if numeric.fullmatch(v) else v.ljust(w)
                        for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)
