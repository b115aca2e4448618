"""The Data page: the SQL box, the tables of MySQL and BigQuery, the S3
listing, and the head of a table or an object.

Each part is a core function the CLI prints too: `dplat sql`
(:func:`dplat.stack.browse.sql`), `dplat ls` (:func:`browse.ls`), `dplat head
mysql|bigquery` (:func:`dplat.stack.tables.tables`), `dplat head TABLE` and
`dplat head s3://...` (:func:`tables.table_head`, :func:`dplat.stack.heads.head`,
both bounded: the head of a 10 GiB object reads its footer and first rows, not
the object). Their modules, and so the clients, are imported on first use.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from dplat.ui import html
from dplat.ui.html import esc
from dplat.ui.respond import fragment_or_page, page
from dplat.ui.state import ConsoleState, state

ENGINES = ("mysql", "bigquery")
EXAMPLES = {"mysql": "SHOW TABLES", "bigquery": "SELECT 1 AS one"}
HEAD_ROWS = 20


def _sql_form(console: ConsoleState, engine: str, query: str) -> str:
    options = "".join(
        f'<option value="{e}"{" selected" if e == engine else ""}>{e}</option>' for e in ENGINES
    )
    return f"""
<form method="post" action="/data/sql" class="sql">
<input type="hidden" name="token" value="{esc(console.token)}">
<label>Engine <select name="engine">{options}</select></label>
<textarea name="query" rows="4" spellcheck="false" aria-label="SQL">{esc(query)}</textarea>
<button type="submit">Run query</button>
</form>"""


def _up_link(url: str) -> str:
    """A link one level up from an s3:// listing (none at the buckets)."""
    path = url.removeprefix("s3://").rstrip("/")
    if not path:
        return ""
    parent = "s3://" + (path.rsplit("/", 1)[0] + "/" if "/" in path else "")
    return f' · <a href="/data?{esc(urlencode({"s3": parent}))}">up to {esc(parent)}</a>'


async def _listing_html(console: ConsoleState, url: str) -> str:
    from dplat.stack import browse

    try:
        found = await asyncio.to_thread(browse.ls, console.settings, url)
    except Exception as exc:
        return html.error_box(exc)
    rows = []
    for e in found.entries:
        if e.kind == "object":
            label = f'<a href="/data/head?{esc(urlencode({"target": e.url}))}">{esc(e.url)}</a>'
        else:
            target = e.url + ("/" if e.kind == "bucket" else "")
            label = f'<a href="/data?{esc(urlencode({"s3": target}))}">{esc(e.url)}</a>'
        modified = e.modified.strftime("%Y-%m-%d %H:%M:%S") if e.modified else ""
        rows.append((label, esc(e.kind), esc("" if e.bytes is None else e.bytes), esc(modified)))
    if not rows:
        return f"<p>Nothing under {esc(url)}.</p>"
    return html.table(("name", "kind", "bytes", "modified (UTC)"), rows, raw=True)


async def data(request: web.Request, engine: str = "", query: str = "", result: str = "") -> web.Response:
    """GET /data: the SQL box (filled from ``?engine=&query=``, e.g. by a lineage
    node's link; a GET never runs it) and the S3 listing of ``?s3=``."""
    console = state(request)
    engine = engine or request.query.get("engine", "mysql")
    engine = engine if engine in ENGINES else "mysql"
    query = query or request.query.get("query", "")
    url = request.query.get("s3", "s3://")
    listing = await _listing_html(console, url)
    # The tables come after the first paint (GET /data/tables, by app.js): listing
    # BigQuery's datasets and their tables is one call per dataset.
    body = f"""
<h2>SQL</h2>{_sql_form(console, engine, query or EXAMPLES[engine])}
<div id="sql-result">{result}</div>
<h2>Tables</h2><div class="tables" id="tables" data-src="/data/tables">
<p><a href="/data/tables">the tables of MySQL and BigQuery</a> (loading…)</p></div>
<h2 id="s3-title">S3: <code>{esc(url)}</code></h2>
<p><a href="/data?s3=s3://">all buckets</a>{_up_link(url)}</p>{listing}
"""
    return page(request, "Data", "/data", body)


