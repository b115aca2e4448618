"""tabledata.insertAll as BigQuery answers it: per-row errors, insertId de-duplication.

bqemulator 1.4.0 fails the whole request with HTTP 500 when one row does not
fit the schema (unless ``skipInvalidRows``), accepts unknown fields silently,
and ignores ``insertId``. BigQuery's contract, from its REST reference
(https://cloud.google.com/bigquery/docs/reference/rest/v2/tabledata/insertAll)
and the client libraries' documentation of it:

* the answer is HTTP 200 with ``insertErrors[{index, errors[...]}]`` for the
  rows that were not inserted;
* a row that does not fit gets ``reason: "invalid"``, the failing field as
  ``location`` and a message; unknown fields make a row invalid unless
  ``ignoreUnknownValues`` (then they are dropped);
* without ``skipInvalidRows`` one invalid row fails the whole request: no row
  is inserted, and every valid row is reported with ``reason: "stopped"``;
  with it, the valid rows are inserted;
* ``insertId`` is used to drop duplicates "on a best-effort basis", for at
  least one minute (https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency).
"""

from __future__ import annotations

import time
from typing import Any

import pyarrow as pa
from bqemulator.api.routes.tabledata import (
    _build_arrow_schema,
    _build_insert_select,
    _fields_raw_from_schema,
    _has_geography_column,
)
from bqemulator.storage.arrow_bridge import _coerce_to_arrow_value, bq_rows_to_arrow
from bqemulator.storage.sql_identifiers import quoted_table_ref, register_name
from dplat_bq.insert_ids import InsertIdWindow

# What BigQuery calls each type in "Cannot convert value to <type>".
_TYPE_WORDS = {
    "INT64": "integer", "INTEGER": "integer", "FLOAT64": "double", "FLOAT": "double",
    "BOOL": "boolean", "BOOLEAN": "boolean", "NUMERIC": "numeric", "BIGNUMERIC": "bignumeric",
}
_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False}


WINDOW = InsertIdWindow()


def _error(index: int, reason: str, location: str = "", message: str = "") -> dict[str, Any]:
    return {"index": index, "errors": [{"reason": reason, "location": location, "debugInfo": "", "message": message}]}


def _field_problem(field: pa.Field, value: Any) -> str | None:
    """Why ``value`` cannot go into ``field``, in BigQuery's words; None if it can."""
    bq_type = field.metadata.get(b"bq_type", b"STRING").decode()
    if value is None:
        return None if field.nullable else f"Missing required field: {field.name}."
    if pa.types.is_list(field.type) and not isinstance(value, list):
        return f"Cannot convert value to an array (repeated field {field.name}): {value}"
    bad_bool = not isinstance(value, bool) and str(value).lower() not in _BOOL_WORDS
    if bq_type in ("BOOL", "BOOLEAN") and bad_bool:
        return f"Cannot convert value to boolean: {value}"
    try:
        pa.array([_coerce_to_arrow_value(value, field.type, field=field)], type=field.type)
    except (ValueError, TypeError, ArithmeticError, pa.ArrowException):
        return f"Cannot convert value to {_TYPE_WORDS.get(bq_type, bq_type.lower())} (bad value): {value}"
    return None


def row_errors(index: int, row: Any, schema: pa.Schema, ignore_unknown: bool) -> dict[str, Any] | None:
    """The insertErrors entry for one row of the request, or None when it fits."""
    payload = row.get("json") if isinstance(row, dict) else None
    if not isinstance(payload, dict):
        return _error(index, "invalid", "", "Each row must be an object with a \"json\" object of its values.")
    if not ignore_unknown:
        unknown = [name for name in payload if name not in schema.names]
        if unknown:
            return _error(index, "invalid", unknown[0], f"no such field: {unknown[0]}.")
    for field in schema:
        problem = _field_problem(field, payload.get(field.name))
        if problem:
            return _error(index, "invalid", field.name, problem)
    return None


def _strict_bools(rows: list[dict[str, Any]], schema: pa.Schema) -> bool:
    """True when every BOOL value is one BigQuery reads (bqemulator maps any other to False)."""
    bools = [f.name for f in schema if f.metadata.get(b"bq_type") in (b"BOOL", b"BOOLEAN")]
    return all(
        isinstance(v, bool) or v is None or str(v).lower() in _BOOL_WORDS
        for row in rows for v in (row["json"].get(name) for name in bools)
    )


