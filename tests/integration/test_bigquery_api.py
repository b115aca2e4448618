"""The bigquery image's API behaviour (issue 11), spoken to with google-cloud-bigquery.

Load jobs (Parquet, Avro; from uploads and gs:// URIs), JavaScript UDFs,
per-row insertErrors, insertId de-duplication, external tables over the S3
store, and BigQuery's error shape for what is refused. The emulator and an S3
store run on a network of their own, the store under the name ``s3`` as in
compose. Every expectation comes from BigQuery's documentation (cited above
each test), not from the emulator's code.
"""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from google.api_core import exceptions
from google.cloud import bigquery
from testcontainers.core.network import Network

from dplat.stack.bigquery import BigQuery
from dplat.stack.credentials import Credentials
from dplat.stack.s3 import S3

from .conftest import TEST_LABEL, RunningService, start

pytestmark = pytest.mark.integration

BUCKET = "datastaging"  # made by the S3 image at start, as in the sandbox


@pytest.fixture(scope="module")
def stack(credentials: Credentials) -> Iterator[tuple[RunningService, RunningService]]:
    """S3 (alias ``s3``) and BigQuery on one network; removed with the network afterwards."""
    network = Network(docker_network_kw={"labels": TEST_LABEL}).create()
    started: list[RunningService] = []
    try:
        started.append(start(S3, credentials, network=network, aliases=("s3",)))
        started.append(start(BigQuery, credentials, network=network))
        yield started[0], started[1]
    finally:
        for running in started:
            running.container.stop()
        network.remove()


@pytest.fixture(autouse=True)
def emulator_running(stack: tuple[RunningService, RunningService]) -> Iterator[None]:
    """Each test starts and ends with the emulator up: a crash (a segfault in
    V8 once) fails the test that caused it and the rest at once, not after
    each client's ten minutes of retries."""
    stack[1].check_running()
    yield
    stack[1].check_running()


@pytest.fixture(scope="module")
def client(stack: tuple[RunningService, RunningService]) -> bigquery.Client:
    return stack[1].service.client()


@pytest.fixture(scope="module")
def s3(stack: tuple[RunningService, RunningService]) -> Any:
    return stack[0].service.client()


@pytest.fixture
def dataset(client: bigquery.Client) -> str:
    return client.create_dataset(f"t_{uuid.uuid4().hex[:10]}").dataset_id


def rows(client: bigquery.Client, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in client.query(sql).result()]


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


SCHEMA = [bigquery.SchemaField("id", "INT64", mode="REQUIRED"), bigquery.SchemaField("name", "STRING")]


def make_table(client: bigquery.Client, dataset: str, name: str = "t") -> str:
    table_id = f"{client.project}.{dataset}.{name}"
    client.create_table(bigquery.Table(table_id, schema=SCHEMA))
    return table_id


# Loading Parquet: https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-parquet
# outputRows is "the number of rows imported in a load job":
# https://cloud.google.com/bigquery/docs/reference/rest/v2/Job#JobStatistics3
def test_parquet_upload_appends_and_counts_only_its_own_rows(client: bigquery.Client, dataset: str) -> None:
    table_id = make_table(client, dataset)
    assert client.insert_rows_json(table_id, [{"id": 1, "name": "a"}]) == []
    data = io.BytesIO(parquet_bytes(pa.table({"id": [2, 3], "name": ["b", "c"]})))
    job = client.load_table_from_file(data, table_id, job_config=bigquery.LoadJobConfig(source_format="PARQUET"))
    job.result(timeout=60)
    assert job.output_rows == 2
    assert rows(client, f"SELECT id, name FROM `{table_id}` ORDER BY id") == [(1, "a"), (2, "b"), (3, "c")]


