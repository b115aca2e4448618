"""The lesson tail-and-rotate's SQL on the BigQuery emulator: duplicates in
raw.access_log (as a crash or a retried insert leaves them) are removed by
sql/staging_access_log.sql, and each request id is read from its path.

The e2e run of the lesson is graceful, so its raw table has no duplicates:
this is the test that the deduplication really deduplicates. The SQL names
the datasets ``raw`` and ``staging``, so this module has a container of its own.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from google.cloud import bigquery

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.stack.bigquery import BigQuery

pytestmark = pytest.mark.integration

FOLDER = scenarios_dir() / "tail-and-rotate"
REQUESTS = 600
app = catalog.lesson_module(FOLDER, "app")
SCHEMA_FIELDS = re.search(r"^\s*schema\s+(\[.*?\])\s*$", (FOLDER / "agent.conf").read_text(),
                          re.S | re.M)


def _record(text: str) -> dict[str, Any]:
    """A parsed line as the agent's apache2 parser and <inject> make it (enough of it)."""
    host, _, user, stamp, _, method, path, _, code, size = text.split(" ")[:10]
    time = datetime.strptime(stamp, "[%d/%b/%Y:%H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"time": time, "host": host, "user": None if user == "-" else user,
            "method": method.strip('"'), "path": path, "code": int(code),
            "size": None if size == "-" else int(size)}


@pytest.fixture(scope="module")
def client(service_factory: Any) -> bigquery.Client:
    return service_factory(BigQuery).service.client()


@pytest.fixture(scope="module")
def requests(client: bigquery.Client) -> list[str]:
    """Load the requests with every tenth one twice, then run the staging SQL."""
    assert SCHEMA_FIELDS is not None
    schema = [bigquery.SchemaField(f["name"], f["type"], mode=f.get("mode", "NULLABLE"))
              for f in json.loads(SCHEMA_FIELDS.group(1))]
    lines = [line for line in app.generate(REQUESTS) if line.matched]
    records = [_record(line.text) for line in lines]
    records += records[::10]
    for dataset in ("raw", "staging"):
        client.create_dataset(dataset, exists_ok=True)
    job_config = bigquery.LoadJobConfig(source_format="NEWLINE_DELIMITED_JSON", schema=schema,
                                        write_disposition="WRITE_TRUNCATE")
    body = io.BytesIO("\n".join(json.dumps(r) for r in records).encode())
    client.load_table_from_file(body, "raw.access_log", job_config=job_config).result()
    client.query((FOLDER / "sql" / "staging_access_log.sql").read_text()).result()
    return [line.request_id for line in lines]


def test_raw_holds_duplicates_and_staging_holds_each_request_once(client, requests) -> None:
    raw = next(iter(client.query("SELECT COUNT(*) AS n FROM raw.access_log").result()))["n"]
    assert raw == REQUESTS + REQUESTS // 10
    found = [row["request_id"] for row in
             client.query("SELECT request_id FROM staging.access_log").result()]
    assert Counter(found) == Counter(requests)


def test_staging_keeps_the_request_columns_and_its_id_matches_its_path(client, requests) -> None:
    rows = list(client.query("SELECT request_id, path, code FROM staging.access_log "
                             "ORDER BY request_id LIMIT 3").result())
    assert [r["request_id"] for r in rows] == sorted(requests)[:3]
    for row in rows:
        assert row["path"].endswith(f"?rid={row['request_id']}") and row["code"] >= 200
