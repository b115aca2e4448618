"""The lesson warehouse-kpis on the whole stack: through the runner and the CLI,
checked again with our own client calls, and broken on purpose.

The KPIs are recomputed here from the generator's rows with plain Python (not
with the lesson's truth.py) and read back with google-cloud-bigquery directly,
so a lesson that checks the wrong thing cannot pass this file.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.scenario.runner import RunReport
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

LESSON = "warehouse-kpis"
EVENTS = 20_000
HALF_UNIT = 0.00005 + 1e-9


def _run(stack: Stack, folder: Path | None = None, **kwargs: Any) -> RunReport:
    return stack.run_lesson(LESSON, folder, **kwargs)


def test_the_lesson_passes_through_the_runner_and_the_kpis_are_really_there(stack: Stack) -> None:
    report = _run(stack)
    assert report.failures() == []
    assert [s.status for s in report.steps] == ["passed"] * 6

    # the external step's files stay after its DROP TABLE, and hold every purchase
    s3 = stack.service("s3").client()
    keys = [o["Key"] for o in s3.list_objects_v2(
        Bucket="datastaging", Prefix="warehouse-kpis/kpi_purchases/")["Contents"]]
    assert keys == [f"warehouse-kpis/kpi_purchases/202011{d}.json" for d in range(20, 25)]
    staged = sum(len(s3.get_object(Bucket="datastaging", Key=k)["Body"].read().splitlines())
                 for k in keys)

    data = catalog.lesson_module(scenarios_dir() / LESSON, "shop").generate(EVENTS)
    active: dict[str, set[int]] = defaultdict(set)
    payers: dict[str, set[int]] = defaultdict(set)
    cents: dict[str, int] = defaultdict(int)
    for e in data.events:
        active[e.event_at[:10]].add(e.user_id)
    for p in data.purchases:
        active[p.purchased_at[:10]].add(p.user_id)
        if p.status == "paid":
            payers[p.purchased_at[:10]].add(p.user_id)
            cents[p.purchased_at[:10]] += p.amount_cents

    bq = stack.service("bigquery").client()
    found = {row["day"].isoformat(): row for row in bq.query(
        "SELECT * FROM mart.kpi_daily").result()}
    assert sorted(found) == sorted(active)
    for day, row in found.items():
        dau, pu = len(active[day]), len(payers[day])
        assert (row["dau"], row["pu"], row["revenue_cents"]) == (dau, pu, cents[day])
        # 4 decimals, compared with half a unit of margin (plus float noise: the
        # default data has an exact tie, ARPPU 360891 / 7200 = 50.12375 on 20 November)
        assert abs(row["conversion"] - pu / dau) <= HALF_UNIT
        assert abs(row["arpu"] - cents[day] / 100 / dau) <= HALF_UNIT
        assert abs(row["arppu"] - cents[day] / 100 / pu) <= HALF_UNIT
    (raw,) = bq.query("SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS ids "
                      "FROM raw.kpi_events").result()
    assert (raw["n"], raw["ids"]) == (len(data.delivered_events), EVENTS)
    assert staged == len(data.purchases)
    assert "kpi_purchases_external" not in [t.table_id for t in bq.list_tables("raw")]
    assert report.lineage["mart.kpi_daily"] == ["staging.kpi_activity", "staging.kpi_purchases"]


def test_the_lesson_runs_through_the_cli_and_reset_drops_only_its_tables(
        stack: Stack, tmp_path: Path) -> None:
    bq = stack.service("bigquery").client()
    bq.create_dataset("mart", exists_ok=True)
    bq.query("CREATE OR REPLACE TABLE mart.someone_elses AS SELECT 1 AS x").result()
    path = tmp_path / "report.json"
    result = stack.cli("run", "scenario", LESSON, "--events", "3000", "--report", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(path.read_text())["passed"] is True
    assert "Which day converted best?" in result.output

    result = stack.cli("reset", LESSON)
    assert result.exit_code == 0, result.output
    left = [f"{d.dataset_id}.{t.table_id}" for d in bq.list_datasets()
            for t in bq.list_tables(d.dataset_id)]
    assert "mart.someone_elses" in left  # another lesson's table and its dataset stay
    assert [t for t in left if ".kpi_" in t] == []
    s3 = stack.service("s3").client()  # the reset also clears the files DROP TABLE left
    assert s3.list_objects_v2(Bucket="datastaging",
                              Prefix="warehouse-kpis/").get("Contents", []) == []
    bq.delete_table("mart.someone_elses")


def test_counting_failed_payments_fails_the_kpis_and_says_which(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / LESSON
    shutil.copytree(scenarios_dir() / LESSON, folder)
    sql = folder / "sql" / "mart_kpi_daily.sql"
    assert "  WHERE status = 'paid'\n" in sql.read_text()
    sql.write_text(sql.read_text().replace("  WHERE status = 'paid'\n", ""))
    report = _run(stack, folder, options={"events": 3000})
    assert [s.status for s in report.steps] == ["passed"] * 3 + ["failed", "skipped", "skipped"]
    failed = [c.name for c in report.steps[3].checks if not c.passed]
    assert failed == ["pu per day", "revenue_cents per day", "conversion per day",
                      "arpu per day", "arppu per day"]
    assert "sql/mart_kpi_daily.sql" in next(c for c in report.steps[3].checks if not c.passed).message
    assert stack.cli("reset", LESSON).exit_code == 0
