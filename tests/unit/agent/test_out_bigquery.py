"""bigquery_insert / bigquery_load: schemas, table names, bad-row isolation,
routing to the error route, error mapping. BigQuery is a fake client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from google.api_core import exceptions as api
from requests import exceptions as http

from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.config import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.bigquery.client import (
    BigQueryError,
    RequestRejected,
    RowError,
    TableRef,
    mapped,
)
from dplat.agent.plugins.bigquery.rows import (
    InvalidRowError,
    Isolator,
    Outcome,
    Row,
    decode_lines,
    encode_line,
)
from dplat.agent.plugins.bigquery.schema import TableSchema
from dplat.agent.plugins.buf_memory import MemoryChunk
from dplat.agent.plugins.out_bigquery_insert import BigQueryInsertOutput
from dplat.agent.plugins.out_bigquery_load import BigQueryLoadOutput
from dplat.agent.plugins.record_accessor import RecordAccessor
from dplat.agent.testing import arun_output, configured

T = EventTime(1704164645, 123456789)  # 2024-01-02T03:04:05.123456789Z
DAY = 1704153600
BASE = "project p\ndataset d\napi_endpoint http://127.0.0.1:9\n"


# -- schema and rows ------------------------------------------------------------------


SCHEMA = TableSchema.parse([
    {"name": "s", "type": "STRING"}, {"name": "i", "type": "INTEGER"},
    {"name": "f", "type": "FLOAT"}, {"name": "b", "type": "BOOLEAN"},
    {"name": "ts", "type": "TIMESTAMP"}, {"name": "j", "type": "JSON"},
    {"name": "tags", "type": "STRING", "mode": "REPEATED"},
    {"name": "r", "type": "RECORD", "fields": [{"name": "n", "type": "INTEGER"}]},
])


def test_rows_are_shaped_by_the_schema() -> None:
    row = SCHEMA.to_row({"s": {"a": 1}, "i": "42", "f": 3, "b": "false", "ts": "1704164645",
                         "j": {"k": [1]}, "tags": [1, None, True], "r": {"n": "7"},
                         "gone": None, "extra": "kept"})
    assert row == {"s": '{"a":1}', "i": 42, "f": 3.0, "b": False, "ts": 1704164645,
                   "j": '{"k":[1]}', "tags": ["1", "true"], "r": {"n": 7}, "extra": "kept"}
    assert SCHEMA.to_row({"j": {"k": 1}}, is_load=True) == {"j": {"k": 1}}


def test_values_that_do_not_convert_are_sent_as_they_are() -> None:
    # Ruby would send 0 and true; BigQuery must see (and refuse) the real value
    assert SCHEMA.to_row({"i": "abc", "b": "maybe", "f": "1.2.3", "i2": 1}) == \
        {"i": "abc", "b": "maybe", "f": "1.2.3", "i2": 1}
    assert SCHEMA.to_row({"i": True, "r": "flat"}) == {"i": True, "r": "flat"}


@pytest.mark.parametrize(("schema", "message"), [
    ('[{"name": "a"}]', "field 'a' must have type"),
    ('[{"name": "a", "type": "WORD"}]', "Invalid field type: WORD"),
    ('[{"name": "1a", "type": "STRING"}]', "invalid bigquery field name"),
    ('[{"name": "a", "type": "STRING", "mode": "SOMETIMES"}]', "Unrecognized mode for a"),
    ('[{"name": "a", "type": "RECORD"}]', "record field 'a' must have fields"),
    ('{"name": "a"}', "must be a JSON array of fields"),
])
def test_bad_schemas_are_config_errors(schema: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configured(BigQueryInsertOutput, f"{BASE}table t\nschema {schema}")


def test_chunk_lines_keep_time_tag_and_record() -> None:
    data = encode_line("app.web", T, {"k": "tab\there", "n": 1}) + encode_line(
        "b", EventTime(5, 0), {}) + b"garbage\n"
    rows, broken = decode_lines(data)
    assert [(r.index, r.time, r.tag, r.record) for r in rows] == [
        (0, T, "app.web", {"k": "tab\there", "n": 1}), (1, EventTime(5, 0), "b", {})]
    assert len(broken) == 1 and broken[0].startswith("line 2")


@pytest.mark.parametrize(("accessor", "expected"), [
    ("id", "top"), ("$.user.id", 7), ("$['user']['ids'][1]", "b"), ("$.user.ids[-1]", "b"),
    ("$['a.b']", "dotted"), ("$.user.missing.deeper", None), ("$.user.ids[5]", None),
])
def test_record_accessor(accessor: str, expected: Any) -> None:
    record = {"id": "top", "user": {"id": 7, "ids": ["a", "b"]}, "a.b": "dotted"}
    assert RecordAccessor(accessor).get(record) == expected


@pytest.mark.parametrize("accessor", ["$.", "$x", "$[0]", "$['a'", "$.a..b"])
def test_bad_record_accessors(accessor: str) -> None:
    with pytest.raises(ConfigError, match="invalid record accessor"):
        RecordAccessor(accessor)


# -- table names ----------------------------------------------------------------------


def chunk(timekey: int | None = DAY, tag: str | None = "app.web",
          variables: tuple[tuple[str, Any], ...] = (), body: bytes = b"") -> MemoryChunk:
    c = MemoryChunk(Metadata(timekey, tag, variables))
    if body:
        c.append([body])
        c.commit()
    return c


def test_table_placeholders_from_chunk_keys() -> None:
    plugin = configured(BigQueryInsertOutput, "project p_${tag[0]}\ndataset ${team}\n"
                        "table access_${tag[1]}_%Y_%m_%d\n<buffer tag,time,team>\ntimekey 1d\n"
                        "</buffer>")
    ref = plugin.target(chunk(variables=(("team", "growth"),)))
    assert ref == TableRef("p_app", "growth", "access_web_2024_01_02")


def test_tables_are_used_in_turn_and_load_keeps_the_partition_decorator() -> None:
    plugin = configured(BigQueryLoadOutput, f"{BASE}tables a$%Y%m%d,b$%Y%m%d\n"
                        "<buffer time>\ntimekey 1d\n</buffer>")
    refs = [plugin.target(chunk()) for _ in range(3)]
    assert [r.table for r in refs] == ["a$20240102", "b$20240102", "a$20240102"]
    assert refs[0].table_id == "a"


@pytest.mark.parametrize(("conf", "message"), [
    ("table t_%Y%m%d", "chunk key 'time' is not configured"),
    ("table t\n<buffer tag>\n</buffer>", "doesn't have tag placeholder"),
    ("table t\ntables a,b", "'table' or 'tables' must be specified"),
    ("table t$%Y%m%d\n<buffer time>\ntimekey 1d\n</buffer>", "do not take a partition"),
    ("table t\nauth_method private_key", "private_key"),
    ("table t\nauth_method json_key", "'json_key' must be specified"),
    ("table t\n<format>\n@type ltsv\n</format>", "supports only json formatter"),
])
def test_config_errors(conf: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("$", r"\$")):
        configured(BigQueryInsertOutput, BASE + conf)


# -- isolating bad rows ------------------------------------------------------------------


def rows(count: int) -> list[Row]:
    return [Row(i, T, "t", {"n": i}) for i in range(count)]


class EmulatorLike:
    """Refuses any request holding a bad row, as dplat's emulator does (HTTP 500)."""

    def __init__(self, bad: set[int], fail_after: int | None = None) -> None:
        self.bad = bad
        self.stored: list[int] = []
        self.requests: list[list[int]] = []
        self.fail_after = fail_after

    def __call__(self, batch: list[Row]) -> list[RowError]:
        self.requests.append([r.index for r in batch])
        if self.fail_after is not None and len(self.requests) > self.fail_after:
            raise BigQueryError("connection refused")
        if any(r.index in self.bad for r in batch):
            raise RequestRejected("HTTP 500 internal error")
        self.stored.extend(r.index for r in batch)
        return []


