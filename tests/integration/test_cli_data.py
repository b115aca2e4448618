"""`dplat sql`, `ls` and `cat` against the real services: their output options
and the errors a user's mistake gets.

MySQL, S3 and the BigQuery emulator run from the stack's own images
(testcontainers, random ports on 127.0.0.1); the CLI runs in-process and finds
them through DPLAT_PORT_* and the credentials file, as it finds the stack.
Each error test also runs the command its fix names, so a fix that does not
work fails here. The error texts come from the servers themselves: MySQL's
server error reference (https://dev.mysql.com/doc/mysql-errors/8.4/en/server-error-reference.html),
S3's error codes (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html),
and BigQuery's (https://cloud.google.com/bigquery/docs/error-messages).

The services are started with conftest.start, not the session's
service_factory: that fixture first sweeps every `dplat.test` container, and
other test sessions may share this engine.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from dplat.cli import app
from dplat.settings import resolve
from dplat.stack.bigquery import BigQuery
from dplat.stack.credentials import load_or_create
from dplat.stack.mysql import MySQL
from dplat.stack.s3 import S3
from tests.integration.conftest import RunningService, start

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningService]]:
    # The CLI reads DPLAT_HOME's credentials file: made first, the containers get its keys.
    home = tmp_path_factory.mktemp("home")
    credentials = load_or_create(resolve({"home": str(home)}, env={}).credentials_file)
    started: dict[str, RunningService] = {}
    try:
        for cls in (MySQL, S3, BigQuery):
            started[cls.name] = start(cls, credentials, timeout=180)
        started["home"] = home  # type: ignore[assignment]
        yield started
    finally:
        for running in started.values():
            if isinstance(running, RunningService):
                running.container.stop()


@pytest.fixture
def dplat(stack: dict, monkeypatch: pytest.MonkeyPatch):
    """Run a dplat command against the test containers; the result."""
    monkeypatch.setenv("DPLAT_HOME", str(stack["home"]))
    for name in ("mysql", "s3", "bigquery"):
        monkeypatch.setenv(f"DPLAT_PORT_{name.upper()}", str(stack[name].service.port()))

    def invoke(*argv: str):
        return runner.invoke(app, list(argv))

    return invoke


def flat(result) -> str:
    return " ".join(result.output.split())  # rich wraps at the runner's 80 columns


def refused(result, cause: str, fix: str) -> None:
    text = flat(result)
    assert result.exit_code == 1, result.output
    assert f"error: {cause}" in text and f"fix: {fix}" in text
    assert "unexpected" not in text and "Traceback" not in text


def fix_command(result) -> list[str]:
    """The first `dplat ...` command the fix names, as arguments."""
    found = re.search(r"`dplat ([^`]*)`", flat(result).split("fix:", 1)[1])
    assert found, result.output
    return [part.strip("'") for part in re.findall(r"'[^']*'|\S+", found.group(1))]


def test_mysql_mistakes(dplat) -> None:
    missing = dplat("sql", "mysql", "select * from nope")
    refused(missing, "table dplat.nope does not exist", "`dplat sql mysql 'SHOW TABLES'` lists them.")
    assert dplat(*fix_command(missing)).exit_code == 0
    refused(dplat("sql", "mysql", "selec 1"), "MySQL cannot parse the query near 'selec 1", "Correct the SQL")
    refused(dplat("sql", "mysql", "select nocol from information_schema.tables"),
            "column nocol does not exist", "`dplat sql mysql 'SHOW COLUMNS FROM TABLE'`")


def test_mysql_json_and_csv(dplat) -> None:
    assert dplat("sql", "mysql", "CREATE TABLE prices (id INT, price DECIMAL(6,2), note TEXT, at DATETIME)").exit_code == 0
    insert = "INSERT INTO prices VALUES (1, 9.99, 'a, \"b\"', '2026-12-04 15:00:01'), (2, NULL, NULL, NULL)"
    assert dplat("sql", "mysql", insert).exit_code == 0
    query = "SELECT * FROM prices ORDER BY id"
    as_json = json.loads(dplat("sql", "mysql", query, "-o", "json").stdout)
    assert as_json == {
        "engine": "mysql",
        "columns": ["id", "price", "note", "at"],
        "rows": [
            {"id": 1, "price": "9.99", "note": 'a, "b"', "at": "2026-12-04T15:00:01"},
            {"id": 2, "price": None, "note": None, "at": None},
        ],
    }
    as_csv = list(csv.reader(io.StringIO(dplat("sql", "mysql", query, "-o", "csv").stdout)))
    assert as_csv == [["id", "price", "note", "at"], ["1", "9.99", 'a, "b"', "2026-12-04 15:00:01"], ["2", "", "", ""]]


def test_s3_mistakes_and_listing(dplat, stack) -> None:
    no_bucket = dplat("ls", "s3://nope/")
    refused(no_bucket, "bucket nope does not exist", "`dplat ls s3://` lists the buckets.")
    assert "s3://datastaging" in dplat(*fix_command(no_bucket)).stdout
    no_key = dplat("cat", "s3://datastaging/missing")
    refused(no_key, "no object s3://datastaging/missing", "`dplat ls s3://datastaging/` lists what is there")
    assert dplat(*fix_command(no_key)).exit_code == 0

    s3 = stack["s3"].service.client()
    s3.put_object(Bucket="datastaging", Key="cli/2026/a.txt", Body=b"hello\n")
    listing = json.loads(dplat("ls", "s3://datastaging/cli/", "-o", "json").stdout)
    assert listing["url"] == "s3://datastaging/cli/"
    assert listing["entries"] == [{"url": "s3://datastaging/cli/2026/", "kind": "prefix", "bytes": None, "modified": None}]
    deep = json.loads(dplat("ls", "-r", "s3://datastaging/cli/", "-o", "json").stdout)["entries"]
    assert [(e["url"], e["kind"], e["bytes"]) for e in deep] == [("s3://datastaging/cli/2026/a.txt", "object", 6)]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", deep[0]["modified"])
    buckets = json.loads(dplat("ls", "-o", "json").stdout)["entries"]
    assert {"url": "s3://datastore", "kind": "bucket", "bytes": None, "modified": None} in buckets
    assert dplat("cat", "s3://datastaging/cli/2026/a.txt").stdout == "hello\n"


def test_bigquery_mistakes_and_json(dplat) -> None:
    refused(dplat("sql", "bigquery", "SELEC 1"),
            'BigQuery cannot run the query: Syntax error: Unexpected identifier "SELEC"', "Correct the SQL")
    no_dataset = dplat("sql", "bigquery", "SELECT * FROM nods.t")
    refused(no_dataset, "dataset nods does not exist", "`dplat sql bigquery 'SELECT schema_name FROM INFORMATION_SCHEMA.SCHEMATA'`")
    assert dplat("sql", "bigquery", "CREATE SCHEMA clids").exit_code == 0
    assert {"schema_name": "clids"} in json.loads(dplat(*fix_command(no_dataset), "-o", "json").stdout)["rows"]
    no_table = dplat("sql", "bigquery", "SELECT * FROM clids.nope")
    refused(no_table, "table clids.nope does not exist", "`dplat sql bigquery 'SELECT table_name FROM clids.INFORMATION_SCHEMA.TABLES'`")
    assert dplat(*fix_command(no_table)).exit_code == 0
    answer = json.loads(dplat("sql", "bigquery", "SELECT 1 AS one, 'x' AS s, NUMERIC '1.50' AS n", "-o", "json").stdout)
    # NUMERIC is text in JSON, as in BigQuery's REST answers: exact, never a rounded float.
    # (The emulator pads it to NUMERIC's scale of 9; BigQuery trims it: compare the value.)
    assert answer["columns"] == ["one", "s", "n"]
    row = answer["rows"][0]
    assert row["one"] == 1 and row["s"] == "x" and Decimal(row["n"]) == Decimal("1.5")


def test_a_stopped_service_is_told_to_start(dplat, stack) -> None:
    """The stack's S3 stopped: the real client's connection error, mapped."""
    stack["s3"].container.get_wrapped_container().stop(timeout=5)
    try:
        refused(dplat("ls", "s3://"), "s3 does not answer on", "Start it with `dplat up`")
    finally:
        stack["s3"].container.get_wrapped_container().start()
