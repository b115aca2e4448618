"""What a step gets: configured clients, the run's identity, state and checks
(the results themselves are dplat.scenario.checks).

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

from dplat.errors import ScenarioError
from dplat.scenario import checks
from dplat.scenario.checks import CheckResult
from dplat.settings import Settings
from dplat.stack import catalogue
from dplat.stack.credentials import Credentials
from dplat.waiting import wait_until


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
    on_check: Callable[[CheckResult], None] = lambda result: None
    state: dict[str, Any] = field(default_factory=dict)

    # -- what steps report -----------------------------------------------------
    def check(self, name: str, actual: Any, expected: Any, where: str = "") -> bool:
        """Record whether ``actual == expected``; a failed check fails the step."""
        return self._record(checks.equal(name, actual, expected, where))

    def check_that(
        self, name: str, passed: bool, actual: Any, expected: str, where: str = ""
    ) -> bool:
        """A check that is not an equality (e.g. "at least N rows")."""
        return self._record(checks.that(name, passed, actual, expected, where))

    def _record(self, result: CheckResult) -> bool:
        self.checks.append(result)
        self.on_check(result)
        return result.passed

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

    def show(self, title: str, text: str) -> None:
        """Always print a step's answer (e.g. a query result as a table).

        Unlike ``explain`` it does not wait for `--explain`: the answer is
        what the step is for. It goes into the report with the explanations.
        """
        item = Explanation("result", title, text)
        self.explanations.append(item)
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

    @cached_property
    def s3_iam(self) -> Any:
        """The on-demand policy-enforcing S3 (a service: each user has its own
        key, so clients come from ``.client(service, access_key, secret_key)``)."""
        return self._service("s3-iam")

    @cached_property
    def airflow(self) -> Any:
        """The on-demand Airflow service (its REST API: ``.url()``, ``.token()``,
        ``.client()`` for the official client)."""
        return self._service("airflow")

    # -- the agent's config -------------------------------------------------------------
    def use_agent_config(
        self, text: str, expect: tuple[str, ...] = (), timeout: float = 60.0
    ) -> None:
        """Make the stack's agent run a lesson's config.

        Writes ``text`` where the agent reads its config
        (DPLAT_HOME/work/agent/agent.conf, /dplat/work/agent/agent.conf inside
        its container) and asks for a graceful reload (``POST /api/reload``:
        the old pipeline flushes its buffers, then the new one starts).
        Returns once the new pipeline answers with the plugin ids ``expect``.

        The reload answers before it is done, so "done" is read from the
        plugin list: a plugin without ``@id`` is listed as ``object:<address>``,
        new in every pipeline, so the list changes with each reload (a lesson's
        config keeps at least one such plugin, e.g. its ``copy``). When the file
        already holds ``text`` and the agent runs it, nothing is reloaded.
        """
        from dplat.agent.config import parse_config

        path = self.settings.work_dir / "agent" / "agent.conf"
        # A syntax error fails here, with its line; settings read from ENV are
        # resolved as inside the agent's container (its declared environment).
        parse_config(text, str(path), env=self.agent.environment(self.agent.credentials))
        before = _plugin_ids(self.agent)
        running = before is not None and set(expect) <= before
        if running and path.is_file() and path.read_text() == text:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        # No answer is StackNotRunning, a refusal RequestRefused (dplat.stack.faults).
        self.agent.monitor("/api/reload", "POST")
        def switched() -> set[str] | None:
            now = _plugin_ids(self.agent)
            return now if now is not None and now != before and set(expect) <= now else None

        if wait_until(switched, timeout, interval=0.1):
            return
        raise ScenarioError(
            f"the agent did not start the lesson's config ({path}) within {timeout:.0f} s",
            fix=f"Read `dplat logs agent` (a config error names its line there); "
            f"`dplat agent check -c {path}` validates the file.",
        )


def _plugin_ids(agent: Any) -> set[str] | None:
    """The running pipeline's plugin ids, or None while the monitor does not
    answer (reloading, or not up yet: Agent.plugins() is {} then)."""
    return set(agent.plugins()) or None


def state_file(settings: Settings, scenario: str) -> Path:
    return settings.home / "state" / f"{scenario}.json"


def load_state(settings: Settings, scenario: str) -> dict[str, Any]:
    path = state_file(settings, scenario)
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(settings: Settings, scenario: str, state: dict[str, Any]) -> None:
    path = state_file(settings, scenario)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=1, sort_keys=True, default=str))
