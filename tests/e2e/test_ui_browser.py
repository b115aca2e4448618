"""`dplat ui` on the whole stack, in headless Chromium at 1280x800.

The overview shows every everyday service answering; running logging-to-bq
from its page shows each step's checks as they pass and ends with all five
steps passed, and the report the page shows is the one `dplat scenario show
--last-run -o json` reads, and the lineage page draws every node and edge of
that report; a BigQuery query typed in the SQL box returns the
rows BigQuery's documented UNNEST gives, and a bad one its error in words;
the S3 listing shows what boto3 lists; a POST without the token
and a request under a foreign Host are refused. Screenshots of each page go
to the test's tmp folder; no page scrolls sideways. The on-demand services'
rows and buttons follow `dplat status -o json`; the lineage's BigQuery boxes
are the tables BigQuery lists as made by the run.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dplat.stack import catalogue
from tests.e2e.conftest import Stack
from tests.ui_browser import (
    chromium,
    console,
    post_without_token,
    scrolls_sideways,
    service_rows,
    shoot,
    submit_sql,
)

pytestmark = pytest.mark.e2e

LESSON = "logging-to-bq"
RUN_SECONDS = 600


@pytest.fixture(scope="module")
def browser_and_console(stack: Stack, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("ui-log") / "ui.log"
    with console(stack.home, stack.env(), log) as running, chromium() as driver:
        yield driver, running


def test_overview_shows_every_everyday_service_answering(
    browser_and_console, stack: Stack, tmp_path: Path
):
    from selenium.webdriver.common.by import By

    driver, running = browser_and_console
    driver.get(running.url)
    rows = {r.find_element(By.TAG_NAME, "b").text: r for r in service_rows(driver)}
    for cls in catalogue.service_classes():
        if not cls.on_demand:
            text = rows[cls.name].text
            assert "running" in text and "answering" in text, text
            assert "not answering" not in text
    # Each on-demand service: its row's state is `dplat status`'s, and its
    # buttons follow it (start unless it runs, stop whenever a container exists).
    cli = stack.cli("status", "-o", "json")
    assert cli.exit_code == 0, cli.output
    states = {s["name"]: s["state"] for s in json.loads(cli.stdout)["services"]}
    for name in catalogue.on_demand_names():
        state = states.get(name, "missing")
        if name in states:
            assert rows[name].find_element(By.CSS_SELECTOR, "span.state").text == state
        else:
            assert name not in rows
        buttons = {
            b.get_attribute("data-action")
            for b in driver.find_elements(By.CSS_SELECTOR, f'#on-demand button[data-with="{name}"]')
        }
        expected = ({"up"} if state != "running" else set()) | ({"down"} if state != "missing" else set())
        assert buttons == expected, (name, state)
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "overview")
    # A service's log: the lines `dplat logs mysql -o json` gives (it only grows).
    driver.find_element(By.CSS_SELECTOR, 'a[href="/logs/mysql"]').click()
    shown = driver.find_element(By.CSS_SELECTOR, "pre.log").text.splitlines()
    cli = stack.cli("logs", "mysql", "--tail", "1000", "-o", "json")
    assert cli.exit_code == 0, cli.output
    assert shown and shown[-1] in json.loads(cli.stdout)["lines"]
    shoot(driver, tmp_path, "log-mysql")


def test_running_a_lesson_from_its_page(browser_and_console, stack: Stack, tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver, running = browser_and_console
    bigquery = stack.service("bigquery").client()
    driver.get(running.url + f"lessons/{LESSON}")
    clicked = datetime.now(UTC) - timedelta(seconds=2)  # the emulator's clock is this machine's
    driver.find_element(By.ID, "run").click()
    progress = driver.find_element(By.ID, "progress")
    # Checks arrive while the run goes on, not all at the end.
    WebDriverWait(driver, RUN_SECONDS).until(
        lambda d: progress.find_elements(By.CSS_SELECTOR, "li.check")
    )
    assert not progress.find_elements(By.CSS_SELECTOR, "li.end")
    WebDriverWait(driver, RUN_SECONDS).until(
        lambda d: progress.find_elements(By.CSS_SELECTOR, "li.end")
    )
    results = progress.find_elements(By.CSS_SELECTOR, "li.result")
    assert [r.get_attribute("class") for r in results] == ["result ok"] * 5, progress.text
    assert progress.find_element(By.CSS_SELECTOR, "li.end").text == "passed"
    assert not progress.find_elements(By.CSS_SELECTOR, "li.check.bad")
    shoot(driver, tmp_path, "lesson-run")
    cli = stack.cli("scenario", "show", LESSON, "--last-run", "-o", "json")
    assert cli.exit_code == 0, cli.output
    report = json.loads(cli.stdout)["report"]
    WebDriverWait(driver, 30).until(
        lambda d: report["run_id"] in d.find_element(By.ID, "last-run").text
    )
    shown = driver.find_element(By.ID, "last-run").text
    for step in report["steps"]:
        assert step["status"] == "passed"
        for check in step["checks"]:
            assert check["message"] in shown
    assert not scrolls_sideways(driver)
    # Its lineage page: a box for every table, prefix and route the run wrote
    # or read, an edge for every "made from".
    driver.get(running.url + "lineage")
    graph = driver.find_element(By.CSS_SELECTOR, f'h2[id="{LESSON}"] ~ div.graph svg')
    drawn = {g.get_attribute("data-name") for g in graph.find_elements(By.CSS_SELECTOR, "g.node")}
    lineage = report["lineage"]
    assert drawn == set(lineage) | {s for sources in lineage.values() for s in sources}
    edges = {(e.get_attribute("data-source"), e.get_attribute("data-target"))
             for e in graph.find_elements(By.CSS_SELECTOR, "path.edge")}
    assert edges == {(s, t) for t, sources in lineage.items() for s in sources}
    # ...and its BigQuery boxes are the tables the run made, as BigQuery lists
    # them: every table created in the lesson's datasets since Run was pressed.
    kinds = {g.get_attribute("data-name"): g.get_attribute("data-kind")
             for g in graph.find_elements(By.CSS_SELECTOR, "g.node")}
    tables = {name for name, kind in kinds.items() if kind == "bigquery table"}
    made = set()
    for dataset in {t.split(".")[0] for t in tables}:
        for item in bigquery.list_tables(dataset):
            assert item.created is not None, item.table_id
            if item.created >= clicked:
                made.add(f"{dataset}.{item.table_id}")
    assert tables and tables == made, (tables, made)
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "lineage")


def test_the_sql_box_on_bigquery(browser_and_console, tmp_path: Path):
    from selenium.webdriver.common.by import By
    driver, running = browser_and_console

    def ask(query: str) -> None:
        submit_sql(driver, running.url, "bigquery", query)

    # UNNEST turns an array into rows, in order with ORDER BY
    # (https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#unnest_operator).
    ask("SELECT x, x * 2 AS doubled FROM UNNEST([1, 2, 3]) AS x ORDER BY x")
    table = driver.find_element(By.CSS_SELECTOR, "#sql-result table")
    assert [th.text for th in table.find_elements(By.TAG_NAME, "th")] == ["x", "doubled"]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert rows == [["1", "2"], ["2", "4"], ["3", "6"]]
    shoot(driver, tmp_path, "data-bigquery")
    ask("SELEC 1")
    error = driver.find_element(By.CSS_SELECTOR, "#sql-result .error")
    assert "BigQuery cannot run the query" in error.text
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "data-bigquery-error")


def test_the_s3_listing_shows_what_boto3_lists(browser_and_console, stack: Stack, tmp_path: Path):
    from selenium.webdriver.common.by import By

    driver, running = browser_and_console
    s3 = stack.service("s3").client()
    driver.get(running.url + "data")
    listed = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "main table tbody a")]
    assert listed == [f"s3://{b['Name']}" for b in s3.list_buckets()["Buckets"]]
    driver.find_element(By.LINK_TEXT, "s3://datastaging").click()
    assert "S3: s3://datastaging/" in driver.find_element(By.ID, "s3-title").text
    assert not driver.find_elements(By.CSS_SELECTOR, "main > .error")
    top = s3.list_objects_v2(Bucket="datastaging", Delimiter="/")
    expected = [f"s3://datastaging/{p['Prefix']}" for p in top.get("CommonPrefixes", [])]
    expected += [f"s3://datastaging/{o['Key']}" for o in top.get("Contents", [])]
    rows = driver.find_elements(By.CSS_SELECTOR, "main > div.scroll tbody tr td:first-child")
    assert [r.text for r in rows] == expected
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "data-s3")


def test_refused_without_token_or_under_a_foreign_host(browser_and_console):
    driver, running = browser_and_console
    driver.get(running.url)
    assert post_without_token(driver, f"/lessons/{LESSON}/run") == 403
    port = running.url.rsplit(":", 1)[1].rstrip("/")
    request = urllib.request.Request(running.url, headers={"Host": f"rebound.example:{port}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 421


def test_reset_from_the_lesson_page(browser_and_console, stack: Stack, tmp_path: Path):
    """**Reset its data** is `dplat reset`: the BigQuery tables the last run
    wrote (its lineage's) are gone afterwards."""
    from google.api_core.exceptions import NotFound
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver, running = browser_and_console
    cli = stack.cli("scenario", "show", LESSON, "--lineage", "-o", "json")
    assert cli.exit_code == 0, cli.output
    written = [n["name"] for n in json.loads(cli.stdout)["nodes"] if n["kind"] == "bigquery table"]
    bigquery = stack.service("bigquery").client()
    assert written and all(bigquery.get_table(t) for t in written)  # the run above made them
    driver.get(running.url + f"lessons/{LESSON}")
    driver.find_element(By.ID, "reset").click()
    state = driver.find_element(By.ID, "run-state")
    WebDriverWait(driver, 120).until(lambda d: state.text.startswith(("reset:", "not reset:")))
    assert state.text == "reset: its data is back to the start"
    for table in written:
        with pytest.raises(NotFound):
            bigquery.get_table(table)
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "lesson-reset")
