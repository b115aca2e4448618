"""The bigquery image, spoken to with google-cloud-bigquery on its published port.

Each test works in its own dataset, so tests share one container and still do
not depend on each other or on their order.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections import Counter
from typing import Any

import pytest
from google.cloud import bigquery
from testcontainers.core.container import DockerContainer

from dplat.stack.bigquery import BigQuery

from .conftest import TEST_LABEL

pytestmark = pytest.mark.integration

MEMORY_LIMIT = "1g"  # the stack's limit for bigquery (DESIGN.md)

SCHEMA = [
    bigquery.SchemaField("dt", "DATE", mode="REQUIRED"),
    bigquery.SchemaField("user_id", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("amount", "INT64"),
]

# Three days of events: (dt, user_id, amount).
STREAMED = [
    ("2024-03-01", "u1", 10), ("2024-03-01", "u2", 5), ("2024-03-01", "u1", 1),
    ("2024-03-02", "u3", 7),
]
LOADED = [
    ("2024-03-02", "u1", 2), ("2024-03-02", "u3", 3), ("2024-03-03", "u2", 20),
]


def as_json(rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{"dt": d, "user_id": u, "amount": a} for d, u, a in rows]


def create_events_table(client: bigquery.Client) -> str:
    """A fresh dataset with a table partitioned by day on ``dt``; its table id."""
    dataset = client.create_dataset(f"t_{uuid.uuid4().hex[:10]}")
    table = bigquery.Table(f"{client.project}.{dataset.dataset_id}.events", schema=SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY, field="dt")
    return client.create_table(table).full_table_id.replace(":", ".")


def daily_totals(client: bigquery.Client, table_id: str) -> list[tuple[Any, ...]]:
    sql = f"""
        SELECT dt, COUNT(*) AS events, COUNT(DISTINCT user_id) AS users, SUM(amount) AS amount
        FROM `{table_id}` GROUP BY dt ORDER BY dt
    """
    return [tuple(row.values()) for row in client.query(sql).result()]


def expected_totals(rows: list[tuple[str, str, int]]) -> list[tuple[Any, ...]]:
    days = sorted({d for d, _, _ in rows})
    events = Counter(d for d, _, _ in rows)
    return [
        (dt.date.fromisoformat(day), events[day],
         len({u for d, u, _ in rows if d == day}), sum(a for d, _, a in rows if d == day))
        for day in days
    ]


@pytest.fixture(scope="module")
def running(service_factory: Any) -> Any:
    running = service_factory(BigQuery)
    # The fixture starts containers without limits; run inside the stack's.
    running.container.get_wrapped_container().update(mem_limit=MEMORY_LIMIT, memswap_limit=MEMORY_LIMIT)
    return running


@pytest.fixture(scope="module")
def server(running: Any) -> BigQuery:
    return running.service


@pytest.fixture(scope="module")
def client(server: BigQuery) -> bigquery.Client:
    return server.client()


def test_the_default_project_is_the_stacks(client: bigquery.Client, server: BigQuery) -> None:
    rows = list(client.query("SELECT 1 AS one, 'x' AS s").result())
    assert [tuple(r.values()) for r in rows] == [(1, "x")]
    assert client.project == server.credentials.bigquery_project


def test_table_is_partitioned_by_date(client: bigquery.Client) -> None:
    table = client.get_table(create_events_table(client))
    assert table.time_partitioning.type_ == "DAY"
    assert table.time_partitioning.field == "dt"
    # BigQuery answers INTEGER for INT64, bqemulator INT64: both mean the same.
    types = [(f.name, f.field_type.replace("INTEGER", "INT64")) for f in table.schema]
    assert types == [("dt", "DATE"), ("user_id", "STRING"), ("amount", "INT64")]


def test_streamed_and_loaded_rows_give_exact_daily_totals(client: bigquery.Client, tmp_path: Any) -> None:
    table_id = create_events_table(client)
    assert client.insert_rows_json(table_id, as_json(STREAMED)) == []

    ndjson = tmp_path / "events.json"
    ndjson.write_text("".join(json.dumps(row) + "\n" for row in as_json(LOADED)))
    config = bigquery.LoadJobConfig(source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON, schema=SCHEMA)
    with ndjson.open("rb") as source:
        job = client.load_table_from_file(source, table_id, job_config=config)
    job.result(timeout=60)
    # BigQuery reports the rows this job loaded (3), not the table's total (7).
    assert (job.state, job.errors, job.output_rows) == ("DONE", None, 3)

    assert daily_totals(client, table_id) == expected_totals(STREAMED + LOADED)
    assert expected_totals(STREAMED + LOADED)[0][1:] == (3, 2, 16)  # the oracle itself, by hand


def current_port(container: DockerContainer, container_port: int) -> int:
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    return int(wrapped.ports[f"{container_port}/tcp"][0]["HostPort"])


def test_data_survives_a_container_restart(service_factory: Any) -> None:
    # Its own container: a restart may move the published port, which would
    # pull the rug from under the other tests' client.
    running = service_factory(BigQuery)
    service = running.service
    table_id = create_events_table(service.client())
    assert service.client().insert_rows_json(table_id, as_json(STREAMED)) == []

    running.container.get_wrapped_container().restart(timeout=20)
    endpoint = BigQuery.endpoints[0]
    service = BigQuery(service.credentials, {endpoint.name: current_port(running.container, endpoint.container_port)})
    service.wait_ready(timeout=60)

    assert daily_totals(service.client(), table_id) == expected_totals(STREAMED)


# Sent from inside the container (no network means no published port): retry
# until the emulator listens, then print the REST answer.
QUERY_FROM_INSIDE = """
import sys, time, urllib.request
request = urllib.request.Request(
    "http://127.0.0.1:9050/bigquery/v2/projects/dplat/queries",
    data=sys.argv[1].encode(), headers={"Content-Type": "application/json"})
