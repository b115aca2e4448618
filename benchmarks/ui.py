"""`dplat ui` figures: time to first paint of each page, in the browser, and
the console's memory once every page has been opened.

Run: PYTHONPATH=platform:. .venv/bin/python benchmarks/ui.py [--loads 5] [--home DIR] [--light]

It starts `dplat ui` as a user does (its own process, the settings of the
environment: DPLAT_HOME, DPLAT_PROJECT, DPLAT_PORT_*), so on a warm stack it
measures the pages with live data; with no stack, the pages that ask a
service show its error, which is quicker. Each page is loaded ``--loads``
times in headless Chromium (Debian's, at 1280x800); first paint is the
Performance API's ``first-contentful-paint`` entry, which counts the
server's answer, the stylesheet and the layout; the Overview's services
table comes after its first paint, so the time until it is in place is
printed too. The console's resident
memory (VmRSS) is read after every page has been opened and a query has
run in each engine, so every client is loaded; then once more after the
head of a MySQL table, a BigQuery table and a Parquet object (made here,
under the name ``dplat_ui_bench``), since a Parquet head loads pyarrow. Last, the time from a check
being made in a lesson run to its line showing on the page (issue 13's
goals: first paint < 300 ms on a warm stack, memory < 200 MiB, a step's
result on the page < 1 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from tests.ui_browser import chromium, console, console_in_thread, first_paint_ms, submit_sql

from dplat.scenario import lessons


def pages() -> list[str]:
    first = lessons.list_lessons().lessons[0].name
    return ["", "lessons", f"lessons/{first}", "lineage", "data", "data?s3=s3://datastaging/", "agent"]


BENCH = "dplat_ui_bench"
"""The table (MySQL), dataset.table (BigQuery) and prefix (S3) the heads are taken of."""


def make_heads(home: Path, driver: Any, console_url: str) -> list[str]:
    """Something to take the head of in each place (a table made through the
    SQL box in each engine, a 10,000-row Parquet object put with boto3); the
    head pages' paths. Opening a Parquet head loads pyarrow in the console."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from dplat.settings import resolve
    from dplat.stack import catalogue
    from dplat.stack.credentials import load_or_create

    submit_sql(driver, console_url, "mysql", f"CREATE TABLE IF NOT EXISTS {BENCH} (id INT)")
    submit_sql(driver, console_url, "bigquery", f"CREATE SCHEMA IF NOT EXISTS {BENCH}")
    submit_sql(driver, console_url, "bigquery", f"CREATE OR REPLACE TABLE {BENCH}.t AS SELECT 1 AS id")
    settings = resolve({"home": str(home)}, env=dict(os.environ))
    s3 = catalogue.by_name(settings, load_or_create(settings.credentials_file), "s3").client()
    body = io.BytesIO()
    pq.write_table(pa.table({"id": list(range(10_000)), "name": [f"n{i}" for i in range(10_000)]}), body)
    s3.put_object(Bucket="datastaging", Key=f"{BENCH}/sample.parquet", Body=body.getvalue())
    return [
        f"data/head?engine=mysql&table={BENCH}",
        f"data/head?engine=bigquery&table={BENCH}.t",
        f"data/head?target=s3://datastaging/{BENCH}/sample.parquet",
    ]


