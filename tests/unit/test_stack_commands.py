"""The stack-layer functions the CLI calls (they used to live in cli/):
`dplat logs`' Compose arguments, the services left stopped after `up`, and the
agent's flush request. Compose is scripted; the flush goes over real HTTP to a
stand-in monitor that records what it was asked."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any

import pytest

from dplat.engine import compose, daemon
from dplat.settings import resolve
from dplat.stack import lifecycle, logs
from dplat.stack.credentials import load_or_create
from dplat.stack.lifecycle import flush_agent


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    """The settings of a stack that has been up: its credentials file exists."""
    found = resolve({"home": str(tmp_path)}, env={})
    load_or_create(found.credentials_file)
    return found


def test_logs_arguments_put_history_then_follow_then_services() -> None:
    assert logs.logs_arguments(["mysql"], follow=False, tail=50) == ["logs", "--tail", "50", "mysql"]
    assert logs.logs_arguments(["a", "b"], follow=True, tail=5) == ["logs", "--tail", "5", "-f", "a", "b"]


def test_logs_names_the_everyday_services_and_a_present_on_demand_one(monkeypatch, settings) -> None:
    calls: list[list[str]] = []
    present = [type("C", (), {"labels": {lifecycle.SERVICE_LABEL: "s3-iam"}, "name": "x"})()]
    engine = type(
        "E",
        (),
        {
            "containers": type("L", (), {"list": lambda self, **k: present})(),
            "volumes": type("V", (), {"list": lambda self, **k: []})(),  # a first run
        },
    )()
    monkeypatch.setattr(daemon, "client", lambda timeout=300: engine)
    monkeypatch.setattr(compose, "run", lambda s, c, args, **kw: calls.append(list(args)))
    logs.logs(settings)
    logs.logs(settings, "agent", follow=True, tail=10)
    assert calls == [
        ["logs", "--tail", "200", "mysql", "s3", "bigquery", "agent", "s3-iam"],
        ["logs", "--tail", "10", "-f", "agent"],
    ]


def test_stopped_on_demand_leaves_out_what_was_asked_for_and_everyday_services() -> None:
    def status(name: str, ready: bool) -> lifecycle.ServiceStatus:
        return lifecycle.ServiceStatus(name, "exited" if not ready else "running", "-", ready)

    statuses = [status("mysql", True), status("agent", False), status("s3-iam", False)]
    assert [s.name for s in lifecycle.stopped_on_demand(statuses, [])] == ["s3-iam"]
    assert lifecycle.stopped_on_demand(statuses, ["s3-iam"]) == []
    assert lifecycle.stopped_on_demand([status("s3-iam", True)], []) == []


def test_flush_agent_posts_to_the_stack_agents_monitor(monkeypatch, settings) -> None:
    seen: list[tuple[str, str]] = []

    class Monitor(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(("POST", self.path))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Monitor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        flush_agent(resolve({"home": str(settings.home)}, env={"DPLAT_PORT_AGENT_MONITOR": str(port)}))
    finally:
        server.shutdown()
    assert seen == [("POST", "/api/flush")]


def test_down_of_one_service_stops_it_and_its_companions_only(monkeypatch, settings) -> None:
    """`dplat down spark`: compose is asked for spark and its worker; what
    compose left behind of those two (and nothing else) goes by label."""
    removed: list[str] = []

    class Container:
        def __init__(self, service: str) -> None:
            self.labels = {lifecycle.SERVICE_LABEL: service}
            self.name = f"dplat-{service}-1"

        def remove(self, force: bool, v: bool) -> None:
            removed.append(self.labels[lifecycle.SERVICE_LABEL])

    present = [Container(name) for name in ("mysql", "agent", "spark", "spark-worker")]
    engine = type("E", (), {"containers": type("L", (), {"list": lambda self, **k: present})()})()
    calls: list[list[str]] = []
    monkeypatch.setattr(daemon, "client", lambda timeout=300: engine)
    monkeypatch.setattr(compose, "run", lambda s, c, args, **kw: calls.append(list(args)))
    summary = lifecycle.down(settings, services=["spark"])
    assert calls == [["down", "--timeout", "10", "spark", "spark-worker"]]
    assert removed == ["spark", "spark-worker"]
    assert (summary.containers, summary.networks, summary.volumes) == (2, 0, 0)


@pytest.fixture
def no_engine(monkeypatch, tmp_path):
    """A machine before its first `dplat up`: no DPLAT_HOME yet, no engine."""
    from dplat.errors import EngineNotRunning

    def client(timeout: int = 300) -> Any:
        raise EngineNotRunning("no container engine answers (DockerException)")

    monkeypatch.setattr(daemon, "client", client)
    monkeypatch.setenv("DPLAT_HOME", str(tmp_path / "fresh"))
    return tmp_path / "fresh"


def test_env_before_the_first_up_with_no_engine_prints_the_credentials_up_will_use(no_engine) -> None:
    from typer.testing import CliRunner

    from dplat.cli import app

    result = CliRunner().invoke(app, ["env"])
    assert result.exit_code == 0, result.output
    saved = load_or_create(no_engine / "credentials.env")
    assert f"export MYSQL_PWD={saved.mysql_password}\n" in result.stdout
    assert "no container engine" not in result.output


def test_ls_before_the_first_up_with_no_engine_says_the_stack_does_not_run(no_engine, monkeypatch) -> None:
    import socket

    from typer.testing import CliRunner

    from dplat.cli import app

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("DPLAT_PORT_S3", str(probe.getsockname()[1]))
    result = CliRunner().invoke(app, ["ls", "s3://"])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "no container engine" not in flat
    assert "error: s3 does not answer" in flat and "fix: Start it with `dplat up`" in flat