for _ in range(120):
    try:
        print(urllib.request.urlopen(request, timeout=5).read().decode())
        break
    except OSError:
        time.sleep(0.25)
"""


def test_starts_and_answers_queries_with_no_network() -> None:
    """Nothing downloads at run time: with --network none it starts and serves.

    The query touches what needs a DuckDB extension (spatial from the image,
    ICU time zones and JSON built in), so a missing one would show here.
    """
    container = DockerContainer(BigQuery.image())
    container.with_kwargs(labels=TEST_LABEL, network_mode="none")
    container.start()
    try:
        sql = (
            "SELECT 41 + 1 AS answer, ST_ASTEXT(ST_GEOGPOINT(1, 2)) AS point,"
            " FORMAT_TIMESTAMP('%H', TIMESTAMP '2024-01-01 12:00:00+00', 'Asia/Tokyo') AS tokyo_hour,"
            " JSON_VALUE('{\"a\": \"b\"}', '$.a') AS a"
        )
        started = time.monotonic()
        wrapped = container.get_wrapped_container()
        body = json.dumps({"query": sql, "useLegacySql": False})
        result = wrapped.exec_run(["python3", "-c", QUERY_FROM_INSIDE, body])
        logs = wrapped.logs().decode(errors="replace")
        assert result.exit_code == 0 and result.output, logs[-3000:]
        cells = [cell["v"] for cell in json.loads(result.output)["rows"][0]["f"]]
        # WKT as BigQuery writes it, no space before the parenthesis (geography_functions#st_astext;
        # the conformance suite's geography.point_as_text): dplat_bqext's correction is in the image.
        assert cells == ["42", "POINT(1 2)", "21", "b"]
        assert time.monotonic() - started < 30
    finally:
        container.stop()


def test_the_images_healthcheck_passes(running: Any) -> None:
    """The HEALTHCHECK compose relies on: run the very command the image declares."""
    wrapped = running.container.get_wrapped_container()
    test = wrapped.attrs["Config"]["Healthcheck"]["Test"]
    assert test[0] == "CMD"
    result = wrapped.exec_run(test[1:])
    assert result.exit_code == 0, result.output
