"""The lesson scheduled-pipeline without containers: its declaration, the
ground truth of every run (recomputed here from the rows, another way), the
late changes, and the KPI SQL it renders from warehouse-kpis' files.

The DAG itself imports Airflow, which only the airflow image has: its
structure and the rendering of one interval are tested inside that image
(tests/integration/test_lesson_scheduled_pipeline_dag.py).
"""

from __future__ import annotations

from collections import Counter
from types import ModuleType

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
        placed = Counter(k for day in truth.values() for k in day[table])
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
    before, after = data.partition_truth(shop), data.partition_truth(shop, changes)
    ids = {c["purchase_id"] for c in changes}
    assert set(after["20201124"]["purchases"]) == set(before["20201124"]["purchases"]) | ids
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
