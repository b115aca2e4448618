"""The console's Data page in headless Chromium against real MySQL, S3 and
BigQuery emulator containers (the stack's own images, testcontainers, random
ports on 127.0.0.1; the console finds them through DPLAT_PORT_*, as
tests/integration/test_cli_data.py does for the CLI).

Typed into the SQL box: a BigQuery query returns the rows BigQuery's
documented UNNEST gives and a bad one its error in words; a MySQL table made
here comes back as a table with NULL shown as NULL and DECIMAL exact; the S3
listing shows what boto3 lists. No page scrolls sideways at 1280x800.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dplat.settings import resolve
from dplat.stack.bigquery import BigQuery
from dplat.stack.credentials import load_or_create
from dplat.stack.mysql import MySQL
from dplat.stack.s3 import S3
from tests.integration.conftest import RunningService, start
from tests.ui_browser import chromium, console, scrolls_sideways, shoot, submit_sql

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, RunningService]]]:
    home = tmp_path_factory.mktemp("ui-data-home")
    credentials = load_or_create(resolve({"home": str(home)}, env={}).credentials_file)
    started: dict[str, RunningService] = {}
    try:
        for cls in (MySQL, S3, BigQuery):
            started[cls.name] = start(cls, credentials, timeout=180)
        yield home, started
    finally:
        for running in started.values():
            running.container.stop()


@pytest.fixture(scope="module")
def page(services):
    home, started = services
    env = {f"DPLAT_PORT_{name.upper()}": str(s.service.port()) for name, s in started.items()}
    env["DPLAT_PROJECT"] = "dplat-ui-data"
    with console(home, env, home / "ui.log") as running, chromium() as driver:
        yield driver, running, started


def ask(page, engine: str, query: str) -> None:
    driver, running, _ = page
    submit_sql(driver, running.url, engine, query)


def result_table(driver) -> tuple[list[str], list[list[str]]]:
    from selenium.webdriver.common.by import By

    tables = driver.find_elements(By.CSS_SELECTOR, "#sql-result table")
    assert tables, driver.find_element(By.ID, "sql-result").text  # the error, if one came instead
    table = tables[0]
    head = [th.text for th in table.find_elements(By.TAG_NAME, "th")]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    return head, rows


def test_bigquery_in_the_sql_box(page, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = page[0]
    # UNNEST makes one row per array element; ORDER BY fixes their order
    # (https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#unnest_operator).
    ask(page, "bigquery", "SELECT x, x * 2 AS doubled FROM UNNEST([1, 2, 3]) AS x ORDER BY x")
    assert result_table(driver) == (["x", "doubled"], [["1", "2"], ["2", "4"], ["3", "6"]])
    assert driver.find_element(By.CSS_SELECTOR, "#sql-result .count").text == "3 row(s)"
    shoot(driver, tmp_path, "data-bigquery")
    # A syntax error is a 400 "invalidQuery" in BigQuery
    # (https://cloud.google.com/bigquery/docs/error-messages).
    ask(page, "bigquery", "SELEC 1")
    error = driver.find_element(By.CSS_SELECTOR, "#sql-result .error")
    assert "BigQuery cannot run the query" in error.text
    assert "backticks" in error.find_element(By.CLASS_NAME, "fix").text
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "data-bigquery-error")


def test_mysql_in_the_sql_box(page, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = page[0]
    ask(page, "mysql", "CREATE TABLE ui_prices (id INT, price DECIMAL(8,2), note TEXT)")
    assert "returns no rows" in driver.find_element(By.CSS_SELECTOR, "#sql-result").text
    ask(page, "mysql", "INSERT INTO ui_prices VALUES (1, 123456.78, '<b>not bold</b>'), (2, NULL, NULL)")
    ask(page, "mysql", "SELECT * FROM ui_prices ORDER BY id")
    head, rows = result_table(driver)
    assert head == ["id", "price", "note"]
    assert rows == [["1", "123456.78", "<b>not bold</b>"], ["2", "NULL", "NULL"]]
    ask(page, "mysql", "SELECT * FROM no_such_table")
    error = driver.find_element(By.CSS_SELECTOR, "#sql-result .error")
    assert "table dplat.no_such_table does not exist" in error.text
    assert "SHOW TABLES" in error.text
    shoot(driver, tmp_path, "data-mysql-error")


def test_the_s3_listing_shows_what_boto3_lists(page, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver, running, started = page
    s3 = started["s3"].service.client()
    s3.put_object(Bucket="datastaging", Key="ui/dt=20261204/part-00000.json", Body=b'{"a": 1}\n')
    driver.get(running.url + "data")
    listed = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "main > div.scroll tbody a")]
    assert listed == [f"s3://{b['Name']}" for b in s3.list_buckets()["Buckets"]]
    driver.find_element(By.LINK_TEXT, "s3://datastaging").click()
    driver.find_element(By.LINK_TEXT, "s3://datastaging/ui/").click()
    driver.find_element(By.LINK_TEXT, "s3://datastaging/ui/dt=20261204/").click()
    cells = driver.find_elements(By.CSS_SELECTOR, "main > div.scroll tbody td")
    assert [c.text for c in cells[:3]] == ["s3://datastaging/ui/dt=20261204/part-00000.json", "object", "9"]
    driver.find_element(By.LINK_TEXT, "up to s3://datastaging/ui/").click()
    assert "S3: s3://datastaging/ui/" in driver.find_element(By.ID, "s3-title").text
    assert driver.find_element(By.LINK_TEXT, "s3://datastaging/ui/dt=20261204/")
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "data-s3")


# --- Heads: an S3 object's or a table's schema and first rows, read bounded ---


def put(page, key: str, body: bytes) -> str:
    page[2]["s3"].service.client().put_object(Bucket="datastaging", Key=key, Body=body)
    return f"s3://datastaging/{key}"


def open_head(page, **query: str) -> None:
    from urllib.parse import urlencode

    driver, running, _ = page
    driver.get(running.url + "data/head?" + urlencode(query))


def shown(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, css)
    assert found, driver.find_element(By.TAG_NAME, "main").text
    return found[0].text


def open_table(driver, engine: str, name: str) -> None:
    """Click a table in the Data page's list (which loads after the first paint)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#tables-{engine}"))[0]
    box.find_element(By.LINK_TEXT, name).click()


