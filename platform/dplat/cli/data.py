"""`dplat sql`, `dplat ls`, `dplat cat`, `dplat head`: look at the stack's data."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dplat.cli.common import (
    Output,
    OutputOption,
    RowsOutput,
    RowsOutputOption,
    emit,
    print_csv,
    resolve,
)
from dplat.console import info, table

app = typer.Typer()
PANEL = "Data"


@app.command(rich_help_panel=PANEL)
def sql(
    ctx: typer.Context,
    engine: Annotated[str, typer.Argument(help="mysql or bigquery.")],
    query: Annotated[str, typer.Argument(help="The SQL to run.")],
    output: RowsOutputOption = RowsOutput.table,
) -> None:
    """Run a query in MySQL or BigQuery and print the result."""
    from dplat.stack import browse

    result = browse.sql(resolve(ctx), engine, query)
    if output is RowsOutput.csv:
        print_csv(result.columns, result.rows)
        return
    emit(output, result, lambda: table(None, result.columns, result.rows))


@app.command(rich_help_panel=PANEL)
def ls(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="s3://bucket/prefix (s3:// lists buckets).")] = "s3://",
    recursive: Annotated[
        bool, typer.Option("-r", "--recursive", help="Every object below.")
    ] = False,
    output: OutputOption = Output.table,
) -> None:
    """List objects and prefixes in the S3 store."""
    from dplat.stack import browse

    listing = browse.ls(resolve(ctx), url, recursive)

    def show() -> None:
        rows = [
            (
                e.url,
                "" if e.bytes is None else e.bytes,
                e.modified.strftime("%Y-%m-%d %H:%M:%S") if e.modified else "",
            )
            for e in listing.entries
        ]
        columns = (
            ("bucket",) if not browse.split_url(url)[0] else ("object", "bytes", "modified (UTC)")
        )
        table(None, columns, [r[: len(columns)] for r in rows])

    emit(output, listing, show)


@app.command(rich_help_panel=PANEL)
def cat(ctx: typer.Context, url: Annotated[str, typer.Argument(help="s3://bucket/key")]) -> None:
    """Print an object (gunzipped if it is gzip)."""
    from dplat.stack import browse

    sys.stdout.buffer.write(browse.cat(resolve(ctx), url))


@app.command(rich_help_panel=PANEL)
def head(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(help="s3://bucket/key, or mysql or bigquery (then TABLE, or none to list them).")
    ],
    table_name: Annotated[
        str | None, typer.Argument(metavar="TABLE", help="A table: MySQL's name, BigQuery's dataset.table.")
    ] = None,
    rows: Annotated[int, typer.Option("-n", "--rows", min=1, max=1000, help="Rows to show.")] = 20,
    output: OutputOption = Output.table,
) -> None:
    """The schema and first rows of an S3 object (Parquet, CSV, NDJSON, text) or a table, read bounded."""
    from dplat.stack import heads, tables

    settings = resolve(ctx)
    if target.startswith("s3://"):
        found = heads.head(settings, target, rows)
    elif table_name is None:
        listed = tables.tables(settings, target)
        emit(output, listed, lambda: table(None, ("table",), [(t,) for t in listed.tables]))
        return
    else:
        found = tables.table_head(settings, target, table_name, rows)

    def show() -> None:
        info(f"{found.target}: {found.kind}; " + "; ".join(f"{k} {v}" for k, v in found.properties.items()))
        if found.schema:
            table("schema", ("column", "type", ""), [(c.name, c.type, c.detail) for c in found.schema])
        if found.columns:
            table(None, found.columns, found.rows)
        for line in found.lines:
            typer.echo(line)
        info(found.note)

    emit(output, found, show)
