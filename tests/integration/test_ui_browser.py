"""`dplat ui` in a real browser with no stack: what a newcomer sees before `dplat up`.

The console runs as its own process (the real CLI) under a project that has
no container and ports where nothing listens, and headless Chromium opens
each page at 1280x800: the overview lists every service as not answering
with its credentials masked (revealed on click), the lessons page lists every
lesson in order and renders a README, the SQL box says in words that MySQL
does not answer, and a POST without the session token is refused. No page
scrolls sideways. The screenshots are kept in the test's tmp folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dplat.scenario import lessons
from dplat.stack import catalogue
from dplat.stack.credentials import load_or_create
from tests.e2e.conftest import free_offset
from tests.ui_browser import (
    chromium,
    console,
    post_without_token,
    scrolls_sideways,
    service_rows,
    shoot,
    submit_sql,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser_and_console(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("ui-home")
    # A project with no containers, on ports where nothing listens.
    env = {"DPLAT_PROJECT": "dplat-ui-nostack", "DPLAT_PORT_OFFSET": str(free_offset(31000))}
    with console(home, env, home / "ui.log") as running, chromium() as driver:
        yield driver, running, home


def test_overview_shows_services_down_with_credentials_masked(browser_and_console, tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    driver, running, home = browser_and_console
    driver.get(running.url)
    rows = service_rows(driver)
    everyday = [c.name for c in catalogue.service_classes() if not c.on_demand]
    assert [r.find_element(By.TAG_NAME, "b").text for r in rows] == everyday
    for row in rows:
        assert "missing" in row.text and "not answering" in row.text
    password = load_or_create(home / "credentials.env").mysql_password
    assert password not in driver.page_source
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "overview")
    driver.find_element(By.CSS_SELECTOR, 'button.reveal[data-service="mysql"][data-key="password"]').click()
    secret = driver.find_element(By.CSS_SELECTOR, '.secret[data-service="mysql"]')
    WebDriverWait(driver, 10).until(ready.text_to_be_present_in_element(
        (By.CSS_SELECTOR, '.secret[data-service="mysql"]'), password))
    assert secret.text == password
    # Only what was asked for: the S3 keys are still masked.
    s3_secret = load_or_create(home / "credentials.env").s3_secret_key
    assert s3_secret not in driver.page_source
    shoot(driver, tmp_path, "overview-revealed")
    # Each service's log is a click away; without a container there is none yet.
    rows[0].find_element(By.LINK_TEXT, "log").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Log of mysql"
    assert "mysql has no container (state: missing)" in driver.find_element(By.TAG_NAME, "main").text


def test_lessons_are_listed_in_order_and_a_readme_is_rendered(browser_and_console, tmp_path: Path):
    from selenium.webdriver.common.by import By

    driver, running, _ = browser_and_console
    driver.get(running.url + "lessons")
    names = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "main table tbody a")]
    assert names == [s.name for s in lessons.list_lessons().lessons]
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "lessons")
    first = lessons.describe(names[0])
    driver.find_element(By.LINK_TEXT, names[0]).click()
    assert driver.find_element(By.TAG_NAME, "h1").text == first.title
    readme = driver.find_element(By.CSS_SELECTOR, "article.readme")
    heading = next(
        line.lstrip("#").strip() for line in first.readme.read_text().splitlines()
        if line.startswith("#")
    )
    # Rendered, not shown as Markdown: the first heading is an element, with no '#'.
    assert readme.find_element(By.CSS_SELECTOR, "h1, h2").text == heading
    assert "```" not in readme.text
    steps = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "main > div.scroll tbody tr")]
    assert [s.split(" ")[1] for s in steps] == [name for name, _ in first.steps]
    assert "has not run here yet" in driver.find_element(By.ID, "last-run").text
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "lesson")


def test_the_sql_box_says_in_words_that_mysql_is_down(browser_and_console, tmp_path: Path):
    from selenium.webdriver.common.by import By
    driver, running, _ = browser_and_console
    driver.get(running.url + "data")
    # The S3 listing already says the store does not answer.
    assert "s3 does not answer" in driver.find_element(By.CSS_SELECTOR, "main > .error").text
    submit_sql(driver, running.url, "mysql", "SELECT * FROM orders")
    error = driver.find_element(By.CSS_SELECTOR, "#sql-result .error")
    assert "mysql does not answer" in error.text
    assert "connection refused" in error.text
    assert "dplat up" in error.find_element(By.CLASS_NAME, "fix").text
    # The query typed is still in the box to correct.
    assert driver.find_element(By.NAME, "query").get_attribute("value") == "SELECT * FROM orders"
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "data-sql-error")


def test_a_post_without_the_token_is_refused(browser_and_console):
    driver, running, _ = browser_and_console
    driver.get(running.url)
    assert post_without_token(driver, "/api/reveal/mysql") == 403
    assert post_without_token(driver, f"/lessons/{lessons.list_lessons().lessons[0].name}/run") == 403


def test_a_run_shows_each_check_as_it_comes_then_the_report(tmp_path: Path):
    """The lesson page's live progress, in the browser: checks appear while the
    run goes on, a failed one with its "where to look" text, then the run's
    end and its report under "Last run".

    A lesson run needs the stack (it starts it), which this tier may not, so
    the run here is dplat's real runner (dplat.scenario.runner.run) over a
    two-step lesson written below, whose first step waits until the browser
    has shown its check; what is under test is the page, not a lesson.
    """
    import threading

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from dplat.scenario import runner
    from dplat.scenario.model import Scenario
    from dplat.settings import resolve
    from tests.ui_browser import console_in_thread

    name = lessons.list_lessons().lessons[0].name  # its page, our steps
    shown = threading.Event()
    lesson = Scenario(name, "a stand-in", "the page's live progress", folder=tmp_path)

    @lesson.step("count", "two and two")
    def count(ctx) -> None:
        ctx.wrote("agent app_forward", ["shop app"])
        ctx.wrote("s3://datastaging/app_logs/", ["agent app_forward"])
        ctx.wrote("raw.app_logs_batch", ["s3://datastaging/app_logs/"])
        ctx.wrote("mart.daily", ["raw.app_logs_batch", "mysql dplat.users"])
        ctx.explain("sql", "the sum", "SELECT 2 + 2 AS four")
        ctx.check("two and two", 2 + 2, 4)
        ctx.progress("waiting for the browser")
        shown.wait(30)

    @lesson.step("compare", "a check that fails")
    def compare(ctx) -> None:
        ctx.check("rows", 3, 4, where="the staging table's partitions")

    def starter(settings, _name, explain):
        return lambda reporter, stack_progress: runner.run(lesson, settings, reporter, explain=explain)

    # No stack: a project and ports where nothing listens (not the defaults,
    # which a user's own stack may hold).
    env = {"DPLAT_PROJECT": "dplat-ui-nostack", "DPLAT_PORT_OFFSET": str(free_offset(31000))}
    settings = resolve({"home": str(tmp_path)}, env=env)
    load_or_create(settings.credentials_file)
    with console_in_thread(settings, starter=starter) as url, chromium() as driver:
        driver.get(url + f"lessons/{name}")
        driver.find_element(By.ID, "explain").click()  # as `--explain`
        driver.find_element(By.ID, "run").click()
        progress = driver.find_element(By.ID, "progress")
        first = WebDriverWait(driver, 30).until(
            lambda d: progress.find_elements(By.CSS_SELECTOR, "li.check.ok")
        )
        assert first[0].text == "✔ two and two: 4"
        explained = progress.find_element(By.CSS_SELECTOR, "li.explain details")
        assert explained.find_element(By.TAG_NAME, "summary").text == "sql: the sum"
        explained.click()
        assert explained.find_element(By.TAG_NAME, "pre").text == "SELECT 2 + 2 AS four"
        assert not driver.find_element(By.ID, "run").is_enabled(), "a second run can be asked for"
        assert not progress.find_elements(By.CSS_SELECTOR, "li.end")
        shown.set()
        end = WebDriverWait(driver, 30).until(
            lambda d: progress.find_elements(By.CSS_SELECTOR, "li.end")
        )
        assert end[0].text == "failed"
        failed = progress.find_element(By.CSS_SELECTOR, "li.check.bad")
        assert "rows: expected 4, found 3" in failed.text
        assert "look at: the staging table's partitions" in failed.text
        results = [r.text for r in progress.find_elements(By.CSS_SELECTOR, "li.result")]
        assert [r.split(" (")[0] for r in results] == ["passed count", "failed compare"]
        report = json.loads(runner.last_report_file(settings, name).read_text())
        WebDriverWait(driver, 10).until(
            lambda d: report["run_id"] in d.find_element(By.ID, "last-run").text
        )
        assert "rows: expected 4, found 3" in driver.find_element(By.ID, "last-run").text
        assert not scrolls_sideways(driver)
        shoot(driver, tmp_path, "lesson-run")
        # The run's lineage, drawn: a box per table, prefix and route, an edge per "made from".
        driver.find_element(By.PARTIAL_LINK_TEXT, "lineage").click()
        graph = driver.find_element(By.CSS_SELECTOR, f'h2[id="{name}"] ~ div.graph svg')
        kinds = {g.get_attribute("data-name"): g.get_attribute("data-kind")
                 for g in graph.find_elements(By.CSS_SELECTOR, "g.node")}
        assert kinds == {
            "shop app": "source", "agent app_forward": "agent route",
            "s3://datastaging/app_logs/": "s3 prefix", "raw.app_logs_batch": "bigquery table",
            "mysql dplat.users": "mysql table", "mart.daily": "bigquery table",
        }
        edges = {(e.get_attribute("data-source"), e.get_attribute("data-target"))
                 for e in graph.find_elements(By.CSS_SELECTOR, "path.edge")}
        assert edges == {(s, t) for t, sources in report["lineage"].items() for s in sources}
        assert len(edges) == 5
        assert not scrolls_sideways(driver)
        shoot(driver, tmp_path, "lineage")
        # A table's box opens its head (here: why there is none, without a stack),
        # which links to the SQL box with a query of its first rows, not run.
        graph.find_element(By.CSS_SELECTOR, 'g.node[data-name="mart.daily"]').click()
        assert driver.find_element(By.TAG_NAME, "h1").text == "Head of bigquery mart.daily"
        assert "bigquery does not answer" in driver.find_element(By.CSS_SELECTOR, "main .error").text
        driver.find_element(By.LINK_TEXT, "query it in the SQL box").click()
        query = driver.find_element(By.NAME, "query").get_attribute("value")
        assert query == "SELECT * FROM `mart.daily` LIMIT 20"
        assert not driver.find_elements(By.CSS_SELECTOR, "#sql-result *")


def test_the_agent_page_says_why_there_is_no_reading(browser_and_console, tmp_path: Path):
    from selenium.webdriver.common.by import By

    driver, running, _ = browser_and_console
    driver.get(running.url + "agent")
    error = driver.find_element(By.CSS_SELECTOR, "main > .error")
    assert "the agent's monitor API does not answer" in error.text
    assert "dplat up" in error.find_element(By.CLASS_NAME, "fix").text
    answer = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        " fetch('/agent/metrics.json').then(async r => done([r.status, await r.json()]));"
    )
    assert answer[0] == 503 and "monitor API does not answer" in answer[1]["error"], answer
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "agent-no-stack")
