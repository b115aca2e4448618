"""The lesson spark-on-the-lake on the whole stack, as a user runs it:
`dplat run scenario` starts the on-demand `spark` service, runs every step
with --explain, and `dplat reset` removes only the lesson's data.

What the lesson left is checked again here with our own client calls (boto3
and pyarrow on the lake, google-cloud-bigquery, mysql-connector) against
totals recomputed from the generator's rows in plain Python (not the
lesson's truth.py), so a lesson that checks the wrong thing cannot pass.
One run of the lesson: the cluster's start (a minute or two) is the cost.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.stack.spark import client_installed
from tests.e2e.conftest import Stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not client_installed(), reason="needs the host client: pip install 'dplat[spark]'"),
]

LESSON = "spark-on-the-lake"
PREFIX = "spark-on-the-lake/daily_country/"


def _expected() -> tuple[dict[str, Decimal], dict[str, int]]:
    """Paid revenue and paid orders per day, from the generator's rows."""
    shop = catalog.lesson_module(scenarios_dir() / LESSON, "inputs").generate(3000)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    orders: dict[str, int] = defaultdict(int)
    for order in shop.orders:
        if order.status == "paid":
            day = order.ordered_at.date().isoformat()
            revenue[day] += order.amount
            orders[day] += 1
    return dict(revenue), dict(orders)


def test_the_lesson_runs_through_dplat_and_reset_removes_only_its_data(
        stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = stack.cli("run", "scenario", LESSON, "--explain", "--report", str(path))
    assert result.exit_code == 0, result.output
    report = json.loads(path.read_text())
    assert report["passed"] is True
    assert [s["status"] for s in report["steps"]] == ["passed"] * 6
    # --explain: the DataFrame code, the optimizer's plans, the query per JDBC split
    assert "def daily_country(users: DataFrame, orders: DataFrame)" in result.output
    assert "== Physical Plan ==" in result.output
    assert "WHERE `order_id` < 25151 or `order_id` is null" in result.output
    assert "Sqoop  WHERE `order_id` >= 75451 AND `order_id` <= 100600" in result.output
    checks = {c["name"]: c["passed"] for s in report["steps"] for c in s["checks"]}
    for query in ("daily_country", "top_buyers"):
        assert checks[f"{query}: Spark SQL gets the DataFrame API's physical plan (operators)"]
    status = json.loads(stack.cli("status", "-o", "json").stdout)
    assert {s["name"]: s["ready"] for s in status["services"]}["spark"] is True

    revenue, orders = _expected()
    s3 = stack.service("s3").client()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(
        Bucket="datastore", Prefix=PREFIX).get("Contents", []))
    assert [k.split("/")[2] for k in keys] == [f"dt={day}" for day in sorted(revenue)]
    lake_revenue: dict[str, Decimal] = defaultdict(Decimal)
    for key in keys:
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket="datastore", Key=key)["Body"].read()))
        lake_revenue[key.split("/")[2][3:]] += sum(table.column("revenue").to_pylist())
    assert dict(lake_revenue) == revenue

    bq = stack.service("bigquery").client()
    found = {row["dt"].isoformat(): (row["orders"], row["revenue"]) for row in bq.query(
        "SELECT dt, CAST(SUM(orders) AS INT64) AS orders, SUM(revenue) AS revenue "
        "FROM mart.spark_daily_country GROUP BY dt").result()}
    assert found == {day: (orders[day], revenue[day]) for day in revenue}

    # reset: only the lesson's data goes; another lesson's object stays
    s3.put_object(Bucket="datastore", Key="someone-else/keep.json", Body=b"{}")
    result = stack.cli("reset", LESSON)
    assert result.exit_code == 0, result.output
    for bucket in ("datastaging", "datastore"):
        assert s3.list_objects_v2(Bucket=bucket, Prefix="spark-on-the-lake/").get(
            "Contents", []) == []
    assert s3.get_object(Bucket="datastore", Key="someone-else/keep.json")["Body"].read() == b"{}"
    s3.delete_object(Bucket="datastore", Key="someone-else/keep.json")
    tables = [t.table_id for d in bq.list_datasets() for t in bq.list_tables(d.dataset_id)]
    assert "spark_daily_country" not in tables
    connection = stack.service("mysql").client()
    cursor = connection.cursor()
    cursor.execute("SHOW TABLES LIKE 'spark_orders'")
    assert cursor.fetchall() == []
    connection.close()
