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
    assert "S3: s3://datastaging/ui/" in driver.find_elements(By.TAG_NAME, "h2")[1].text
    assert driver.find_element(By.LINK_TEXT, "s3://datastaging/ui/dt=20261204/")
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "data-s3")
