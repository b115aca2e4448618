"""`-o json` (and `-o csv`, `-o env`) on every command that shows a result.

Commands run in-process with typer's CliRunner. What is checked is the JSON
shape on stdout (it must parse alone: `dplat status -o json | jq` works) and
that the table form still prints. Only what is not under test is scripted:
the engine's containers and images, the services' probes, a lesson's stack.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from typer.testing import CliRunner

from dplat import resources
from dplat.cli import app
from dplat.engine import daemon
from dplat.stack import browse, catalogue, lifecycle
from dplat.stack.credentials import load_or_create

runner = CliRunner()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DPLAT_HOME of a stack that has been up (its credentials file exists)."""
    monkeypatch.setenv("DPLAT_HOME", str(tmp_path / "home"))
    load_or_create(tmp_path / "home" / "credentials.env")
    return tmp_path / "home"


def parsed(result: Any) -> Any:
    """stdout holds the JSON and nothing else."""
    return json.loads(result.stdout)


class Container:
    def __init__(self, service: str, status: str = "running") -> None:
        self.labels = {lifecycle.PROJECT_LABEL: "dplat", lifecycle.SERVICE_LABEL: service}
        self.name, self.status = f"dplat-{service}-1", status
        self.attrs: dict[str, Any] = {"State": {"Health": {"Status": "healthy"}}, "HostConfig": {}}

    def stats(self, stream: bool, one_shot: bool) -> dict[str, Any]:
        """A cgroup v1 engine's answer: its cache counter is total_inactive_file."""
        stats = {"total_inactive_file": 2 * 2**20, "inactive_file": 1}
        return {"memory_stats": {"usage": 50 * 2**20, "stats": stats}}

    def logs(self, tail: int) -> bytes:
        """The last ``tail`` of 300 lines, as the docker SDK gives them (bytes)."""
        every = [f"{self.name} line {i}" for i in range(1, 301)]
        return ("\n".join(every[-tail:]) + "\n").encode()


class Engine:
    """The engine as lifecycle.status reads it: this project's containers."""

    def __init__(self, *services: str) -> None:
        self.found = [Container(name) for name in services]
        self.containers = self
        # No volumes: a first run (stack_credentials asks when no credentials exist).
        self.volumes = type("Volumes", (), {"list": lambda self, **kw: []})()

    def list(self, all: bool = False, filters: dict[str, Any] | None = None) -> list[Container]:
        return self.found


def test_status_json_has_every_service_and_its_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon, "client", lambda timeout=300: Engine("mysql", "s3", "bigquery"))
    answering = {"mysql", "bigquery"}  # s3's probe fails; the agent has no container
    for cls in catalogue.service_classes():

        def probe(self: Any) -> None:
            if self.name not in answering:
                raise ConnectionRefusedError("nothing listens")

        monkeypatch.setattr(cls, "probe", probe)
    result = runner.invoke(app, ["status", "-o", "json"])
    assert result.exit_code == 0, result.output
    found = parsed(result)
    assert found["project"] == "dplat" and found["ready"] is False
    by_name = {s["name"]: s for s in found["services"]}
    assert list(by_name) == ["mysql", "s3", "bigquery", "agent"]  # s3-iam: on demand, absent
    assert by_name["mysql"]["ready"] is True and by_name["mysql"]["state"] == "running"
    assert by_name["mysql"]["health"] == "healthy"
    assert by_name["s3"]["ready"] is False
    assert by_name["agent"] == {**by_name["agent"], "state": "missing", "ready": False, "health": "-"}
    assert by_name["bigquery"]["info"]["url"] == "http://127.0.0.1:9050"
    # Memory as `docker stats` counts it; none for what has no container.
    assert by_name["mysql"]["memory_bytes"] == 48 * 2**20
    assert by_name["agent"]["memory_bytes"] is None
    # The credentials are named, so the console can mask them.
    assert by_name["mysql"]["secrets"] == ["password"]
    assert by_name["s3"]["secrets"] == ["access_key", "secret_key"]
    table = runner.invoke(app, ["status"])
    assert "not answering" in table.stdout and "ready" in table.stdout
    assert "48 MiB" in table.stdout


def test_logs_json_prints_one_services_last_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon, "client", lambda timeout=300: Engine("mysql"))
    result = runner.invoke(app, ["logs", "mysql", "--tail", "3", "-o", "json"])
    assert result.exit_code == 0, result.output
    assert parsed(result) == {
        "service": "mysql",
        "state": "running",
        "lines": [f"dplat-mysql-1 line {i}" for i in (298, 299, 300)],
    }
    missing = parsed(runner.invoke(app, ["logs", "agent", "-o", "json"]))
    assert missing == {"service": "agent", "state": "missing", "lines": []}
    unknown = runner.invoke(app, ["logs", "nope", "-o", "json"])
    assert unknown.exit_code == 1 and "no service named 'nope'" in unknown.output
    every = runner.invoke(app, ["logs", "-o", "json"])
    assert every.exit_code == 1 and "Name the service" in " ".join(every.output.split())