@pytest.mark.parametrize("bad", [set(), {0}, {5}, {9}, {2, 3}, {0, 9}, set(range(10))])
def test_bisection_isolates_exactly_the_bad_rows(bad: set[int]) -> None:
    fake = EmulatorLike(bad)
    outcome = Outcome()
    Isolator(fake, skip_invalid_rows=False).deliver(rows(10), outcome)
    assert sorted(fake.stored) == sorted(set(range(10)) - bad)
    assert sorted(r.index for r, _ in outcome.invalid) == sorted(bad)
    assert sorted(r.index for r in outcome.delivered) == sorted(fake.stored)
    assert len(fake.requests) <= 1 + 2 * max(len(bad), 1) * 4  # ~2·k·log2(n)


def test_batches_hold_at_most_batch_size_rows_in_order() -> None:
    fake = EmulatorLike(set())
    Isolator(fake, skip_invalid_rows=False, batch_size=4).deliver(rows(10), Outcome())
    assert fake.requests == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_retryable_failure_keeps_what_was_settled() -> None:
    fake = EmulatorLike({1}, fail_after=3)
    outcome = Outcome()
    with pytest.raises(BigQueryError):
        Isolator(fake, skip_invalid_rows=False).deliver(rows(8), outcome)
    # [0..7] refused, [0..3] refused, [0,1] refused, then the connection broke
    assert fake.requests[:3] == [list(range(8)), [0, 1, 2, 3], [0, 1]]
    assert outcome.settled() == set()
    fake = EmulatorLike({6}, fail_after=4)
    outcome = Outcome()
    with pytest.raises(BigQueryError):
        Isolator(fake, skip_invalid_rows=False).deliver(rows(8), outcome)
    # [0..7] refused, [0..3] stored, [4..7] refused, [4,5] stored, then it broke
    assert outcome.settled() == {0, 1, 2, 3, 4, 5}
    assert fake.stored == [0, 1, 2, 3, 4, 5]


