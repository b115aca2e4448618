"""The console's pages: each asks one core function and renders its answer.

Lessons is `dplat scenario list|show` (:mod:`dplat.scenario.lessons`); the
Overview is :mod:`dplat.ui.overview`, the Data page :mod:`dplat.ui.datapage`,
the Agent's :mod:`dplat.ui.agentpage`. The core functions
block (they call the engine and the services), so they run in a worker
thread; their modules are imported on first use, so a console that never
opens the Data page never loads the database clients. A failure is shown in
the page as the core's cause and fix, like the CLI prints it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from dplat.ui import html
from dplat.ui.html import esc
from dplat.ui.respond import page
from dplat.ui.state import state


async def lesson_list(request: web.Request) -> web.Response:
    from dplat.scenario import lessons

    try:
        found = await asyncio.to_thread(lessons.list_lessons)
    except Exception as exc:
        return page(request, "Lessons", "/lessons", html.error_box(exc))
    rows = [
        (
            str(s.position),
            f'<a href="/lessons/{esc(s.name)}">{esc(s.name)}</a>',
            esc(s.title),
            esc(", ".join(s.services)),
            str(s.steps),
        )
        for s in found.lessons
    ]
    body = "<p>In the suggested order.</p>" + html.table(
        ("#", "lesson", "title", "services", "steps"), rows, raw=True
    )
    return page(request, "Lessons", "/lessons", body)


def _last_run_html(report: dict[str, Any] | None, name: str) -> str:
    if report is None:
        return f"<p>{esc(name)} has not run here yet.</p>"
    verdict = html.status_badge(bool(report.get("passed")), "passed" if report.get("passed") else "failed")
    items = []
    for step in report.get("steps", []):
        checks = "".join(
            f'<li class="check {"ok" if c.get("passed") else "bad"}">'
            f'<span class="mark">{"✔" if c.get("passed") else "✘"}</span> {esc(c.get("message"))}</li>'
            for c in step.get("checks", [])
        )
        error = ""
        if step.get("error"):
            error = f'<div class="error">{esc(step["error"])}<div class="fix">{esc(step.get("fix") or "")}</div></div>'
        items.append(
            f'<li class="result {"ok" if step.get("status") == "passed" else "bad"}">'
            f'{esc(step.get("status"))} <b>{esc(step.get("name"))}</b> '
            f'({float(step.get("seconds") or 0):.1f} s){error}<ul>{checks}</ul></li>'
        )
    return (
        f'<p>Run <code>{esc(report.get("run_id"))}</code> started {esc(report.get("started"))}: '
        f'{verdict} in {float(report.get("seconds") or 0):.1f} s</p><ol class="report">{"".join(items)}</ol>'
    )


async def lesson(request: web.Request) -> web.Response:
    from dplat.scenario import catalog, lessons
    from dplat.ui.lessonfiles import readme_links

    console = state(request)
    name = request.match_info["name"]
    try:
        found = await asyncio.to_thread(lessons.describe, name)
        readme = await asyncio.to_thread(found.readme.read_text)
        last = await asyncio.to_thread(lessons.last_run, console.settings, name)
        others = {folder.name for folder in await asyncio.to_thread(catalog.folders)}
    except Exception as exc:
        return page(request, "Lesson", "/lessons", html.error_box(exc))
    links = readme_links(name, found.readme.parent, others)
    steps = html.table(("#", "step", "what it does"), [(i + 1, s, w) for i, (s, w) in enumerate(found.steps)])
    current = console.runs.get(name)
    following = " data-follow" if current is not None and not current.finished else ""
    body = f"""
<p class="teaches">{esc(found.teaches)}</p>
<p>Services: {esc(", ".join(found.services))}</p>
<section class="run">
<button type="button" id="run" data-lesson="{esc(name)}">Run {esc(name)}</button>
<label><input type="checkbox" id="explain"> explain each step (config, SQL, keys, calls)</label>
<button type="button" id="reset" data-lesson="{esc(name)}" title="dplat reset {esc(name)}">Reset its data</button>
<span id="run-state" role="status"></span>
<ul id="progress" class="progress" data-events="/lessons/{esc(name)}/events"{following}></ul>
</section>
<p><a href="/lineage#{esc(name)}">What its last run wrote, from what (lineage)</a></p>
<h2>Steps</h2>{steps}
<h2>Last run</h2><div id="last-run">{_last_run_html(last.report, name)}</div>
<h2>The lesson</h2><article class="readme">{html.markdown(readme, links)}</article>
"""
    return page(request, found.title, "/lessons", body)


async def lineage(request: web.Request) -> web.Response:
    """GET /lineage: each lesson's last-run lineage as a graph
    (`dplat scenario show NAME --lineage -o json`)."""
    from dplat.errors import ScenarioError
    from dplat.scenario import lessons
    from dplat.ui.lineage import svg

    console = state(request)
    airflow_url = f"http://127.0.0.1:{console.settings.port('airflow')}"
    try:
        found = await asyncio.to_thread(lessons.list_lessons)
    except Exception as exc:
        return page(request, "Lineage", "/lineage", html.error_box(exc))
    parts = []
    for lesson_row in found.lessons:
        name = lesson_row.name
        title = f'<h2 id="{esc(name)}"><a href="/lessons/{esc(name)}">{esc(name)}</a></h2>'
        try:
            graph = await asyncio.to_thread(lessons.last_lineage, console.settings, name)
        except ScenarioError as exc:
            parts.append(f"{title}<p class=\"fix\">{esc(exc.message)}: {esc(exc.fix)}</p>")
            continue
        kinds = sorted(set(graph.nodes().values()))
        legend = "".join(f'<span class="legend kind-{esc(k.replace(" ", "-"))}">{esc(k)}</span>' for k in kinds)
        parts.append(
            f'{title}<p>Run <code>{esc(graph.run_id)}</code>. {legend}</p>'
            f'<div class="scroll graph">{svg(graph.nodes(), graph.edges(), airflow_url)}</div>'
        )
    return page(request, "Lineage", "/lineage", "".join(parts))


async def log(request: web.Request) -> web.Response:
    """GET /logs/SERVICE: its last lines (`dplat logs SERVICE --tail N -o json`)."""
    from dplat.stack import logs

    name = request.match_info["service"]
    try:
        lines = max(1, min(int(request.query.get("tail", "200")), 10_000))
        found = await asyncio.to_thread(logs.log_tail, state(request).settings, name, lines)
    except Exception as exc:
        return page(request, f"Log of {name}", "/", html.error_box(exc))
    if not found.lines:
        shown = f"<p>{esc(name)} has no container (state: {esc(found.state)}), so no log yet.</p>"
    else:
        shown = f'<pre class="log">{esc(chr(10).join(found.lines))}</pre>'
    body = (
        f"<p>The last {len(found.lines)} lines; the container is {esc(found.state)}. "
        f'<a href="/logs/{esc(name)}?tail=1000">the last 1000</a></p>{shown}'
    )
    return page(request, f"Log of {name}", "/", body)
