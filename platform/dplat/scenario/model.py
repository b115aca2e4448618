"""What a scenario declares: its identity, its services, ordered steps and a reset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dplat.errors import ScenarioError

if TYPE_CHECKING:
    from dplat.scenario.context import Context

StepFunction = Callable[["Context"], None]


@dataclass
class Step:
    """One thing a data engineer does (ingest, stage, load, transform, query)."""

    name: str
    summary: str
    run: StepFunction
    local_only: str | None = None
    """Why the step needs the local image set's extras (e.g. the BigQuery
    emulator's external tables over S3). Lessons use only what both image sets
    offer (DESIGN.md); a step that cannot is declared so, and under
    `--images upstream` the runner skips it with this reason instead of failing."""

    def skipped_because(self, images: str) -> str | None:
        """The reason this step does not run on image set ``images``, or None."""
        if self.local_only and images != "local":
            return f"local images only ({self.local_only}); this stack runs --images {images}"
        return None


@dataclass
class Scenario:
    name: str
    title: str
    teaches: str
    services: tuple[str, ...] = ()
    order: int = 100
    """Position in the suggested curriculum (`dplat scenario list` sorts by it)."""
    folder: Path = field(default_factory=Path)
    steps: list[Step] = field(default_factory=list)
    reset_function: StepFunction | None = None
    options: dict[str, int] = field(default_factory=dict)
    """Tunable sizes with defaults, e.g. {"events": 10000}; `--events N` sets one."""
    local_only_services: tuple[str, ...] = ()
    """Services (among ``services``) that only the lesson's local-only steps
    use: under `--images upstream` those steps are skipped, so starting these
    (an on-demand cluster, say) would cost minutes and memory for nothing."""

    def __post_init__(self) -> None:
        stray = [s for s in self.local_only_services if s not in self.services]
        if stray:
            raise ScenarioError(
                f"scenario {self.name}: local_only_services {stray} are not among its services",
                fix="List them in services too; local_only_services only marks which of them "
                "the local-only steps alone use.",
            )

    def services_on(self, images: str) -> tuple[str, ...]:
        """The services a run on image set ``images`` needs: all of them on
        the local images; elsewhere, without those only local-only steps use."""
        if images == "local":
            return self.services
        return tuple(s for s in self.services if s not in self.local_only_services)

    def step(
        self, name: str, summary: str, *, local_only: str | None = None
    ) -> Callable[[StepFunction], StepFunction]:
        """Declare the next step, in order. ``local_only="why"`` marks a step
        that needs the local images' extras: skipped, with that reason, under
        `--images upstream`. Later steps must not depend on what it makes."""
        if local_only is not None and not local_only.strip():
            raise ScenarioError(
                f"scenario {self.name}: step {name!r} is local_only without a reason",
                fix='Say why, e.g. local_only="external tables over the S3 store".',
            )

        def register(function: StepFunction) -> StepFunction:
            if any(s.name == name for s in self.steps):
                raise ScenarioError(f"scenario {self.name} declares step {name!r} twice")
            self.steps.append(Step(name, summary, function, local_only))
            return function

        return register

    def reset(self, function: StepFunction) -> StepFunction:
        """Declare how to return the scenario's own data to its starting state."""
        self.reset_function = function
        return function

    def select(self, up_to: str | None = None, only: str | None = None) -> list[Step]:
        """The steps to run for `--step S` (up to and including S) or `--only S`."""
        wanted = only or up_to
        if wanted is None:
            return list(self.steps)
        names = [s.name for s in self.steps]
        if wanted not in names:
            raise ScenarioError(
                f"scenario {self.name} has no step {wanted!r}",
                fix=f"Use one of: {', '.join(names)}.",
            )
        index = names.index(wanted)
        return [self.steps[index]] if only else self.steps[: index + 1]
