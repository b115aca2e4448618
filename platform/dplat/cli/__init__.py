"""dplat's command line: one module per command group, glued here.

Command bodies parse, call one function of the core, and print. Errors from
anywhere below are rendered in one place (:class:`DplatGroup`): one line for
the cause, one for the fix, exit code 1; the traceback only with ``--debug``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dplat import __version__
from dplat.cli import agent, data, doctor, images, scenario, stack, ui
from dplat.cli.common import State
from dplat.console import render_error


class DplatGroup(TyperGroup):
    """Turns every exception into a rendered error (LocalStack's CliGroup idea)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, SystemExit):
            raise  # usage errors and exits: typer renders those itself
        except Exception as exc:  # the one place errors become messages
            state = ctx.obj if isinstance(ctx.obj, State) else State()
            render_error(exc, debug=state.debug)
            raise typer.Exit(1) from exc


app = typer.Typer(
    cls=DplatGroup,
    name="dplat",
    help="A local data platform sandbox: MySQL, S3, a BigQuery emulator and a Fluentd-compatible agent.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold credentials
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dplat {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and full build logs.")
    ] = False,
    home: Annotated[
        str | None, typer.Option("--home", help="DPLAT_HOME (default ~/.dplat).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ctx.obj = State(debug=debug, home=home)


app.add_typer(stack.app)
app.add_typer(doctor.app)
app.add_typer(scenario.scenario_app, name="scenario", rich_help_panel="Lessons")
app.add_typer(scenario.run_app, name="run", rich_help_panel="Lessons")
app.add_typer(scenario.app)
app.add_typer(data.app)
app.add_typer(ui.app)
app.add_typer(
    images.app,
    name="images",
    help="Build, list, save and load the local images.",
    rich_help_panel="Stack",
)
app.add_typer(
    agent.app, name="agent", help="Run, check and flush the log agent.", rich_help_panel="Agent"
)


def main() -> None:
    app()
