"""logging-to-bq: an online service's logs, from Python's logging to BigQuery.

Read README.md first: it is the lesson. This file is what the runner executes,
one function per step, each doing what a data engineer would do with the
official clients, then checking the result against the ground truth that the
app computed while it logged (truth.py).
"""

from __future__ import annotations

import io
import pprint
import sys
import time
from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import Scenario, results, s3objects, wait_until
from dplat.stack import catalogue

# The lesson's own modules, beside this file (the runner loads the folder as a package).
from . import app, plumbing, truth

scenario = Scenario(
    name="logging-to-bq",
    title="Logs of an online service, from Python's logging to BigQuery",
    teaches=(
        "A shop API logs every request with Python's logging (dictConfig, a console "
        "handler and fluent-logger's FluentHandler). The agent copies the records to S3 "
        "(gzip JSON lines per dt= partition) and streams them into BigQuery; a batch job "
        "loads the staged files; SQL deduplicates (at-least-once delivery) and builds "
        "hourly error rates, p95 latency and top errors; queries find the slowest "
        "endpoint and the error spike."
    ),
    services=("agent", "s3", "bigquery"),
    order=10,
    options={"events": 10_000},
)

BUCKET = "datastaging"
PREFIX = "marketing/app_logs/"
STREAMED = "raw.app_logs"
BATCH = "raw.app_logs_batch"
DATASETS = ("raw", "staging", "mart")
TRANSFORMS = ("staging_app_logs", "mart_requests_hourly", "mart_endpoint_latency",
              "mart_top_errors")
TABLES = (STREAMED, BATCH, "staging.app_logs", "mart.requests_hourly",
          "mart.endpoint_latency", "mart.top_errors")
AGENT_IDS = ("app_forward", "app_s3", "app_bigquery")


def _wait_seconds(ctx: Any) -> float:
    """How long to wait for data to land: generous, and longer for bigger runs
    (a laptop streams some thousands of rows a second into the emulator)."""
    return 30.0 + ctx.options["events"] / 500


def _truth(ctx: Any) -> dict[str, Any]:
    return ctx.state["truth"]


def _warehouse_answers(ctx: Any) -> bool:
    """Fail with a clear cause if BigQuery does not answer, instead of letting
    the client retry for minutes."""
    from google.api_core.retry import Retry

    try:
        list(ctx.bigquery.list_datasets(max_results=1, retry=Retry(timeout=10), timeout=5))
        return True
    except Exception as exc:
        url = catalogue.by_name(ctx.settings, ctx.credentials, "bigquery").url()
        return ctx.check_that(
            "BigQuery answers", False, actual=f"no answer from {url}: "
            f"{type(exc).__name__}: {str(exc)[:160]}", expected="a running BigQuery emulator",
            where="`dplat status` and `dplat logs bigquery`; `dplat up` restarts a stopped service")


# -- 1. ingest ----------------------------------------------------------------------------
@scenario.step("ingest", "The shop app logs N requests through dictConfig → FluentHandler → agent")
def ingest(ctx: Any) -> None:
    events = ctx.options["events"]
    for dataset in DATASETS:
        ctx.bigquery.create_dataset(dataset, exists_ok=True)
    config = ctx.file("agent.conf").read_text()
    ctx.explain("agent config", "DPLAT_HOME/work/agent/agent.conf (then POST /api/reload)", config)
    ctx.progress("loading the lesson's agent config")
    ctx.use_agent_config(config, expect=AGENT_IDS)

    requests = app.generate(events)
    ctx.state["truth"] = truth.ground_truth(requests)
    agent = ctx.agent
    console_log = ctx.settings.work_dir / "logging-to-bq" / "app-console.log"
    console_log.parent.mkdir(parents=True, exist_ok=True)
    shown = app.logging_config(agent.host, agent.port("agent"), console=sys.stderr)
    shown["handlers"]["console"]["stream"] = str(console_log)
    ctx.explain("client call", "logging.config.dictConfig(...) of the shop app (app.py)",
                pprint.pformat(shown, sort_dicts=False, width=96))
    before = records_in(agent)
    ctx.progress(f"the app logs {events:,} requests")
    with console_log.open("w") as console:
        shipped = app.serve(requests, agent.host, agent.port("agent"), console=console)
    ctx.figure("ingest events/s", round(events / max(shipped.seconds, 1e-9)))
    ctx.wrote("agent app_forward", ["shop app: logging → FluentHandler (tag app.shop)"])
    ctx.check("records fluent-logger could not send", actual=shipped.lost, expected=0,
              where="is the agent up? `dplat status`, `dplat logs agent`; "
              + "; ".join(sorted(set(shipped.errors))[:2]))

    ctx.progress("waiting for the agent's monitor to count them")

    def all_in() -> int | None:
        count = records_in(agent) - before
        return count if count >= events else None

    received = wait_until(all_in, _wait_seconds(ctx)) or records_in(agent) - before
    ctx.check("records the agent received (monitor: app_forward emit_records)",
              actual=received, expected=events,
              where=f"`curl {agent.url('agent_monitor')}/api/plugins.json`; `dplat logs agent`")
    with console_log.open() as console:
        first = [next(console, "").rstrip() for _ in range(3)]
    ctx.show(f"the app's console (WARNING and worse): {console_log}", "\n".join(first))


