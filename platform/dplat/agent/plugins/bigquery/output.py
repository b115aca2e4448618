"""What ``bigquery_insert`` and ``bigquery_load`` share (fluent-plugin-bigquery's
``BigQueryBaseOutput``): where rows go, their schema, credentials, buffering.

    <match app.**>
      @type bigquery_insert                  # or bigquery_load
      auth_method application_default
      api_endpoint "#{ENV['BIGQUERY_EMULATOR_HOST']}"   # dplat: the emulator
      project dplat
      dataset raw
      table   events_%Y%m%d                  # placeholders from chunk keys
      auto_create_table true
      schema [{"name": "user", "type": "STRING"}, {"name": "n", "type": "INTEGER"}]
      <buffer time>
        timekey 1d
      </buffer>
    </match>

``api_endpoint`` is dplat's addition: the URL of a BigQuery-compatible API.
Plugins read no environment variables, so dplat's agent configs write
``api_endpoint "#{ENV['BIGQUERY_EMULATOR_HOST']}"`` (the compose file sets
that variable to the emulator's URL); an empty value means Google's API.

Targets: ``project``, ``dataset`` and ``table`` (or ``tables``, used in turn
for sharding) take buffer placeholders: strftime codes from the time chunk
key, ``${tag}``, ``${field}`` of record chunk keys. Schemas: ``schema`` (JSON
written inline), ``schema_path`` (a JSON file read at start) or
``fetch_schema`` (asked from the table, cached ``schema_cache_expire``).

Events are buffered as lines holding time, tag and the JSON record
(rows.py); rows are shaped by the schema when the chunk is written.
"""

from __future__ import annotations

import asyncio
import time as _time
from collections import OrderedDict
from typing import Any

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, config_section, describe, located
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.output import Output
from dplat.agent.plugins.bigquery.client import BigQueryClient, ClientSettings, TableRef
from dplat.agent.plugins.bigquery.rows import (
    InvalidRowError,
    Outcome,
    Row,
    decode_lines,
    encode_line,
    encode_lines,
)
from dplat.agent.plugins.bigquery.schema import TableSchema
from dplat.agent.plugins.inject import Injector

AUTH_METHODS = ("private_key", "json_key", "compute_engine", "application_default")
SETTLED_MEMORY = 1024
"""Chunks whose partial progress is remembered between retries."""