def schema_rows(driver) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    shown(driver, "#head-schema")  # else: the page's error, in the assertion
    return [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in driver.find_elements(By.CSS_SELECTOR, "#head-schema tbody tr")
    ]


def head_rows(driver) -> tuple[list[str], list[list[str]]]:
    from selenium.webdriver.common.by import By

    shown(driver, "#head-rows table")
    table = driver.find_element(By.CSS_SELECTOR, "#head-rows table")
    return (
        [th.text for th in table.find_elements(By.TAG_NAME, "th")],
        [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")],
    )


def test_a_parquet_head_reads_the_footer_and_the_first_row_group_only(page, services, tmp_path: Path) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from dplat.stack import heads

    driver = page[0]
    # Parquet keeps its schema and row groups in a footer after the data, so a
    # reader seeks to the end first (https://parquet.apache.org/docs/file-format/).
    # 200,000 rows in groups of 10,000: the head needs the footer and one group.
    n = 200_000
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "city": pa.array([f"city-{i % 977}-{i}" for i in range(n)]),
        "amount": pa.array([i / 4 for i in range(n)], pa.float64()),
    })
    out = io.BytesIO()
    pq.write_table(table, out, row_group_size=10_000)
    url = put(page, "heads/orders.parquet", out.getvalue())
    open_head(page, target=url)
    assert schema_rows(driver) == [["id", "int64", ""], ["city", "string", ""], ["amount", "double", ""]]
    columns, rows = head_rows(driver)
    assert columns == ["id", "city", "amount"]
    assert rows == [[str(i), f"city-{i % 977}-{i}", str(i / 4)] for i in range(20)]
    assert "rows 200000" in shown(driver, ".facts") and "row groups 20" in shown(driver, ".facts")
    assert "the first 20 of 200000 rows" in shown(driver, "#head-note")
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "head-parquet")
    # The bound, measured: what the head fetched is a small part of the object.
    home, started = services
    settings = resolve({"home": str(home)}, env={"DPLAT_PORT_S3": str(started["s3"].service.port())})
    fetched: list[int] = []
    real = heads.RangedObject.readinto

    def counting(self, buffer):  # type: ignore[no-untyped-def]
        read = real(self, buffer)
        fetched.append(read)
        return read

    heads.RangedObject.readinto = counting  # type: ignore[method-assign]
    try:
        found = heads.head(settings, url, 5)
        assert sum(fetched) < len(out.getvalue()) / 5, (sum(fetched), len(out.getvalue()))
        # A first row group over the bound is not read at all: schema only, and why.
        fetched.clear()
        heads.MAX_ROW_GROUP_BYTES, bound = 1000, heads.MAX_ROW_GROUP_BYTES
        try:
            big = heads.head(settings, url, 5)
        finally:
            heads.MAX_ROW_GROUP_BYTES = bound
    finally:
        heads.RangedObject.readinto = real  # type: ignore[method-assign]
    assert [r[0] for r in found.rows] == [0, 1, 2, 3, 4]
    assert big.rows == [] and [c.name for c in big.schema] == ["id", "city", "amount"]
    assert "rows not shown: the first row group is" in big.note
    assert sum(fetched) <= 64 * 1024  # the footer only (pyarrow reads the last 64 KiB at once)


