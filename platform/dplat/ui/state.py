"""What one console server holds: its settings, its session token, the long
action running, and the lesson runs started from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from dplat.settings import Settings
from dplat.ui.runs import Run, Start
from dplat.ui.safety import OneAtATime


def run_on_stack(settings: Settings, name: str, explain: bool) -> Start:
    """How the console runs a lesson: exactly as `dplat run scenario NAME [--explain]`."""

    def start(reporter, stack_progress):  # type: ignore[no-untyped-def]
        from dplat.scenario import lessons

        return lessons.run_on_stack(settings, name, reporter, stack_progress, explain=explain)

    return start


@dataclass
class ConsoleState:
    settings: Settings
    token: str
    starter: Callable[[Settings, str, bool], Start] = run_on_stack
    """Makes a lesson's run; tests swap in one that waits, to start a second
    run while the first holds the slot."""
    long_action: OneAtATime = field(default_factory=OneAtATime)
    runs: dict[str, Run] = field(default_factory=dict)


STATE: web.AppKey[ConsoleState] = web.AppKey("dplat-console", ConsoleState)


def state(request: web.Request) -> ConsoleState:
    return request.app[STATE]
