"""``@type bigquery_insert``: streaming inserts (tabledata.insertAll), as
fluent-plugin-bigquery's ``bigquery_insert``. Common options: bigquery/output.py.

Each chunk (at most 500 records by default, flushed every second) becomes
insert requests of at most 500 rows ``{"json": row, "insertId": id}``; the id
comes from ``insert_id_field`` (a record accessor such as ``uuid`` or
``$.request.id``) for BigQuery's best-effort de-duplication (the emulator
does not de-duplicate: dedupe in SQL).

A row BigQuery refuses never holds its chunk back: it is isolated (per-row
errors, or by bisecting a refused request, see bigquery/rows.py), sent to the
error route (``@ERROR``, else logged) with its tag and time, and counted
(``num_errors`` and ``invalid_rows`` in the monitor); the other rows are
delivered. Where fluent-plugin-bigquery only logs insert errors (the rows are
lost) unless ``allow_retry_insert_errors``, rows with a retryable reason are
sent again here in any case.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, ClassVar

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.params import config_param, located
from dplat.agent.core.registry import register
from dplat.agent.plugins.bigquery.client import RowError, TableRef
from dplat.agent.plugins.bigquery.output import BigQueryOutput
from dplat.agent.plugins.bigquery.rows import Isolator, Outcome, Row
from dplat.agent.plugins.bigquery.schema import TableSchema
from dplat.agent.plugins.record_accessor import RecordAccessor

MiB = 1024 * 1024
MAX_ROWS_PER_REQUEST = 500
"""BigQuery's recommended maximum rows per insertAll request."""


@register("bigquery_insert")
class BigQueryInsertOutput(BigQueryOutput):
    buffer_defaults: ClassVar[dict[str, Any]] = {
        "flush_mode": "interval", "flush_interval": 1.0, "flush_thread_interval": 0.05,
        "flush_thread_burst_interval": 0.05, "chunk_limit_size": 1 * MiB,
        "total_limit_size": 1024 * MiB, "chunk_limit_records": 500,
    }

    skip_invalid_rows = config_param("bool", default=False,
                                     desc="Insert the valid rows of a request with bad ones.")
    insert_id_field = config_param("string", default=None,
                                   desc="Record accessor of the insertId (de-duplication).")
    add_insert_timestamp = config_param("string", default=None,
                                        desc="Field that gets the time of the insert.")
    allow_retry_insert_errors = config_param("bool", default=False,
                                             desc="Accepted; retryable row errors are always "
                                             "retried here.")
    require_partition_filter = config_param("bool", default=False,
                                            desc="Accepted for Fluentd configs; not applied.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        for table in self.table_list:
            if "$" in table.replace("${", ""):
                raise located(element.origin, f"table '{table}': streaming inserts do not take "
                              "a partition decorator", "Omit the $%Y%m%d suffix (it is for "
                              "bigquery_load).")
        self.insert_id: RecordAccessor | None = None
        if self.insert_id_field:
            try:
                self.insert_id = RecordAccessor(self.insert_id_field)
            except ConfigError as exc:
                raise exc.with_origin(element.params["insert_id_field"].origin) from None

    async def write(self, chunk: Chunk) -> None:
        rows = self.pending_rows(chunk)
        if not rows:
            self.settle(chunk, Outcome(), finished=True)
            return
        ref = self.target(chunk)
        schema = await self.schema_for(ref, chunk)
        bodies = self._bodies(rows, schema)
        isolator = Isolator(lambda batch: self._send(ref, schema, batch, bodies),
                            skip_invalid_rows=self.skip_invalid_rows,
                            batch_size=MAX_ROWS_PER_REQUEST)
        outcome = Outcome()
        finished = False
        try:
            await asyncio.to_thread(isolator.deliver, rows, outcome)
            finished = True
        finally:
            self.settle(chunk, outcome, finished=finished)
        self.log.debug("insert rows %s", _summary(ref, outcome))

    def _bodies(self, rows: list[Row], schema: TableSchema) -> dict[int, dict[str, Any]]:
        """Row index -> the JSON row sent (converted once, reused by bisection)."""
        stamp = None
        if self.add_insert_timestamp:
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        bodies = {}
        for row in rows:
            body = schema.to_row(row.record)
            if stamp is not None:
                body[self.add_insert_timestamp] = stamp
            bodies[row.index] = body
        return bodies

    def _send(self, ref: TableRef, schema: TableSchema, batch: list[Row],
              bodies: dict[int, dict[str, Any]]) -> list[RowError]:
        """One insertAll of ``batch`` (runs in the worker thread)."""
        ids = None
        if self.insert_id is not None:
            ids = [_text(self.insert_id.get(row.record)) for row in batch]
        return self.client.insert_rows(
            ref, [bodies[row.index] for row in batch], ids,
            skip_invalid_rows=self.skip_invalid_rows,
            ignore_unknown_values=self.ignore_unknown_values,
            create_with=schema if self.auto_create_table else None)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _summary(ref: TableRef, outcome: Outcome) -> str:
    return (f"table={ref} delivered={len(outcome.delivered)} invalid={len(outcome.invalid)} "
            f"requests={outcome.requests}")
