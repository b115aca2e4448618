"""`dplat doctor`: what is missing, and how to fix it."""

from __future__ import annotations

import typer

from dplat.cli.common import Output, OutputOption, emit, resolve
from dplat.console import table

app = typer.Typer()


@app.command(rich_help_panel="Diagnostics")
def doctor(ctx: typer.Context, output: OutputOption = Output.table) -> None:
    """Check the engine, plugins, disk, memory, ports and images; each with a fix."""
    from dplat import doctor as core

    found = core.diagnose(resolve(ctx))
    rows = [
        ("[green]ok[/]" if c.ok else "[red]fail[/]", c.name, c.detail, c.fix if not c.ok else "")
        for c in found.checks
    ]
    emit(output, found, lambda: table(None, ("", "check", "found", "fix"), rows))
    if not found.ok:
        raise typer.Exit(1)