def test_status_env_and_env_json_give_the_same_variables() -> None:
    shell = runner.invoke(app, ["status", "-o", "env"]).stdout
    as_json = parsed(runner.invoke(app, ["env", "-o", "json"]))
    assert f"export MYSQL_TCP_PORT={as_json['MYSQL_TCP_PORT']}" in shell
    assert as_json["AWS_ENDPOINT_URL_S3"] == "http://127.0.0.1:9000"
    assert as_json["DPLAT_S3_IAM_URL"].startswith("http://127.0.0.1:")
    assert len(shell.splitlines()) == len(as_json)


def test_an_unknown_output_is_a_usage_error() -> None:
    result = runner.invoke(app, ["scenario", "list", "-o", "yaml"])
    assert result.exit_code == 2 and "yaml" in result.output


def test_scenario_list_json_is_every_lesson_in_order() -> None:
    found = parsed(runner.invoke(app, ["scenario", "list", "-o", "json"]))
    names = [lesson["name"] for lesson in found["lessons"]]
    on_disk = sorted(p.name for p in resources.scenarios_dir().iterdir() if (p / "scenario.py").exists())
    assert sorted(names) == on_disk
    assert [lesson["position"] for lesson in found["lessons"]] == list(range(1, len(names) + 1))
    first = found["lessons"][0]
    assert set(first) == {"position", "name", "title", "services", "steps"}
    assert isinstance(first["services"], list) and first["steps"] > 0


def test_scenario_show_json_has_its_steps_in_order() -> None:
    from dplat.scenario import catalog

    lesson = catalog.find("logging-to-bq")
    found = parsed(runner.invoke(app, ["scenario", "show", "logging-to-bq", "-o", "json"]))
    assert found["name"] == "logging-to-bq" and found["title"] == lesson.title
    assert found["steps"] == [{"name": s.name, "summary": s.summary} for s in lesson.steps]
    assert found["readme"].endswith("scenarios/logging-to-bq/README.md")


def test_scenario_show_lineage_reads_the_last_report(home: Path) -> None:
    missing = runner.invoke(app, ["scenario", "show", "logging-to-bq", "--lineage", "-o", "json"])
    assert missing.exit_code == 1 and missing.stdout == ""
    assert "has not run yet here" in missing.stderr
    report = home / "state" / "logging-to-bq.report.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    lineage = {"kpi.daily": ["raw.events"], "raw.events": ["s3://datastaging/app/"]}
    report.write_text(json.dumps({"run_id": "r1", "lineage": lineage}))
    found = parsed(runner.invoke(app, ["scenario", "show", "logging-to-bq", "--lineage", "-o", "json"]))
    assert found["run_id"] == "r1" and found["lineage"] == lineage
    assert found["tree"] == [
        {"depth": 0, "name": "kpi.daily"},
        {"depth": 1, "name": "raw.events"},
        {"depth": 2, "name": "s3://datastaging/app/"},
    ]
    table = runner.invoke(app, ["scenario", "show", "logging-to-bq", "--lineage"])
    assert "└── raw.events" in table.stdout


DEMO = '''
from dplat.scenario import Scenario

scenario = Scenario(name="demo", title="Demo", teaches="Output.", services=("s3", "s3-iam"))

@scenario.step("count", "Count to three")
def count(ctx):
    print("a lesson's own print")
    ctx.check("counted", actual=3, expected=3)
    ctx.figure("numbers/s", 3.0)
'''


def test_run_scenario_json_is_the_report_and_progress_goes_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scenarios" / "demo"
    folder.mkdir(parents=True)
    (folder / "scenario.py").write_text(DEMO)
    monkeypatch.setattr(resources, "scenarios_dir", lambda: tmp_path / "scenarios")
    asked: list[list[str]] = []

    def up(settings: Any, report: Any, include: Any = ()) -> list[Any]:
        report("starting s3-iam")
        asked.append(list(include))
        return []

    monkeypatch.setattr(lifecycle, "up", up)
    written = tmp_path / "report.json"
    result = runner.invoke(app, ["run", "scenario", "demo", "-o", "json", "--report", str(written)])
    assert result.exit_code == 0, result.output
    report = parsed(result)
    assert asked == [["s3-iam"]]  # the lesson's on-demand service was asked for
    assert report["scenario"] == "demo" and report["passed"] is True
    assert report["steps"][0]["name"] == "count" and report["steps"][0]["status"] == "passed"
    assert report["steps"][0]["checks"][0]["message"].startswith("counted")
    assert report["figures"] == {"numbers/s": 3.0}
    assert json.loads(written.read_text())["run_id"] == report["run_id"]
    assert "passed" in result.stderr and "count" in result.stderr  # progress, on stderr
    assert "a lesson's own print" in result.stderr  # stdout holds only the JSON


