"""The lesson scheduled-pipeline without containers: its declaration, the
ground truth of every run (recomputed here from the rows, another way), the
late changes, and the KPI SQL it renders from warehouse-kpis' files.

The DAG itself imports Airflow, which only the airflow image has: its
structure and the rendering of one interval are tested inside that image
(tests/integration/test_lesson_scheduled_pipeline_dag.py).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog

FOLDER = scenarios_dir() / "scheduled-pipeline"
EVENTS = catalog.load(FOLDER).options["events"]  # the default run's data


def _module(name: str) -> ModuleType:
    return catalog.lesson_module(FOLDER, name)


data, kpis = _module("data"), _module("kpis")


def test_the_lesson_declares_airflow_and_its_six_steps() -> None:
    lesson = catalog.load(FOLDER)
    assert "airflow" in lesson.services and lesson.order == 70
    assert [s.name for s in lesson.steps] == ["seed", "deploy", "backfill", "retry", "rerun",
                                              "late"]
    assert lesson.reset_function is not None


def test_each_row_is_in_exactly_the_partition_of_the_day_it_changed() -> None:
    shop = data.generate(EVENTS)
    truth = data.partition_truth(shop)
    assert list(truth) == ["20201120", "20201121", "20201122", "20201123", "20201124"]
    for table, rows in shop.rows.items():
        placed = Counter(r[data.KEYS[table]] for day in truth.values() for r in day[table])
        assert max(placed.values(), default=1) == 1, f"{table}: a key in two partitions"
        in_window = [r[data.KEYS[table]] for r in rows
                     if "2020-11-20" <= r["updated_at"][:10] <= "2020-11-24"]
        assert sorted(placed) == sorted(in_window)
    # Every event and purchase happens in the window; only changed users do.
    assert sum(len(d["activity"]) for d in truth.values()) == len(shop.rows["activity"])
    changed = sum(len(d["users"]) for d in truth.values())
    assert 0 < changed < len(shop.rows["users"]) / 4


def test_late_payments_go_to_the_late_day_and_change_only_their_days_kpis() -> None:
    shop = data.generate(EVENTS)
    changes = data.late_payments(shop)
    assert len(changes) == data.LATE_PAYMENTS
    assert all(c["status"] == "paid" and c["updated_at"].startswith("2020-11-24")
               and c["purchased_at"] < "2020-11-24" for c in changes)
    before = data.partition_truth(shop)
    after = data.partition_truth(shop, changes, read_after={"20201124"})
    # The late day's run read the changed rows (paid, updated on the 24th)...
    assert after["20201124"]["purchases"] == sorted(
        before["20201124"]["purchases"] + changes, key=lambda r: r["purchase_id"])
    assert all(set(r) == set(data.COLUMNS["purchases"]) for r in after["20201124"]["purchases"])
    # ...the earlier days' partitions keep the rows as their runs read them.
    assert {d: t for d, t in after.items() if d != "20201124"} == {
        d: t for d, t in before.items() if d != "20201124"}
    old = {r["day"]: r for r in data.kpi_truth(shop)}
    new = {r["day"]: r for r in data.kpi_truth(data.after(shop, changes))}
    moved = sorted(day for day in new if new[day] != old[day])
    assert moved == sorted({c["purchased_at"][:10] for c in changes})
    for day in moved:  # more paid money that day, the same active users
        gained = sum(c["amount_cents"] for c in changes if c["purchased_at"][:10] == day)
        assert new[day]["revenue_cents"] == old[day]["revenue_cents"] + gained
        assert new[day]["dau"] == old[day]["dau"]


def test_the_kpis_are_warehouse_kpis_truth_of_the_same_rows() -> None:
    shop = data.generate(EVENTS)
    truth = data.warehouse_kpis("truth")
    assert data.kpi_truth(shop) == truth.ground_truth(shop.generated)["daily"]
    assert [r["day"] for r in data.kpi_truth(shop)] == [f"2020-11-{d}" for d in range(20, 25)]


def test_the_kpi_sql_is_warehouse_kpis_own_on_this_pipelines_tables() -> None:
    sql = kpis.query()
    mart = (data.warehouse_kpis_folder() / "sql" / "mart_kpi_daily.sql").read_text()
    # Every line of warehouse-kpis' select list is there, unchanged...
    for line in mart.splitlines():
        if " AS conversion" in line or " AS arpu" in line or " AS arppu" in line:
            assert line.strip() in sql
    # ...reading this pipeline's tables, for the days the task fills in.
    assert "staging." not in sql and "mart.kpi_daily" not in sql
    assert "raw.shop_daily_purchases" in sql and "raw.shop_daily_activity" in sql
    assert sql.count(kpis.DAYS_PLACEHOLDER) == 3  # purchases twice, activity once
    assert "CREATE" not in sql.upper().split("SELECT")[0]


def test_a_day_run_again_after_the_late_changes_reads_them_as_changed() -> None:
    """`--only rerun` after a full run: MySQL holds the late payments, so the
    21st's extract no longer finds those bought on the 21st (their updated_at
    is now the 24th's); its partition holds what that latest run read."""
    shop = data.generate(EVENTS)
    changes = data.late_payments(shop)
    of_21st = {c["purchase_id"] for c in changes if c["purchased_at"].startswith("2020-11-21")}
    assert of_21st, "the seeded late payments include one bought on the 21st"
    once = data.partition_truth(shop, changes, read_after={"20201124"})
    again = data.partition_truth(shop, changes, read_after={"20201124", "20201121"})
    ids = [r["purchase_id"] for r in once["20201121"]["purchases"]]
    assert of_21st <= set(ids)
    assert [r["purchase_id"] for r in again["20201121"]["purchases"]] == [
        i for i in ids if i not in of_21st]
    assert {d: t for d, t in again.items() if d != "20201121"} == {
        d: t for d, t in once.items() if d != "20201121"}
    # Before the changes are in MySQL a day run again reads what it read before.
    assert data.partition_truth(shop, (), read_after={"20201121"}) == data.partition_truth(shop)


