"""The console's Agent page in headless Chromium against the real agent
container (the stack's image, its default config, random loopback ports).

The page lists the plugins the monitor API lists, shows the running config
(its routes), and, without reloading, counts events sent with fluent-logger:
the forward input's records, the file output's records once its buffer
flushed, and a rate drawn from two readings. The counters shown are the
monitor's own (Fluentd's in_monitor_agent fields, reference doc section K of
/work/shared/docs/reference/fluentd.md). No sideways scroll at 1280x800.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dplat import resources
from dplat.stack.agent import Agent
from tests.ui_browser import chromium, console, scrolls_sideways, shoot

pytestmark = pytest.mark.integration

EVENTS = 200


@pytest.fixture(scope="module")
def page(service_factory, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("ui-agent-home")
    work = home / "work"
    (work / "agent").mkdir(parents=True)
    shutil.copy(resources.images_dir() / "agent" / "agent.conf", work / "agent" / "agent.conf")
    for folder in (work, work / "agent"):
        folder.chmod(0o777)  # the image's own user writes the events here
    running = service_factory(Agent, volumes={str(work): "/dplat/work"})
    env = {f"DPLAT_PORT_{e.name.upper()}": str(running.service.port(e.name)) for e in Agent.endpoints}
    env["DPLAT_PROJECT"] = "dplat-ui-agent"
    with console(home, env, home / "ui.log") as shown, chromium() as driver:
        yield driver, shown, running.service


def metric(driver, plugin: str, key: str) -> str:
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.CSS_SELECTOR, f'b[data-plugin="{plugin}"]').find_element(By.XPATH, "./ancestor::tr")
    return row.find_element(By.CSS_SELECTOR, f'[data-metric="{key}"]').text


def test_the_agent_page_counts_events_as_they_flow(page, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver, running, agent = page
    driver.get(running.url + "agent")
    listed = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#agent-metrics b[data-plugin]")]
    assert listed == [p["plugin_id"] for p in agent.monitor()["plugins"]]
    assert set(listed) >= {"forward", "http", "monitor", "events"}
    config = driver.find_element(By.ID, "agent-config").text
    assert "<match **>" in config and "@type file" in config and "@id events" in config
    # A first reading has come in (the rate needs one from before the events).
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "agent-updated").text != "now")
    driver.execute_script("window.notReloaded = true")
    before = int(metric(driver, "forward", "emit_records") or 0)
    client = agent.client("ui")
    for i in range(EVENTS):
        assert client.emit("hit", {"i": i}), client.last_error
    client.close()
    WebDriverWait(driver, 30).until(lambda d: metric(d, "forward", "emit_records") == str(before + EVENTS))
    # The file output flushes every 5 s (images/agent/agent.conf); its counter follows.
    WebDriverWait(driver, 40).until(lambda d: metric(d, "events", "emit_records") == str(before + EVENTS))
    assert driver.execute_script("return window.notReloaded") is True  # updated in place
    # The reading that saw the jump drew it: a point of forward's line above its floor.
    drawn = driver.execute_script(
        "const row = document.querySelector('b[data-plugin=\"forward\"]').closest('tr');"
        " const line = row.querySelector('svg.spark polyline');"
        " return line ? line.getAttribute('points') : '';"
    )
    assert any(float(point.split(",")[1]) < 19 for point in drawn.split()), drawn
    # The page's numbers are the monitor's.
    rows = {p["plugin_id"]: p for p in agent.monitor()["plugins"]}
    WebDriverWait(driver, 10).until(
        lambda d: metric(d, "events", "emit_count") == str(rows["events"]["emit_count"])
    )
    assert metric(driver, "events", "retry_count") == str(rows["events"]["retry_count"]) == "0"
    assert metric(driver, "forward", "buffer_queue_length") == ""  # an input has no buffer
    assert not scrolls_sideways(driver)
    shoot(driver, tmp_path, "agent")
