"""External tables over the lake: ``ExternalConfig`` and ``CREATE EXTERNAL TABLE``.

bqemulator 1.4.0 turns an external table into an empty native table, without
a word. Here one is a DuckDB view over ``read_parquet``/``read_json``/
``read_csv``/``read_avro`` of its ``gs://`` URIs, read from the S3 store
(:mod:`dplat_bq.api_s3`). A view is re-read by every query, so objects added
under a URI's wildcard show up in the next query, as in BigQuery
(https://cloud.google.com/bigquery/docs/external-data-cloud-storage). Dropping
the table drops the view; the files stay. The table's
``externalDataConfiguration`` is kept in ``main.__dplat_external_tables`` so
that ``tables.get`` returns it and restarts keep it.

Refused, in BigQuery's error shape: URIs that are not ``gs://``, formats other
than CSV, NEWLINE_DELIMITED_JSON, PARQUET, AVRO, and options this sandbox does
not implement (rather than ignoring them: :mod:`dplat_bq.external_config`).
The DDL is recognised past leading comments; inside a multi-statement script
it is not intercepted and the SQL layer refuses it (:mod:`dplat_bqext.statements`).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Annotated, Any

import pyarrow as pa
import sqlglot
from bqemulator.api.dependencies import AppContext, get_context
from bqemulator.api.routes import datasets as bq_datasets
from bqemulator.api.routes import tables as bq_tables
from bqemulator.domain.errors import InvalidQueryError
from bqemulator.storage.sql_identifiers import quoted_table_ref
from bqemulator.storage.type_map import bq_to_duckdb, duckdb_type_to_bq_field
from dplat_bq import api_s3
from dplat_bq.external_config import reader
from dplat_bqext.statements import DROP_TABLE, EXTERNAL_DDL, name_parts, strip_comments
from fastapi import APIRouter, Depends, Request, Response
from sqlglot import exp

router = APIRouter(prefix="/bigquery/v2", tags=["dplat"])
_Ctx = Annotated[AppContext, Depends(get_context)]
SIDECAR = "main.__dplat_external_tables"
# A DDL option and the configuration key it sets (csvOptions.<key> when CSV's).
_DDL_OPTIONS = {"skip_leading_rows": "skipLeadingRows", "field_delimiter": "fieldDelimiter", "quote": "quote",
                "allow_quoted_newlines": "allowQuotedNewlines", "allow_jagged_rows": "allowJaggedRows",
                "null_marker": "nullMarker", "encoding": "encoding", "compression": "compression",
                "max_bad_records": "maxBadRecords", "ignore_unknown_values": "ignoreUnknownValues"}
_DDL_TOP = {"compression", "max_bad_records", "ignore_unknown_values"}
_DDL_ALL = {"format", "uris", "description", *_DDL_OPTIONS}


def _select(reader: str, fields: list[dict[str, Any]]) -> str:
    """The view's query: the declared columns cast to their types, or all columns."""
    if not fields:
        return f"SELECT * FROM {reader}"
    columns = ", ".join(f'CAST("{f["name"]}" AS {bq_to_duckdb(f.get("type", "STRING"))}) AS "{f["name"]}"'
                        for f in fields)
    return f"SELECT {columns} FROM {reader}"


def _read_error(exc: Exception, uris: list[str]) -> InvalidQueryError:
    text = str(exc)
    if "No files found" in text or "404" in text:
        return InvalidQueryError(f"Not found: Files {', '.join(uris)} (no object matches in the sandbox's S3 store).",
                                 location=uris[0] if uris else None)
    return InvalidQueryError(f"Error while reading data from {', '.join(uris)}: {text.splitlines()[0]}",
                             location=uris[0] if uris else None)


