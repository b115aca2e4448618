"""The Overview: the stack's controls at once, its services after the first paint.

The services' table is `dplat status -o json` (:func:`dplat.stack.lifecycle.overview`),
which asks the engine for every container and probes every service with its
client: a second or two on a first load (the clients are imported then). So
``GET /`` answers at once with the controls and an empty place for the table,
and the page's script fetches ``GET /services`` after the first paint and puts
its two parts in place (the on-demand buttons, whose start or stop follows
each service's state, and the table), the way the Data page loads its tables.
After a start or stop the script fetches ``/services`` again, once, for both.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from dplat.ui import html
from dplat.ui.html import esc
from dplat.ui.respond import fragment_or_page, page
from dplat.ui.state import ConsoleState, state

if TYPE_CHECKING:
    from dplat.stack.lifecycle import StackStatus


def info_cell(name: str, info: dict[str, str], secrets: list[str]) -> str:
    """Connection details; credentials masked, with a button that reveals them."""
    parts = []
    for key, value in info.items():
        if key == "url":
            continue
        if key in secrets:
            shown = (
                f'<span class="secret" data-service="{esc(name)}" data-key="{esc(key)}">••••••••</span>'
                f' <button type="button" class="reveal" data-service="{esc(name)}" data-key="{esc(key)}">reveal</button>'
            )
        else:
            shown = f"<code>{esc(value)}</code>"
        parts.append(f'<div class="kv"><span class="k">{esc(key)}</span> {shown}</div>')
    return "".join(parts)


def _button(action: str, name: str) -> str:
    words = "start" if action == "up" else "stop"
    return (
        f'<button type="button" class="stack-action" data-action="{action}" data-with="{esc(name)}">'
        f"{words} {esc(name)}</button> "
    )


def on_demand_buttons(states: dict[str, str]) -> str:
    """Each on-demand service's buttons from its container's state (``states``:
    name -> state; absent means no container): **start** (`dplat up --with
    NAME`) unless it runs, **stop** (`dplat down NAME`) whenever a container
    exists, so an exited or paused one can be removed too."""
    from dplat.stack import catalogue

    buttons = []
    for name in catalogue.on_demand_names():
        current = states.get(name, "missing")
        if current != "running":
            buttons.append(_button("up", name))
        if current != "missing":
            buttons.append(_button("down", name))
    return f'<span class="with" id="on-demand">on-demand: {"".join(buttons)}</span>'


def _stack_controls(console: ConsoleState) -> str:
    """Start (`dplat up`) and Stop (`dplat down [-v]`), a place for the
    on-demand buttons, and the list the action's progress goes to."""
    following = " data-follow" if console.stack_run and not console.stack_run.finished else ""
    return f"""
<section class="control" aria-label="start and stop the stack">
<button type="button" class="stack-action primary" data-action="up">Start the stack</button>
<span class="with" id="on-demand">on-demand: …</span>
<button type="button" class="stack-action" data-action="down">Stop the stack</button>
<label><input type="checkbox" id="down-volumes"> and delete its data (<code>dplat down -v</code>)</label>
<div id="stack-state" role="status"></div>
<ul id="stack-progress" class="progress" data-events="/stack/events"{following}></ul>
</section>"""


async def overview(request: web.Request) -> web.Response:
    """GET /: the controls, and where the services will be (filled from /services)."""
    body = _stack_controls(state(request)) + (
        '<div id="services" data-src="/services">'
        '<p><a href="/services">the services</a> (asking the engine and each service…)</p></div>'
    )
    return page(request, "Overview", "/", body)


def services_html(found: StackStatus) -> str:
    """The on-demand buttons and the services' table of a StackStatus."""
    rows = []
    for s in found.services:
        ready = html.status_badge(s.ready, "answering" if s.ready else "not answering")
        rows.append(
            (
                f"<b>{esc(s.name)}</b>",
                f'<span class="state">{esc(s.state)}</span> {ready} <a href="/logs/{esc(s.name)}">log</a>',
                esc(s.health),
                f"<code>{esc(s.info.get('url', ''))}</code>",
                "" if s.memory_bytes is None else f"{s.memory_bytes / 2**20:.0f} MiB",
                info_cell(s.name, s.info, s.secrets),
            )
        )
    verdict = (
        html.status_badge(True, "every service answers")
        if found.ready
        else html.status_badge(False, "not every service answers: dplat up starts the stack")
    )
    states = {s.name: s.state for s in found.services}
    return (
        on_demand_buttons(states)
        + f'<div id="services" data-loaded="1"><p>Project <code>{esc(found.project)}</code>: {verdict}</p>'
        + html.table(("service", "state", "health", "URL", "memory", "connect with"), rows, raw=True)
        + "</div>"
    )


async def services(request: web.Request) -> web.Response:
    """GET /services: the on-demand buttons and the services' table
    (`dplat status -o json`); the Overview's script puts them in place."""
    from dplat.stack import lifecycle

    try:
        found = await asyncio.to_thread(lifecycle.overview, state(request).settings)
        shown = services_html(found)
    except Exception as exc:  # shown in the page, in words
        shown = on_demand_buttons({}) + f'<div id="services" data-loaded="1">{html.error_box(exc)}</div>'
    return fragment_or_page(request, "Services", "/", shown)
