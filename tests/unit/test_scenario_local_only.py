"""Local-only steps: skipped with their reason under `--images upstream`, run
on the local images, and never a reason to skip or fail the steps after them."""

from __future__ import annotations

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
