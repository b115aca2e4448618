"""What the CLI asks of the lesson layer, as typed results.

`dplat scenario list`, `scenario show [--lineage]` and `run scenario` each call
one function here and print what it returns (a table for people, ``to_json()``
for programs). The work that used to sit in the command module lives here:
reading and parsing the last run's report, and chaining "start what the lesson
needs" -> run its steps -> write the report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import catalog, runner
from dplat.settings import Settings


@dataclass
class LessonSummary:
    """One row of `dplat scenario list`."""

    position: int
    name: str
    title: str
    services: tuple[str, ...]
    steps: int

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "name": self.name,
            "title": self.title,
            "services": list(self.services),
            "steps": self.steps,
        }


@dataclass
class LessonList:
    lessons: list[LessonSummary]

    def to_json(self) -> dict[str, Any]:
        return {"lessons": [lesson.to_json() for lesson in self.lessons]}


@dataclass
class LessonDetail:
    """`dplat scenario show NAME`: what a lesson teaches, its services and steps."""

    name: str
    title: str
    teaches: str
    services: tuple[str, ...]
    readme: Path
    steps: list[tuple[str, str]]  # (name, summary), in order

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "teaches": self.teaches,
            "services": list(self.services),
            "readme": str(self.readme),
            "steps": [{"name": n, "summary": s} for n, s in self.steps],
        }


_NAME_PREFIXES = (
    ("s3://", "s3 prefix"),
    ("s3-iam://", "s3-iam prefix"),
    ("mysql ", "mysql table"),
    ("agent ", "agent route"),
    ("airflow task ", "airflow task"),
)
_BIGQUERY_TABLE = re.compile(r"[A-Za-z_][\w-]*\.[A-Za-z_]\w*")


def lineage_kind(name: str) -> str:
    """What a lineage node is, from how lessons name it in ``ctx.wrote``:
    ``s3://bucket/prefix/``, ``mysql db.table``, ``agent <route>``, a bare
    ``dataset.table`` (BigQuery), ``airflow task <dag>.<task>``, a folder path; anything else (a generator,
    an application) is a ``source``. The set is open: a new kind of node
    (a DAG task, a Spark job) adds a prefix here."""
    for prefix, kind in _NAME_PREFIXES:
        if name.startswith(prefix):
            return kind
    if _BIGQUERY_TABLE.fullmatch(name):
        return "bigquery table"
    if name.startswith("/") and " " not in name:
        return "folder"
    return "source"


@dataclass
class Lineage:
    """`dplat scenario show NAME --lineage`: what the last run wrote, from what."""

    scenario: str
    run_id: str
    sources: dict[str, list[str]]  # each output -> what it was made from

    def tree(self) -> list[tuple[int, str]]:
        return runner.lineage_tree(self.sources)

    def nodes(self) -> dict[str, str]:
        """Every node (outputs and their sources), first seen first -> its kind."""
        names = [n for target, sources in self.sources.items() for n in (*sources, target)]
        return {name: lineage_kind(name) for name in dict.fromkeys(names)}

    def edges(self) -> list[tuple[str, str]]:
        """(source, output) pairs: data flows from the first to the second."""
        return [(source, target) for target, sources in self.sources.items() for source in sources]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "run_id": self.run_id,
            "lineage": self.sources,
            "tree": [{"depth": depth, "name": name} for depth, name in self.tree()],
            "nodes": [{"name": n, "kind": k} for n, k in self.nodes().items()],
            "edges": [{"source": s, "target": t} for s, t in self.edges()],
        }


def list_lessons() -> LessonList:
    found = catalog.all_scenarios()
    return LessonList(
        [
            LessonSummary(i + 1, s.name, s.title, tuple(s.services), len(s.steps))
            for i, s in enumerate(found)
        ]
    )


def describe(name: str) -> LessonDetail:
    found = catalog.find(name)
    return LessonDetail(
        found.name,
        found.title,
        found.teaches,
        tuple(found.services),
        found.folder / "README.md",
        [(s.name, s.summary) for s in found.steps],
    )


@dataclass
class LastRun:
    """The report of a lesson's last run here, as `run scenario -o json` printed
    it (``None`` when the lesson has not run here yet)."""

    scenario: str
    report: dict[str, Any] | None
    path: Path | None = None
    """Where the report was read (for an error's message)."""

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "report": self.report}

    def steps(self) -> list[tuple[str, str, float]]:
        """Each step's name, result and seconds, for a table. A report an
        older dplat wrote, or a hand edit, may lack them: that is a
        ScenarioError naming the file, not a KeyError from deep inside."""
        try:
            return [
                (str(s["name"]), str(s["status"]), float(s["seconds"]))
                for s in (self.report or {}).get("steps", [])
            ]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problem = f"a step lacks {exc}" if isinstance(exc, KeyError) else str(exc)
            raise _unreadable(self.scenario, self.path or Path("?"), problem) from exc


