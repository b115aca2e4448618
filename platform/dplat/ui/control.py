"""Start and stop the stack, and reset a lesson, from the console.

Each is the CLI's own core call: **Start** is `dplat up [--with NAME]`
(:func:`dplat.stack.lifecycle.up`), **Stop** is `dplat down [-v]` or, for one
on-demand service, `dplat down NAME`
(:func:`dplat.stack.lifecycle.down`), **Reset** is `dplat reset NAME`
(:func:`dplat.scenario.lessons.reset`). Starting and stopping take up to
minutes, so they run in their own thread and report like a lesson run: each
line `dplat up` prints under its spinner ("building agent", "waiting for
mysql") becomes an event the Overview follows (``GET /stack/events``). All
three hold the console's one long-action slot: a second one, or a lesson run,
while one goes gets 409 with the name of the one running.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web

from dplat.errors import DplatError
from dplat.ui.actions import claim, claim_for_lesson, error_json, in_words, stream
from dplat.ui.runs import PageReporter, Run
from dplat.ui.state import state


async def start_or_stop(request: web.Request) -> web.Response:
    """POST /stack/up[?with=NAME], /stack/down[?volumes=1] or
    /stack/down?with=NAME (that on-demand service only): 202 and the action
    runs; follow it on ``/stack/events``. 409 while a long action runs; 400
    for an on-demand service that does not exist (in words, with the fix)."""
    from dplat.stack import catalogue

    console = state(request)
    action = request.match_info["action"]
    include = tuple(request.query.getall("with", []))
    unknown = sorted(set(include) - set(catalogue.on_demand_names()))
    if unknown:
        fix = f"Use one of: {', '.join(catalogue.on_demand_names())}."
        return error_json(400, DplatError(f"no on-demand service named {', '.join(unknown)}", fix=fix))
    volumes = request.query.get("volumes") == "1"
    if action == "up":
        what = "stack up" + "".join(f" --with {name}" for name in include)
    elif include:
        what = "stack down " + " ".join(include)
        volumes = False  # one service's stop keeps every volume (lifecycle.down)
    else:
        what = "stack down" + (" -v" if volumes else "")
    refused = claim(console, what)
    if refused is not None:
        return refused
    run = Run(what, asyncio.get_running_loop())
    console.stack_run = run
    reporter = PageReporter(run)
    reporter.stack_progress(f"`dplat {what.removeprefix('stack ')}` started")

    def work() -> None:
        try:
            verdict, ok = console.stack_action(console.settings, action, include, volumes, reporter.stack_progress), True
        except Exception as exc:  # the end, in words, on the page
            verdict, ok = f"stopped: {in_words(exc)}", False
        finally:
            console.long_action.release()
        reporter.ended(verdict, ok)  # after the release: the page's buttons work again at once

    threading.Thread(target=work, name=what, daemon=True).start()
    return web.json_response({"started": what}, status=202)


async def stack_events(request: web.Request) -> web.StreamResponse:
    """GET /stack/events: the current (or last) start or stop, as server-sent events."""
    run = state(request).stack_run
    if run is None:
        return web.Response(status=204)
    return await stream(request, run)


async def reset_lesson(request: web.Request) -> web.Response:
    """POST /lessons/NAME/reset: `dplat reset NAME` (its data back to the
    start); 409 while a long action runs, since a reset under a running
    lesson would pull its tables away."""
    console = state(request)
    name = request.match_info["name"]
    refused = await claim_for_lesson(request, "reset")
    if refused is not None:
        return refused
    try:
        await asyncio.to_thread(console.resetter, console.settings, name)
    except Exception as exc:  # e.g. the stack does not answer: cause and fix
        return error_json(503 if isinstance(exc, DplatError) else 500, exc)
    finally:
        console.long_action.release()
    return web.json_response({"reset": name})