def records_in(agent: Any) -> int:
    """Records the forward input has taken in since the pipeline started."""
    return int(agent.plugins().get("app_forward", {}).get("emit_records") or 0)


# -- 2. stage -----------------------------------------------------------------------------
@scenario.step("stage", "The agent copies them to S3 (gzip JSON lines per dt=) and BigQuery")
def stage(ctx: Any) -> None:
    expected = _truth(ctx)
    events = expected["events"]
    agent = ctx.agent
    config = ctx.file("agent.conf").read_text()
    start = config.index("<match app.**>")
    ctx.explain("agent config", "the route: <match app.**> @type copy → s3 + bigquery_insert",
                config[start:config.index("\n</match>", start) + len("\n</match>")])
    ctx.explain("command", "force a flush instead of waiting for timekeys and intervals",
                "POST /api/flush on the monitor port (like Fluentd's SIGUSR1; `dplat agent flush`)")
    # One deadline for all the waiting below: a broken output costs it once.
    deadline = time.monotonic() + _wait_seconds(ctx)

    def left() -> float:
        return max(0.0, deadline - time.monotonic())

    ctx.progress("flushing the agent's buffers")
    problem = agent.flush(AGENT_IDS[1:], timeout=max(left(), 1.0))
    if problem:  # the checks below say what did not arrive, and why
        ctx.progress(problem)

    keys = s3objects.keys(ctx.s3, BUCKET, PREFIX)
    ctx.explain("s3 keys", f"s3://{BUCKET}/{PREFIX} ({len(keys)} objects)", "\n".join(keys[:12])
                + ("\n..." if len(keys) > 12 else ""))
    lines_per_dt: dict[str, int] = {}
    for key, lines in plumbing.read_lines(ctx.s3, BUCKET, keys).items():
        dt = plumbing.partition_of(key) or "(no dt=)"
        lines_per_dt[dt] = lines_per_dt.get(dt, 0) + len(lines)
    look = f"`dplat ls s3://{BUCKET}/{PREFIX}`; {agent.output_health('app_s3')}"
    ctx.check("dt= partitions in S3", actual=sorted(lines_per_dt), expected=sorted(expected["per_dt"]),
              where=look)
    ctx.check("JSON lines per dt= partition", actual=lines_per_dt, expected=expected["per_dt"],
              where=look)
    ctx.wrote(f"s3://{BUCKET}/{PREFIX}", ["agent app.** (out_s3 app_s3)"])
    ctx.figure("staged objects", len(keys))

    count_sql = f"SELECT COUNT(*) FROM {STREAMED}"

    def all_streamed() -> int | None:
        count = _count_if_exists(ctx, count_sql)
        return count if count >= events else None

    streamed = wait_until(all_streamed, left()) or _count_if_exists(ctx, count_sql)
    ctx.check_that(f"rows streamed into {STREAMED}", streamed >= events, actual=streamed,
                   expected=f"at least {events} (at-least-once delivery)",
                   where=f"`dplat sql bigquery '{count_sql}'`; "
                   + agent.output_health("app_bigquery"))
    if streamed:
        table = ctx.bigquery.get_table(STREAMED)
        partitioning = table.time_partitioning
        ctx.check("raw.app_logs is partitioned by day on event_time",
                  actual=partitioning and f"{partitioning.type_} on {partitioning.field}",
                  expected="DAY on event_time",
                  where="time_partitioning_type/_field of the bigquery_insert store in agent.conf")
        partitions_sql = ("SELECT partition_id, total_rows FROM raw.INFORMATION_SCHEMA.PARTITIONS "
                          "WHERE table_name = 'app_logs' ORDER BY partition_id")
        ctx.explain("sql", "the table's partitions", partitions_sql)
        ctx.show("raw.app_logs partitions",
                 results.text_table(results.rows(ctx.bigquery, partitions_sql)))
        ctx.figure("duplicates streamed", streamed - results.scalar(
            ctx.bigquery, f"SELECT COUNT(DISTINCT request_id) FROM {STREAMED}"))
    ctx.wrote(STREAMED, ["agent app.** (bigquery_insert app_bigquery)"])