# Avro loads take the schema from the file: https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro
def test_avro_upload_into_a_new_table_takes_the_files_schema(client: bigquery.Client, dataset: str) -> None:
    schema = {"type": "record", "name": "r", "fields": [{"name": "k", "type": "long"}, {"name": "v", "type": "string"}]}
    data = io.BytesIO()
    fastavro.writer(data, schema, [{"k": 7, "v": "seven"}, {"k": 8, "v": "eight"}])
    data.seek(0)
    table_id = f"{client.project}.{dataset}.from_avro"
    job = client.load_table_from_file(data, table_id, job_config=bigquery.LoadJobConfig(source_format="AVRO"))
    job.result(timeout=60)
    assert job.output_rows == 2
    assert [f.name for f in client.get_table(table_id).schema] == ["k", "v"]
    assert rows(client, f"SELECT k, v FROM `{table_id}` ORDER BY k") == [(7, "seven"), (8, "eight")]


# Wildcards in load URIs: https://cloud.google.com/bigquery/docs/batch-loading-data#load-wildcards
def test_parquet_load_from_gs_wildcard_reads_the_s3_bucket(client: bigquery.Client, dataset: str, s3: Any) -> None:
    prefix = f"load-{dataset}"
    for part in range(2):
        body = parquet_bytes(pa.table({"id": [part * 10 + 1, part * 10 + 2], "name": ["x", "y"]}))
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/part-{part}.parquet", Body=body)
    table_id = f"{client.project}.{dataset}.loaded"
    job = client.load_table_from_uri(f"gs://{BUCKET}/{prefix}/*.parquet", table_id,
                                     job_config=bigquery.LoadJobConfig(source_format="PARQUET"))
    job.result(timeout=60)
    assert job.output_rows == 4
    assert rows(client, f"SELECT SUM(id) FROM `{table_id}`") == [(1 + 2 + 11 + 12,)]


# JavaScript UDFs: https://cloud.google.com/bigquery/docs/user-defined-functions#javascript-udf-structure
def test_javascript_udf_runs(client: bigquery.Client) -> None:
    sql = ('CREATE TEMP FUNCTION triple(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS """return x * 3;""";'
           " SELECT triple(14) AS v")
    assert rows(client, sql) == [(42.0,)]


# The documented form is a raw string: its backslashes reach JavaScript as written
# (https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#string_and_bytes_literals).
def test_javascript_udf_with_a_raw_string_body(client: bigquery.Client) -> None:
    body = "return s.replace(/\\D/g, '');"  # one backslash: \D, JavaScript's non-digit class
    sql = f'CREATE TEMP FUNCTION digits(s STRING) RETURNS STRING LANGUAGE js AS r"""{body}"""; SELECT digits("a1b22c")'
    assert rows(client, sql) == [("122",)]


def test_query_and_wait_raises_a_failing_querys_error(client: bigquery.Client, dataset: str) -> None:
    """jobs.query (the client's query_and_wait) answers a failed query with its error,
    not zero rows (https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/query);
    a good query still answers its rows."""
    with pytest.raises(exceptions.BadRequest, match="division by zero") as raised:
        client.query_and_wait("SELECT 1 / 0")
    assert raised.value.errors[0]["reason"] == "invalidQuery"
    with pytest.raises(exceptions.NotFound):
        client.query_and_wait(f"SELECT * FROM {dataset}.no_such_table")
    assert [tuple(r.values()) for r in client.query_and_wait("SELECT 6 * 7")] == [(42,)]


def test_queries_answer_right_while_other_clients_read_metadata(
        stack: tuple[RunningService, RunningService], client: bigquery.Client, dataset: str) -> None:
    """Two commands at once: queries while other clients read table metadata
    and rows and the healthcheck's /readyz fires. BigQuery serves concurrent
    requests independently (https://cloud.google.com/bigquery/quotas#query_jobs);
    bqemulator's shared DuckDB connection handed a query another request's
    result (zero rows, a row count) until dplat_bq.one_thread."""
    bq = stack[1].service
    table_id = f"{client.project}.{dataset}.numbers"
    client.query(f"CREATE TABLE `{table_id}` AS SELECT x AS id FROM UNNEST(GENERATE_ARRAY(1, 1000)) AS x").result()
    done = threading.Event()
    reads = [0]

    def read_metadata() -> None:
        reader = bq.client()
        while not done.is_set():
            reader.get_table(table_id)
            list(reader.list_rows(table_id, max_results=5))
            urllib.request.urlopen(f"{bq.url()}/readyz", timeout=30).read()
            reads[0] += 1

    def query(_: int) -> list[tuple[Any, ...]]:
        return rows(bq.client(), f"SELECT SUM(id) FROM `{table_id}`")

    with ThreadPoolExecutor(max_workers=4) as pool:
        readers = [pool.submit(read_metadata) for _ in range(2)]
        try:
            with ThreadPoolExecutor(max_workers=2) as queriers:
                answers = list(queriers.map(query, range(60)))
        finally:
            done.set()
        for reader in readers:
            reader.result()
    assert reads[0] > 0  # the readers really ran beside the queries
    assert [a for a in answers if a != [(500500,)]] == []


