"""The lesson scheduled-pipeline on the whole stack, through `dplat run scenario`
(which must start the on-demand airflow service itself), then checked once
more here from outside the lesson: Airflow's own record of the runs, and the
rows in S3 and BigQuery read with fresh clients. Then single steps again
(`--only`), and `dplat reset` with airflow stopped.

The negative run deploys the same lesson with its DAG changed the way a
careless edit would (no retries, a misspelt column in the extract SQL): the
run must fail, and the failed check must name the task and where its log is.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from dplat import resources
from dplat.scenario import results
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

LESSON = "scheduled-pipeline"


def test_the_lesson_passes_through_dplat_run_scenario(stack: Stack, tmp_path: Path) -> None:
    started = time.monotonic()
    report_file = tmp_path / "report.json"
    result = stack.cli("run", "scenario", LESSON, "--report", str(report_file))
    assert result.exit_code == 0, result.output
    report = json.loads(report_file.read_text())
    assert [s["status"] for s in report["steps"]] == ["passed"] * 6
    assert time.monotonic() - started < 420  # airflow's first start included
    # The lineage names the DAG's tasks between the tables.
    assert "airflow task shop_daily.load" in report["lineage"]["raw.shop_daily_purchases"]

    # Outside the lesson: five successful runs in Airflow's own record...
    # (read with Airflow's official client, not the lesson's plain HTTP)...
    from airflow_client.client import DagRunApi

    with stack.service("airflow").client() as api:
        runs = DagRunApi(api).get_dag_runs("shop_daily", limit=100).dag_runs
    assert sorted(f"{r.data_interval_start:%Y-%m-%d}" for r in runs) == [
        f"2020-11-{d}" for d in range(20, 25)]
    assert {r.state.value for r in runs} == {"success"}
    # ...and no key twice in any day partition of BigQuery.
    bigquery = stack.service("bigquery").client()
    doubled = results.rows(bigquery, "SELECT dt, purchase_id, COUNT(*) AS n FROM "
                           "raw.shop_daily_purchases GROUP BY dt, purchase_id HAVING n > 1")
    assert doubled == []
    assert len(results.rows(bigquery, "SELECT * FROM mart.shop_daily_kpis")) == 5

    # One step again after the full run, as the README suggests: MySQL now
    # holds the late payments, and every step's checks must still hold (a
    # day run again reads the changed rows; deploy finds its DAG unpaused;
    # late again changes no KPI day).
    for step in ("deploy", "retry", "rerun", "late"):
        again = stack.cli("run", "scenario", LESSON, "--only", step)
        assert again.exit_code == 0, f"--only {step}:\n{again.output}"

    # `dplat reset` with airflow stopped: it starts nothing, skips Airflow's
    # record (saying so) and still removes the lesson's tables.
    assert stack.cli("down", "airflow").exit_code == 0
    reset = stack.cli("reset", LESSON)
    assert reset.exit_code == 0, reset.output
    assert "airflow is not running" in reset.output
    assert [t.table_id for t in bigquery.list_tables("raw") if "shop_daily" in t.table_id] == []
    connection = stack.service("mysql").client()
    try:
        cursor = connection.cursor()
        cursor.execute("SHOW TABLES LIKE 'shop_daily_%'")
        assert cursor.fetchall() == []
    finally:
        connection.close()


def test_a_broken_extract_without_retries_fails_and_says_where_the_log_is(
        stack: Stack, tmp_path: Path) -> None:
    assert stack.cli("up", "--with", "airflow").exit_code == 0
    folder = tmp_path / LESSON
    shutil.copytree(resources.scenarios_dir() / LESSON, folder)
    dag = folder / "dags" / "shop_daily.py"
    source = dag.read_text()
    broken = (source.replace("RETRIES = 2", "RETRIES = 0")
              .replace("WHERE updated_at >= ", "WHERE updated_att >= "))
    assert broken.count("updated_att") == 1 and "RETRIES = 0" in broken
    dag.write_text(broken)
    try:
        report = stack.run_lesson(LESSON, folder=folder, up_to="backfill")
        statuses = {s.name: s.status for s in report.steps}
        assert statuses == {"seed": "passed", "deploy": "passed", "backfill": "failed"}
        failures = " ".join(report.failures())
        assert "run of 20201120" in failures
        assert "extract (failed, try 1): log at " in failures
        assert "/dags/shop_daily/runs/" in failures and "/tasks/extract?try_number=1" in failures
        assert "taskInstances/extract/logs/1" in failures
        assert "updated_att" in failures  # the log's own error line, quoted
    finally:
        assert stack.cli("reset", LESSON).exit_code == 0