def test_a_partitions_rows_are_compared_column_by_column() -> None:
    lake = _module("lake")
    row = {"purchase_id": 7, "status": "failed", "amount_cents": 100}
    expected = {"20201121": [row, {**row, "purchase_id": 8}]}
    assert lake.differences(expected, expected, "purchase_id") == []
    found = {"20201121": [{**row, "status": "paid"}, {**row, "purchase_id": 9},
                          {**row, "purchase_id": 9}]}
    assert lake.differences(found, expected, "purchase_id") == [
        "dt=20201121: doubled [9]", "dt=20201121: missing [8]", "dt=20201121: not expected [9]",
        "dt=20201121: purchase_id 7 differs: status 'paid', expected 'failed'"]


def test_reset_without_a_running_airflow_skips_only_airflows_part(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`dplat reset` starts no on-demand service: with airflow not running,
    the DAG files, the S3 prefix, the BigQuery and MySQL tables still go, and
    a note says what stays. (No ``airflow`` on the context: any call to it
    would fail the reset.)"""
    reset = catalog.load(FOLDER).reset_function
    module = reset.__globals__
    done: list[str] = []
    monkeypatch.setattr(module["lake"], "running", lambda settings, service: False)
    monkeypatch.setattr(module["lake"], "drop_tables", lambda client: done.append("bigquery"))
    monkeypatch.setattr(module["s3objects"], "delete_prefix",
                        lambda s3, bucket, prefix: done.append(f"s3://{bucket}/{prefix}"))
    monkeypatch.setattr(module["data"], "drop", lambda connection: done.append("mysql"))
    dags = tmp_path / "airflow" / "dags"
    dags.mkdir(parents=True)
    for name in ("shop_daily.py", "shop_daily_kpis.sql", "another_lessons_dag.py"):
        (dags / name).write_text("")
    notes: list[str] = []
    ctx = SimpleNamespace(settings=SimpleNamespace(work_dir=tmp_path), s3=None, bigquery=None,
                          mysql=None, progress=notes.append)
    reset(ctx)
    assert done == ["s3://datastaging/shop-daily/", "bigquery", "mysql"]
    assert sorted(p.name for p in dags.iterdir()) == ["another_lessons_dag.py"]
    assert len(notes) == 1 and "airflow is not running" in notes[0]
