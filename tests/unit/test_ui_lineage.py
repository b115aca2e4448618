"""The lineage graph: node kinds from the names lessons write, the layered
layout, and the SVG the console draws (one box per node, one path per edge,
links to the data behind each node)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest

from dplat.scenario.lessons import Lineage, lineage_kind
from dplat.ui import lineage

# Names as the lessons write them (scenarios/*/scenario.py, ctx.wrote).
KINDS = {
    "s3://datastaging/marketing/app_logs/": "s3 prefix",
    "s3-iam://staging/team-a/": "s3-iam prefix",
    "mysql dplat.users": "mysql table",
    "agent app.** (out_s3 app_s3)": "agent route",
    "airflow task shop_daily.load": "airflow task",
    "staging.app_logs": "bigquery table",
    "raw.app_logs_batch": "bigquery table",
    "/root/.dplat/work/target/": "folder",
    "shop app: logging → FluentHandler (tag app.shop)": "source",
    "shop.py generator": "source",
}


@pytest.mark.parametrize(("name", "kind"), KINDS.items())
def test_each_kind_of_node_is_told_from_its_name(name: str, kind: str) -> None:
    assert lineage_kind(name) == kind


# logging-to-bq's shape: app -> agent -> S3 and BigQuery; S3 -> batch table;
# the streamed table -> staging -> two marts.
SOURCES = {
    "agent app_forward": ["shop app"],
    "s3://datastaging/app_logs/": ["agent app_forward"],
    "raw.app_logs": ["agent app_forward"],
    "raw.app_logs_batch": ["s3://datastaging/app_logs/"],
    "staging.app_logs": ["raw.app_logs"],
    "mart.hourly": ["staging.app_logs"],
    "mart.top_errors": ["staging.app_logs"],
}


def test_nodes_and_edges_of_a_lineage() -> None:
    graph = Lineage("logging-to-bq", "run-1", SOURCES)
    assert set(graph.nodes()) == set(SOURCES) | {"shop app"}
    assert graph.nodes()["raw.app_logs"] == "bigquery table"
    assert ("staging.app_logs", "mart.hourly") in graph.edges()
    assert len(graph.edges()) == sum(len(v) for v in SOURCES.values())
    shape = graph.to_json()
    assert {"name": "shop app", "kind": "source"} in shape["nodes"]
    assert {"source": "raw.app_logs", "target": "staging.app_logs"} in shape["edges"]


def test_each_node_sits_right_of_everything_it_was_made_from() -> None:
    graph = Lineage("x", "r", SOURCES)
    at = lineage.positions(graph.nodes(), graph.edges())
    for source, target in graph.edges():
        assert at[source][0] < at[target][0], (source, target)
    assert at["shop app"][0] == 0 and at["mart.hourly"][0] == 4
    # A second starting point joins late: it sits next to what it feeds.
    late = Lineage("x", "r", {**SOURCES, "mart.hourly": ["staging.app_logs", "mysql dplat.users"]})
    assert lineage.positions(late.nodes(), late.edges())["mysql dplat.users"][0] == 3
    assert len(set(at.values())) == len(at)  # no two boxes on one spot
    # A cycle (no lesson makes one) is cut, not an endless recursion.
    assert lineage.columns({"a": "", "b": ""}, [("a", "b"), ("b", "a")]) in (
        {"a": 0, "b": 1},
        {"a": 1, "b": 0},
    )


def test_the_svg_draws_every_node_and_edge_and_links_to_the_data() -> None:
    graph = Lineage("x", "r", {
        **SOURCES,
        "mysql dplat.<orders>": ["shop app"],
        "s3://datastaging/app_logs/": ["agent app.** (out_s3 app_s3)"],
        "airflow task shop_daily.load": ["dags/shop_daily.py"],
    })
    drawn = lineage.svg(graph.nodes(), graph.edges(), "http://127.0.0.1:8080")
    assert drawn.count('<g class="node') == len(graph.nodes())
    assert drawn.count('<path class="edge"') == len(graph.edges())
    assert "<orders>" not in drawn and "&lt;orders&gt;" in drawn
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'<a href="([^"]+)"', drawn)]
    links = [urlparse(h) for h in hrefs]
    queries = [parse_qs(link.query) for link in links]
    assert {"s3": ["s3://datastaging/app_logs/"]} in queries
    assert {"engine": ["bigquery"], "table": ["mart.hourly"]} in queries
    assert {"engine": ["mysql"], "table": ["dplat.<orders>"]} in queries
    # An agent route opens its plugin's counters on the Agent page; an
    # Airflow task, the task in Airflow's own UI (its 3.x route).
    assert "/agent#plugin-app_forward" in hrefs and "/agent#plugin-app_s3" in hrefs
    assert "http://127.0.0.1:8080/dags/shop_daily/tasks/load" in hrefs
    assert {link.path for link in links} == {"/data", "/data/head", "/agent", "/dags/shop_daily/tasks/load"}
    # Only sources (an application, a generator, a DAG file) have nowhere to link to.
    unlinked = {name for name, kind in graph.nodes().items() if kind == "source"}
    assert len(links) == len(graph.nodes()) - len(unlinked)


@pytest.mark.parametrize(
    ("name", "plugin"),
    [
        ("agent app_forward", "app_forward"),
        ("agent app.** (out_s3 app_s3)", "app_s3"),
        ("agent {web,batch}.* (routed_files)", "routed_files"),
        ("agent ** (unrouted_files)", "unrouted_files"),
    ],
)
def test_an_agent_route_names_its_plugin(name: str, plugin: str) -> None:
    assert lineage.agent_plugin(name) == plugin


def test_the_agent_page_has_an_anchor_per_plugin() -> None:
    """What an agent route's link lands on (/agent#plugin-ID)."""
    from dplat.stack.agent_view import METRICS
    from dplat.ui import agentpage

    plugin = SimpleNamespace(
        plugin_id="app_s3", category="output", type="s3", values={key: 0 for key, _ in METRICS}
    )
    rows = agentpage._rows(SimpleNamespace(plugins=[plugin]))
    assert 'id="plugin-app_s3"' in rows[0][0]
