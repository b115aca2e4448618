"""The agent's cloud outputs against our images, with the agent running in-process.

* out_s3 into ``dplat/s3:local``: events sent by the real Python logger
  (fluent-logger) to in_forward, uploaded on flush; object keys checked
  exactly as out_s3 names them, contents read back with boto3;
* bigquery_insert into ``dplat/bigquery:local``: a bad row among good ones
  is isolated and routed to ``@ERROR`` (written by out_file), the good rows
  land; bigquery_load runs a NEWLINE_DELIMITED_JSON load job into a table per
  day (the emulator refuses partition decorators such as ``events$20240102``);
* out_forward to a second in-process agent (in_forward with ``<security>``),
  with acks; a wrong shared key makes the chunk wait for a retry.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from dplat.agent.event import EventTime, Record
from dplat.agent.output import Output
from dplat.agent.router import Router
from dplat.agent.testing import parse
from dplat.stack.bigquery import BigQuery
from dplat.stack.s3 import S3
from dplat.waiting import wait_until_async

pytestmark = pytest.mark.integration

T = EventTime(1704164645, 0)  # 2024-01-02T03:04:05Z: a day long flushed, so keys are known


@asynccontextmanager
async def agent(conf: str) -> AsyncIterator[Router]:
    """A whole pipeline from config text, started and (at the end) stopped."""
    router = Router.build(parse(conf))
    await router.start()
    try:
        yield router
    finally:
        await router.stop()


def output(router: Router, type_name: str) -> Output:
    return next(o for o in router.outputs if o.type_name == type_name)


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    await wait_until_async(condition, timeout, what=repr(condition))


async def emit(router: Router, tag: str, records: list[Record]) -> None:
    await router.emitter().emit_stream(tag, [(T, record) for record in records])


def read_lines(directory: Path, pattern: str) -> list[str]:
    return [line for path in sorted(directory.glob(pattern))
            for line in path.read_text().splitlines()]


# -- out_s3 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3(service_factory: Any) -> S3:
    return service_factory(S3).service  # type: ignore[no-any-return]


def test_out_s3_names_objects_like_out_s3_and_stores_gzip_json_lines(s3: S3) -> None:
    bucket = f"agent-it-{secrets.token_hex(4)}"  # a new bucket: auto_create_bucket makes it
    conf = f"""
    <source>
      @type forward
      bind 127.0.0.1
      port 0
    </source>
    <match app.**>
      @type s3
      s3_bucket {bucket}
      s3_endpoint {s3.url()}
      force_path_style true
      aws_key_id {s3.credentials.s3_access_key}
      aws_sec_key {s3.credentials.s3_secret_key}
      path logs/${{tag}}/dt=%Y%m%d/
      <format>
        @type json
      </format>
      <buffer tag,time>
        timekey 1d
      </buffer>
    </match>
    """
    batches = [[{"user": "ada", "n": 1}, {"user": "søren", "n": 2}], [{"user": "bo", "n": 3}]]

    async def scenario() -> list[str | None]:
        keys: list[str | None] = []
        async with agent(conf) as router:
            source = router.inputs[0]
            out = output(router, "s3")
            port = source.bound_port  # type: ignore[attr-defined]
            sent = 0
            for batch in batches:  # two flushes of the same day: index 0, then 1
                await asyncio.to_thread(send_with_python_logger, port, "app", "web", batch)
                sent += len(batch)
                await until(lambda n=sent: out.metrics.emit_records >= n)
                await router.flush_all()
                keys.append(out.last_key)  # type: ignore[attr-defined]
        return keys

    keys = asyncio.run(scenario())
    prefix = "logs/app.web/dt=20240102/"
    assert keys == [f"{prefix}20240102_0.gz", f"{prefix}20240102_1.gz"]
    client = s3.client()
    listed = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(item["Key"] for item in listed) == keys
    for key, batch in zip(keys, batches, strict=True):
        stored = client.get_object(Bucket=bucket, Key=key)
        assert stored["ContentType"] == "application/x-gzip"
        lines = gzip.decompress(stored["Body"].read()).decode().splitlines()
        assert [json.loads(line) for line in lines] == batch


def send_with_python_logger(port: int, prefix: str, label: str, records: list[Record]) -> None:
    """The real client: fluent-logger's FluentSender (Message mode)."""
    from fluent import sender

    logger = sender.FluentSender(prefix, host="127.0.0.1", port=port)
    try:
        for record in records:
            assert logger.emit_with_time(label, T.sec, record), logger.last_error
    finally:
        logger.close()


# -- BigQuery ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bigquery(service_factory: Any) -> BigQuery:
    return service_factory(BigQuery).service  # type: ignore[no-any-return]


@pytest.fixture
def dataset(bigquery: BigQuery) -> str:
    name = f"agent_it_{secrets.token_hex(4)}"
    bigquery.client().create_dataset(name)
    return name


SCHEMA = '[{"name": "user", "type": "STRING"}, {"name": "n", "type": "INTEGER"}]'


def bigquery_conf(bigquery: BigQuery, kind: str, dataset: str, table: str, extra: str,
                  errors: Path) -> str:
    return f"""
    <match app.**>
      @type {kind}
      auth_method application_default
      api_endpoint {bigquery.url()}
      project {bigquery.project}
      dataset {dataset}
      table {table}
      auto_create_table true
      schema {SCHEMA}
      {extra}
    </match>
    <label @ERROR>
      <match **>
        @type file
        path {errors}/errors
      </match>
    </label>
    """


