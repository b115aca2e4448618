"""The one console: output, styles and error rendering.

Everything dplat prints goes through here, so output stays consistent and
tests can capture it. No other module imports rich (a ruff rule enforces it);
they use :data:`console`, :func:`step`, :func:`table` and :func:`render_error`.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dplat.agent.config.errors import ConfigError
from dplat.errors import DplatError

OK = "bold green"
WARN = "bold yellow"
FAIL = "bold red"
DIM = "dim"
ACCENT = "bold cyan"

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def info(message: str) -> None:
    console.print(message)


def warn(message: str) -> None:
    err_console.print(f"[{WARN}]warning:[/] {message}")


def success(message: str) -> None:
    console.print(f"[{OK}]✔[/] {message}")


@contextlib.contextmanager
def step(message: str) -> Iterator[None]:
    """Show a spinner while a long piece of work runs, then a tick or a cross
    (off a terminal, where a spinner shows nothing, a line as it starts)."""
    if not console.is_terminal:
        console.print(f"… {message}", markup=False, highlight=False)
    with console.status(message):
        try:
            yield
        except BaseException:
            console.print(f"[{FAIL}]✘[/] {message}")
            raise
    console.print(f"[{OK}]✔[/] {message}")


def stage_line(seconds: float, message: str) -> str:
    """A stage as one plain line (off a terminal): the seconds since the work
    began, then what it is doing; `up`, `images build` and `run scenario` share it."""
    return f"[{seconds:4.0f}s] {message}"


@contextlib.contextmanager
def progress(first: str, out: Console | None = None) -> Iterator[Callable[[str], None]]:
    """Report the stages of long work (engine install, bases, image builds,
    start-up): yields ``report(message)``, called as each stage begins.

    On a terminal one spinner shows the current stage. Anywhere else (CI
    logs, pipes) a spinner prints nothing, and `dplat up` on a bare machine
    would be silent for minutes; there each stage is a plain line instead,
    with the seconds since the start.
    """
    target = out or console
    if target.is_terminal:
        with target.status(first) as spinner:
            yield spinner.update
        return
    started = time.monotonic()

    def report(message: str) -> None:
        target.print(stage_line(time.monotonic() - started, message), markup=False, highlight=False)

    report(first)
    yield report


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print rows as a table; cells are rendered with str()."""
    grid = Table(title=title, title_justify="left", header_style=ACCENT)
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(str(cell) for cell in row))
    console.print(grid)


def render_error(exc: BaseException, debug: bool = False) -> None:
    """The one place an exception becomes a message for the user."""
    if debug:
        err_console.print("".join(traceback.format_exception(exc)), markup=False)
    if isinstance(exc, DplatError):
        message, fix = exc.message, exc.fix
    elif isinstance(exc, ConfigError):  # the agent's config layer has no CLI dependency
        where = f"{exc.origin}: " if exc.origin is not None else ""
        message, fix = where + exc.message, exc.fix or "Fix the config line named above."
    else:
        message = f"unexpected {type(exc).__name__}: {exc}"
        fix = "rerun with --debug for the traceback, and report it if it persists."
    err_console.print(Text.assemble(("error: ", FAIL), message))
    details = getattr(exc, "details", None)
    if details:
        err_console.print(Text(details, style=DIM))
    err_console.print(Text.assemble(("fix: ", ACCENT), fix))