# tabledata.insertAll: "skipInvalidRows ... The default value is false, which causes the entire
# request to fail if any invalid rows exist."
# https://cloud.google.com/bigquery/docs/reference/rest/v2/tabledata/insertAll
def test_a_bad_row_fails_the_request_with_per_row_errors(client: bigquery.Client, dataset: str) -> None:
    table_id = make_table(client, dataset)
    errors = client.insert_rows_json(table_id, [{"id": 1}, {"id": "one"}, {"name": "no id"}, {"id": 4, "extra": 1}])
    by_index = {e["index"]: e["errors"][0] for e in errors}
    assert sorted(by_index) == [0, 1, 2, 3]
    assert by_index[0]["reason"] == "stopped"
    assert [(by_index[i]["reason"], by_index[i]["location"]) for i in (1, 2, 3)] == [
        ("invalid", "id"), ("invalid", "id"), ("invalid", "extra")]
    assert "one" in by_index[1]["message"] and "required" in by_index[2]["message"].lower()
    assert rows(client, f"SELECT COUNT(*) FROM `{table_id}`") == [(0,)]


def test_skip_invalid_rows_inserts_the_good_ones(client: bigquery.Client, dataset: str) -> None:
    table_id = make_table(client, dataset)
    errors = client.insert_rows_json(table_id, [{"id": 1}, {"id": "x"}, {"id": 3}], skip_invalid_rows=True)
    assert [(e["index"], e["errors"][0]["reason"]) for e in errors] == [(1, "invalid")]
    assert rows(client, f"SELECT id FROM `{table_id}` ORDER BY id") == [(1,), (3,)]


def test_ignore_unknown_values_drops_unknown_fields(client: bigquery.Client, dataset: str) -> None:
    table_id = make_table(client, dataset)
    assert client.insert_rows_json(table_id, [{"id": 1, "extra": "z"}], ignore_unknown_values=True) == []
    assert rows(client, f"SELECT id, name FROM `{table_id}`") == [(1, None)]


# insertId: "BigQuery uses this property to detect duplicate insertion requests on a best-effort
# basis"; de-duplication for at least one minute:
# https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency
def test_insert_ids_are_deduplicated_across_requests(client: bigquery.Client, dataset: str) -> None:
    table_id = make_table(client, dataset)
    assert client.insert_rows_json(table_id, [{"id": 1}, {"id": 2}], row_ids=["a", "b"]) == []
    time.sleep(2)
    assert client.insert_rows_json(table_id, [{"id": 1}, {"id": 3}, {"id": 3}], row_ids=["a", "c", "c"]) == []
    other = make_table(client, dataset, "other")  # ids are per table
    assert client.insert_rows_json(other, [{"id": 1}], row_ids=["a"]) == []
    assert rows(client, f"SELECT id FROM `{table_id}` ORDER BY id") == [(1,), (2,), (3,)]
    assert rows(client, f"SELECT COUNT(*) FROM `{other}`") == [(1,)]


def test_a_table_made_again_under_its_name_forgets_the_old_tables_insert_ids(
    client: bigquery.Client, dataset: str
) -> None:
    """The same ids streamed into a new table of the same name all land (the
    lessons reset by dropping their tables, then stream the same seeded ids)."""
    table_id = make_table(client, dataset, "again")
    assert client.insert_rows_json(table_id, [{"id": 1}, {"id": 2}], row_ids=["a", "b"]) == []
    client.delete_table(table_id)
    time.sleep(1.1)  # a new creation time (milliseconds in the API)
    table_id = make_table(client, dataset, "again")
    assert client.insert_rows_json(table_id, [{"id": 1}, {"id": 2}], row_ids=["a", "b"]) == []
    assert rows(client, f"SELECT id FROM `{table_id}` ORDER BY id") == [(1,), (2,)]


