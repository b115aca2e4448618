"""What the console's browser tests share: `dplat ui` started as a user starts
it (its own process, the real CLI), and Debian's headless Chromium driven by
Selenium through Debian's chromium-driver (built from the same source as
the browser, so the two always match; nothing is downloaded).

scripts/test.sh installs ``chromium`` and ``chromium-driver``; where they are
missing a test says so and is skipped (a failure under CI=true).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # tests run as root, where Chromium's sandbox cannot start
    "--disable-background-networking",  # no update checks, no safe browsing: loopback only
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--window-size=1280,800",
)
WIDTH, HEIGHT = 1280, 800


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Console:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def rss_mib(self) -> float:
        """The console process's resident memory (VmRSS), in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS line")


@contextlib.contextmanager
def console(home: Path, env: dict[str, str], log: Path) -> Iterator[Console]:
    """`dplat --home HOME ui --no-open --port P` in its own process, until the end."""
    port = free_port()
    command = [sys.executable, "-m", "dplat.cli", "--home", str(home), "ui", "--no-open",
               "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "static/style.css", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"`dplat ui` did not start: {log.read_text()}") from None
                time.sleep(0.2)
        yield Console(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/test.sh does)")
    return browser, driver


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium at 1280x800, driven by Selenium."""
    browser, driver_path = chromium_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        driver.set_window_size(WIDTH, HEIGHT)
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


def scrolls_sideways(driver: Any) -> bool:
    """Whether the page is wider than the window (a table may scroll in its box)."""
    return driver.execute_script(
        "const e = document.scrollingElement; return e.scrollWidth > e.clientWidth;"
    )


def service_rows(driver: Any, timeout: float = 60) -> list[Any]:
    """The Overview's services' rows, once its script has loaded them from
    /services (they come after the first paint)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#services[data-loaded]")
    )
    return driver.find_elements(By.CSS_SELECTOR, "#services tbody tr")


def first_paint_ms(driver: Any) -> float:
    """First contentful paint of the page now shown, from the Performance API."""
    return driver.execute_script(
        "const p = performance.getEntriesByName('first-contentful-paint')[0];"
        " return p ? p.startTime : performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd;"
    )


def post_without_token(driver: Any, path: str) -> int:
    """A POST made by the page's own script but without the token: its status."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        " fetch(arguments[0], {method: 'POST'}).then(r => done(r.status), e => done(String(e)));",
        path,
    )


def shoot(driver: Any, folder: Path, name: str) -> Path:
    """A full-width screenshot of the page, as tall as its content."""
    height = driver.execute_script("return document.scrollingElement.scrollHeight")
    driver.set_window_size(WIDTH, max(HEIGHT, min(height + 140, 4000)))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, HEIGHT)
    return path


def submit_sql(driver: Any, console_url: str, engine: str, query: str) -> None:
    """Type ``query`` into the Data page's SQL box and run it; returns once the
    answer's page has replaced the one submitted (the query may take seconds)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver.get(console_url + "data")
    Select(driver.find_element(By.NAME, "engine")).select_by_value(engine)
    box = driver.find_element(By.NAME, "query")
    box.clear()
    box.send_keys(query)
    # The submitted page carries a mark; the answer's page is a new document
    # without it. (Watching the old form go stale races the navigation: while
    # the page is swapped Chromium can answer "Node with given id does not
    # belong to the document", a plain WebDriverException, so any error while
    # asking counts as "not yet".)
    driver.execute_script("window.dplatSubmitted = true")
    driver.find_element(By.CSS_SELECTOR, "form.sql button").click()
    answered = "return window.dplatSubmitted === undefined && document.readyState === 'complete'"
    WebDriverWait(driver, 120, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(answered)
    )


@contextlib.contextmanager
def console_in_thread(settings: Any, **options: Any) -> Iterator[str]:
    """The console app served from a thread of this process (so a test can
    hand it options, such as the lesson starter); yields its URL."""
    import asyncio
    import threading

    from aiohttp import web

    from dplat.ui.server import make_app

    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(make_app(settings, **options))
    listening = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        listening.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="console", daemon=True)
    thread.start()
    if not listening.wait(30):
        raise RuntimeError("the console did not start in 30 s")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