def rows_of(bigquery: BigQuery, dataset: str, table: str) -> list[tuple[Any, ...]]:
    query = f"SELECT user, n FROM `{bigquery.project}.{dataset}.{table}` ORDER BY n"
    return [tuple(row.values()) for row in bigquery.client().query(query).result(timeout=30)]


@pytest.mark.parametrize("skip_invalid_rows", [False, True],
                         ids=["refused-request-bisected", "per-row-errors"])
def test_bigquery_insert_routes_a_bad_row_to_error_and_delivers_the_rest(
        bigquery: BigQuery, dataset: str, tmp_path: Path, skip_invalid_rows: bool) -> None:
    records: list[Record] = [{"user": "ada", "n": 1}, {"user": "bo", "n": "2"},
                             {"user": "cy", "n": "not a number"}, {"user": "di", "n": 4},
                             {"user": "ed", "n": 5}]
    extra = f"insert_id_field user\nskip_invalid_rows {str(skip_invalid_rows).lower()}"
    conf = bigquery_conf(bigquery, "bigquery_insert", dataset, "events", extra, tmp_path)

    async def scenario() -> dict[str, Any]:
        async with agent(conf) as router:
            out = output(router, "bigquery_insert")
            await emit(router, "app.web", records)
            await router.flush_all()
            errors = output(router, "file")
            await until(lambda: errors.metrics.emit_records >= 1)
            await router.flush_all()
            return out.statistics()

    stats = asyncio.run(scenario())
    assert rows_of(bigquery, dataset, "events") == [("ada", 1), ("bo", 2), ("di", 4), ("ed", 5)]
    (line,) = read_lines(tmp_path, "errors.*.log")
    assert line == '2024-01-02T03:04:05+00:00\tapp.web\t{"user":"cy","n":"not a number"}'
    assert (stats["invalid_rows"], stats["retry_count"]) == (1, 0)


def test_bigquery_load_runs_a_json_load_job(bigquery: BigQuery, dataset: str,
                                            tmp_path: Path) -> None:
    conf = bigquery_conf(bigquery, "bigquery_load", dataset, "daily_%Y%m%d",
                         "<buffer time>\ntimekey 1d\n</buffer>", tmp_path)
    records: list[Record] = [{"user": "ada", "n": "1"}, {"user": "bo", "n": 2, "x": None}]

    async def scenario() -> dict[str, Any]:
        async with agent(conf) as router:
            await emit(router, "app.web", records)
            await router.flush_all()
            return output(router, "bigquery_load").statistics()

    stats = asyncio.run(scenario())
    assert rows_of(bigquery, dataset, "daily_20240102") == [("ada", 1), ("bo", 2)]
    assert (stats["write_count"], stats["retry_count"], stats["num_errors"]) == (1, 0, 0)


# -- out_forward -----------------------------------------------------------------------------


def receiver_conf(received: Path, key: str) -> str:
    return f"""
    <source>
      @type forward
      bind 127.0.0.1
      port 0
      <security>
        self_hostname receiver
        shared_key {key}
      </security>
    </source>
    <match **>
      @type file
      path {received}/received
      <format>
        @type json
      </format>
    </match>
    """


def sender_conf(port: int, key: str) -> str:
    return f"""
    <match **>
      @type forward
      require_ack_response true
      ack_response_timeout 10
      compress gzip
      <security>
        self_hostname sender
        shared_key {key}
      </security>
      <server>
        host 127.0.0.1
        port {port}
      </server>
    </match>
    """


def test_out_forward_to_a_second_agent_with_ack_and_shared_key(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with agent(receiver_conf(tmp_path, "k3y")) as receiver:
            port = receiver.inputs[0].bound_port  # type: ignore[attr-defined]
            async with agent(sender_conf(port, "k3y")) as sender:
                await emit(sender, "app.web", [{"n": 1}, {"n": 2}])
                await emit(sender, "app.db", [{"n": 3}])
                await sender.flush_all()  # returns once the receiver acked each chunk
                sent = output(sender, "forward").statistics()
            received = output(receiver, "file")
            await until(lambda: received.metrics.emit_records >= 3)
            await receiver.flush_all()
            return sent

    sent = asyncio.run(scenario())
    assert sorted(json.loads(line)["n"] for line in read_lines(tmp_path, "received.*.log")) == \
        [1, 2, 3]
    assert (sent["write_count"], sent["retry_count"]) == (2, 0)  # one chunk per tag


def test_out_forward_with_a_wrong_shared_key_keeps_the_chunk(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with agent(receiver_conf(tmp_path, "right")) as receiver:
            port = receiver.inputs[0].bound_port  # type: ignore[attr-defined]
            async with agent(sender_conf(port, "wrong")) as sender:
                await emit(sender, "app.web", [{"n": 1}])
                await sender.flush_all()
                out = output(sender, "forward")
                stats = out.statistics()
                out.buffering.buffer.clear_queue()  # type: ignore[union-attr]  # no drain wait
            return stats

    stats = asyncio.run(scenario())
    assert stats["retry_count"] == 1 and stats["buffer_queue_length"] == 1
    assert read_lines(tmp_path, "received.*.log") == []
