"""`dplat scenario list|show|new`, `dplat run scenario`, `dplat reset`: the lessons."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from dplat.cli.common import Output, OutputOption, emit, print_json, resolve
from dplat.cli.progress import ConsoleReporter
from dplat.console import OK, console, err_console, info, table

app = typer.Typer()  # top-level `reset`
scenario_app = typer.Typer(help="The lessons: list them, read about one.", no_args_is_help=True)
run_app = typer.Typer(help="Run a lesson.", no_args_is_help=True)
PANEL = "Lessons"


@scenario_app.command("list")
def list_(output: OutputOption = Output.table) -> None:
    """The lessons, in the suggested order."""
    from dplat.scenario import lessons

    found = lessons.list_lessons()
    rows = [(s.position, s.name, s.title, ", ".join(s.services), s.steps) for s in found.lessons]
    columns = ("#", "lesson", "title", "services", "steps")
    emit(output, found, lambda: table("Lessons, in the suggested order", columns, rows))


@scenario_app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The lesson's name.")],
    lineage: Annotated[bool, typer.Option(help="Show what its last run wrote, from what.")] = False,
    last_run: Annotated[bool, typer.Option(help="Show its last run's report.")] = False,
    output: OutputOption = Output.table,
) -> None:
    """What a lesson teaches, its services and its steps."""
    from dplat.scenario import lessons

    if last_run:
        found_run = lessons.last_run(resolve(ctx), name)
        emit(output, found_run, lambda: _print_last_run(found_run))
        return
    if lineage:
        tree = lessons.last_lineage(resolve(ctx), name)

        def print_tree() -> None:
            for depth, node in tree.tree():
                console.print(("    " * depth) + ("└── " if depth else "") + node, markup=False)

        emit(output, tree, print_tree)
        return
    found = lessons.describe(name)

    def print_lesson() -> None:
        console.print(f"[bold]{found.title}[/]  ({found.name})\n")
        console.print(found.teaches + "\n")
        info(f"services: {', '.join(found.services)}   lesson text: {found.readme}")
        rows = [(i + 1, step, summary) for i, (step, summary) in enumerate(found.steps)]
        table(None, ("#", "step", "what it does"), rows)

    emit(output, found, print_lesson)


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
    output: OutputOption = Output.table,
) -> None:
    """Run a lesson's steps with progress; exit non-zero if a check fails.

    `-o json` prints the report on stdout and the progress on stderr.
    """
    from dplat.scenario import lessons

    as_json = output is Output.json
    progress = ConsoleReporter(err_console if as_json else console)
    progress.stack_progress("checking the stack")
    # With JSON on stdout, whatever a lesson's own code prints goes to stderr.
    quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    with quiet:
        try:
            result = lessons.run_on_stack(
                resolve(ctx),
                name,
                progress,
                progress.stack_progress,
                report=report,
                up_to=step,
                only=only,
                explain=explain,
                events=events,
            )
        finally:
            progress.close()
    if as_json:
        print_json(result)
    else:
        _print_summary(result)
    if not result.passed:
        raise typer.Exit(1)


def _print_last_run(found) -> None:
    if found.report is None:
        info(f"{found.scenario} has not run here yet: `dplat run scenario {found.scenario}`")
        return
    report = found.report
    verdict = "passed" if report.get("passed") else "FAILED"
    rows = [(name, status, f"{seconds:.1f} s") for name, status, seconds in found.steps()]
    title = f"{found.scenario}: {verdict}, run {report.get('run_id')} at {report.get('started')}"
    table(title, ("step", "result", "time"), rows)


def _print_summary(result) -> None:
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
        f"{result.scenario}: {'passed' if result.passed else 'FAILED'} in {result.seconds:.1f} s",
        ("step", "result", "time", "checks ok", "checks failed"),
        rows,
    )


@app.command(rich_help_panel=PANEL)
def reset(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The lesson to reset.")]
) -> None:
    """Return a lesson's own data (tables, prefixes, agent buffers) to its start."""
    from dplat.scenario import lessons

    lessons.reset(resolve(ctx), name, on_note=lambda line: console.print(f"  {line}"))
    console.print(f"[{OK}]✔[/] {name} is reset")