def check_latency(home: Path, checks: int = 20) -> list[float]:
    """Milliseconds from a check being made in a run to it showing on the page.

    The run is dplat's runner over a one-step stand-in lesson that makes a
    check every 100 ms (a real lesson needs the stack and takes minutes; the
    path from the runner to the page is the same). The page notes, with a
    MutationObserver, when each check's line arrives; both clocks are this
    machine's wall clock."""
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from dplat.scenario import runner
    from dplat.scenario.model import Scenario
    from dplat.settings import resolve
    from dplat.stack.credentials import load_or_create

    made: list[float] = []
    lesson = Scenario(pages()[2].split("/")[1], "latency", "latency", folder=home)

    @lesson.step("checks", "a check every 100 ms")
    def step(ctx) -> None:  # type: ignore[no-untyped-def]
        for i in range(checks):
            time.sleep(0.1)
            made.append(time.time() * 1000)
            ctx.check(f"check {i}", i, i)

    settings = resolve({"home": str(home)}, env=dict(os.environ))
    load_or_create(settings.credentials_file)

    def starter(settings, _name, explain):  # type: ignore[no-untyped-def]
        return lambda reporter, progress: runner.run(lesson, settings, reporter)

    with console_in_thread(settings, starter=starter) as url, chromium() as driver:
        driver.get(url + f"lessons/{lesson.name}")
        driver.execute_script(
            "window.seen = []; new MutationObserver((changes) => { for (const c of changes)"
            " for (const n of c.addedNodes) if (n.classList && n.classList.contains('check'))"
            " window.seen.push(Date.now()); }).observe(document.getElementById('progress'),"
            " {childList: true});"
        )
        driver.find_element(By.ID, "run").click()
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#progress li.end"))
        seen = driver.execute_script("return window.seen")
    return [shown - at for at, shown in zip(made, seen, strict=True)]


def services_loaded_ms(driver: Any) -> float:
    """On the Overview: milliseconds from navigation start until its script
    has put the services' table in place (fetched after the first paint)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60, poll_frequency=0.01).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#services[data-loaded]")
    )
    return driver.execute_script("return performance.now()")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="Loads of each page (the first is cold).")
    parser.add_argument("--home", type=Path, help="DPLAT_HOME (default: $DPLAT_HOME, else a new one).")
    parser.add_argument(
        "--light", action="store_true", help="The pages' paints only (no heads, no memory, no run latency)."
    )
    args = parser.parse_args()
    home = args.home or Path(os.environ.get("DPLAT_HOME") or tempfile.mkdtemp(prefix="dplat-ui-bench-"))
    log = Path(tempfile.mkdtemp(prefix="dplat-ui-bench-log-")) / "ui.log"
    with console(home, {}, log) as running, chromium() as driver:
        print(f"console pid {running.process.pid}, {running.rss_mib():.0f} MiB at start")
        print(f"{'page':<36} {'first load':>11} {'warm median':>12} {'warm max':>9}")
        for path in pages():
            paints, loaded = [], []
            for _ in range(args.loads):
                driver.get(running.url + path)
                paints.append(first_paint_ms(driver))
                if not path:
                    loaded.append(services_loaded_ms(driver))
            for what, times in ((f"/{path}", paints), ("/ services table in place", loaded)):
                if times:
                    warm = times[1:] or times
                    print(
                        f"{what:<36} {times[0]:8.0f} ms {statistics.median(warm):9.0f} ms {max(warm):6.0f} ms"
                    )
        if args.light:
            return
        for engine, query in (("mysql", "SELECT 1"), ("bigquery", "SELECT 1 AS one")):
            submit_sql(driver, running.url, engine, query)  # loads that engine's client
            print(f"{'POST /data/sql ' + engine:<36} {first_paint_ms(driver):8.0f} ms")
        print(f"memory after the pages and a query in each engine: {running.rss_mib():.0f} MiB (VmRSS)")
        for path in make_heads(home, driver, running.url):
            driver.get(running.url + path)
            print(f"/{path[:35]:<35} {first_paint_ms(driver):8.0f} ms")
        print(f"memory of `dplat ui` after every page, heads too: {running.rss_mib():.0f} MiB (VmRSS)")
    latency = check_latency(Path(tempfile.mkdtemp(prefix="dplat-ui-bench-run-")))
    print(
        f"check made -> shown on the page: median {statistics.median(latency):.0f} ms, "
        f"max {max(latency):.0f} ms over {len(latency)} checks"
    )


if __name__ == "__main__":
    main()