def create(ctx: Any, project_id: str, dataset_id: str, body: dict[str, Any], replace: bool = False) -> Any:
    """Create (or replace) the external table ``body`` describes; its TableMeta."""
    config = body["externalDataConfiguration"]
    table_id = body["tableReference"]["tableId"]
    fields = (body.get("schema") or config.get("schema") or {}).get("fields") or []
    api_s3.configure(ctx.engine.connection)
    target = quoted_table_ref(project_id, dataset_id, table_id)
    existing = ctx.catalog.get_table(project_id, dataset_id, table_id)
    if existing is not None and not replace:
        from bqemulator.domain.errors import ResourceRef, resource_already_exists

        raise resource_already_exists(ResourceRef("table", project_id, dataset_id, table_id))
    query = _select(reader(config, fields), fields)
    try:
        described = ctx.engine.execute(f"DESCRIBE {query}").fetchall()
    except Exception as exc:  # DuckDB's IO/binder errors, said in BigQuery's words
        raise _read_error(exc, config.get("sourceUris") or []) from exc
    if not fields:
        fields = [duckdb_type_to_bq_field(row[0], row[1]) for row in described]
    meta = bq_tables._rest_to_table_meta(project_id, dataset_id, {**body, "schema": {"fields": fields}}, ctx.clock)
    meta = meta.model_copy(update={"table_type": "EXTERNAL"})
    stored = {**config, "schema": {"fields": fields}}
    ctx.engine.execute(f"CREATE TABLE IF NOT EXISTS {SIDECAR} (project VARCHAR, dataset VARCHAR, tbl VARCHAR, config VARCHAR)")
    if existing is not None:
        drop(ctx, project_id, dataset_id, table_id, existing)
    ctx.engine.execute(f"CREATE VIEW {target} AS {query}")
    # A record left by a table that went another way (its dataset deleted, a
    # DROP SCHEMA) is replaced, never doubled.
    forget(ctx, project_id, dataset_id, table_id)
    ctx.engine.execute(f"INSERT INTO {SIDECAR} VALUES (?, ?, ?, ?)", [project_id, dataset_id, table_id, json.dumps(stored)])
    return ctx.catalog.create_table(meta)


def drop(ctx: Any, project_id: str, dataset_id: str, table_id: str, meta: Any) -> None:
    """Drop an external table: its view, catalog entry and stored configuration, never its files.

    (CREATE OR REPLACE EXTERNAL TABLE over a native table drops that table here too.)
    """
    kind = "VIEW" if meta.table_type == "EXTERNAL" else "TABLE"
    ctx.engine.execute(f"DROP {kind} IF EXISTS {quoted_table_ref(project_id, dataset_id, table_id)}")
    ctx.catalog.delete_table(project_id, dataset_id, table_id)
    forget(ctx, project_id, dataset_id, table_id)


def forget(ctx: Any, project_id: str, dataset_id: str, table_id: str | None = None) -> None:
    """Delete the stored configuration of one table, or of every table of a dataset."""
    where, args = "project = ? AND dataset = ?", [project_id, dataset_id]
    if table_id is not None:
        where, args = where + " AND tbl = ?", [*args, table_id]
    with contextlib.suppress(Exception):  # no external table was ever made: nothing to forget
        ctx.engine.execute(f"DELETE FROM {SIDECAR} WHERE {where}", args)


def stored_config(ctx: Any, project_id: str, dataset_id: str, table_id: str) -> dict[str, Any] | None:
    """The external table's configuration; None unless the catalog says the table is EXTERNAL.

    Checked against the catalog, so a stale record (its dataset dropped by SQL)
    never makes a later native table of that name look external.
    """
    meta = ctx.catalog.get_table(project_id, dataset_id, table_id)
    if meta is None or meta.table_type != "EXTERNAL":
        return None
    try:
        row = ctx.engine.execute(f"SELECT config FROM {SIDECAR} WHERE project = ? AND dataset = ? AND tbl = ?",
                                 [project_id, dataset_id, table_id]).fetchone()
    except Exception:
        return None
    return json.loads(row[0]) if row else None


def any_external(ctx: Any) -> bool:
    """Whether any external table exists (then S3 must be configured at start)."""
    try:
        return bool(ctx.engine.execute(f"SELECT COUNT(*) FROM {SIDECAR}").fetchone()[0])
    except Exception:
        return False


