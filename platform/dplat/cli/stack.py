"""`dplat up`, `status`, `env`, `logs`, `down`: the stack's life."""

from __future__ import annotations

import shlex
from typing import Annotated

import typer

from dplat.cli.common import (
    Output,
    OutputOption,
    StatusOutput,
    StatusOutputOption,
    emit,
    print_json,
    resolve,
)
from dplat.console import console, info, progress, success, table, warn

app = typer.Typer()
PANEL = "Stack"


def _print_status(statuses: list) -> None:
    rows = []
    for s in statuses:
        state = "[green]ready[/]" if s.ready else f"[red]{s.state}, not answering[/]"
        memory = "" if s.memory_bytes is None else f"{s.memory_bytes / 2**20:.0f} MiB"
        rows.append((s.name, state, s.info.get("url", ""), memory))
    table(None, ("service", "state", "url", "memory"), rows)
    for s in statuses:
        details = "  ".join(f"{k}={v}" for k, v in s.info.items() if k != "url")
        console.print(f"  [bold]{s.name}[/]  ", end="")
        console.print(details, markup=False, highlight=False, soft_wrap=True)


@app.command(rich_help_panel=PANEL)
def up(
    ctx: typer.Context,
    images: Annotated[
        str | None, typer.Option(help="Image set: local (built here) or upstream.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for every service.")
    ] = None,
    port_offset: Annotated[int | None, typer.Option(help="Add N to every published port.")] = None,
    with_: Annotated[
        list[str] | None,
        typer.Option("--with", help="Also start an on-demand service (s3-iam, airflow, spark).", metavar="NAME"),
    ] = None,
) -> None:
    """Build what is missing, start the stack and wait until every service answers."""
    from dplat.stack import lifecycle

    settings = resolve(ctx, images=images, timeout=timeout, port_offset=port_offset)
    with progress("checking the engine") as report:
        statuses = lifecycle.up(settings, report=report, include=with_ or ())
    success("the stack is up")
    _print_status(statuses)
    for stopped in lifecycle.stopped_on_demand(statuses, with_ or ()):
        info(
            f"{stopped.name} is {stopped.state}: `dplat up --with {stopped.name}` starts it again; "
            "`dplat down` removes it with the rest."
        )
    info(
        "Next: `dplat env` for client variables, `dplat status`, `dplat logs agent`, `dplat down`."
    )


@app.command(rich_help_panel=PANEL)
def status(ctx: typer.Context, output: StatusOutputOption = StatusOutput.table) -> None:
    """State and health of each service (`-o env`: the client variables, as `dplat env`)."""
    from dplat.stack import lifecycle

    settings = resolve(ctx)
    if output is StatusOutput.env:
        _print_exports(lifecycle.exports(settings))
        return
    found = lifecycle.overview(settings)
    emit(output, found, lambda: _print_status(found.services))


def _print_exports(exports: dict[str, str]) -> None:
    for key, value in exports.items():
        typer.echo(f"export {key}={shlex.quote(value)}")


@app.command(rich_help_panel=PANEL)
def env(ctx: typer.Context, output: OutputOption = Output.table) -> None:
    """Shell exports that point the official clients at the stack: eval "$(dplat env)".

    `-o json` prints them as one JSON object instead.
    """
    from dplat.stack import lifecycle

    exports = lifecycle.exports(resolve(ctx))
    emit(output, exports, lambda: _print_exports(exports))


@app.command(rich_help_panel=PANEL)
def logs(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Argument(help="mysql, s3, bigquery, agent, s3-iam, airflow, spark or spark-worker; all if omitted.")
    ] = None,
    follow: Annotated[
        bool, typer.Option("-f", "--follow", help="Keep printing new lines.")
    ] = False,
    tail: Annotated[int, typer.Option(help="Lines of history per service.")] = 200,
    output: OutputOption = Output.table,
) -> None:
    """Show the services' logs (`-o json`: one service's last lines, as JSON)."""
    from dplat.stack import logs

    if output is Output.json:
        if service is None or follow:
            from dplat.errors import SettingsError

            raise SettingsError(
                "`dplat logs -o json` prints one service's last lines",
                fix="Name the service and leave out -f, e.g. `dplat logs mysql --tail 50 -o json`.",
            )
        print_json(logs.log_tail(resolve(ctx), service, tail))
        return
    logs.logs(resolve(ctx), service, follow=follow, tail=tail)


@app.command(rich_help_panel=PANEL)
def down(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None,
        typer.Argument(
            help="Only these services (e.g. an on-demand one: spark); the rest keeps running.",
            show_default=False,
        ),
    ] = None,
    volumes: Annotated[
        bool, typer.Option("-v", "--volumes", help="Also delete the stack's data.")
    ] = False,
) -> None:
    """Stop this project's containers (only this project's), or only some services'."""
    from dplat.stack import lifecycle

    names = services or []
    removed = lifecycle.down(resolve(ctx), volumes=volumes, services=names)
    if not removed.containers and not removed.volumes:
        which = f"of {', '.join(names)} " if names else ""
        warn(f"nothing to stop: no container {which}of this project was found")
        return
    what = f"{removed.containers} container(s)"
    if not names:
        what += f", {removed.networks} network(s)"
    if volumes:
        what += f", {removed.volumes} volume(s) with their data"
    success(f"removed {what}")
