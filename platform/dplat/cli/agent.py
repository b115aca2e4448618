"""`dplat agent run|check|flush|plugins|metrics`: the log agent, on the host or in its container."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dplat.cli.common import Output, OutputOption, emit, resolve
from dplat.console import success, table

app = typer.Typer()

ConfigOption = Annotated[
    Path, typer.Option("-c", "--config", help="Agent config file (Fluentd syntax).")
]


@app.command()
def run(config: ConfigOption) -> None:
    """Run the agent in the foreground until SIGTERM (SIGUSR1 flushes, SIGUSR2 reloads)."""
    from dplat.agent.server import run_forever

    run_forever(config)


@app.command()
def check(
    config: ConfigOption,
    v1: Annotated[bool, typer.Option("--v1", help="Print the config converted to v1 syntax "
                                     "(v0.12 parameters moved into sections).")] = False,
) -> None:
    """Validate a config without starting anything."""
    from dplat.agent.migrate import converted_config
    from dplat.agent.server import check_config

    if v1:
        typer.echo(converted_config(config), nl=False)
        return
    summary = check_config(config)
    success(f"{config} is valid: {summary}")


@app.command()
def flush(ctx: typer.Context) -> None:
    """Flush every buffer of the running stack's agent now (like Fluentd's SIGUSR1)."""
    from dplat.stack.lifecycle import flush_agent

    flush_agent(resolve(ctx))
    success("flushed the agent's buffers")


@app.command()
def plugins(
    name: Annotated[
        str | None, typer.Argument(help="A plugin's @type, e.g. tail; all plugins without it.")
    ] = None,
) -> None:
    """Print the plugin reference (parameters, defaults, sections) as Markdown."""
    from dplat.agent.reference import plugin_reference

    typer.echo(plugin_reference(name), nl=False)


@app.command()
def metrics(
    ctx: typer.Context,
    config: Annotated[bool, typer.Option("--config", help="Also print the running config (secrets masked).")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Each plugin's counters from the running agent's monitor API (records, buffer, retries, errors)."""
    from dplat.stack.agent_view import METRICS, agent_metrics

    found = agent_metrics(resolve(ctx), with_config=config)

    def show() -> None:
        rows = [
            (p.plugin_id, p.category, p.type, *("" if p.values[k] is None else p.values[k] for k, _ in METRICS))
            for p in found.plugins
        ]
        table(None, ("plugin", "category", "type", *(words for _, words in METRICS)), rows)
        if config:
            typer.echo(found.config)

    emit(output, found, show)