# numRows: "The number of rows of data in this table, excluding any data in the streaming buffer"
# (https://cloud.google.com/bigquery/docs/reference/rest/v2/tables#Table.FIELDS.num_rows). The
# sandbox has no streaming buffer (a streamed row is in the table at once), so it counts every
# row. Each insertAll rewrites the table's catalog row in place (dplat_bq/catalog_rows.py).
def test_streamed_rows_are_counted_in_the_tables_metadata(client: bigquery.Client, dataset: str) -> None:
    table_id = make_table(client, dataset)
    other = make_table(client, dataset, "other")
    assert client.insert_rows_json(other, [{"id": 0}]) == []
    for first in (1, 4, 7):
        assert client.insert_rows_json(table_id, [{"id": i} for i in range(first, first + 3)]) == []
    assert client.get_table(table_id).num_rows == 9 == rows(client, f"SELECT COUNT(*) FROM `{table_id}`")[0][0]
    assert client.get_table(other).num_rows == 1


# External tables over Cloud Storage, read at query time, wildcards, DROP keeps the data:
# https://cloud.google.com/bigquery/docs/external-data-cloud-storage
def test_external_parquet_table_sees_new_objects_and_drop_keeps_files(
    client: bigquery.Client, dataset: str, s3: Any
) -> None:
    prefix = f"ext-{dataset}"
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/a.parquet", Body=parquet_bytes(pa.table({"n": [1, 2]})))
    config = bigquery.ExternalConfig("PARQUET")
    config.source_uris = [f"gs://{BUCKET}/{prefix}/*.parquet"]
    table = bigquery.Table(f"{client.project}.{dataset}.ext")
    table.external_data_configuration = config
    created = client.create_table(table)
    assert created.table_type == "EXTERNAL"
    assert client.get_table(created).external_data_configuration.source_uris == config.source_uris
    assert rows(client, f"SELECT SUM(n) FROM `{dataset}.ext`") == [(3,)]

    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/b.parquet", Body=parquet_bytes(pa.table({"n": [10]})))
    assert rows(client, f"SELECT SUM(n) FROM `{dataset}.ext`") == [(13,)]

    client.query(f"DROP TABLE `{dataset}.ext`").result()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]]
    assert sorted(keys) == [f"{prefix}/a.parquet", f"{prefix}/b.parquet"]
    with pytest.raises(exceptions.NotFound):
        client.get_table(created)


# CREATE EXTERNAL TABLE: https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#create_external_table_statement
def test_create_external_table_over_csv_and_ndjson(client: bigquery.Client, dataset: str, s3: Any) -> None:
    prefix = f"ddl-{dataset}"
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/csv/1.csv", Body=b"k,v\n1,one\n2,two\n")
    lines = [json.dumps({"k": 5, "tags": ["a", "b"]}), json.dumps({"k": 6, "tags": []})]
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/json/1.json", Body="\n".join(lines).encode())
    client.query(f"CREATE EXTERNAL TABLE {dataset}.c (k INT64, v STRING) OPTIONS (format = 'CSV',"
                 f" uris = ['gs://{BUCKET}/{prefix}/csv/*.csv'], skip_leading_rows = 1)").result()
    client.query(f"CREATE EXTERNAL TABLE {dataset}.j OPTIONS (format = 'NEWLINE_DELIMITED_JSON',"
                 f" uris = ['gs://{BUCKET}/{prefix}/json/*'])").result()
    assert rows(client, f"SELECT k, v FROM {dataset}.c ORDER BY k") == [(1, "one"), (2, "two")]
    assert rows(client, f"SELECT k, ARRAY_LENGTH(tags) FROM {dataset}.j ORDER BY k") == [(5, 2), (6, 0)]
    assert client.get_table(f"{client.project}.{dataset}.c").table_type == "EXTERNAL"


