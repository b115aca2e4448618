"""Start and stop the real stack from the console's overview, in headless Chromium.

Its own project, home and port offset (not the suite's session stack, which
the other tests need up): the overview first lists every everyday service as
missing; **Start the stack** runs `dplat up`'s core, whose progress lines
("waiting for mysql") show while it works and a second start is refused with
409; once it ends every everyday service answers; **start s3-iam** adds
that on-demand service and **stop s3-iam** (`dplat down s3-iam`) takes it
away again while the rest answers; **Stop the stack** runs
`dplat down`'s core and they are missing again. The project is swept at the
end whatever happened.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dplat.stack import catalogue
from tests.e2e.conftest import IMAGES, PORT_OFFSET, PROJECT, free_offset, sweep
from tests.ui_browser import chromium, console, scrolls_sideways, service_rows, shoot

pytestmark = pytest.mark.e2e

CONTROL_PROJECT = f"{PROJECT}-control"
UP_SECONDS = 300


def rows(driver) -> dict[str, str]:
    """Each service's row text, read in one script (the table is replaced
    after each action, so elements found earlier may be gone)."""
    service_rows(driver)
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#services tbody tr')]"
        ".map((r) => [r.querySelector('b').textContent, r.innerText]));"
    )


def press_and_wait(driver, css: str) -> str:
    """Press a stack button; once its progress showed a line and ended: the end's text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#stack-progress li.stack"))
    end = WebDriverWait(driver, UP_SECONDS).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#stack-progress li.end")
    )[0]
    return f"{end.get_attribute('class')}: {end.text}"


def test_start_and_stop_the_stack_from_the_overview(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    everyday = [c.name for c in catalogue.service_classes() if not c.on_demand]
    env = {
        "DPLAT_PROJECT": CONTROL_PROJECT,
        "DPLAT_PORT_OFFSET": str(free_offset(PORT_OFFSET + 100)),
        "DPLAT_IMAGES": IMAGES,
    }
    sweep(CONTROL_PROJECT)
    try:
        with console(tmp_path / "home", env, tmp_path / "ui.log") as running, chromium() as driver:
            driver.get(running.url)
            assert all("missing" in rows(driver)[name] for name in everyday), rows(driver)
            driver.find_element(By.CSS_SELECTOR, 'button.stack-action.primary[data-action="up"]').click()
            WebDriverWait(driver, 60).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, "#stack-progress li.stack")
            )
            # While it starts: a second start is refused, in words, and the buttons wait.
            again = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                " post('/stack/up').then(async r => done([r.status, (await r.json()).running]));"
            )
            assert again == [409, "stack up"]
            stop = driver.find_element(By.CSS_SELECTOR, 'button[data-action="down"]:not([data-with])')
            assert stop.get_attribute("disabled")
            end = WebDriverWait(driver, UP_SECONDS).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, "#stack-progress li.end")
            )[0]
            assert end.get_attribute("class") == "end ok", end.text
            assert end.text.startswith("the stack is up")
            shown = driver.find_element(By.ID, "stack-progress").text
            assert "waiting for mysql" in shown and "waiting for bigquery" in shown, shown
            WebDriverWait(driver, 30).until(
                lambda d: all("not answering" not in rows(d).get(n, "not answering") for n in everyday)
            )
            assert not scrolls_sideways(driver)
            shoot(driver, tmp_path, "overview-started")
            # An on-demand service alone: started, then stopped, the stack staying up.
            started = press_and_wait(driver, 'button[data-action="up"][data-with="s3-iam"]')
            assert started.startswith("end ok: the stack is up"), started
            WebDriverWait(driver, 30).until(lambda d: "answering" in rows(d).get("s3-iam", ""))
            stop_one = 'button[data-action="down"][data-with="s3-iam"]'
            WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, stop_one))
            assert press_and_wait(driver, stop_one) == "end ok: stopped s3-iam: removed 1 container(s)"
            WebDriverWait(driver, 30).until(lambda d: "running" not in rows(d).get("s3-iam", ""))
            assert all("not answering" not in rows(driver)[n] for n in everyday), rows(driver)
            stop_all = 'button[data-action="down"]:not([data-with])'
            assert press_and_wait(driver, stop_all).startswith("end ok: removed ")
            WebDriverWait(driver, 30).until(lambda d: all("missing" in rows(d).get(n, "") for n in everyday))
            shoot(driver, tmp_path, "overview-stopped")
    finally:
        sweep(CONTROL_PROJECT)