class PerRowErrors:
    """Real BigQuery: 200 with insertErrors (invalid for bad, stopped for the rest)."""

    def __init__(self, bad: set[int], skip_invalid_rows: bool) -> None:
        self.bad, self.skip = bad, skip_invalid_rows
        self.stored: list[int] = []
        self.requests = 0

    def __call__(self, batch: list[Row]) -> list[RowError]:
        self.requests += 1
        errors = [RowError(p, "invalid", "no such field") for p, r in enumerate(batch)
                  if r.index in self.bad]
        if errors and not self.skip:
            errors += [RowError(p, "stopped", "") for p, r in enumerate(batch)
                       if r.index not in self.bad]
            return errors
        self.stored.extend(r.index for r in batch if r.index not in self.bad)
        return errors


@pytest.mark.parametrize("skip", [False, True])
def test_per_row_errors_set_bad_rows_aside_and_resend_stopped_ones(skip: bool) -> None:
    fake = PerRowErrors({2, 7}, skip)
    outcome = Outcome()
    Isolator(fake, skip_invalid_rows=skip).deliver(rows(10), outcome)
    assert sorted(fake.stored) == [0, 1, 3, 4, 5, 6, 8, 9]
    assert [(r.index, why) for r, why in outcome.invalid] == [(2, "invalid: no such field"),
                                                            (7, "invalid: no such field")]
    assert fake.requests == (1 if skip else 2)


def test_retryable_reasons_on_every_row_mean_retry_later() -> None:
    with pytest.raises(BigQueryError, match="backendError"):
        Isolator(lambda batch: [RowError(p, "backendError", "") for p in range(len(batch))],
                 skip_invalid_rows=False).deliver(rows(3), Outcome())


