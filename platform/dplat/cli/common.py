"""What command modules share: global state, settings, and the output option.

Every command that shows a result takes the same ``-o/--output`` option and
prints through :func:`emit`: ``table`` for people, ``json`` for programs. JSON
goes to stdout and nothing else does (progress and warnings go to stderr), so
``dplat status -o json | jq`` always parses. The result is a typed object of
the core (a dataclass with ``to_json()``); the command only chooses how to
print it.
"""

from __future__ import annotations

import csv
import enum
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import typer

from dplat import settings as settings_module
from dplat.settings import Settings


@dataclass
class State:
    """Set by the root callback from the global options."""

    debug: bool = False
    home: str | None = None


class Output(enum.StrEnum):
    table = "table"
    json = "json"


class StatusOutput(enum.StrEnum):
    """`dplat status` also prints the client variables, as `dplat env` does."""

    table = "table"
    json = "json"
    env = "env"


class RowsOutput(enum.StrEnum):
    """`dplat sql` also writes CSV (RFC 4180, a header line first)."""

    table = "table"
    json = "json"
    csv = "csv"


def output_option(choices: type[enum.StrEnum]) -> Any:
    """The ``-o/--output`` option over ``choices``, as an ``Annotated`` type."""
    names = ", ".join(choices)
    return Annotated[
        choices,
        typer.Option(
            "-o",
            "--output",
            help=f"{names}. All but table print only the result on stdout, for programs.",
            case_sensitive=False,
        ),
    ]


OutputOption = output_option(Output)
StatusOutputOption = output_option(StatusOutput)
RowsOutputOption = output_option(RowsOutput)


class Result(Protocol):
    """A command's typed result (a dataclass of the core)."""

    def to_json(self) -> Any: ...


def print_json(result: Result | dict[str, Any]) -> None:
    """The result (or a plain mapping) as indented JSON, alone on stdout."""
    value = result if isinstance(result, dict) else result.to_json()
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def emit(output: enum.StrEnum, result: Result | dict[str, Any], table: Callable[[], None]) -> None:
    """Print ``result`` as JSON, or call ``table`` to print it for people."""
    if output == "json":
        print_json(result)
    else:
        table()


def print_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as CSV on stdout; NULL is an empty field, as most loaders read it."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else v for v in row] for row in rows])


def resolve(ctx: typer.Context, **flags: Any) -> Settings:
    """Settings for this command: its flags over the global ones, then the resolver."""
    state = ctx.obj if isinstance(ctx.obj, State) else State()
    return settings_module.resolve({"home": state.home, "debug": state.debug or None, **flags})