class ScriptedS3:
    """An S3 client that answers a listing and a bucket list."""

    def list_buckets(self) -> dict[str, Any]:
        return {"Buckets": [{"Name": "datastaging"}, {"Name": "datastore"}]}

    def get_paginator(self, name: str) -> Any:
        when = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
        page = {
            "CommonPrefixes": [{"Prefix": "app/2026/"}],
            "Contents": [{"Key": "app/a.gz", "Size": 12, "LastModified": when}],
        }
        return type("Paginator", (), {"paginate": lambda self, **kw: [page]})()


class ScriptedDatabase:
    def cursor(self) -> Any:
        return self

    def execute(self, query: str) -> None:
        self.description = [("id",), ("price",), ("note",), ("at",)]

    def fetchall(self) -> list[tuple[Any, ...]]:
        when = datetime(2026, 12, 4, 15, 0, 1)
        return [(1, Decimal("9.99"), 'a, "quoted"', when), (2, None, None, None)]

    def commit(self) -> None: ...

    def close(self) -> None: ...


class Ready:
    def __init__(self, client: Any) -> None:
        self._client = client

    def url(self) -> str:
        return "scripted"

    def client(self) -> Any:
        return self._client


def test_sql_json_and_csv_keep_every_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "ready", lambda settings, name: Ready(ScriptedDatabase()))
    found = parsed(runner.invoke(app, ["sql", "mysql", "select", "-o", "json"]))
    assert found == {
        "engine": "mysql",
        "columns": ["id", "price", "note", "at"],
        "rows": [
            {"id": 1, "price": "9.99", "note": 'a, "quoted"', "at": "2026-12-04T15:00:01"},
            {"id": 2, "price": None, "note": None, "at": None},
        ],
    }
    csv_text = runner.invoke(app, ["sql", "mysql", "select", "-o", "csv"]).stdout
    assert csv_text.splitlines() == [
        "id,price,note,at",
        '1,9.99,"a, ""quoted""",2026-12-04 15:00:01',
        "2,,,",
    ]


def test_ls_json_lists_prefixes_objects_and_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "ready", lambda settings, name: Ready(ScriptedS3()))
    found = parsed(runner.invoke(app, ["ls", "s3://datastaging/app/", "-o", "json"]))
    assert found == {
        "url": "s3://datastaging/app/",
        "entries": [
            {"url": "s3://datastaging/app/2026/", "kind": "prefix", "bytes": None, "modified": None},
            {
                "url": "s3://datastaging/app/a.gz",
                "kind": "object",
                "bytes": 12,
                "modified": "2026-12-04T15:00:00+00:00",
            },
        ],
    }
    buckets = parsed(runner.invoke(app, ["ls", "-o", "json"]))
    assert [e["url"] for e in buckets["entries"]] == ["s3://datastaging", "s3://datastore"]
    assert "s3://datastore" in runner.invoke(app, ["ls"]).stdout


class Images:
    """The engine's image store: dplat/mysql built and current, the rest absent."""

    def get(self, tag: str) -> Any:
        from dplat.stack import images

        if tag != "dplat/mysql:local":
            raise docker.errors.ImageNotFound(tag)
        current = images.source_hash(images.spec("mysql"))
        return type("Image", (), {"labels": {images.HASH_LABEL: current}, "attrs": {"Size": 694e6}})()


def test_images_list_json(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = type("Engine", (), {"images": Images()})()
    monkeypatch.setattr(daemon, "client", lambda timeout=300: engine)
    found = parsed(runner.invoke(app, ["images", "list", "-o", "json"]))
    assert found["images"][0] == {
        "name": "mysql", "tag": "dplat/mysql:local", "built": True, "current": True, "size_mb": 694.0
    }
    assert [i["name"] for i in found["images"]] == [
        "mysql", "s3", "bigquery", "agent", "s3-iam", "airflow", "spark"
    ]
    assert all(i["built"] is False for i in found["images"][1:])


def test_doctor_json_reports_failures_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon, "is_running", lambda: False)  # no engine here: a failing check
    result = runner.invoke(app, ["doctor", "-o", "json"])
    assert result.exit_code == 1
    found = parsed(result)
    assert found["ok"] is False
    engine = found["checks"][0]
    assert engine == {**engine, "name": "engine", "ok": False, "found": "no container engine answers"}
    assert "dplat up" in engine["fix"]
    assert {c["name"] for c in found["checks"]} >= {"disk", "memory", "port mysql"}