def convert(rows: list[Any], schema: pa.Schema, ignore_unknown: bool) -> tuple[pa.Table | None, list[dict[str, Any]]]:
    """The rows as an Arrow table, or (None, errors) when some do not fit.

    The whole batch is converted at once (the fast path: one conversion, as
    bqemulator does); only when that fails, or a cheap check finds unknown
    fields, missing required ones or bad booleans, is each row examined alone.
    """
    names = set(schema.names)
    required = [f.name for f in schema if not f.nullable]
    suspicious = any(
        not isinstance(row, dict) or not isinstance(row.get("json"), dict)
        or (not ignore_unknown and not names.issuperset(row["json"]))
        or any(row["json"].get(name) is None for name in required)
        for row in rows
    )
    if not suspicious and _strict_bools(rows, schema):
        try:
            return bq_rows_to_arrow(rows, schema), []
        except (ValueError, TypeError, ArithmeticError, pa.ArrowException):
            pass
    errors = [e for i, row in enumerate(rows) if (e := row_errors(i, row, schema, ignore_unknown))]
    if not errors:  # the batch failed as a whole, yet no row alone: say so, never drop it
        errors = [_error(i, "invalid", "", "The row could not be converted to the table's schema.")
                  for i in range(len(rows))]
    return None, errors


async def insert_all(ctx: Any, project_id: str, dataset_id: str, table_meta: Any, body: dict[str, Any]) -> dict[str, Any]:
    """Validate, de-duplicate and insert the request's rows; BigQuery's response."""
    rows: list[Any] = body.get("rows") or []
    skip_invalid = bool(body.get("skipInvalidRows", False))
    ignore_unknown = bool(body.get("ignoreUnknownValues", False))
    # A table deleted and made again under the same name is another table: its
    # creation time is part of the key, so the old table's ids drop nothing
    # (the lessons reset by dropping tables and stream the same seeded ids again).
    table_key = f"{project_id}.{dataset_id}.{table_meta.table_id}@{table_meta.creation_time}"
    schema = _build_arrow_schema(_fields_raw_from_schema(table_meta.schema_.fields))

    table, errors = convert(rows, schema, ignore_unknown)
    if errors:
        if not skip_invalid:
            bad = {e["index"] for e in errors}
            stopped = [_error(i, "stopped") for i in range(len(rows)) if i not in bad]
            return _response(sorted(errors + stopped, key=lambda e: e["index"]))
        bad = {e["index"] for e in errors}
        keep = [i for i in range(len(rows)) if i not in bad]
    else:
        keep = list(range(len(rows)))

    # Look and remember under the write lock: two concurrent retries of one
    # request cannot both find their ids new.
    async with ctx.engine.write_lock():
        fresh = _fresh(rows, keep, table_key)
        if fresh:
            if table is None or len(fresh) != len(rows):
                table = bq_rows_to_arrow([rows[i] for i in fresh], schema)
            _insert(ctx, project_id, dataset_id, table_meta, table)
            WINDOW.remember(table_key, [rows[i]["insertId"] for i in fresh if rows[i].get("insertId")])
    return _response(errors)


def _fresh(rows: list[Any], keep: list[int], table_key: str) -> list[int]:
    """The indexes in ``keep`` whose insertId is not a repeat (of a recent request, or within this one)."""
    fresh: list[int] = []
    ids_in_request: set[str] = set()
    for i in keep:
        insert_id = rows[i].get("insertId")
        if insert_id:
            if insert_id in ids_in_request or WINDOW.seen(table_key, insert_id):
                continue
            ids_in_request.add(insert_id)
        fresh.append(i)
    return fresh


def _response(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "bigquery#tableDataInsertAllResponse", "insertErrors": errors}


def _insert(ctx: Any, project_id: str, dataset_id: str, table_meta: Any, table: pa.Table) -> None:
    """Append ``table`` as bqemulator's own insertAll does (catalog row count, change event).

    The caller holds the engine's write lock."""
    table_id = table_meta.table_id
    target = quoted_table_ref(project_id, dataset_id, table_id)
    name = register_name(f"__bqemu_dplat_insertall_{time.monotonic_ns()}")
    fields = list(table_meta.schema_.fields)
    projection = _build_insert_select(fields, name) if _has_geography_column(fields) else "*"
    ctx.engine.connection.register(name, table)
    try:
        ctx.engine.execute(f"INSERT INTO {target} SELECT {projection} FROM {name}")
    finally:
        ctx.engine.connection.unregister(name)
    current = ctx.catalog.get_table(project_id, dataset_id, table_id) or table_meta
    ctx.catalog.update_table(current.model_copy(update={"num_rows": current.num_rows + table.num_rows}))
    ctx.snapshots.record_change(project_id, dataset_id, table_id)
