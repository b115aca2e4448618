"""The console's POST endpoints that answer scripts (JSON), and the run's
event stream. Every POST has passed :func:`dplat.ui.safety.guard` first."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from aiohttp import web

from dplat.errors import DplatError
from dplat.ui.runs import PageReporter, Run
from dplat.ui.safety import Busy
from dplat.ui.state import ConsoleState, state

KEEPALIVE_SECONDS = 15.0


def error_json(status: int, exc: BaseException) -> web.Response:
    """An error for a script: dplat's cause and fix, or the exception's text."""
    fix = exc.fix if isinstance(exc, DplatError) else ""
    message = exc.message if isinstance(exc, DplatError) else f"{type(exc).__name__}: {exc}"
    return web.json_response({"error": message, "fix": fix}, status=status)


def in_words(exc: BaseException) -> str:
    """An error as one line for a run's end: cause — fix."""
    if isinstance(exc, DplatError):
        return f"{exc.message} — {exc.fix}" if exc.fix else exc.message
    return f"{type(exc).__name__}: {exc}"


async def reveal(request: web.Request) -> web.Response:
    """POST /api/reveal/SERVICE: the service's credentials, only these, now
    that the user asked (the page never holds them before)."""
    from dplat.stack import catalogue, lifecycle

    name = request.match_info["service"]
    console = state(request)
    try:
        info = await asyncio.to_thread(lifecycle.connection_info, console.settings, name)
    except DplatError as exc:
        return error_json(404, exc)
    secret = next(c.secret_info for c in catalogue.service_classes() if c.name == name)
    return web.json_response({key: value for key, value in info.items() if key in secret})


def claim(console: ConsoleState, what: str) -> web.Response | None:
    """Take the one long-action slot for ``what``; the 409 answer when it is taken."""
    try:
        console.long_action.claim(what)
    except Busy as exc:
        return web.json_response({"error": str(exc), "running": exc.running}, status=409)
    return None


async def claim_for_lesson(request: web.Request, verb: str) -> web.Response | None:
    """The slot for "VERB NAME" (None once taken), or why not: 404 for an
    unknown lesson (in words), 409 while a long action runs."""
    from dplat.scenario import lessons

    name = request.match_info["name"]
    try:
        await asyncio.to_thread(lessons.describe, name)
    except DplatError as exc:
        return error_json(404, exc)
    return claim(state(request), f"{verb} {name}")


async def run_lesson(request: web.Request) -> web.Response:
    """POST /lessons/NAME/run[?explain=1]: start the run in its own thread
    (with ``explain``, as `--explain`: the config, SQL, keys and calls each
    step uses); 409 while any long action runs (this lesson's or another's)."""
    console = state(request)
    name = request.match_info["name"]
    refused = await claim_for_lesson(request, "lesson")
    if refused is not None:
        return refused
    run = Run(name, asyncio.get_running_loop())
    console.runs[name] = run
    reporter = PageReporter(run)
    explain = request.query.get("explain") == "1"
    start = console.starter(console.settings, name, explain)

    def work() -> None:
        try:
            report = start(reporter, reporter.stack_progress)
            verdict, ok = ("passed" if report.passed else "failed"), report.passed
        except Exception as exc:  # the run's end, in words, on the page
            verdict, ok = f"stopped: {in_words(exc)}", False
        finally:
            console.long_action.release()
        reporter.ended(verdict, ok)  # after the release: the page's buttons work again at once

    # Its own thread: a run lasts minutes and must not hold a page's worker.
    threading.Thread(target=work, name=f"run {name}", daemon=True).start()
    return web.json_response({"started": name}, status=202)


async def events(request: web.Request) -> web.StreamResponse:
    """GET /lessons/NAME/events: the current (or last) run's events as
    server-sent events, from the first one the client has not seen
    (``Last-Event-ID`` after a reconnect), until the run ends."""
    run = state(request).runs.get(request.match_info["name"])
    if run is None:
        return web.Response(status=204)  # no run from this console: nothing to follow
    return await stream(request, run)


async def stream(request: web.Request, run: Run) -> web.StreamResponse:
    """A run's events as server-sent events, from the first one the client
    has not seen (``Last-Event-ID`` after a reconnect), until the run ends."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    seen = 0
    with contextlib.suppress(ValueError):
        seen = int(request.headers.get("Last-Event-ID", "0"))
    while True:
        for event in run.events[seen:]:
            data = "".join(f"data: {line}\n" for line in event.html.splitlines() or [""])
            await response.write(f"id: {event.id}\nevent: {event.kind}\n{data}\n".encode())
        seen = len(run.events)
        if run.finished:
            break
        before = seen
        await run.wait(seen, KEEPALIVE_SECONDS)
        if len(run.events) == before and not run.finished:
            await response.write(b": still running\n\n")
    return response