def test_create_or_replace_turns_a_native_table_external(client: bigquery.Client, dataset: str, s3: Any) -> None:
    table_id = make_table(client, dataset, "swap")
    assert client.insert_rows_json(table_id, [{"id": 99}]) == []
    s3.put_object(Bucket=BUCKET, Key=f"swap-{dataset}/a.csv", Body=b"7,seven\n")
    client.query(f"CREATE OR REPLACE EXTERNAL TABLE {dataset}.swap (id INT64, name STRING)"
                 f" OPTIONS (format = 'CSV', uris = ['gs://{BUCKET}/swap-{dataset}/a.csv'])").result()
    assert rows(client, f"SELECT id, name FROM {dataset}.swap") == [(7, "seven")]
    assert client.get_table(table_id).table_type == "EXTERNAL"


# Errors carry reason, location and message: https://cloud.google.com/bigquery/docs/error-messages
@pytest.mark.parametrize(
    ("options", "location", "words"),
    [
        ("format = 'CSV', uris = ['s3://x/y.csv']", "s3://x/y.csv", "gs://"),
        ("format = 'GOOGLE_SHEETS', uris = ['gs://datastaging/x']", "format", "not supported"),
        ("format = 'CSV', uris = ['gs://datastaging/x.csv'], max_staleness = INTERVAL 1 HOUR",
         "max_staleness", "not supported"),
        ("format = 'PARQUET', uris = ['gs://datastaging/none-here/*.parquet']",
         "gs://datastaging/none-here/*.parquet", "Not found"),
    ],
)
def test_refused_external_tables_say_why_in_bigquerys_shape(
    client: bigquery.Client, dataset: str, options: str, location: str, words: str
) -> None:
    job = client.query(f"CREATE EXTERNAL TABLE {dataset}.bad OPTIONS ({options})")
    with pytest.raises(exceptions.GoogleAPICallError):
        job.result()
    assert (job.error_result["reason"], job.error_result.get("location")) == ("invalidQuery", location)
    assert words in job.error_result["message"]
    with pytest.raises(exceptions.NotFound):  # never silently a native table
        client.get_table(f"{client.project}.{dataset}.bad")


# Extract jobs write to Cloud Storage: https://cloud.google.com/bigquery/docs/exporting-data
def test_extract_to_gs_writes_the_s3_bucket(client: bigquery.Client, dataset: str, s3: Any) -> None:
    table_id = make_table(client, dataset)
    assert client.insert_rows_json(table_id, [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]) == []
    client.extract_table(table_id, f"gs://{BUCKET}/extract-{dataset}/t.csv").result(timeout=60)
    body = s3.get_object(Bucket=BUCKET, Key=f"extract-{dataset}/t.csv")["Body"].read().decode()
    assert sorted(body.split()) == ["1,a", "2,b", "id,name"]


# Last in this module: the restart may move the published port, so it makes its own client.
def test_external_tables_and_row_counts_survive_a_restart(
    stack: tuple[RunningService, RunningService], dataset: str, s3: Any
) -> None:
    running = stack[1]
    client = running.service.client()
    streamed = make_table(client, dataset, "streamed")
    for first in (0, 5):
        assert client.insert_rows_json(streamed, [{"id": i} for i in range(first, first + 5)]) == []
    s3.put_object(Bucket=BUCKET, Key=f"restart-{dataset}/a.parquet", Body=parquet_bytes(pa.table({"n": [4, 5]})))
    client.query(f"CREATE EXTERNAL TABLE {dataset}.r OPTIONS (format = 'PARQUET',"
                 f" uris = ['gs://{BUCKET}/restart-{dataset}/*.parquet'])").result()
    wrapped = running.container.get_wrapped_container()
    wrapped.restart(timeout=20)
    wrapped.reload()
    endpoint = BigQuery.endpoints[0]
    port = int(wrapped.ports[f"{endpoint.container_port}/tcp"][0]["HostPort"])
    service = BigQuery(running.service.credentials, {endpoint.name: port})
    service.wait_ready(timeout=60)
    assert rows(service.client(), f"SELECT SUM(n) FROM {dataset}.r") == [(9,)]
    assert service.client().get_table(streamed).num_rows == 10