# -- error mapping ----------------------------------------------------------------------


def api_error(code: int, reason: str = "", message: str = "boom") -> Exception:
    return api.from_http_status(code, message, errors=[{"reason": reason, "message": message}])


@pytest.mark.parametrize(("error", "rows_may_be_bad", "kind"), [
    (api_error(500, "internalError"), True, RequestRejected),
    (api_error(400, "invalid"), True, RequestRejected),
    (api_error(500, "internalError"), False, BigQueryError),
    (api_error(503, "backendError"), True, BigQueryError),
    (api_error(429), True, BigQueryError),
    (api_error(403, "rateLimitExceeded"), True, BigQueryError),
    (api_error(404, "notFound", "Not found: Dataset p:d"), True, BigQueryError),
    (api_error(403, "accessDenied"), True, UnrecoverableError),
    (api_error(401, "unauthorized"), False, UnrecoverableError),
    (api_error(400, "invalid"), False, UnrecoverableError),
    (http.ConnectionError("refused"), True, BigQueryError),
])
def test_google_errors_map_to_ours(error: Exception, rows_may_be_bad: bool,
                                   kind: type[Exception]) -> None:
    assert type(mapped(error, "call", rows_may_be_bad=rows_may_be_bad)) is kind


# -- the plugins, against a fake client -------------------------------------------------------


class FakeClient:
    """Stands in for BigQueryClient: a table that refuses rows whose n is "bad"."""

    def __init__(self) -> None:
        self.inserted: list[tuple[TableRef, dict[str, Any], Any]] = []
        self.loads: list[tuple[TableRef, bytes, Any]] = []
        self.down = False

    def insert_rows(self, ref: TableRef, rows: list[dict[str, Any]], ids: Any,
                    **options: Any) -> list[RowError]:
        if self.down:
            raise BigQueryError("connection refused")
        if any(row.get("n") == "bad" for row in rows):
            raise RequestRejected("HTTP 500")
        self.inserted.extend((ref, row, i) for row, i in zip(rows, ids or [None] * len(rows),
                                                             strict=True))
        return []

    def load(self, ref: TableRef, body: bytes, **options: Any) -> Any:
        self.loads.append((ref, body, options))
        return None


def insert_plugin(conf: str = "") -> tuple[BigQueryInsertOutput, FakeClient]:
    plugin = configured(BigQueryInsertOutput, BASE + "table t\n" + conf)
    fake = FakeClient()
    plugin.client = fake  # type: ignore[assignment]
    return plugin, fake


def test_insert_routes_the_bad_row_and_delivers_the_others() -> None:
    plugin, fake = insert_plugin('schema [{"name": "n", "type": "INTEGER"}]\n'
                                 "insert_id_field $.meta.id")
    records = [{"n": "1", "meta": {"id": "a"}}, {"n": "bad", "meta": {"id": "b"}}, {"n": 3}]
    asyncio.run(arun_output(plugin, records=[(T, r) for r in records], tag="app.web"))
    assert [(row, i) for _, row, i in fake.inserted] == [
        ({"n": 1, "meta": {"id": "a"}}, "a"), ({"n": 3}, None)]
    (tag, time, record, error), = plugin.router.errors  # type: ignore[attr-defined]
    assert (tag, time, record) == ("app.web", T, {"n": "bad", "meta": {"id": "b"}})
    assert isinstance(error, InvalidRowError)
    stats = plugin.statistics()
    assert (stats["invalid_rows"], stats["num_errors"], stats["retry_count"]) == (1, 1, 0)


