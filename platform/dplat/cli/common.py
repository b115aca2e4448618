"""What command modules share: global state, settings, output format."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

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
    env = "env"


def resolve(ctx: typer.Context, **flags: Any) -> Settings:
    """Settings for this command: its flags over the global ones, then the resolver."""
    state = ctx.obj if isinstance(ctx.obj, State) else State()
    return settings_module.resolve({"home": state.home, "debug": state.debug or None, **flags})
