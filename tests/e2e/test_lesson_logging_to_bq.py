"""The lesson logging-to-bq on the whole stack: through the runner and the CLI,
checked again with our own client calls, and broken on purpose.

The figures are recomputed here from the generator's requests with plain
Python (not with the lesson's truth.py), and read back with boto3 and
google-cloud-bigquery directly, so a lesson that checks the wrong thing
cannot pass this file.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import docker
import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.scenario.runner import RunReport
from tests.e2e.conftest import PROJECT, Stack

pytestmark = pytest.mark.e2e

LESSON = "logging-to-bq"
BUCKET, PREFIX = "datastaging", "marketing/app_logs/"


def _run(stack: Stack, folder: Path | None = None, **kwargs: Any) -> RunReport:
    return stack.run_lesson(LESSON, folder, **kwargs)


def _requests(events: int) -> list[Any]:
    generate = catalog.find(LESSON).steps[0].run.__globals__["app"].generate
    return generate(events)


def _nearest_rank_p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(95 * len(ordered) + 99) // 100 - 1]  # k = ceil(95 n / 100), in integers


def test_the_lesson_passes_through_the_runner_and_the_data_is_really_there(stack: Stack) -> None:
    report = _run(stack)
    assert report.failures() == []
    assert [s.status for s in report.steps] == ["passed"] * 5
    events = 10_000
    requests = _requests(events)

    # S3, with boto3: every record once, in the object of its day
    s3 = stack.service("s3").client()
    per_dt: Counter[str] = Counter()
    ids: set[str] = set()
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX)
    for item in (i for page in pages for i in page.get("Contents", [])):
        body = gzip.decompress(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
        for line in body.splitlines():
            record = json.loads(line)
            assert f"/dt={record['event_time'][:10].replace('-', '')}/" in item["Key"]
            per_dt[record["event_time"][:10]] += 1
            ids.add(record["request_id"])
    assert per_dt == Counter(r.event_time[:10] for r in requests)
    assert ids == {r.request_id for r in requests}

    # BigQuery, with google-cloud-bigquery
    bq = stack.service("bigquery").client()

    def one(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row.values()) for row in bq.query(sql).result()]

    assert one("SELECT COUNT(*) FROM raw.app_logs_batch") == [(events,)]
    assert one("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM staging.app_logs") == [
        (events, events)]
    assert one("SELECT COUNT(*) >= 10000 FROM raw.app_logs") == [(True,)]
    latencies: dict[str, list[float]] = defaultdict(list)
    for r in requests:
        latencies[r.endpoint].append(r.latency_ms)
    p95 = dict(one("SELECT endpoint, p95_ms FROM mart.endpoint_latency"))
    assert p95 == {e: _nearest_rank_p95(v) for e, v in latencies.items()}
    errors_per_hour = Counter(r.event_time[:13] for r in requests if r.status >= 500)
    spike = one("SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H', hour), SUM(errors) AS e "
                "FROM mart.requests_hourly GROUP BY 1 ORDER BY e DESC, 1 LIMIT 1")
    assert spike == [min(errors_per_hour.items(), key=lambda kv: (-kv[1], kv[0]))]
    assert report.lineage["staging.app_logs"] == ["raw.app_logs"]


def test_the_lesson_runs_through_the_cli_and_reset_empties_it(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = stack.cli("run", "scenario", LESSON, "--events", "2000", "--report", str(path))
    assert result.exit_code == 0, result.output
    report = json.loads(path.read_text())
    assert report["passed"] is True
    assert all(c["passed"] for s in report["steps"] for c in s["checks"])
    assert "Which endpoint is slowest" in result.output  # the answers are printed

    result = stack.cli("reset", LESSON)
    assert result.exit_code == 0, result.output
    listing = stack.service("s3").client().list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)
    assert listing.get("KeyCount", 0) == 0
    bq = stack.service("bigquery").client()
    assert [t.table_id for d in ("raw", "staging", "mart")
            for t in bq.list_tables(d) if _dataset_exists(bq, d)] == []


def _dataset_exists(bq: Any, name: str) -> bool:
    from google.api_core.exceptions import NotFound

    try:
        bq.get_dataset(name)
        return True
    except NotFound:
        return False


def test_an_agent_pointed_at_a_wrong_warehouse_fails_stage_and_says_why(
        stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / LESSON
    shutil.copytree(scenarios_dir() / LESSON, folder)
    conf = folder / "agent.conf"
    right = "api_endpoint \"#{ENV['BIGQUERY_EMULATOR_HOST']}\""
    assert right in conf.read_text()
    conf.write_text(conf.read_text().replace(right, "api_endpoint http://127.0.0.1:9"))
    report = _run(stack, folder, options={"events": 500})
    assert [s.status for s in report.steps] == ["passed", "failed", "skipped", "skipped",
                                                "skipped"]
    failed = [c for c in report.steps[1].checks if not c.passed]
    assert [c.name for c in failed] == ["rows streamed into raw.app_logs"]
    message = failed[0].message
    assert "expected 'at least 500" in message and "found 0" in message
    assert "output app_bigquery" in message and "cannot write to its destination" in message
    # the S3 copy is not affected: the other store of the same copy passed
    assert all(c.passed for c in report.steps[1].checks if "S3" in c.name or "dt=" in c.name)


def test_a_stopped_warehouse_fails_load_and_names_the_service(stack: Stack) -> None:
    report = _run(stack, up_to="stage", options={"events": 1000})
    assert report.failures() == []
    engine = docker.from_env()
    (container,) = engine.containers.list(filters={"label": [
        f"com.docker.compose.project={PROJECT}", "com.docker.compose.service=bigquery"]})
    container.stop(timeout=10)
    try:
        report = _run(stack, only="load")
    finally:
        container.start()
        stack.service("bigquery").wait_ready(120)
    (step,) = report.steps
    assert step.status == "failed"
    (check,) = step.checks
    url = stack.service("bigquery").url()
    assert check.name == "BigQuery answers"
    assert f"no answer from {url}" in check.message
    assert "dplat logs bigquery" in check.message