@router.post("/projects/{project_id}/datasets/{dataset_id}/tables")
async def insert_table(project_id: str, dataset_id: str, request: Request, ctx: _Ctx) -> dict[str, Any]:
    """tables.insert: external tables here, every other table by bqemulator."""
    body = await request.json()
    if not body.get("externalDataConfiguration"):
        return await bq_tables.insert_table(project_id, dataset_id, request, ctx)
    async with ctx.engine.write_lock():
        meta = create(ctx, project_id, dataset_id, body)
    return _with_config(ctx, bq_tables._table_to_rest(meta))


@router.get("/projects/{project_id}/datasets/{dataset_id}/tables/{table_id}")
def get_table(project_id: str, dataset_id: str, table_id: str, ctx: _Ctx) -> dict[str, Any]:
    """tables.get, with ``type: EXTERNAL`` and the configuration for external tables."""
    return _with_config(ctx, bq_tables.get_table(project_id, dataset_id, table_id, ctx))


def _with_config(ctx: Any, rest: dict[str, Any]) -> dict[str, Any]:
    ref = rest.get("tableReference") or {}
    config = stored_config(ctx, ref.get("projectId", ""), ref.get("datasetId", ""), ref.get("tableId", ""))
    if config is not None:
        rest = {**rest, "type": "EXTERNAL", "externalDataConfiguration": config}
    return rest


@router.delete("/projects/{project_id}/datasets/{dataset_id}/tables/{table_id}", status_code=204)
async def delete_table(project_id: str, dataset_id: str, table_id: str, ctx: _Ctx) -> Response:
    """tables.delete: an external table loses its view, never its files."""
    meta = ctx.catalog.get_table(project_id, dataset_id, table_id)
    if meta is None or meta.table_type != "EXTERNAL":
        return await bq_tables.delete_table(project_id, dataset_id, table_id, ctx)
    async with ctx.engine.write_lock():
        drop(ctx, project_id, dataset_id, table_id, meta)
    return Response(status_code=204)


@router.delete("/projects/{project_id}/datasets/{dataset_id}", status_code=204)
async def delete_dataset(project_id: str, dataset_id: str, ctx: _Ctx, deleteContents: bool = False) -> Response:
    """datasets.delete by bqemulator, then its external tables' stored configurations go too."""
    response = await bq_datasets.delete_dataset(project_id, dataset_id, ctx, deleteContents)
    async with ctx.engine.write_lock():
        forget(ctx, project_id, dataset_id)
    return response


def _option_value(value: exp.Expression) -> Any:
    if isinstance(value, exp.Array):
        return [v.name for v in value.expressions]
    if isinstance(value, exp.Boolean):
        return bool(value.this)
    return value.name


def ddl_body(sql: str, project_id: str) -> tuple[str, str, dict[str, Any], bool, bool]:
    """(project, dataset, tables.insert body, or_replace, if_not_exists) of a CREATE EXTERNAL TABLE."""
    statement = sqlglot.parse_one(sql, read="bigquery")
    if not isinstance(statement, exp.Create):  # WITH PARTITION COLUMNS, WITH CONNECTION, ...
        raise InvalidQueryError("This form of CREATE EXTERNAL TABLE is not supported by this sandbox: only "
                                "CREATE [OR REPLACE] EXTERNAL TABLE [IF NOT EXISTS] ds.t [(columns)] OPTIONS (...).")
    schema = statement.this if isinstance(statement.this, exp.Schema) else None
    table = schema.this if schema else statement.this
    if not table.db:
        raise InvalidQueryError("Table name in CREATE EXTERNAL TABLE must be qualified with a dataset.")
    options: dict[str, Any] = {}
    for prop in statement.args["properties"].expressions:
        if isinstance(prop, exp.ExternalProperty):
            continue
        if isinstance(prop, exp.FileFormatProperty):
            options["format"] = prop.this.name
        elif isinstance(prop, exp.Property):
            options[prop.name.lower()] = _option_value(prop.args["value"])
        else:
            raise InvalidQueryError(f"{prop.sql('bigquery')} is not supported on external tables in this sandbox.")
    unknown = sorted(set(options) - _DDL_ALL)
    if unknown:
        raise InvalidQueryError(
            f"External table option {unknown[0]} is not supported by this sandbox"
            f" (supported: {', '.join(sorted(_DDL_ALL))}).", location=unknown[0])
    if "format" not in options or "uris" not in options:
        raise InvalidQueryError("CREATE EXTERNAL TABLE needs OPTIONS (format = ..., uris = [...]).")
    config: dict[str, Any] = {"sourceFormat": options["format"].upper(), "sourceUris": options["uris"]}
    for option, key in _DDL_OPTIONS.items():
        if option in options:
            section = config if option in _DDL_TOP else config.setdefault("csvOptions", {})
            section[key] = options[option]
    if config["sourceFormat"] != "CSV" and config.get("csvOptions"):
        raise InvalidQueryError(f"CSV options ({', '.join(sorted(config['csvOptions']))}) on a "
                                f"{config['sourceFormat']} external table are not supported.", location="format")
    body: dict[str, Any] = {"tableReference": {"tableId": table.name}, "externalDataConfiguration": config}
    if "description" in options:
        body["description"] = options["description"]
    if schema is not None and schema.expressions:
        body["schema"] = {"fields": [{"name": c.name, "type": c.args["kind"].sql("bigquery")} for c in schema.expressions]}
    return table.catalog or project_id, table.db, body, bool(statement.args.get("replace")), bool(statement.args.get("exists"))


