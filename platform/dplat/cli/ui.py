"""`dplat ui`: the web console on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from dplat.cli.common import resolve
from dplat.console import info, success

app = typer.Typer()


@app.command(rich_help_panel="Stack")
def ui(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1 to serve the console on.")
    ] = 8765,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Do not open a browser; only print the URL.")
    ] = False,
) -> None:
    """Serve the web console (overview, lessons, data) on 127.0.0.1 until Ctrl-C."""
    from dplat.ui import server

    def ready(url: str) -> None:
        success(f"the console is at {url} (Ctrl-C stops it)")

    try:
        asyncio.run(server.serve(resolve(ctx), port, ready, open_browser=not no_open))
    except KeyboardInterrupt:
        info("the console stopped")