def _count_if_exists(ctx: Any, sql: str) -> int:
    from google.api_core.exceptions import NotFound

    try:
        return int(results.scalar(ctx.bigquery, sql) or 0)
    except NotFound:  # the agent creates the table with its first insert
        return 0


# -- 3. load ------------------------------------------------------------------------------
@scenario.step("load", "A batch job loads the staged S3 objects into raw.app_logs_batch")
def load(ctx: Any) -> None:
    from google.cloud import bigquery

    expected = _truth(ctx)
    keys = s3objects.keys(ctx.s3, BUCKET, PREFIX)
    if not _warehouse_answers(ctx):
        return
    per_dt: dict[str, list[bytes]] = {}
    for key, lines in sorted(plumbing.read_lines(ctx.s3, BUCKET, keys).items()):
        per_dt.setdefault(plumbing.partition_of(key) or "", []).extend(lines)
    schema = [bigquery.SchemaField(f["name"], f["type"], mode=f.get("mode", "NULLABLE"))
              for f in plumbing.schema_from_config(ctx.file("agent.conf").read_text())]
    table = bigquery.Table(f"{ctx.bigquery.project}.{BATCH}", schema=schema)
    table.time_partitioning = bigquery.TimePartitioning(field="event_time")
    ctx.bigquery.create_table(table, exists_ok=True)
    job_config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON, schema=schema,
        write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    for dt, lines in sorted(per_dt.items()):
        day = f"{dt[:4]}-{dt[4:6]}-{dt[6:]}"
        delete = f"DELETE FROM {BATCH} WHERE DATE(event_time) = '{day}'"
        ctx.explain("client call", f"reload partition dt={dt}",
                    f"{delete}\nload_table_from_file(<{len(lines)} JSON lines from "
                    f"s3://{BUCKET}/{PREFIX}dt={dt}/>, '{BATCH}', NEWLINE_DELIMITED_JSON, "
                    "WRITE_APPEND)")
        ctx.progress(f"loading dt={dt}: {len(lines):,} rows")
        ctx.bigquery.query(delete).result()
        data = io.BytesIO(b"\n".join(lines) + b"\n")
        ctx.bigquery.load_table_from_file(data, BATCH, job_config=job_config).result()
    loaded = results.rows(ctx.bigquery, f"SELECT FORMAT_TIMESTAMP('%Y%m%d', event_time) AS dt, "
                           f"COUNT(*) AS n FROM {BATCH} GROUP BY dt ORDER BY dt")
    where = f"`dplat sql bigquery 'SELECT COUNT(*) FROM {BATCH}'`; `dplat ls s3://{BUCKET}/{PREFIX}`"
    ctx.check(f"rows in {BATCH}", actual=sum(r["n"] for r in loaded),
              expected=expected["events"], where=where)
    ctx.check(f"rows per day in {BATCH}", actual={r["dt"]: r["n"] for r in loaded},
              expected=expected["per_dt"], where=where)
    ctx.wrote(BATCH, [f"s3://{BUCKET}/{PREFIX}"])


