"""`dplat doctor`: what is missing, and how to fix it."""

from __future__ import annotations

import typer

from dplat.cli.common import resolve
from dplat.console import table

app = typer.Typer()


@app.command(rich_help_panel="Diagnostics")
def doctor(ctx: typer.Context) -> None:
    """Check the engine, plugins, disk, memory, ports and images; each with a fix."""
    from dplat import doctor as core

    checks = core.run(resolve(ctx))
    rows = [
        ("[green]ok[/]" if c.ok else "[red]fail[/]", c.name, c.detail, c.fix if not c.ok else "")
        for c in checks
    ]
    table(None, ("", "check", "found", "fix"), rows)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
