"""`dplat ui`'s web server: the routes, and serving on 127.0.0.1 until Ctrl-C.

aiohttp.web (already a dependency of the agent) serves server-rendered pages
and the two static files under ``static/``, all inside the package: nothing is
fetched from elsewhere, so the console works on a closed network.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sys
import threading
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path

from aiohttp import web

from dplat.errors import PortInUse
from dplat.settings import Settings
from dplat.ui import actions, agentpage, control, datapage, lessonfiles, overview, pages
from dplat.ui.safety import guard, new_token
from dplat.ui.state import STATE, ConsoleState

HOST = "127.0.0.1"
STATIC = Path(__file__).parent / "static"


def make_app(settings: Settings, token: str | None = None, **options: object) -> web.Application:
    """The console as an aiohttp application (``options`` go to ConsoleState)."""
    console = ConsoleState(settings, token or new_token(), **options)  # type: ignore[arg-type]
    app = web.Application(middlewares=[guard(console.token)], client_max_size=1024**2)
    app[STATE] = console
    app.add_routes(
        [
            web.get("/", overview.overview),
            web.get("/services", overview.services),
            web.get("/lessons", pages.lesson_list),
            web.get("/lessons/{name}", pages.lesson),
            web.post("/lessons/{name}/run", actions.run_lesson),
            web.get("/lessons/{name}/events", actions.events),
            web.get("/lessons/{name}/files/{path:.+}", lessonfiles.lesson_file),
            web.post("/lessons/{name}/reset", control.reset_lesson),
            web.post("/stack/{action:up|down}", control.start_or_stop),
            web.get("/stack/events", control.stack_events),
            web.get("/lineage", pages.lineage),
            web.get("/logs/{service}", pages.log),
            web.get("/agent", agentpage.agent),
            web.get("/agent/metrics.json", agentpage.metrics_json),
            web.get("/data", datapage.data),
            web.post("/data/sql", datapage.run_sql),
            web.get("/data/head", datapage.head),
            web.get("/data/tables", datapage.tables_fragment),
            web.post("/api/reveal/{service}", actions.reveal),
            web.static("/static", STATIC),
        ]
    )
    return app


def has_display(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether a graphical browser can show up: macOS, Windows, or a display
    (X11 or Wayland). Over SSH without one, Python's webbrowser would pick a
    text browser (lynx, www-browser) that takes the terminal and waits."""
    return platform in ("darwin", "win32") or bool(
        environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")
    )


def open_in_browser(url: str) -> None:
    """Open ``url``; in a thread of its own, since webbrowser.open may wait
    for the browser it started (the console serves meanwhile)."""
    with contextlib.suppress(webbrowser.Error):  # no browser here: the URL was printed
        webbrowser.open(url)


async def serve(
    settings: Settings, port: int, ready: Callable[[str], None], open_browser: bool
) -> None:
    """Serve until cancelled (Ctrl-C); ``ready`` hears the URL once it listens."""
    from dplat.ui import lean

    lean.install()  # this process is the console: BigQuery without DataFrames
    runner = web.AppRunner(make_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, port)
    try:
        await _listen(site, port)
        url = f"http://{HOST}:{port}/"
        ready(url)
        if open_browser and has_display():
            threading.Thread(target=open_in_browser, args=(url,), name="open browser", daemon=True).start()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def _listen(site: web.TCPSite, port: int) -> None:
    """Start listening; a port something else holds is the user's to change
    (PortInUse with the next port to try), any other OSError stays what it is."""
    try:
        await site.start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise PortInUse(
            f"{HOST}:{port} is taken", fix=f"Stop what holds it, or use `dplat ui --port {port + 1}`."
        ) from exc
