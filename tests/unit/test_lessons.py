"""dplat.scenario.lessons: the typed answers behind `scenario list|show` and
the last run's lineage, read from the report file a run leaves."""

from __future__ import annotations

from pathlib import Path

import pytest

from dplat.errors import ScenarioError
from dplat.scenario import catalog, lessons, runner
from dplat.settings import resolve


@pytest.fixture
def settings(tmp_path: Path):
    return resolve({"home": str(tmp_path)}, env={})


def test_list_and_describe_follow_the_catalog() -> None:
    every = catalog.all_scenarios()
    listed = lessons.list_lessons().lessons
    assert [(s.name, s.steps) for s in listed] == [(s.name, len(s.steps)) for s in every]
    detail = lessons.describe(every[0].name)
    assert detail.steps == [(s.name, s.summary) for s in every[0].steps]
    assert detail.readme == every[0].folder / "README.md"


def test_lineage_of_a_lesson_that_never_ran_or_whose_report_is_broken(settings) -> None:
    name = catalog.all_scenarios()[0].name
    with pytest.raises(ScenarioError, match="has not run yet here") as never:
        lessons.last_lineage(settings, name)
    assert never.value.fix == f"Run `dplat run scenario {name}` first."
    runner.last_report_file(settings, name).write_text("{not json")
    with pytest.raises(ScenarioError, match="cannot be read") as broken:
        lessons.last_lineage(settings, name)
    assert "again" in broken.value.fix
    with pytest.raises(ScenarioError, match="no scenario named 'nope'"):
        lessons.last_lineage(settings, "nope")
