"""The agent's image started from its service declaration, as `dplat up` starts
it: the declared command (the config in the shared work folder), the
environment compose gives it, the default config that the first `up` copies
there. Spoken to with fluent-logger and the monitor API on loopback ports."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest

from dplat import resources
from dplat.stack.agent import Agent
from dplat.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DPLAT_HOME/work as the first `up` leaves it (lifecycle._prepare_work_dir)."""
    work = tmp_path_factory.mktemp("home") / "work"
    (work / "agent").mkdir(parents=True)
    shutil.copy(resources.images_dir() / "agent" / "agent.conf", work / "agent" / "agent.conf")
    # compose runs the agent as the host user; here it is the image's own user,
    # so the folder it writes into is opened to it.
    for folder in (work, work / "agent"):
        folder.chmod(0o777)
    return work


@pytest.fixture(scope="module")
def running(service_factory, work: Path):
    return service_factory(Agent, volumes={str(work): "/dplat/work"})


def test_the_container_runs_the_declared_command_and_environment(running, credentials) -> None:
    attrs = running.container.get_wrapped_container().attrs
    assert tuple(attrs["Config"]["Cmd"]) == Agent.command
    env = dict(line.split("=", 1) for line in attrs["Config"]["Env"])
    assert Agent.environment(credentials).items() <= env.items()
    bindings = [b for found in attrs["NetworkSettings"]["Ports"].values() for b in found or []]
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
    assert "24224/udp" in attrs["NetworkSettings"]["Ports"]


def test_default_config_keeps_events_in_the_work_folder_not_in_the_log(running, work: Path) -> None:
    agent: Agent = running.service
    types = {plugin["type"] for plugin in agent.monitor()["plugins"]}
    assert types == {"forward", "http", "monitor_agent", "file"}
    marker = uuid.uuid4().hex
    client = agent.client("app")
    assert client.emit("hit", {"marker": marker}), client.last_error
    client.close()
    folder = work / "agent" / "events" / "app.hit"
    # The file output flushes every 5 s.
    found = wait_until(
        lambda: [f for f in folder.glob("*.log") if marker in f.read_text()], 30
    )
    assert found, f"the event was not written under {folder}: {running.logs()[-2000:]}"
    assert found[0].name == time.strftime("%Y%m%d.log", time.gmtime())
    assert marker not in running.logs()
