"""The lesson warehouse-kpis' SQL on the BigQuery emulator, against its ground truth.

The generated rows are loaded into the raw tables with the lesson's own load
jobs, then the staging, dimension and KPI SQL must give exactly what truth.py
computed in Python. The last test is the lesson's external table: its DDL over
NDJSON objects staged in the S3 store's ``datastaging`` bucket, read at query
time, and DROP leaving the objects (local image only: docs/differences.md).

The SQL names the datasets ``raw``, ``staging`` and ``mart``, so this module
has containers of its own (S3 and BigQuery on one network, as in
test_bigquery_api.py, whose fixture it reuses).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from google.cloud import bigquery

from dplat.resources import scenarios_dir
from dplat.scenario import catalog, results
from tests.integration.test_bigquery_api import stack  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

FOLDER = scenarios_dir() / "warehouse-kpis"
EVENTS = 6000
BUILD = ("staging_kpi_users", "staging_kpi_events", "staging_kpi_purchases",
         "staging_kpi_activity", "mart_kpi_dim_users", "mart_kpi_daily")


def _module(name: str) -> ModuleType:
    """A module of the lesson's folder, imported as the runner imports it."""
    return catalog.lesson_module(FOLDER, name)


shop, truth, warehouse = _module("shop"), _module("truth"), _module("warehouse")


def _sql(name: str) -> str:
    return (FOLDER / "sql" / f"{name}.sql").read_text()


@pytest.fixture(scope="module")
def client(stack: Any) -> bigquery.Client:  # noqa: F811 (the fixture above)
    return stack[1].service.client()


@pytest.fixture(scope="module")
def expected(client: bigquery.Client) -> dict[str, Any]:
    """Load the raw tables, run the lesson's SQL; return the truth."""
    data = shop.generate(EVENTS)
    for dataset in ("raw", "staging", "mart"):
        client.create_dataset(dataset, exists_ok=True)
    for table, rows in (("raw.kpi_users", data.users), ("raw.kpi_events", data.delivered_events),
                        ("raw.kpi_purchases", data.purchases)):
        warehouse.load_ndjson(client, table, shop.records(rows))
    for name in BUILD:
        client.query(_sql(name)).result()
    return truth.ground_truth(data)


def test_raw_and_staging_counts(client, expected) -> None:
    for layer in ("raw", "staging"):
        for table, rows in expected[layer].items():
            assert warehouse.count(client, f"{layer}.{table}") == rows, f"{layer}.{table}"
    assert expected["raw"]["kpi_events"] > expected["staging"]["kpi_events"] == EVENTS


def test_every_kpi_of_every_day_equals_the_ground_truth(client, expected) -> None:
    found = results.rows(client, "SELECT * FROM mart.kpi_daily ORDER BY day")
    assert found == expected["daily"]
    assert len(found) == shop.DAYS


def test_the_user_dimension_equals_the_ground_truth(client, expected) -> None:
    found = results.rows(client, "SELECT * FROM mart.kpi_dim_users")
    assert truth.differences(expected["dim_users"], found, "user_id") == []
    assert len(found) == len(expected["dim_users"])


def test_the_questions_answer_as_the_ground_truth(client, expected) -> None:
    best = results.rows(client, _sql("question_best_conversion_day"))
    assert best[0]["day"] == expected["best_conversion_day"]
    assert results.rows(client, _sql("question_arppu_by_country")) == expected["arppu_by_country"]


def test_the_ratio_columns_are_float64_not_numeric(client, expected) -> None:
    table = client.get_table("mart.kpi_daily")
    types = {f.name: f.field_type for f in table.schema}
    assert {types[c] for c in ("conversion", "arpu", "arppu")} <= {"FLOAT", "FLOAT64"}
    assert {types[c] for c in ("dau", "pu", "revenue_cents")} <= {"INTEGER", "INT64"}
    dimension = {f.name: f.field_type for f in client.get_table("mart.kpi_dim_users").schema}
    assert dimension["revenue_cents"] in {"INTEGER", "INT64"}  # SUM alone would be NUMERIC


# https://cloud.google.com/bigquery/docs/external-data-cloud-storage: an external
# table is read at query time; dropping it leaves the files in Cloud Storage.
def test_the_external_table_reads_staged_files_at_query_time_and_drop_keeps_them(
        client, expected, stack) -> None:  # noqa: F811
    s3 = stack[0].service.client()
    data = shop.generate(EVENTS)
    days = warehouse.by_day(shop.records(data.purchases), "purchased_at")
    first, *rest = sorted(days)
    prefix = "warehouse-kpis/kpi_purchases/"
    keys = [f"{prefix}{day.replace('-', '')}.json" for day in sorted(days)]
    s3.put_object(Bucket="datastaging", Key=keys[0], Body=warehouse.ndjson(days[first]))
    client.query(warehouse.statement(_sql("external_kpi_purchases"))).result()
    assert client.get_table("raw.kpi_purchases_external").table_type == "EXTERNAL"
    assert warehouse.count(client, "raw.kpi_purchases_external") == len(days[first])
    for key, day in zip(keys[1:], rest, strict=True):
        s3.put_object(Bucket="datastaging", Key=key, Body=warehouse.ndjson(days[day]))
    assert warehouse.count(client, "raw.kpi_purchases_external") == len(data.purchases)
    found = results.rows(client, _sql("external_paid_per_day"))
    assert [(r["day"], r["pu"], r["revenue_cents"]) for r in found] == [
        (r["day"], r["pu"], r["revenue_cents"]) for r in expected["daily"] if r["pu"]]
    client.query("DROP TABLE raw.kpi_purchases_external").result()
    assert "kpi_purchases_external" not in [t.table_id for t in client.list_tables("raw")]
    listed = s3.list_objects_v2(Bucket="datastaging", Prefix=prefix)["Contents"]
    assert sorted(o["Key"] for o in listed) == keys
