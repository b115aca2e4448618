"""``@type bigquery_load``: one load job per chunk, as fluent-plugin-bigquery's
``bigquery_load``. Common options: bigquery/output.py.

The chunk's rows, shaped by the schema, are uploaded as newline-delimited JSON
(``source_format json``, the one format here: dplat's emulator cannot load
Parquet, and CSV/Avro would need formatters we do not have) and the job is
awaited. ``table`` may end with a partition decorator, ``events$%Y%m%d``,
which real BigQuery takes but dplat's emulator refuses ("Invalid table id"):
there, load into a table per day (``events_%Y%m%d``) or into a table
partitioned by a column (``time_partitioning_field``). A missing table is created by the job itself when ``auto_create_table`` is
set (from the schema, with ``time_partitioning_*`` and ``clustering_fields``).

A job BigQuery fails for its data (reason ``invalid``: more bad rows than
``max_bad_records``) is not retried, as in fluent-plugin-bigquery: the chunk
goes to ``<secondary>`` if there is one, else it is discarded with an error
log. Failures with a retryable reason (backendError...) are retried.

Deviations: the job is awaited inside ``write`` (Fluentd polls it with a
delayed commit; here a flush worker waits, up to ``LOAD_JOB_TIMEOUT``), and
the default buffer is memory until dplat has buf_file (Fluentd: file, with
chunks of up to 1 GB).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.config.element import Element
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, located
from dplat.agent.core.registry import register
from dplat.agent.plugins.bigquery.output import BigQueryOutput
from dplat.agent.plugins.formatters import to_json_roundtrip

LOAD_JOB_TIMEOUT = 1800.0
"""Seconds a load job may take (Fluentd's delayed_commit_timeout for loads)."""


@register("bigquery_load")
class BigQueryLoadOutput(BigQueryOutput):
    buffer_defaults: ClassVar[dict[str, Any]] = {
        "flush_mode": "interval", "flush_interval": 3600.0, "flush_thread_interval": 5.0,
        "flush_thread_burst_interval": 5.0,
    }

    source_format = config_param("enum", default="json", choices=("json", "csv", "avro"),
                                 desc="Only json (NEWLINE_DELIMITED_JSON).")
    max_bad_records = config_param("integer", default=0,
                                   desc="Bad rows a job may skip before it fails.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if self.source_format != "json":
            raise located(element.params["source_format"].origin,
                          f"source_format {self.source_format} is not supported",
                          "Use source_format json (newline-delimited JSON).")

    async def write(self, chunk: Chunk) -> None:
        rows = self.pending_rows(chunk)
        if not rows:
            return
        ref = self.target(chunk)
        schema = await self.schema_for(ref, chunk)
        body = "".join(to_json_roundtrip(schema.to_row(row.record, is_load=True)) + "\n" for row in rows)
        job = await asyncio.to_thread(
            self.client.load, ref, body.encode("utf-8", "surrogateescape"),
            schema=schema if self.auto_create_table and not schema.empty else None,
            ignore_unknown_values=self.ignore_unknown_values,
            max_bad_records=self.max_bad_records, job_timeout=LOAD_JOB_TIMEOUT)
        self.log.debug("load job finished %s", kv(
            job_id=getattr(job, "job_id", ""), table=str(ref), rows=len(rows),
            output_rows=getattr(job, "output_rows", None)))
