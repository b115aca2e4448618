"""`dplat sql`, `dplat ls`, `dplat cat`: look at the stack's data."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dplat.cli.common import resolve
from dplat.console import table

app = typer.Typer()
PANEL = "Data"


@app.command(rich_help_panel=PANEL)
def sql(
    ctx: typer.Context,
    engine: Annotated[str, typer.Argument(help="mysql or bigquery.")],
    query: Annotated[str, typer.Argument(help="The SQL to run.")],
) -> None:
    """Run a query in MySQL or BigQuery and print the result as a table."""
    from dplat.stack import browse

    result = browse.sql(resolve(ctx), engine, query)
    table(None, result.columns, result.rows)


@app.command(rich_help_panel=PANEL)
def ls(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="s3://bucket/prefix (s3:// lists buckets).")] = "s3://",
    recursive: Annotated[
        bool, typer.Option("-r", "--recursive", help="Every object below.")
    ] = False,
) -> None:
    """List objects and prefixes in the S3 store."""
    from dplat.stack import browse

    result = browse.ls(resolve(ctx), url, recursive)
    table(None, result.columns, result.rows)


@app.command(rich_help_panel=PANEL)
def cat(ctx: typer.Context, url: Annotated[str, typer.Argument(help="s3://bucket/key")]) -> None:
    """Print an object (gunzipped if it is gzip)."""
    from dplat.stack import browse

    sys.stdout.buffer.write(browse.cat(resolve(ctx), url))
