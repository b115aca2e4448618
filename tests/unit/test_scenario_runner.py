"""The lesson runner: order, selection, state, checks, errors, reset, report, explain."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dplat.errors import ScenarioError
from dplat.scenario import catalog, runner
from dplat.settings import resolve
from dplat.stack.credentials import load_or_create

LESSON = '''
from dplat.scenario import Scenario

scenario = Scenario(name="demo", title="Demo", teaches="How runs work.",
                    services=("s3",), order=2, options={"events": 5})

@scenario.reset
def reset(ctx):
    ctx.state["resets"] = ctx.state.get("resets", 0) + 1
    (ctx.settings.home / "reset-marker").write_text("x")

@scenario.step("ingest", "Make events")
def ingest(ctx):
    ctx.state["made"] = ctx.options["events"]
    ctx.explain("sql", "the insert", "INSERT INTO t VALUES (1)")
    ctx.check("events made", actual=ctx.state["made"], expected=ctx.options["events"])
    ctx.wrote("raw.t", ["app logs"])
    ctx.figure("events/s", 123.0)

@scenario.step("load", "Load them")
def load(ctx):
    ctx.check("made before", actual=ctx.state.get("made"), expected=BEHAVIOUR["expected"],
              where="dplat sql bigquery 'SELECT COUNT(*) FROM raw.t'")

@scenario.step("query", "Ask a question")
def query(ctx):
    if BEHAVIOUR["explode"]:
        raise RuntimeError("the warehouse is on fire")
    ctx.check("answer", actual=42, expected=42)

BEHAVIOUR = {"expected": 5, "explode": False}
'''


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def step_started(self, step, index, total):
        self.events.append(("start", step.name))

    def step_progress(self, message):
        self.events.append(("progress", message))

    def step_finished(self, result):
        self.events.append(("end", f"{result.name}:{result.status}"))

    def explain(self, item):
        self.events.append(("explain", item.text))


@pytest.fixture
def lesson(tmp_path: Path):
    folder = tmp_path / "scenarios" / "demo"
    folder.mkdir(parents=True)
    (folder / "scenario.py").write_text(LESSON)
    settings = resolve({"home": str(tmp_path / "home")}, env={})
    # A stack that has been up: its credentials exist, so the run does not ask
    # whatever engine this machine runs whether project dplat has volumes.
    load_or_create(settings.credentials_file)
    return catalog.find("demo", tmp_path / "scenarios"), settings


def test_steps_run_in_order_and_all_checks_pass(lesson) -> None:
    scenario, settings = lesson
    recorder = Recorder()
    report = runner.run(scenario, settings, recorder)
    assert report.passed
    assert [e for e in recorder.events if e[0] == "end"] == [
        ("end", "ingest:passed"), ("end", "load:passed"), ("end", "query:passed")
    ]
    assert (settings.home / "reset-marker").exists()


def test_step_option_runs_up_to_and_only_runs_one(lesson) -> None:
    scenario, settings = lesson
    report = runner.run(scenario, settings, Recorder(), up_to="load")
    assert [s.name for s in report.steps] == ["ingest", "load"]
    recorder = Recorder()
    only = runner.run(scenario, settings, recorder, only="load")
    assert [s.name for s in only.steps] == ["load"]
    assert only.passed  # uses the state the earlier run saved
    with pytest.raises(ScenarioError, match="no step 'nope'"):
        runner.run(scenario, settings, Recorder(), only="nope")


def test_failed_check_names_expectation_and_where_to_look_and_skips_the_rest(lesson) -> None:
    scenario, settings = lesson
    module_globals = scenario.steps[1].run.__globals__
    module_globals["BEHAVIOUR"]["expected"] = 6
    report = runner.run(scenario, settings, Recorder())
    assert not report.passed
    assert [s.status for s in report.steps] == ["passed", "failed", "skipped"]
    message = report.steps[1].checks[0].message
    assert "expected 6, found 5" in message and "SELECT COUNT(*) FROM raw.t" in message


def test_an_exception_in_a_step_is_reported_not_raised(lesson) -> None:
    scenario, settings = lesson
    scenario.steps[2].run.__globals__["BEHAVIOUR"]["explode"] = True
    report = runner.run(scenario, settings, Recorder())
    assert report.steps[2].status == "error"
    assert report.steps[2].error == "RuntimeError: the warehouse is on fire"


def test_options_override_defaults(lesson) -> None:
    scenario, settings = lesson
    report = runner.run(scenario, settings, Recorder(), up_to="ingest", options={"events": 9})
    assert report.steps[0].checks[0].actual == 9


def test_explain_shows_what_a_step_uses_only_when_asked(lesson) -> None:
    scenario, settings = lesson
    quiet, loud = Recorder(), Recorder()
    runner.run(scenario, settings, quiet, up_to="ingest")
    runner.run(scenario, settings, loud, up_to="ingest", explain=True)
    assert ("explain", "INSERT INTO t VALUES (1)") not in quiet.events
    assert ("explain", "INSERT INTO t VALUES (1)") in loud.events


def test_report_json_has_steps_checks_figures_and_lineage(lesson, tmp_path: Path) -> None:
    scenario, settings = lesson
    report = runner.run(scenario, settings, Recorder())
    path = tmp_path / "report.json"
    report.write(path)
    data = json.loads(path.read_text())
    assert data["scenario"] == "demo" and data["passed"] is True
    assert [s["name"] for s in data["steps"]] == ["ingest", "load", "query"]
    assert data["steps"][0]["checks"][0]["message"] == "events made: 5"
    assert data["figures"] == {"events/s": 123.0}
    assert data["lineage"] == {"raw.t": ["app logs"]}


def test_reset_command_forgets_state(lesson) -> None:
    scenario, settings = lesson
    runner.run(scenario, settings, Recorder())
    runner.reset(scenario, settings)
    state = json.loads((settings.home / "state" / "demo.json").read_text())
    assert state == {}


def test_a_reset_that_fails_is_an_error_naming_the_lesson_and_the_fix(lesson) -> None:
    scenario, settings = lesson

    def broken(ctx):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    scenario.reset_function = broken
    with pytest.raises(ScenarioError) as caught:
        runner.run(scenario, settings, Recorder())
    assert caught.value.message == (
        "resetting demo's data failed: ConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert "dplat status" in (caught.value.fix or "")
    scenario.services = ("s3", "s3-iam")
    with pytest.raises(ScenarioError) as caught:
        runner.run(scenario, settings, Recorder())
    assert "`dplat up --with s3-iam` repairs it" in (caught.value.fix or "")


def test_catalog_errors_name_the_fix(tmp_path: Path) -> None:
    broken = tmp_path / "scenarios" / "broken"
    broken.mkdir(parents=True)
    (broken / "scenario.py").write_text(textwrap.dedent("x = 1\n"))
    with pytest.raises(ScenarioError, match="defines no `scenario"):
        catalog.find("broken", tmp_path / "scenarios")
    with pytest.raises(ScenarioError, match="no scenario named 'nope'") as info:
        catalog.find("nope", tmp_path / "scenarios")
    assert "broken" in info.value.fix


def test_new_lesson_from_the_template_loads_with_one_step_and_a_readme(tmp_path: Path) -> None:
    from dplat.scenario import scaffold

    folder = scaffold.create("my-lesson", tmp_path, title="My lesson")
    lesson = catalog.find("my-lesson", tmp_path)
    assert lesson.title == "My lesson"
    assert [s.name for s in lesson.steps] == ["stage"]
    assert lesson.reset_function is not None
    assert "# my-lesson: My lesson" in (folder / "README.md").read_text()
    with pytest.raises(ScenarioError, match="already exists"):
        scaffold.create("my-lesson", tmp_path)
    with pytest.raises(ScenarioError, match="is not a lesson name"):
        scaffold.create("My Lesson", tmp_path)


def test_lineage_tree_nests_tables_under_what_they_were_made_from() -> None:
    lineage = {
        "raw.t": ["s3://datastaging/x/"],
        "staging.t": ["raw.t"],
        "mart.kpi": ["staging.t", "mysql:users"],
    }
    assert runner.lineage_tree(lineage) == [
        (0, "mart.kpi"),
        (1, "staging.t"),
        (2, "raw.t"),
        (3, "s3://datastaging/x/"),
        (1, "mysql:users"),
    ]


def test_each_run_keeps_its_report_for_lineage(lesson) -> None:
    scenario, settings = lesson
    runner.run(scenario, settings, Recorder())
    saved = json.loads(runner.last_report_file(settings, "demo").read_text())
    assert saved["lineage"] == {"raw.t": ["app logs"]}


def test_scenario_list_shows_every_lesson_in_the_suggested_order() -> None:
    from typer.testing import CliRunner

    from dplat.cli import app

    result = CliRunner().invoke(app, ["scenario", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    names = [s.name for s in catalog.all_scenarios()]
    assert names[0] == "logging-to-bq"
    positions = [result.output.index(f" {name} ") for name in names]
    assert positions == sorted(positions)
    orders = [s.order for s in catalog.all_scenarios()]
    assert orders == sorted(orders)
