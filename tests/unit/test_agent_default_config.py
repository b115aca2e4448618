"""The agent's default config (images/agent/agent.conf, copied to
DPLAT_HOME/work/agent/ by the first `dplat up`) keeps every event in files and
does not echo events to stdout, which is the container's log."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from fluent import sender

from dplat import resources
from dplat.agent.testing import agent_process
from dplat.waiting import wait_until

DEFAULT = resources.images_dir() / "agent" / "agent.conf"


def test_events_land_in_the_work_folder_and_not_on_stdout(tmp_path: Path) -> None:
    # The same config, with the container's /dplat/work here, on loopback, and
    # every port picked by the OS.
    text = DEFAULT.read_text().replace("/dplat/work", str(tmp_path / "work"))
    text = text.replace("bind 0.0.0.0", "bind 127.0.0.1")
    config = tmp_path / "agent.conf"
    config.write_text(re.sub(r"port \d+", "port 0", text))
    marker = f"marker-{time.time_ns()}"
    with agent_process(config, tmp_path / "agent.log") as agent:
        client = sender.FluentSender("app.web", host="127.0.0.1", port=agent.port())
        assert client.emit("hit", {"path": "/", "marker": marker}), client.last_error
        client.close()
        folder = tmp_path / "work" / "agent" / "events" / "app.web.hit"
        # Written by the 5 s flush interval: one file per UTC day, appended.
        found = wait_until(lambda: [f for f in folder.glob("*.log") if marker in f.read_text()], 20)
        assert found, f"no event file with the event after 20 s: {list(folder.glob('*'))}"
        (written,) = found
        assert written.name == time.strftime("%Y%m%d.log", time.gmtime())
        _time, tag, record = written.read_text().splitlines()[0].split("\t")
        assert tag == "app.web.hit" and json.loads(record) == {"path": "/", "marker": marker}
        agent.stop()
    assert marker not in (tmp_path / "agent.log").read_text()
