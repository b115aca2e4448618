"""The lesson warehouse-kpis' SQL on the BigQuery emulator, against its ground truth.

The generated rows are loaded into the raw tables with the lesson's own load
jobs, then the staging, dimension and KPI SQL must give exactly what truth.py
computed in Python. A last test pins the emulator's answer to an external
table, which the lesson's README describes.

The SQL names the datasets ``raw``, ``staging`` and ``mart``, so this module
has a container of its own.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from google.cloud import bigquery

from dplat.resources import scenarios_dir
from dplat.scenario import catalog, results
from dplat.stack.bigquery import BigQuery

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
def client(service_factory: Any) -> bigquery.Client:
    return service_factory(BigQuery).service.client()


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


def test_the_emulator_turns_an_external_table_into_an_empty_native_one(client, expected) -> None:
    config = bigquery.ExternalConfig("NEWLINE_DELIMITED_JSON")
    config.source_uris = ["gs://datastaging/warehouse-kpis/kpi_users/*.json"]
    config.schema = warehouse.schema("raw.kpi_users")
    table = bigquery.Table(f"{client.project}.raw.kpi_users_external")
    table.external_data_configuration = config
    made = client.create_table(table)
    try:
        assert made.table_type == "TABLE"  # BigQuery: EXTERNAL
        assert made.external_data_configuration is None
        assert warehouse.count(client, "raw.kpi_users_external") == 0
    finally:
        client.delete_table("raw.kpi_users_external", not_found_ok=True)
