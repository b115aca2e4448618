"""The lesson logging-to-bq's SQL on the BigQuery emulator, against its ground truth.

The app's records are loaded straight into ``raw.app_logs`` (no agent, no
S3), with some of them twice, as at-least-once delivery would; then the
lesson's transform and question SQL must give exactly what the generator
says it logged. A last test pins the emulator gaps the lesson's README names,
so that a new emulator that fixes one shows up here.

The SQL names the datasets ``raw``, ``staging`` and ``mart``, so this module
has a container of its own.
"""

from __future__ import annotations

import io
import json
from types import ModuleType
from typing import Any

import pytest
from google.api_core.exceptions import BadRequest
from google.cloud import bigquery

from dplat.resources import scenarios_dir
from dplat.scenario import catalog, results
from dplat.stack.bigquery import BigQuery

pytestmark = pytest.mark.integration

FOLDER = scenarios_dir() / "logging-to-bq"
EVENTS = 4000
DUPLICATED = 150


def _module(name: str) -> ModuleType:
    """A module of the lesson's folder, imported as the runner imports it."""
    return catalog.lesson_module(FOLDER, name)


app, truth, plumbing = _module("app"), _module("truth"), _module("plumbing")
TRANSFORMS = ("staging_app_logs", "mart_requests_hourly", "mart_endpoint_latency",
              "mart_top_errors")


def _sql(name: str) -> str:
    return (FOLDER / "sql" / f"{name}.sql").read_text()


def _schema() -> list[bigquery.SchemaField]:
    fields = plumbing.schema_from_config((FOLDER / "agent.conf").read_text())
    return [bigquery.SchemaField(f["name"], f["type"], mode=f.get("mode", "NULLABLE"))
            for f in fields]


@pytest.fixture(scope="module")
def client(service_factory: Any) -> bigquery.Client:
    return service_factory(BigQuery).service.client()


@pytest.fixture(scope="module")
def expected(client: bigquery.Client) -> dict[str, Any]:
    """Load the records (some twice), run the transforms; return the truth."""
    requests = app.generate(EVENTS)
    for dataset in ("raw", "staging", "mart"):
        client.create_dataset(dataset, exists_ok=True)
    records = [r.record() for r in requests] + [r.record() for r in requests[::25][:DUPLICATED]]
    job_config = bigquery.LoadJobConfig(source_format="NEWLINE_DELIMITED_JSON", schema=_schema(),
                                        write_disposition="WRITE_TRUNCATE")
    body = io.BytesIO("\n".join(json.dumps(r) for r in records).encode())
    client.load_table_from_file(body, "raw.app_logs", job_config=job_config).result()
    for name in TRANSFORMS:
        client.query(_sql(name)).result()
    return truth.ground_truth(requests)


def test_raw_holds_the_duplicates_that_staging_removes(client, expected) -> None:
    raw = results.scalar(client, "SELECT COUNT(*) FROM raw.app_logs")
    assert raw == EVENTS + DUPLICATED
    found = results.rows(client, "SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS ids "
                                  "FROM staging.app_logs")
    assert found == [{"n": EVENTS, "ids": EVENTS}]


@pytest.mark.parametrize(("table", "key", "columns"), [
    ("mart.requests_hourly", "hourly", ("hour", "endpoint")),
    ("mart.endpoint_latency", "latency", ("endpoint",)),
    ("mart.top_errors", "top_errors", ("position",)),
])
def test_mart_tables_equal_the_ground_truth_exactly(client, expected, table, key, columns) -> None:
    found = results.rows(client, f"SELECT * FROM {table}")
    assert truth.differences(expected[key], found, columns) == ""
    assert len(found) == len(expected[key])


def test_staged_counts_per_level_status_and_day(client, expected) -> None:
    for column, key in (("level", "per_level"), ("CAST(status AS STRING)", "per_status"),
                        ("FORMAT_TIMESTAMP('%Y%m%d', event_time)", "per_dt")):
        found = results.rows(client, f"SELECT {column} AS k, COUNT(*) AS n "
                                      "FROM staging.app_logs GROUP BY k")
        assert {r["k"]: r["n"] for r in found} == expected[key], column


def test_the_questions_answer_as_the_ground_truth(client, expected) -> None:
    slowest = results.rows(client, _sql("question_slowest_endpoint"))
    assert {k: slowest[0][k] for k in ("endpoint", "p95_ms")} == expected["slowest_endpoint"]
    assert [r["endpoint"] for r in slowest] == [
        r["endpoint"] for r in sorted(expected["latency"], key=lambda r: (-r["p95_ms"], r["endpoint"]))]
    spike = results.rows(client, _sql("question_error_spike"))
    assert {k: spike[0][k] for k in ("hour", "requests", "errors")} == expected["error_spike"]


def test_the_emulator_gaps_the_readme_names(client, expected) -> None:
    # DIV(a + b, c): the upstream emulator computes a + DIV(b, c), dplat's is
    # right (its correction layer); the SQL avoids DIV for the upstream set.
    assert results.scalar(client, "SELECT DIV(95 * 7 + 99, 100)") == 7
    # PARTITION BY in CREATE TABLE AS SELECT is accepted and not applied.
    assert client.get_table("staging.app_logs").time_partitioning is None
    # SUM / SUM over INT64 columns of a table made by a query is FLOAT64 as in
    # BigQuery (the upstream emulator, and dplat's before its INT64 SUM check,
    # answered NUMERIC).
    result = client.query("SELECT SUM(requests) / SUM(errors) AS r FROM mart.requests_hourly")
    assert [f.field_type for f in result.result().schema] == ["FLOAT"]
    # Load jobs refuse a partition decorator.
    job_config = bigquery.LoadJobConfig(source_format="NEWLINE_DELIMITED_JSON", schema=_schema())
    row = json.dumps(app.generate(1)[0].record()).encode()
    with pytest.raises(BadRequest, match="Invalid table id"):
        client.load_table_from_file(io.BytesIO(row), "raw.app_logs$20201122",
                                    job_config=job_config).result()