async def run_sql(request: web.Request) -> web.Response:
    """POST /data/sql: `dplat sql ENGINE QUERY`, its rows or its error in words."""
    from dplat.stack import browse

    form = await request.post()
    engine = str(form.get("engine", "mysql"))
    query = str(form.get("query", ""))
    if engine not in ENGINES:
        engine = "mysql"
    try:
        rows = await asyncio.to_thread(browse.sql, state(request).settings, engine, query)
        shown = [[browse.jsonable(v) for v in row] for row in rows.rows]
        result = (
            f'<p class="count">{len(rows.rows)} row(s)</p>' + html.table(rows.columns, shown)
            if rows.columns
            else '<p class="count">done (the statement returns no rows)</p>'
        )
    except Exception as exc:
        result = html.error_box(exc)
    return await data(request, engine, query, result)




async def tables_fragment(request: web.Request) -> web.Response:
    """GET /data/tables: both engines' tables, each linking to its head; the
    Data page's script puts this fragment in place (opened alone, it is a page)."""
    console = state(request)
    found = await asyncio.gather(*(_tables_html(console, e) for e in ENGINES))
    return fragment_or_page(request, "Tables", "/data", f'<div class="tables">{"".join(found)}</div>')


async def _tables_html(console: ConsoleState, engine: str) -> str:
    """An engine's tables, each linking to its head (`dplat head ENGINE -o json`)."""
    from dplat.stack import tables

    title = {"mysql": "MySQL", "bigquery": "BigQuery"}[engine]
    try:
        found = await asyncio.to_thread(tables.tables, console.settings, engine)
    except Exception as exc:
        return f'<div class="engine" id="tables-{engine}"><h3>{title}</h3>{html.error_box(exc)}</div>'
    links = "".join(
        f'<li><a href="/data/head?{esc(urlencode({"engine": engine, "table": name}))}">{esc(name)}</a></li>'
        for name in found.tables
    )
    shown = f"<ul>{links}</ul>" if links else "<p>no table yet</p>"
    return f'<div class="engine" id="tables-{engine}"><h3>{title}</h3>{shown}</div>'


def _cell(value: Any) -> str:
    """A value as the page shows it: JSON for nested values, text otherwise."""
    from dplat.stack.browse import jsonable

    value = jsonable(value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def head_html(found: Any) -> str:
    """A head (dplat.stack.heads.Head): what it is, its schema, its first rows or lines."""
    facts = "".join(
        f'<span class="kv"><span class="k">{esc(k)}</span> {esc(v)}</span> ' for k, v in found.properties.items()
    )
    parts = [f'<p class="facts"><span class="badge kind">{esc(found.kind)}</span> {facts}</p>']
    if found.schema:
        parts.append('<h2>Schema</h2><div id="head-schema">'
                     + html.table(("column", "type", ""), [(c.name, c.type, c.detail) for c in found.schema])
                     + "</div>")
    if found.columns:
        rows = [[_cell(v) for v in row] for row in found.rows]
        parts.append(f'<h2>First rows</h2><div id="head-rows">{html.table(found.columns, rows)}</div>')
    if found.lines:
        what = "First bytes" if found.kind == "binary" else "First lines"
        parts.append(f'<h2>{what}</h2><pre id="head-lines" class="head">{esc(chr(10).join(found.lines))}</pre>')
    parts.append(f'<p class="note" id="head-note">{esc(found.note)}</p>')
    return "".join(parts)


async def head(request: web.Request) -> web.Response:
    """GET /data/head?target=s3://... or ?engine=E&table=T: a bounded head."""
    from dplat.stack import heads, tables

    console = state(request)
    target = request.query.get("target", "")
    engine, table = request.query.get("engine", ""), request.query.get("table", "")
    if target:
        title = target
        back = f'<a href="/data?{esc(urlencode({"s3": target.rsplit("/", 1)[0] + "/"}))}">back to the listing</a>'
        work = asyncio.to_thread(heads.head, console.settings, target, HEAD_ROWS)
    else:
        title = f"{engine} {table}"
        query = f"SELECT * FROM {table} LIMIT {HEAD_ROWS}" if engine == "mysql" else f"SELECT * FROM `{table}` LIMIT {HEAD_ROWS}"
        back = f'<a href="/data?{esc(urlencode({"engine": engine, "query": query}))}">query it in the SQL box</a>'
        work = asyncio.to_thread(tables.table_head, console.settings, engine, table, HEAD_ROWS)
    try:
        body = head_html(await work)
    except Exception as exc:  # in words, with the fix
        body = html.error_box(exc)
    return page(request, f"Head of {title}", "/data", f"<p>{back}</p>{body}")
