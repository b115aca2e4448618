"""Local-only steps: skipped with their reason under `--images upstream`, run
on the local images, and never a reason to skip or fail the steps after them."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from dplat.errors import ScenarioError
from dplat.scenario import Scenario, catalog, runner
from dplat.settings import resolve
from dplat.stack.credentials import load_or_create
from tests.unit.test_scenario_runner import Recorder

LESSON = '''
from dplat.scenario import Scenario

scenario = Scenario(name="demo", title="Demo", teaches="Local-only steps.")
RAN = []

@scenario.step("load", "Load")
def load(ctx):
    RAN.append("load")
    ctx.check("loaded", actual=1, expected=1)

@scenario.step("external", "An external table", local_only="external tables over S3")
def external(ctx):
    RAN.append("external")
    ctx.check("external rows", actual=3, expected=3)

@scenario.step("query", "Ask")
def query(ctx):
    RAN.append("query")
    ctx.check("answer", actual=42, expected=42)
'''


def _lesson(tmp_path: Path, images: str):
    folder = tmp_path / "scenarios" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.py").write_text(LESSON)
    settings = resolve({"home": str(tmp_path / "home"), "images": images}, env={})
    # A stack that has been up: its credentials exist, so the run does not ask
    # whatever engine this machine runs whether project dplat has volumes.
    load_or_create(settings.credentials_file)
    scenario = catalog.find("demo", tmp_path / "scenarios")
    ran = scenario.steps[0].run.__globals__["RAN"]
    ran.clear()
    return scenario, settings, ran


def test_upstream_images_skip_a_local_only_step_with_its_reason_and_go_on(tmp_path) -> None:
    scenario, settings, ran = _lesson(tmp_path, "upstream")
    recorder = Recorder()
    report = runner.run(scenario, settings, recorder)
    assert ran == ["load", "query"]  # the local-only step's function never ran
    assert [s.status for s in report.steps] == ["passed", "skipped", "passed"]
    assert report.passed and report.failures() == []
    skipped = report.steps[1]
    assert skipped.checks == [] and skipped.error is None
    assert skipped.reason is not None
    assert "external tables over S3" in skipped.reason and "--images upstream" in skipped.reason
    # announced like any step, with the reason as its progress, then finished as skipped
    assert recorder.events[recorder.events.index(("start", "external")) + 1] == (
        "progress", f"skipped: {skipped.reason}")
    assert ("end", "external:skipped") in recorder.events
    saved = (settings.home / "state" / "demo.report.json").read_text()
    assert skipped.reason in saved


def test_local_images_run_the_local_only_step(tmp_path) -> None:
    scenario, settings, ran = _lesson(tmp_path, "local")
    report = runner.run(scenario, settings, Recorder())
    assert ran == ["load", "external", "query"]
    assert [s.status for s in report.steps] == ["passed"] * 3
    assert report.steps[1].reason is None and len(report.steps[1].checks) == 1


def test_a_failure_still_skips_the_rest_without_a_reason(tmp_path) -> None:
    scenario, settings, _ = _lesson(tmp_path, "upstream")
    scenario.steps[0].run = lambda ctx: ctx.check("loaded", actual=0, expected=1)
    report = runner.run(scenario, settings, Recorder())
    assert [s.status for s in report.steps] == ["failed", "skipped", "skipped"]
    assert [s.reason for s in report.steps] == [None, None, None]
    assert not report.passed


def test_only_a_local_only_step_on_upstream_is_skipped_not_passed(tmp_path) -> None:
    scenario, settings, ran = _lesson(tmp_path, "upstream")
    report = runner.run(scenario, settings, Recorder(), only="external")
    assert ran == [] and [s.status for s in report.steps] == ["skipped"]
    assert not report.passed  # nothing ran: a run of no steps is not a pass


def test_local_only_needs_a_reason() -> None:
    scenario = Scenario(name="x", title="X", teaches="-")
    with pytest.raises(ScenarioError, match="without a reason"):
        scenario.step("s", "S", local_only=" ")


# -- services only local-only steps use --------------------------------------------------
def test_services_only_local_only_steps_use_are_left_out_off_the_local_images() -> None:
    scenario = Scenario(name="x", title="X", teaches="-", services=("s3", "spark"),
                        local_only_services=("spark",))
    assert scenario.services_on("local") == ("s3", "spark")
    assert scenario.services_on("upstream") == ("s3",)
    plain = Scenario(name="y", title="Y", teaches="-", services=("s3", "airflow"))
    assert plain.services_on("upstream") == ("s3", "airflow")


def test_a_local_only_service_must_be_one_of_the_lessons_services() -> None:
    with pytest.raises(ScenarioError, match=r"\['spark'\] are not among its services"):
        Scenario(name="x", title="X", teaches="-", services=("s3",),
                 local_only_services=("spark",))


@pytest.mark.parametrize(("images", "started"), [("local", ["spark"]), ("upstream", [])])
def test_a_run_starts_the_spark_cluster_only_on_the_local_images(
        tmp_path, monkeypatch, images: str, started: list[str]) -> None:
    """spark-on-the-lake's Spark steps are local-only: on upstream images the
    run must not start (and wait minutes for) a cluster no step will use."""
    from dplat.scenario import lessons
    from dplat.stack import lifecycle

    asked: list[list[str]] = []
    monkeypatch.setattr(lifecycle, "up", lambda settings, report, include: asked.append(
        list(include)))
    monkeypatch.setattr(runner, "run", lambda scenario, settings, reporter, **kw: scenario.name)
    settings = resolve({"home": str(tmp_path), "images": images}, env={})
    assert lessons.run_on_stack(settings, "spark-on-the-lake", Recorder(), print) == (
        "spark-on-the-lake")
    assert asked == [started]
    lesson = catalog.find("spark-on-the-lake")
    assert lesson.local_only_services == ("spark",)
    # the steps that do run there (seed) use no Spark: only local-only steps open a session
    for step in lesson.steps:
        uses_spark = "plumbing.session" in inspect.getsource(step.run)
        assert not uses_spark or step.local_only, step.name
