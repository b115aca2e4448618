"""Load jobs: their own row counts, and ``gs://`` sources read from the S3 store.

bqemulator 1.4.0 reports the destination table's total as the load job's
``statistics.load.outputRows``; BigQuery reports the rows this job wrote
(https://cloud.google.com/bigquery/docs/reference/rest/v2/Job#JobStatistics3).
And it maps ``gs://`` to a local folder; here it is the S3 store
(:mod:`dplat_bq.api_s3`). And a Parquet or Avro load into a missing table
fails; BigQuery makes the table from the file's schema. All are small wraps of functions of
``bqemulator.jobs.executor``, which looks them up as module globals.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

_READERS = {"PARQUET": "read_parquet", "AVRO": "read_avro"}
_rows_before: contextvars.ContextVar[dict[str, int]] = contextvars.ContextVar("dplat_rows_before")


def _count(ctx: Any, target_ref: str) -> int:
    row = ctx.engine.execute(f"SELECT COUNT(*) FROM {target_ref}").fetchone()
    return int(row[0]) if row else 0


def _patch_executor() -> None:
    from bqemulator.jobs import executor
    from bqemulator.storage.type_map import duckdb_type_to_bq_field
    from dplat_bq import api_s3

    apply_disposition = executor._apply_load_write_disposition
    resolve_uri = executor._resolve_uri

    def apply_disposition_and_count(job: Any, ctx: Any) -> None:
        """After WRITE_TRUNCATE/WRITE_EMPTY, note how many rows the table holds."""
        apply_disposition(job, ctx)
        holder = _rows_before.get(None)
        if holder is not None:
            holder["rows"] = _count(ctx, job.target_ref)

    def resolve_gs_to_s3(uri: str, ctx: Any) -> str:
        """``gs://`` goes to the S3 store (refused with the fix when none is configured)."""
        if uri.startswith("gs://"):
            s3_uri = api_s3.to_s3(uri)
            api_s3.configure(ctx.engine.connection)
            return s3_uri
        return resolve_uri(uri, ctx)

    create_destination = executor._maybe_create_load_destination

    def create_destination_from_file_schema(**kwargs: Any) -> None:
        """Parquet and Avro carry their schema: a missing table is made from it.

        BigQuery does so (https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-parquet);
        bqemulator makes a table only from an explicit schema or CSV/JSON autodetection.
        """
        config = kwargs["load_config"]
        fmt = str(config.get("sourceFormat", "CSV")).upper()
        if fmt in _READERS and not (config.get("schema") or {}).get("fields") and config.get("sourceUris"):
            ctx = kwargs["ctx"]
            path = executor._resolve_uri(config["sourceUris"][0], ctx)
            executor._validate_local_path(path)
            described = ctx.engine.execute(f"DESCRIBE SELECT * FROM {_READERS[fmt]}(?)", [path]).fetchall()
            fields = [duckdb_type_to_bq_field(row[0], row[1]) for row in described]
            kwargs["load_config"] = {**config, "schema": {"fields": fields}}
        create_destination(**kwargs)

    executor._apply_load_write_disposition = apply_disposition_and_count
    executor._maybe_create_load_destination = create_destination_from_file_schema
    executor._resolve_uri = resolve_gs_to_s3


def _own_rows(execute_load_job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``execute_load_job`` whose outputRows are the rows it added."""

    async def execute_load_job_counting_own_rows(project_id: str, job_id: str, config: dict[str, Any], ctx: Any) -> Any:
        holder: dict[str, int] = {}
        token = _rows_before.set(holder)
        try:
            meta = await execute_load_job(project_id, job_id, config, ctx)
        finally:
            _rows_before.reset(token)
        load = dict((meta.statistics or {}).get("load") or {})
        if "rows" in holder and "outputRows" in load:
            load["outputRows"] = str(int(load["outputRows"]) - holder["rows"])
            meta = meta.model_copy(update={"statistics": {**meta.statistics, "load": load}})
        return meta

    return execute_load_job_counting_own_rows


def install() -> None:
    """Apply the wraps (the route modules imported ``execute_load_job`` by name)."""
    from bqemulator.api.routes import jobs, upload

    _patch_executor()
    jobs.execute_load_job = _own_rows(jobs.execute_load_job)
    upload.execute_load_job = _own_rows(upload.execute_load_job)