# -- 4. transform -------------------------------------------------------------------------
@scenario.step("transform", "SQL: deduplicate into staging.app_logs, build the mart tables")
def transform(ctx: Any) -> None:
    expected = _truth(ctx)
    if not _warehouse_answers(ctx):
        return
    for name in TRANSFORMS:
        sql = ctx.file(f"sql/{name}.sql").read_text()
        ctx.explain("sql", f"sql/{name}.sql", sql)
        ctx.progress(f"running sql/{name}.sql")
        ctx.bigquery.query(sql).result()
    ctx.wrote("staging.app_logs", [STREAMED])
    for table in ("mart.requests_hourly", "mart.endpoint_latency", "mart.top_errors"):
        ctx.wrote(table, ["staging.app_logs"])

    bq = ctx.bigquery
    look = "`dplat sql bigquery 'SELECT ... FROM {}'`"
    counts = results.rows(bq, "SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS ids "
                               "FROM staging.app_logs")[0]
    ctx.check("rows in staging.app_logs (one per request)", actual=counts["n"],
              expected=expected["events"], where=look.format("staging.app_logs"))
    ctx.check("distinct request ids in staging.app_logs", actual=counts["ids"],
              expected=expected["distinct_request_ids"], where=look.format("staging.app_logs"))
    for column, key in (("level", "per_level"), ("status", "per_status"),
                        ("endpoint", "per_endpoint")):
        found = results.rows(bq, f"SELECT CAST({column} AS STRING) AS k, COUNT(*) AS n "
                                  f"FROM staging.app_logs GROUP BY k")
        ctx.check(f"requests per {column}", actual=dict(sorted((r["k"], r["n"]) for r in found)),
                  expected=expected[key], where=look.format("staging.app_logs"))
    for table, key, columns in (("mart.requests_hourly", "hourly", ("hour", "endpoint")),
                                ("mart.endpoint_latency", "latency", ("endpoint",)),
                                ("mart.top_errors", "top_errors", ("position",))):
        found = results.rows(bq, f"SELECT * FROM {table}")
        diff = truth.differences(expected[key], found, columns)
        ctx.check_that(f"{table} equals the ground truth", not diff,
                       actual=diff or f"{len(found)} rows, all equal",
                       expected=f"{len(expected[key])} rows as the app logged them",
                       where=look.format(table))


# -- 5. query -----------------------------------------------------------------------------
@scenario.step("query", "Answer: which endpoint is slowest? when did errors spike?")
def query(ctx: Any) -> None:
    expected = _truth(ctx)
    if not _warehouse_answers(ctx):
        return
    answers = {}
    for name, title in (("question_slowest_endpoint", "Which endpoint is slowest (p95)?"),
                        ("question_error_spike", "When did errors spike?")):
        sql = ctx.file(f"sql/{name}.sql").read_text()
        ctx.explain("sql", f"sql/{name}.sql", sql)
        found = results.rows(ctx.bigquery, sql)
        ctx.show(title, results.text_table(found))
        answers[name] = found[0] if found else {}
    slowest, spike = answers["question_slowest_endpoint"], answers["question_error_spike"]
    ctx.check("slowest endpoint (highest p95 latency)",
              actual={"endpoint": slowest.get("endpoint"), "p95_ms": slowest.get("p95_ms")},
              expected=expected["slowest_endpoint"], where="sql/question_slowest_endpoint.sql")
    ctx.check("hour with the most server errors",
              actual={k: spike.get(k) for k in ("hour", "requests", "errors")},
              expected=expected["error_spike"], where="sql/question_error_spike.sql")


# -- reset --------------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Flush what the agent still holds for this lesson (so that it cannot land
    after the reset), then drop the lesson's tables and staged objects."""
    try:
        agent = ctx.agent
        if set(AGENT_IDS) <= set(agent.plugins()):
            try:
                agent.monitor("/api/flush", "POST", timeout=30)
            except Exception as exc:  # an output that cannot write: nothing of it will land
                ctx.progress(f"flush before reset: {exc}")
        s3objects.delete_prefix(ctx.s3, BUCKET, PREFIX)
        for table in TABLES:
            ctx.bigquery.delete_table(table, not_found_ok=True)
        for dataset in DATASETS:  # other lessons use them too: dropped only when empty
            if _exists(ctx, dataset) and not list(ctx.bigquery.list_tables(dataset)):
                ctx.bigquery.delete_dataset(dataset, not_found_ok=True)
    except Exception as exc:
        raise ScenarioError(
            f"could not reset logging-to-bq's data: {type(exc).__name__}: {str(exc)[:200]}",
            fix="Check the stack with `dplat status` (`dplat up` repairs it), then run again.",
        ) from exc


def _exists(ctx: Any, dataset: str) -> bool:
    from google.api_core.exceptions import NotFound

    try:
        ctx.bigquery.get_dataset(dataset)
        return True
    except NotFound:
        return False
