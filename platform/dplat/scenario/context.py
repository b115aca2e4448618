"""What a step gets: configured clients, the run's identity, state and checks.

Clients are made on first use, so a lesson that needs only S3 never connects
to MySQL. ``state`` is a JSON dictionary kept in DPLAT_HOME/state/<name>.json
across runs, so `--only transform` can use the ground truth that `ingest`
computed in an earlier run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from dplat.settings import Settings
from dplat.stack import catalogue
from dplat.stack.credentials import Credentials


@dataclass
class CheckResult:
    """A real result compared with an expectation, explained in words."""

    name: str
    passed: bool
    expected: Any
    actual: Any
    where: str = ""

    @property
    def message(self) -> str:
        if self.passed:
            return f"{self.name}: {self.actual!r}"
        hint = f"; look at: {self.where}" if self.where else ""
        return f"{self.name}: expected {self.expected!r}, found {self.actual!r}{hint}"


@dataclass
class Explanation:
    kind: str  # "agent config", "sql", "s3 keys", "client call", "command"
    title: str
    text: str


@dataclass
class Context:
    settings: Settings
    credentials: Credentials
    folder: Path
    run_id: str
    options: dict[str, int]
    explaining: bool = False
    checks: list[CheckResult] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    explanations: list[Explanation] = field(default_factory=list)
    lineage: dict[str, list[str]] = field(default_factory=dict)
    on_progress: Callable[[str], None] = lambda message: None
    on_explain: Callable[[Explanation], None] = lambda item: None
    state: dict[str, Any] = field(default_factory=dict)

    # -- what steps report -----------------------------------------------------
    def check(self, name: str, actual: Any, expected: Any, where: str = "") -> bool:
        """Record whether ``actual == expected``; a failed check fails the step."""
        result = CheckResult(name, actual == expected, expected, actual, where)
        self.checks.append(result)
        return result.passed

    def check_that(
        self, name: str, passed: bool, actual: Any, expected: str, where: str = ""
    ) -> bool:
        """A check that is not an equality (e.g. "at least N rows")."""
        self.checks.append(CheckResult(name, bool(passed), expected, actual, where))
        return bool(passed)

    def figure(self, name: str, value: float) -> None:
        self.figures[name] = value

    def progress(self, message: str) -> None:
        self.on_progress(message)

    def explain(self, kind: str, title: str, text: str) -> None:
        """Show what a step uses (config, SQL, keys, calls) under `--explain`."""
        item = Explanation(kind, title, text)
        self.explanations.append(item)
        if self.explaining:
            self.on_explain(item)

    def wrote(self, target: str, sources: list[str]) -> None:
        """Record lineage: ``target`` (a table or prefix) was made from ``sources``."""
        self.lineage.setdefault(target, [])
        self.lineage[target] += [s for s in sources if s not in self.lineage[target]]

    def file(self, relative: str) -> Path:
        """A file of the lesson's folder (agent.conf, sql/..., data/...)."""
        return self.folder / relative

    # -- clients ------------------------------------------------------------------
    def _service(self, name: str) -> Any:
        return catalogue.by_name(self.settings, self.credentials, name)

    @cached_property
    def mysql(self) -> Any:
        return self._service("mysql").client()

    @cached_property
    def s3(self) -> Any:
        return self._service("s3").client()

    @cached_property
    def bigquery(self) -> Any:
        return self._service("bigquery").client()

    @cached_property
    def agent(self) -> Any:
        return self._service("agent")


def state_file(settings: Settings, scenario: str) -> Path:
    return settings.home / "state" / f"{scenario}.json"


def load_state(settings: Settings, scenario: str) -> dict[str, Any]:
    path = state_file(settings, scenario)
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(settings: Settings, scenario: str, state: dict[str, Any]) -> None:
    path = state_file(settings, scenario)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=1, sort_keys=True, default=str))