async def _run_drop(match: re.Match[str], statement_type: str, kwargs: dict[str, Any], intercept: Any) -> Any:
    """DROP [EXTERNAL] TABLE: an external table loses its view, never its files; others go to bqemulator."""
    from bqemulator.jobs import executor

    ctx, project_id = kwargs["ctx"], kwargs["project_id"]
    parts = name_parts(match.group("name"))
    if len(parts) not in (2, 3):
        return await intercept(statement_type, **kwargs)
    project, dataset, table_id = ([project_id, *parts] if len(parts) == 2 else parts)
    meta = ctx.catalog.get_table(project, dataset, table_id)
    external = meta is not None and meta.table_type == "EXTERNAL"
    if match.group("external") and meta is not None and not external:
        raise InvalidQueryError(f"{dataset}.{table_id} is not an external table; use DROP TABLE.")
    if not external and not (match.group("external") and meta is None):
        return await intercept(statement_type, **kwargs)
    if meta is None and not match.group("exists"):
        raise InvalidQueryError(f"Not found: Table {project}:{dataset}.{table_id}")
    if meta is not None:
        async with ctx.engine.write_lock():
            drop(ctx, project, dataset, table_id, meta)
    return executor._build_ddl_job_meta(
        project_id=project_id, job_id=kwargs["job_id"], bq_sql=kwargs["bq_sql"], statement_type="DROP_TABLE",
        arrow_table=pa.table({}), now=kwargs["now"], ctx=ctx, ddl_operation="DROP" if meta else "SKIP")


def install_ddl() -> None:
    """Run CREATE EXTERNAL TABLE ourselves, before bqemulator would make a native table of it."""
    from bqemulator.jobs import executor

    intercept = executor._run_statement_interception

    async def run_external_ddl(statement_type: str, **kwargs: Any) -> Any:
        sql = kwargs["bq_sql"]
        ctx = kwargs["ctx"]
        text = strip_comments(sql)
        dropped = DROP_TABLE.match(text)
        if dropped:
            return await _run_drop(dropped, statement_type, kwargs, intercept)
        if not EXTERNAL_DDL.match(text):
            return await intercept(statement_type, **kwargs)
        project, dataset, body, replace, if_not_exists = ddl_body(sql, kwargs["project_id"])
        exists = ctx.catalog.get_table(project, dataset, body["tableReference"]["tableId"]) is not None
        operation = "SKIP" if exists and if_not_exists else ("REPLACE" if exists else "CREATE")
        if operation != "SKIP":
            async with ctx.engine.write_lock():
                create(ctx, project, dataset, body, replace=replace)
        return executor._build_ddl_job_meta(
            project_id=kwargs["project_id"], job_id=kwargs["job_id"], bq_sql=sql,
            statement_type="CREATE_EXTERNAL_TABLE", arrow_table=pa.table({}), now=kwargs["now"], ctx=ctx,
            ddl_operation=operation)

    executor._run_statement_interception = run_external_ddl
