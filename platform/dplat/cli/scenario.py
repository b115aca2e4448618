"""`dplat scenario list|show`, `dplat run scenario`, `dplat reset`: the lessons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dplat.cli.common import resolve
from dplat.console import FAIL, OK, WARN, console, info, progress, table

app = typer.Typer()  # top-level `reset`
scenario_app = typer.Typer(help="The lessons: list them, read about one.", no_args_is_help=True)
run_app = typer.Typer(help="Run a lesson.", no_args_is_help=True)
PANEL = "Lessons"


@scenario_app.command("list")
def list_() -> None:
    """The lessons, in the suggested order."""
    from dplat.scenario import catalog

    lessons = catalog.all_scenarios()
    rows = [
        (i + 1, s.name, s.title, ", ".join(s.services), len(s.steps)) for i, s in enumerate(lessons)
    ]
    table("Lessons, in the suggested order", ("#", "lesson", "title", "services", "steps"), rows)


@scenario_app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The lesson's name.")],
    lineage: Annotated[bool, typer.Option(help="Show what its last run wrote, from what.")] = False,
) -> None:
    """What a lesson teaches, its services and its steps."""
    import json

    from dplat.errors import ScenarioError
    from dplat.scenario import catalog, runner

    found = catalog.find(name)
    if lineage:
        path = runner.last_report_file(resolve(ctx), name)
        if not path.exists():
            raise ScenarioError(
                f"{name} has not run yet here", fix=f"Run `dplat run scenario {name}` first."
            )
        for depth, node in runner.lineage_tree(json.loads(path.read_text())["lineage"]):
            console.print(("    " * depth) + ("└── " if depth else "") + node, markup=False)
        return
    console.print(f"[bold]{found.title}[/]  ({found.name})\n")
    console.print(found.teaches + "\n")
    info(f"services: {', '.join(found.services)}   lesson text: {found.folder / 'README.md'}")
    table(
        None,
        ("#", "step", "what it does"),
        [(i + 1, s.name, s.summary) for i, s in enumerate(found.steps)],
    )


class ConsoleReporter:
    """Progress per step with a spinner, then each check's verdict."""

    def __init__(self) -> None:
        self.status = None

    def step_started(self, step, index: int, total: int) -> None:
        self.status = console.status(f"[{index + 1}/{total}] {step.name}: {step.summary}")
        self.status.start()

    def step_progress(self, message: str) -> None:
        if self.status is not None:
            self.status.update(message)

    def step_finished(self, result) -> None:
        if self.status is not None:
            self.status.stop()
        style = {"passed": OK, "failed": FAIL, "error": FAIL}.get(result.status, WARN)
        console.print(f"[{style}]{result.status:>7}[/] {result.name} ({result.seconds:.1f} s)")
        for check in result.checks:
            mark = f"[{OK}]✔[/]" if check.passed else f"[{FAIL}]✘[/]"
            console.print(f"        {mark} ", end="")
            console.print(check.message, markup=False, highlight=False)
        if result.error:
            console.print(f"        [{FAIL}]error:[/] ", end="")
            console.print(result.error, markup=False)
            if result.fix:
                console.print(f"        fix: {result.fix}", markup=False)

    def explain(self, item) -> None:
        if self.status is not None:
            self.status.stop()
        console.rule(f"{item.kind}: {item.title}")
        console.print(item.text, markup=False, highlight=False)
        console.rule()
        if self.status is not None:
            self.status.start()


@scenario_app.command()
def new(
    name: Annotated[str, typer.Argument(help="The new lesson's name (lower case, dashes).")],
    title: Annotated[str | None, typer.Option(help="One-line title.")] = None,
) -> None:
    """Create a lesson folder from a template that passes as created."""
    from dplat.scenario import scaffold

    folder = scaffold.create(name, title=title)
    console.print(f"[{OK}]✔[/] created {folder}: run it with `dplat run scenario {name}`")


@run_app.command("scenario")
def run_scenario(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The lesson to run (see `dplat scenario list`).")],
    step: Annotated[str | None, typer.Option(help="Run up to and including this step.")] = None,
    only: Annotated[
        str | None, typer.Option(help="Run only this step (earlier ones ran before).")
    ] = None,
    explain: Annotated[
        bool, typer.Option(help="Print the config, SQL, keys and calls each step uses.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write a JSON report (steps, checks, figures, lineage).")
    ] = None,
    events: Annotated[
        int | None, typer.Option(help="How many events the lesson generates.")
    ] = None,
) -> None:
    """Run a lesson's steps with progress; exit non-zero if a check fails."""
    from dplat.scenario import catalog, runner
    from dplat.stack import catalogue, lifecycle

    settings = resolve(ctx)
    found = catalog.find(name)
    with progress("checking the stack") as report:
        # Only reports when all is ready; starts what the lesson needs otherwise.
        lifecycle.up(settings, report=report, include=catalogue.on_demand(found.services))
    result = runner.run(
        found,
        settings,
        ConsoleReporter(),
        up_to=step,
        only=only,
        explain=explain,
        options={"events": events} if events else None,
    )
    if report:
        result.write(report)
    rows = [
        (
            s.name,
            s.status,
            f"{s.seconds:.1f} s",
            sum(c.passed for c in s.checks),
            sum(not c.passed for c in s.checks),
        )
        for s in result.steps
    ]
    table(
        f"{found.name}: {'passed' if result.passed else 'FAILED'} in {result.seconds:.1f} s",
        ("step", "result", "time", "checks ok", "checks failed"),
        rows,
    )
    if not result.passed:
        raise typer.Exit(1)


@app.command(rich_help_panel=PANEL)
def reset(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The lesson to reset.")]
) -> None:
    """Return a lesson's own data (tables, prefixes, agent buffers) to its start."""
    from dplat.scenario import catalog, runner

    runner.reset(catalog.find(name), resolve(ctx))
    console.print(f"[{OK}]✔[/] {name} is reset")
