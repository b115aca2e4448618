"""A lesson's lineage drawn as a graph: SVG laid out here, on the server.

The data is `dplat scenario show NAME --lineage -o json`'s
(:class:`dplat.scenario.lessons.Lineage`: nodes with their kind, and edges
from what a thing was made from to the thing). The layout is the classic
layered one, kept small: each node sits one column right of its furthest
source (longest path), and within a column nodes are ordered by the mean
row of their sources, so edges mostly run straight. A node links to where
it can be looked at: an S3 prefix to its listing on the Data page, a table
to its head (schema and first rows, with a link to query it in the SQL box),
an agent route to its plugin's counters on the Agent page, an Airflow task to
Airflow's own UI. Sources, folders and s3-iam prefixes have no page here.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from dplat.ui.html import esc

COLUMN, ROW = 280, 64
BOX_W, BOX_H = 236, 44
MARGIN = 20
LABEL_CHARS = 31
PLUGIN_ID = re.compile(r"[\w.-]+")


def columns(nodes: dict[str, str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: one past its furthest source (a cycle, which
    lessons do not make, is cut where met); a node nothing feeds sits just
    left of the first node it feeds."""
    sources: dict[str, list[str]] = {n: [] for n in nodes}
    for source, target in edges:
        sources[target].append(source)
    found: dict[str, int] = {}

    def column(node: str, path: frozenset[str]) -> int:
        if node not in found:
            feeding = [s for s in sources[node] if s not in path]
            found[node] = 1 + max((column(s, path | {node}) for s in feeding), default=-1)
        return found[node]

    for node in nodes:
        column(node, frozenset())
    # A starting point (nothing feeds it) moves right, next to the first thing
    # it feeds, so its edge does not cross the whole graph.
    for node in nodes:
        fed = [found[t] for s, t in edges if s == node]
        if not sources[node] and fed:
            found[node] = min(fed) - 1
    return found


def positions(nodes: dict[str, str], edges: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """(column, row) of each node."""
    placed = columns(nodes, edges)
    rows: dict[str, int] = {}
    for col in range(max(placed.values(), default=-1) + 1):
        here = [n for n in nodes if placed[n] == col]
        order = {
            node: _mean([rows[s] for s, t in edges if t == node and s in rows], fallback=i)
            for i, node in enumerate(here)
        }
        for row, node in enumerate(sorted(here, key=order.__getitem__)):
            rows[node] = row
    return {n: (placed[n], rows[n]) for n in nodes}


def _mean(values: list[int], fallback: int) -> float:
    return sum(values) / len(values) if values else float(fallback)


def agent_plugin(name: str) -> str | None:
    """The plugin id in an agent route's node, as lessons name them: the
    word after ``agent`` (``agent app_forward``, an input) or the last word
    in the closing brackets (``agent app.** (out_s3 app_s3)``, ``agent
    {web,batch}.* (routed_files)``, an output)."""
    body = name.removeprefix("agent ").strip()
    bracket = re.search(r"\(([^()]*)\)$", body)
    words = (bracket[1] if bracket else body).split()
    return words[-1] if words and PLUGIN_ID.fullmatch(words[-1]) else None


def data_link(name: str, kind: str, airflow_url: str = "") -> str:
    """Where a node's data, or what moves it, can be looked at: an S3 prefix's
    listing, a table's head, an agent route's plugin on the Agent page (its
    counters), an Airflow task in Airflow's own UI (``airflow_url``; its
    3.x route ``/dags/DAG/tasks/TASK``)."""
    if kind == "s3 prefix":
        return "/data?" + urlencode({"s3": name if name.endswith("/") else name.rsplit("/", 1)[0] + "/"})
    if kind == "bigquery table":
        return "/data/head?" + urlencode({"engine": "bigquery", "table": name})
    if kind == "mysql table":
        return "/data/head?" + urlencode({"engine": "mysql", "table": name.removeprefix("mysql ")})
    if kind == "agent route":
        plugin = agent_plugin(name)
        return f"/agent#plugin-{quote(plugin)}" if plugin else "/agent"
    if kind == "airflow task" and airflow_url:
        dag, _, task = name.removeprefix("airflow task ").partition(".")
        return f"{airflow_url}/dags/{quote(dag)}/tasks/{quote(task)}" if task else f"{airflow_url}/dags/{quote(dag)}"
    return ""


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def svg(nodes: dict[str, str], edges: list[tuple[str, str]], airflow_url: str = "") -> str:
    """The graph as an SVG element; the page scales it down to its width
    (``airflow_url``: where an Airflow task's box links to)."""
    at = positions(nodes, edges)
    width = MARGIN * 2 + COLUMN * max((c for c, _ in at.values()), default=0) + BOX_W
    height = MARGIN * 2 + ROW * max((r for _, r in at.values()), default=0) + BOX_H

    def corner(node: str) -> tuple[int, int]:
        col, row = at[node]
        return MARGIN + col * COLUMN, MARGIN + row * ROW

    lines = []
    for source, target in edges:
        (x1, y1), (x2, y2) = corner(source), corner(target)
        x1, y1, y2 = x1 + BOX_W, y1 + BOX_H // 2, y2 + BOX_H // 2
        bend = (x2 - x1) // 2
        lines.append(
            f'<path class="edge" data-source="{esc(source)}" data-target="{esc(target)}" '
            f'd="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}" marker-end="url(#arrow)"/>'
        )
    boxes = []
    for name, kind in nodes.items():
        x, y = corner(name)
        box = (
            f'<g class="node kind-{esc(kind.replace(" ", "-"))}" data-name="{esc(name)}" data-kind="{esc(kind)}">'
            f"<title>{esc(kind)}: {esc(name)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
            f'<text x="{x + 10}" y="{y + 18}" class="kind">{esc(kind)}</text>'
            f'<text x="{x + 10}" y="{y + 36}">{esc(_label(name))}</text></g>'
        )
        link = data_link(name, kind, airflow_url)
        boxes.append(f'<a href="{esc(link)}">{box}</a>' if link else box)
    return (
        f'<svg class="lineage" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="lineage graph">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
        + "".join(lines)
        + "".join(boxes)
        + "</svg>"
    )