class BigQueryOutput(Output):
    """Base of the two BigQuery outputs; subclasses implement ``write``."""

    auth_method = config_param("enum", default="application_default", choices=AUTH_METHODS,
                               desc="application_default (anonymous with api_endpoint), "
                               "json_key or compute_engine.")
    email = config_param("string", default=None, desc="private_key only (not supported).")
    private_key_path = config_param("string", default=None, desc="Not supported (.p12).")
    private_key_passphrase = config_param("string", default="notasecret", secret=True,
                                          desc="Not supported (.p12).")
    json_key = config_param("string", default=None, secret=True,
                            desc="Service account key: a file path or the JSON itself.")
    api_endpoint = config_param("string", default=None,
                                desc="dplat: URL of a BigQuery-compatible API (the emulator).")
    project = config_param("string", desc="Project id; placeholders allowed.")
    dataset = config_param("string", desc="Dataset id; placeholders allowed.")
    table = config_param("string", default=None, desc="Table id; placeholders allowed.")
    tables = config_param("array", default=None, desc="Tables used in turn (same schema).")
    auto_create_table = config_param("bool", default=False,
                                     desc="Create a missing table from the schema.")
    ignore_unknown_values = config_param("bool", default=False,
                                         desc="Let BigQuery drop fields the table lacks.")
    schema = config_param("string", default=None, desc="JSON array of fields.")
    schema_path = config_param("string", default=None, desc="JSON schema file.")
    fetch_schema = config_param("bool", default=False, desc="Ask the table for its schema.")
    fetch_schema_table = config_param("string", default=None,
                                      desc="Table whose schema is fetched.")
    schema_cache_expire = config_param("time", default=600.0, desc="Fetched schema lifetime.")
    request_timeout_sec = config_param("time", default=None, desc="Response timeout.")
    request_open_timeout_sec = config_param("time", default=60.0, desc="Request timeout.")
    time_partitioning_type = config_param("enum", default=None, choices=("day", "hour"),
                                          desc="Partitioning of created tables.")
    time_partitioning_field = config_param("string", default=None, desc="Partitioning column.")
    time_partitioning_expiration = config_param("time", default=None,
                                                desc="Partition expiration.")
    clustering_fields = config_param("array", default=None, desc="Clustering of created tables.")
    format_config = config_section("format", desc="Only json.")
    inject_config = config_section("inject", desc="Add time, tag or hostname to records.")

    def __init__(self) -> None:
        super().__init__()
        self.invalid_rows = 0
        """Rows BigQuery refused, sent to the error route (monitor: invalid_rows)."""
        self._turn = 0
        self._fetched: dict[str, tuple[float, TableSchema]] = {}
        self._settled: OrderedDict[bytes, set[int]] = OrderedDict()
        self.schema_template: str | None = None
        """A ``schema_path`` with placeholders: read per chunk (schema_for)."""
        self._read_schemas: dict[str, TableSchema] = {}

    # -- configuration ----------------------------------------------------------
    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        self._check_auth(element)
        if (self.table is None) == (self.tables is None):
            raise located(element.origin, f"{describe(element)}: 'table' or 'tables' must be "
                          "specified, and both are invalid")
        self.table_list: list[str] = list(self.tables or [self.table])
        fmt = self.format_config
        if fmt is not None and (fmt.get("@type") or fmt.get("type") or "json") != "json":
            raise located(fmt.origin, f"`{self.type_name}` supports only json formatter.")
        self.table_schema = self._static_schema(element)
        if self.fetch_schema and self.auto_create_table:
            self.log.warning("auto_create_table cannot be used with fetch_schema: create the "
                             "table ahead")
        combined = "/".join([f"project={self.project}", f"dataset={self.dataset}",
                             f"table={','.join(self.table_list)}",
                             f"fetch_schema_table={self.fetch_schema_table or ''}"])
        try:
            self.placeholders.validate(self.type_name, combined, strict=self.primary is None)
        except ConfigError as exc:
            raise exc.with_origin(element.origin) from None
        self.injector = Injector(self.inject_config, self.placeholders.keys.fields)
        self.client = BigQueryClient(ClientSettings(
            self.auth_method, self.json_key, self.api_endpoint or None,
            float(self.request_timeout_sec or self.request_open_timeout_sec),
            self.time_partitioning_type, self.time_partitioning_field,
            self.time_partitioning_expiration, tuple(self.clustering_fields or ())))

    def _check_auth(self, element: Element) -> None:
        if self.auth_method == "private_key":
            raise located(element.origin, f"{describe(element)}: auth_method private_key (.p12 "
                          "keys) is not supported", "Use json_key, or application_default "
                          "(anonymous when api_endpoint points at the emulator).")
        if self.auth_method == "json_key" and not self.json_key:
            raise located(element.origin, "'json_key' must be specified if auth_method == "
                          "'json_key'")

    def _static_schema(self, element: Element) -> TableSchema:
        if self.schema is not None:
            try:
                return TableSchema.parse(self.schema)
            except ConfigError as exc:
                raise exc.with_origin(element.params["schema"].origin) from None
        if self.schema_path is not None:
            origin = element.params["schema_path"].origin
            if "${" in self.schema_path or "%" in self.schema_path:
                # fluent-plugin-bigquery reads such a path per chunk, when writing
                try:
                    self.placeholders.validate("schema_path", self.schema_path)
                except ConfigError as exc:
                    raise exc.with_origin(origin) from None
                self.schema_template = self.schema_path
                return TableSchema()
            try:
                with open(self.schema_path, encoding="utf-8") as file:
                    return TableSchema.parse(file.read(), self.schema_path)
            except OSError as exc:
                raise located(origin, f"cannot read schema_path: {exc}") from exc
            except ConfigError as exc:
                raise exc.with_origin(origin) from None
        return TableSchema()

    # -- buffering ----------------------------------------------------------------
    def format(self, tag: str, time: EventTime, record: Record) -> bytes:
        return encode_line(tag, time, self.injector.inject(tag, time, record))

    def format_stream(self, tag: str, stream: EventStream) -> list[bytes]:
        """``format`` of each event in one call (see Buffering._pack)."""
        return encode_lines(tag, self.injector.inject_stream(tag, stream))

    # -- writing (helpers for the subclasses) --------------------------------------
    def target(self, chunk: Chunk) -> TableRef:
        """The table this chunk goes to (``tables`` are used in turn)."""
        table = self.table_list[self._turn % len(self.table_list)]
        self._turn += 1
        expand = self.placeholders.expand
        return TableRef(expand(self.project, chunk), expand(self.dataset, chunk),
                        expand(table, chunk))

    async def schema_for(self, ref: TableRef, chunk: Chunk) -> TableSchema:
        if not self.fetch_schema and self.schema_template is not None:
            return await self._read_schema(self.placeholders.expand(self.schema_template, chunk))
        if not self.fetch_schema:
            return self.table_schema
        source = ref if self.fetch_schema_table is None else TableRef(
            ref.project, ref.dataset, self.placeholders.expand(self.fetch_schema_table, chunk))
        key = f"{source.project}.{source.dataset}.{source.table_id}"
        cached = self._fetched.get(key)
        if cached is not None and _time.monotonic() - cached[0] < self.schema_cache_expire:
            return cached[1]
        try:
            schema = await asyncio.to_thread(self.client.fetch_schema, source)
        except Exception as exc:
            if cached is None:
                raise
            self.log.warning("%s uses previous schema %s", key, kv(error=exc))
            return cached[1]
        self._fetched[key] = (_time.monotonic(), schema)
        return schema

    async def _read_schema(self, path: str) -> TableSchema:
        """The schema file a chunk's placeholders name, read once per path; a
        missing file is retried (it may appear), a malformed one is not."""
        schema = self._read_schemas.get(path)
        if schema is None:
            try:
                text = await asyncio.to_thread(_read_text, path)
            except OSError as exc:
                raise RuntimeError(f"cannot read schema_path {path}: {exc}") from exc
            try:
                schema = self._read_schemas[path] = TableSchema.parse(text, path)
            except ConfigError as exc:
                raise UnrecoverableError(f"schema_path {path}: {exc}") from exc
        return schema

    def pending_rows(self, chunk: Chunk) -> list[Row]:
        """The chunk's rows not yet delivered or set aside by an earlier try."""
        if self.primary is not None and not self.primary.implements("format"):
            tag = chunk.metadata.tag or ""
            rows = [Row(i, t, tag, r) for i, (t, r) in enumerate(chunk.events())]
        else:
            rows, broken = decode_lines(chunk.read())
            for problem in broken:
                self.metrics.num_errors += 1
                self.log.error("a buffered line does not decode, skipped %s",
                               kv(chunk_id=chunk.dump_id, problem=problem))
        done = self._settled.get(chunk.unique_id, set())
        return [row for row in rows if row.index not in done]

    def settle(self, chunk: Chunk, outcome: Outcome, *, finished: bool) -> None:
        """Route the rows BigQuery refused to the error route, count them, and
        remember progress for a retry (forgotten once the chunk is done)."""
        for row, reason in outcome.invalid:
            self.invalid_rows += 1
            self.metrics.num_errors += 1
            self.log.warning("BigQuery refused a row; sent to the error route %s",
                             kv(chunk_id=chunk.dump_id, tag=row.tag, reason=reason))
            error = InvalidRowError(reason)
            if self.has_router:
                self.router.emit_error_event(row.tag, row.time, row.record, error)
        if finished:
            self._settled.pop(chunk.unique_id, None)
            return
        self._settled.setdefault(chunk.unique_id, set()).update(outcome.settled())
        self._settled.move_to_end(chunk.unique_id)
        while len(self._settled) > SETTLED_MEMORY:
            self._settled.popitem(last=False)

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "invalid_rows": self.invalid_rows}


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()