def test_a_retried_chunk_sends_only_what_is_left() -> None:
    plugin, fake = insert_plugin()

    async def scenario() -> None:
        await plugin.open()
        try:
            await plugin.emit("t", [(T, {"n": 1}), (T, {"n": "bad"}), (T, {"n": 3})])
            buffer = plugin.buffering.buffer  # type: ignore[union-attr]
            buffer.enqueue_all()
            queued = buffer.dequeue_chunk()
            calls = 0
            original = fake.insert_rows

            def flaky(*args: Any, **kwargs: Any) -> list[RowError]:
                nonlocal calls
                calls += 1
                # [1,bad,3] refused, [1] stored, [bad,3] refused, then the network fails
                fake.down = calls == 4
                return original(*args, **kwargs)

            fake.insert_rows = flaky  # type: ignore[method-assign]
            with pytest.raises(BigQueryError):
                await plugin.write(queued)
            fake.down = False
            fake.insert_rows = original  # type: ignore[method-assign]
            await plugin.write(queued)
        finally:
            await plugin.close()

    asyncio.run(scenario())
    assert [row["n"] for _, row, _ in fake.inserted] == [1, 3]  # 1 was not sent twice
    assert plugin.invalid_rows == 1  # "bad" was isolated by the retry


def test_inject_and_insert_timestamp() -> None:
    plugin, fake = insert_plugin("add_insert_timestamp inserted_at\n<inject>\ntag_key tag\n"
                                 "time_key t\ntime_type unixtime\n</inject>")
    asyncio.run(arun_output(plugin, records=[(T, {"n": 1})], tag="app"))
    (_, row, _), = fake.inserted
    assert row["tag"] == "app" and row["t"] == T.sec and row["n"] == 1
    assert len(row["inserted_at"]) == len("2024-01-02 03:04:05.123456")


def test_load_sends_ndjson_shaped_by_the_schema() -> None:
    plugin = configured(BigQueryLoadOutput, BASE + "table t$%Y%m%d\nauto_create_table true\n"
                        'schema [{"name": "n", "type": "INTEGER"}, {"name": "j", "type": "JSON"}]'
                        "\n<buffer time>\ntimekey 1d\n</buffer>")
    fake = FakeClient()
    plugin.client = fake  # type: ignore[assignment]
    asyncio.run(arun_output(plugin, records=[(T, {"n": "1", "j": {"a": 1}}), (T, {"n": 2})]))
    (ref, body, options), = fake.loads
    assert ref == TableRef("p", "d", "t$20240102")
    assert [json.loads(line) for line in body.decode().splitlines()] == [
        {"n": 1, "j": {"a": 1}}, {"n": 2}]
    assert options["schema"] is plugin.table_schema and options["max_bad_records"] == 0


def test_fetch_schema_asks_the_table_once_per_cache_period() -> None:
    plugin, fake = insert_plugin("fetch_schema true\nschema_cache_expire 600")
    asked: list[TableRef] = []

    def fetch_schema(ref: TableRef) -> TableSchema:
        asked.append(ref)
        return TableSchema.parse([{"name": "n", "type": "FLOAT"}])

    fake.fetch_schema = fetch_schema  # type: ignore[attr-defined]

    async def two_flushes() -> None:
        await plugin.open()
        try:
            for n in ("1", "2.5"):
                await plugin.emit("t", [(T, {"n": n})])
                await plugin.flush()
        finally:
            await plugin.close()

    asyncio.run(two_flushes())
    assert [row for _, row, _ in fake.inserted] == [{"n": 1.0}, {"n": 2.5}]
    assert asked == [TableRef("p", "d", "t")]


def test_schema_path_is_read_at_configure(tmp_path: Any) -> None:
    path = tmp_path / "schema.json"
    path.write_text('{"fields": [{"name": "n", "type": "INTEGER"}]}')  # `bq show --schema` form
    plugin, _ = insert_plugin(f"schema_path {path}")
    assert plugin.table_schema.api_repr() == [{"name": "n", "type": "INTEGER",
                                                "mode": "NULLABLE"}]
    with pytest.raises(ConfigError, match="cannot read schema_path"):
        insert_plugin(f"schema_path {tmp_path}/missing.json")
