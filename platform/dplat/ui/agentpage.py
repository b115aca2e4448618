"""The Agent page: each plugin's counters, live, and the running config.

The data is `dplat agent metrics -o json` (:func:`dplat.stack.agent_view.agent_metrics`,
the agent's monitor API). The page is rendered once with a first reading;
then its script asks ``GET /agent/metrics.json`` every :data:`POLL_SECONDS`
and updates the cells in place (no reload), turning two readings of a
plugin's emitted records into events per second and drawing the last
minute of that rate as a small line per plugin. Polling a reading, rather
than a stream, keeps the monitor API the only source: the console holds no
state about the agent between requests.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from dplat.ui import html
from dplat.ui.actions import error_json
from dplat.ui.html import esc
from dplat.ui.respond import page
from dplat.ui.state import state

POLL_SECONDS = 2


def _rows(found) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    from dplat.stack.agent_view import METRICS

    rows = []
    for p in found.plugins:
        cells = [
            f'<span data-metric="{key}">{"" if p.values[key] is None else p.values[key]}</span>'
            for key, _ in METRICS
        ]
        rows.append(
            (
                f'<b id="plugin-{esc(p.plugin_id)}" data-plugin="{esc(p.plugin_id)}">{esc(p.plugin_id)}</b>',
                esc(p.category),
                esc(p.type),
                '<span data-metric="rate"></span> <svg class="spark" width="90" height="20" aria-hidden="true"></svg>',
                *cells,
            )
        )
    return rows


async def agent(request: web.Request) -> web.Response:
    """GET /agent: the first reading, the routes, and the script that polls."""
    from dplat.stack.agent_view import METRICS, agent_metrics

    try:
        found = await asyncio.to_thread(agent_metrics, state(request).settings, True)
    except Exception as exc:
        return page(request, "Agent", "/agent", html.error_box(exc))
    columns = ("plugin", "category", "type", "records/s", *(words for _, words in METRICS))
    body = f"""
<p>The monitor API at <code>{esc(found.monitor)}</code>; updated every {POLL_SECONDS} s
(<span id="agent-updated" data-taken="{found.taken}" data-poll="{POLL_SECONDS}">now</span>).
<span id="agent-state" role="status"></span></p>
<div id="agent-metrics">{html.table(columns, _rows(found), raw=True)}</div>
<h2>Routes: the running config (secrets masked)</h2>
<pre id="agent-config">{esc(found.config)}</pre>
"""
    return page(request, "Agent", "/agent", body)


async def metrics_json(request: web.Request) -> web.Response:
    """GET /agent/metrics.json: one reading, as `dplat agent metrics -o json`;
    503 with the cause and the fix while the agent does not answer."""
    from dplat.stack.agent_view import agent_metrics

    try:
        found = await asyncio.to_thread(agent_metrics, state(request).settings)
    except Exception as exc:
        return error_json(503, exc)
    return web.json_response(found.to_json(), headers={"Cache-Control": "no-store"})