def _unreadable(name: str, path: Path, exc: Exception | str) -> ScenarioError:
    return ScenarioError(
        f"the last report of {name} ({path}) cannot be read: {exc}",
        fix=f"Run `dplat run scenario {name}` again; it rewrites the report.",
    )


def _read_report(settings: Settings, name: str) -> dict[str, Any] | None:
    catalog.find(name)  # an unknown name says so, with the known ones
    path = runner.last_report_file(settings, name)
    if not path.exists():
        return None
    try:
        report = json.loads(path.read_text())
        if not isinstance(report, dict):
            raise TypeError("the report is not a JSON object")
        return report
    except (ValueError, TypeError) as exc:
        raise _unreadable(name, path, exc) from exc


def last_run(settings: Settings, name: str) -> LastRun:
    """`dplat scenario show NAME --last-run`: the last run's report, if any."""
    return LastRun(name, _read_report(settings, name), runner.last_report_file(settings, name))


def last_lineage(settings: Settings, name: str) -> Lineage:
    """The lineage the lesson's last run recorded here (its report file)."""
    report = _read_report(settings, name)
    if report is None:
        raise ScenarioError(
            f"{name} has not run yet here", fix=f"Run `dplat run scenario {name}` first."
        )
    try:
        return Lineage(name, str(report.get("run_id", "")), dict(report["lineage"]))
    except (ValueError, KeyError, TypeError) as exc:
        path = runner.last_report_file(settings, name)
        raise _unreadable(name, path, exc) from exc


def run_on_stack(
    settings: Settings,
    name: str,
    reporter: runner.Reporter,
    stack_progress: Callable[[str], None],
    *,
    report: Path | None = None,
    up_to: str | None = None,
    only: str | None = None,
    explain: bool = False,
    events: int | None = None,
) -> runner.RunReport:
    """`dplat run scenario`: make sure the stack (and any on-demand service the
    lesson lists) answers, run the steps, and write the report to ``report``
    as well as to the last-run file."""
    from dplat.stack import catalogue, lifecycle

    found = catalog.find(name)
    # Only reports when all is ready; starts what the lesson needs otherwise
    # (on upstream images not what only its skipped, local-only steps use).
    needed = found.services_on(settings.images)
    lifecycle.up(settings, report=stack_progress, include=catalogue.on_demand(needed))
    result = runner.run(
        found,
        settings,
        reporter,
        up_to=up_to,
        only=only,
        explain=explain,
        options={"events": events} if events else None,
    )
    if report is not None:
        result.write(report)
    return result


def reset(
    settings: Settings, name: str, on_note: Callable[[str], None] = lambda line: None
) -> None:
    """`dplat reset NAME`: the lesson's own data back to its start; ``on_note``
    hears what the reset says on the way (e.g. a part it had to skip)."""
    runner.reset(catalog.find(name), settings, on_note)