def test_csv_ndjson_text_and_binary_heads(page, tmp_path: Path) -> None:
    import gzip
    import json

    driver = page[0]
    # RFC 4180: the first line is the header; a quoted field may hold the separator
    # and a doubled quote (https://www.rfc-editor.org/rfc/rfc4180#section-2).
    url = put(page, "heads/people.csv", b'id,name,note\r\n1,"Smith, J","said ""hi"""\r\n2,Lee,\r\n')
    open_head(page, target=url)
    assert head_rows(driver) == (["id", "name", "note"], [["1", "Smith, J", 'said "hi"'], ["2", "Lee", ""]])
    assert "from the whole object" in shown(driver, "#head-note")
    # NDJSON, gzip-compressed as the agent's S3 output writes it: one JSON object per line
    # (https://github.com/ndjson/ndjson-spec); keys in order of first appearance.
    lines = [{"level": "info", "n": i, "ctx": {"user": f"u{i}"}} for i in range(30)] + [{"level": "warn", "extra": True}]
    body = gzip.compress("".join(json.dumps(r) + "\n" for r in lines).encode())
    url = put(page, "heads/events.json.gz", body)
    open_head(page, target=url)
    columns, rows = head_rows(driver)
    assert columns == ["level", "n", "ctx"]
    assert rows[0] == ["info", "0", '{"user": "u0"}'] and len(rows) == 20
    assert "compression gzip" in shown(driver, ".facts")
    # A text object far over the bound: its first lines, from the first 64 KiB only.
    text = "".join(f"line {i:07d} of a long log\n" for i in range(100_000)).encode()
    url = put(page, "heads/big.log", text)
    open_head(page, target=url)
    assert shown(driver, "#head-lines").splitlines() == [f"line {i:07d} of a long log" for i in range(20)]
    assert "from the first 64.0 KiB" in shown(driver, "#head-note")
    # Binary: shown as such, in hex, never as text.
    url = put(page, "heads/blob.bin", bytes(range(256)) * 4)
    open_head(page, target=url)
    assert shown(driver, ".badge.kind") == "binary"
    assert shown(driver, "#head-lines").splitlines()[0] == " ".join(f"{i:02x}" for i in range(16))
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "head-binary")
    # An object that is not there: the error in words, with the fix.
    open_head(page, target="s3://datastaging/heads/nope.csv")
    assert "no object s3://datastaging/heads/nope.csv" in shown(driver, "main .error")
    assert "dplat ls s3://datastaging/heads/" in shown(driver, "main .error .fix")
    # The listing links each object to its head.
    from selenium.webdriver.common.by import By

    driver.get(page[1].url + "data?s3=s3://datastaging/heads/")
    driver.find_element(By.LINK_TEXT, "s3://datastaging/heads/people.csv").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Head of s3://datastaging/heads/people.csv"


