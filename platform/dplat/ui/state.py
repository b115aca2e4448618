"""What one console server holds: its settings, its session token, the long
action running, the lesson runs and the stack's start or stop begun from it,
and the core calls behind its buttons (tests swap in stand-ins that wait)."""

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


StackAction = Callable[[Settings, str, tuple[str, ...], bool, Callable[[str], None]], str]
"""How the console starts or stops the stack: (settings, "up" or "down",
on-demand services to start, delete the data, progress) -> the end in words."""


def stack_action(
    settings: Settings, action: str, include: tuple[str, ...], volumes: bool,
    progress: Callable[[str], None],
) -> str:
    """`dplat up --with ...` or `dplat down [-v | NAME...]`, and what it did in words."""
    from dplat.stack import lifecycle

    if action == "up":
        statuses = lifecycle.up(settings, report=progress, include=include)
        return f"the stack is up: {len(statuses)} services answer"
    removed = lifecycle.down(settings, volumes=volumes, services=include)
    if not removed.containers and not removed.volumes:
        return "nothing to stop: no container of this project was found"
    if include:
        return f"stopped {', '.join(include)}: removed {removed.containers} container(s)"
    data = f", {removed.volumes} volume(s) with their data" if volumes else ""
    return f"removed {removed.containers} container(s), {removed.networks} network(s){data}"


def reset_lesson(settings: Settings, name: str) -> None:
    """How the console resets a lesson: exactly as `dplat reset NAME`."""
    from dplat.scenario import lessons

    lessons.reset(settings, name)


@dataclass
class ConsoleState:
    settings: Settings
    token: str
    starter: Callable[[Settings, str, bool], Start] = run_on_stack
    """Makes a lesson's run; tests swap in one that waits, to start a second
    run while the first holds the slot."""
    long_action: OneAtATime = field(default_factory=OneAtATime)
    runs: dict[str, Run] = field(default_factory=dict)
    stack_action: StackAction = stack_action
    """Starts or stops the stack (dplat.ui.control)."""
    stack_run: Run | None = None
    """The last start or stop of the stack begun here."""
    resetter: Callable[[Settings, str], None] = reset_lesson


STATE: web.AppKey[ConsoleState] = web.AppKey("dplat-console", ConsoleState)


def state(request: web.Request) -> ConsoleState:
    return request.app[STATE]