def test_a_mysql_table_head_and_the_table_list(page, tmp_path: Path) -> None:

    driver, running, _ = page
    ask(page, "mysql", "CREATE TABLE ui_orders (id INT PRIMARY KEY, city VARCHAR(20) NOT NULL, note TEXT)")
    values = ", ".join(f"({i}, 'c{i}', NULL)" for i in range(1, 31))
    ask(page, "mysql", f"INSERT INTO ui_orders VALUES {values}")
    driver.get(running.url + "data")
    open_table(driver, "mysql", "ui_orders")
    # information_schema.COLUMNS: COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY PRI
    # (https://dev.mysql.com/doc/refman/8.4/en/information-schema-columns-table.html).
    assert schema_rows(driver) == [
        ["id", "int", "NOT NULL, primary key"], ["city", "varchar(20)", "NOT NULL"], ["note", "text", ""]
    ]
    columns, rows = head_rows(driver)
    assert columns == ["id", "city", "note"]
    assert rows == [[str(i), f"c{i}", "NULL"] for i in range(1, 21)]
    assert "LIMIT 20" in shown(driver, "#head-note")
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "head-mysql")
    open_head(page, engine="mysql", table="no_such_table")
    assert "no MySQL table no_such_table" in shown(driver, "main .error")


def test_a_bigquery_table_head_with_its_partitioning(page, tmp_path: Path) -> None:

    driver, running, started = page
    client = started["bigquery"].service.client()
    client.query("CREATE SCHEMA IF NOT EXISTS ui_heads").result()
    # A table partitioned by day on a DATE column, clustered
    # (https://cloud.google.com/bigquery/docs/creating-partitioned-tables#sql).
    client.query(
        "CREATE OR REPLACE TABLE ui_heads.visits (day DATE NOT NULL, page STRING, hits INT64)"
        " PARTITION BY day CLUSTER BY page"
    ).result()
    rows = ", ".join(f"(DATE '2026-12-0{1 + i % 3}', 'p{i}', {i})" for i in range(25))
    client.query(f"INSERT INTO ui_heads.visits VALUES {rows}").result()
    driver.get(running.url + "data")
    open_table(driver, "bigquery", "ui_heads.visits")
    assert schema_rows(driver) == [["day", "DATE", "REQUIRED"], ["page", "STRING", "NULLABLE"], ["hits", "INTEGER", "NULLABLE"]]
    columns, shown_rows = head_rows(driver)
    assert columns == ["day", "page", "hits"] and len(shown_rows) == 20
    facts = shown(driver, ".facts")
    assert "partitioning by DAY on day" in facts
    # The row count and clustering as tables.get answers them (the emulator
    # counts 0 rows after a DML INSERT and leaves clusteringFields out, where
    # BigQuery would say 25 and page): the page shows the answer, not a guess.
    told = client.get_table("ui_heads.visits")
    assert f"rows {told.num_rows}" in facts
    assert ("clustered by page" in facts) == (told.clustering_fields == ["page"])
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "head-bigquery")
    open_head(page, engine="bigquery", table="ui_heads.nope")
    assert "no BigQuery table ui_heads.nope" in shown(driver, "main .error")
    assert "dplat head bigquery" in shown(driver, "main .error .fix")


def test_the_heads_are_the_clis(page, services, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dplat head ... -o json` gives what the pages show (they call the same core)."""
    import json

    from typer.testing import CliRunner

    from dplat.cli import app

    home, started = services
    monkeypatch.setenv("DPLAT_HOME", str(home))
    for name, running in started.items():
        monkeypatch.setenv(f"DPLAT_PORT_{name.upper()}", str(running.service.port()))
    url = put(page, "heads/cli.csv", b"a,b\n1,x\n2,y\n")

    def head(*argv: str) -> dict:
        done = CliRunner().invoke(app, ["head", *argv, "-o", "json"])
        assert done.exit_code == 0, done.output
        return json.loads(done.stdout)

    assert head(url, "-n", "1") | {"note": ""} == {
        "target": url, "kind": "csv", "schema": [], "columns": ["a", "b"], "rows": [["1", "x"]],
        "lines": [], "properties": {"size": "12 bytes"}, "note": "",
    }
    for statement in ("CREATE TABLE ui_cli (id INT, note TEXT)", "INSERT INTO ui_cli VALUES (1, 'a'), (2, NULL), (3, 'c')"):
        assert CliRunner().invoke(app, ["sql", "mysql", statement]).exit_code == 0
    assert head("mysql", "ui_cli", "-n", "2")["rows"] == [[1, "a"], [2, None]]
    assert "ui_cli" in head("mysql")["tables"]
    wrong = CliRunner().invoke(app, ["head", "postgres", "t"])
    assert wrong.exit_code == 1 and "unknown engine 'postgres'" in wrong.output
