"""The lesson tag-routing without containers: its events, the hand-written
routing and naming rules (against Fluentd's documented examples and against
the agent's own code), the ground truth, and its config files."""

from __future__ import annotations

from collections import Counter
from types import ModuleType
from typing import Any

import pytest

from dplat.agent.config import parse_config
from dplat.agent.config.element import Element
from dplat.agent.plugins.out_file import generate_path_template
from dplat.agent.tagmatch import TagPattern
from dplat.resources import scenarios_dir
from dplat.scenario import catalog

FOLDER = scenarios_dir() / "tag-routing"


def _module(name: str) -> ModuleType:
    return catalog.lesson_module(FOLDER, name)


events, routes = _module("events"), _module("routes")


@pytest.fixture(scope="module")
def sent() -> list[Any]:
    return events.generate(400)


# -- events ----------------------------------------------------------------------------
def test_same_seed_same_events_other_seed_other_events(sent) -> None:
    assert events.generate(400) == sent
    assert events.generate(400, seed=1) != sent
    assert len({e.event_id for e in sent}) == 400


def test_events_are_in_time_order_within_the_six_minutes(sent) -> None:
    start = int(events.WINDOW_START.timestamp())
    assert [e.at_ms for e in sent] == sorted(e.at_ms for e in sent)
    assert all(start <= e.seconds < start + 360 for e in sent)
    assert {e.tag for e in sent} == {"web.access", "web.error", "batch.job", "web.access.debug"}


# -- patterns ---------------------------------------------------------------------------
FLUENTD_EXAMPLES = [  # (pattern, tag, matches?) from Fluentd's config-file docs
    ("a.*", "a.b", True), ("a.*", "a", False), ("a.*", "a.b.c", False),
    ("a.**", "a", True), ("a.**", "a.b", True), ("a.**", "a.b.c", True), ("a.**", "ab", False),
    ("**.c", "c", True), ("**.c", "a.b.c", True), ("**.c", "a.cc", False),
    ("{a,b}", "a", True), ("{a,b}", "b", True), ("{a,b}", "c", False),
    ("a.{b,c}.*", "a.b.x", True), ("a.{b,c}.*", "a.c.x", True), ("a.{b,c}.*", "a.d.x", False),
    ("a.{b,c.**}", "a.c.d.e", True), ("a.* b.**", "b.x.y", True), ("a.* b.**", "c", False),
    ("{web,batch}.*", "web.access", True), ("{web,batch}.*", "web.access.debug", False),
]


@pytest.mark.parametrize(("pattern", "tag", "expected"), FLUENTD_EXAMPLES)
def test_the_lessons_matcher_follows_fluentds_examples(pattern: str, tag: str,
                                                       expected: bool) -> None:
    assert routes.tag_matches(pattern, tag) is expected
    assert TagPattern(pattern).matches(tag) is expected  # and the agent agrees


def test_first_match_wins_and_unknown_tags_fall_through() -> None:
    assert routes.outputs_for("web.error") == (routes.ERROR_FILES, routes.ALERTS_S3)
    assert routes.outputs_for("web.access") == (routes.WEB_FILES, routes.ROUTED_S3)
    assert routes.outputs_for("batch.job") == (routes.WEB_FILES, routes.ROUTED_S3)
    assert routes.outputs_for("web.access.debug") == (routes.UNROUTED_FILES,)


def test_grep_rules() -> None:
    assert routes.dropped_by("web.access", {"path": "/healthz"}) == "drop_healthchecks"
    assert routes.dropped_by("web.access.debug", {"path": "/healthz"}) == "drop_healthchecks"
    assert routes.dropped_by("web.access", {"path": "/healthz/deep"}) is None
    assert routes.dropped_by("batch.job", {"status": "running"}) == "finished_jobs_only"
    assert routes.dropped_by("batch.job", {"status": "failed"}) is None
    assert routes.dropped_by("batch.job", {}) == "finished_jobs_only"  # missing key: ""


# -- names ---------------------------------------------------------------------------------
MINUTE = 1606089480  # 2020-11-22 23:58:00 UTC


def test_file_names_by_fluentds_rules() -> None:
    assert routes.file_name(routes.WEB_FILES, "web.access", MINUTE, 0) == \
        "/dplat/work/target/web/20201122/part-20201122.2358_0.log"
    assert routes.file_name(routes.ERROR_FILES, "web.error", MINUTE, 2) == \
        "/dplat/work/target/web/20201122/error-20201122.2358_2.log"
    assert routes.file_name(routes.UNROUTED_FILES, "web.access.debug", MINUTE - 2280, 0) == \
        "/dplat/work/target/unrouted/web.access.debug.2020112223_0.log"


@pytest.mark.parametrize("output", [routes.WEB_FILES, routes.ERROR_FILES, routes.UNROUTED_FILES])
def test_file_names_agree_with_the_agents_out_file(output: Any) -> None:
    template = generate_path_template(output.path, output.timekey, append=False,
                                      gzip_suffix=False, path_suffix=".log")
    start = MINUTE - MINUTE % output.timekey
    by_agent = routes.expand(template.replace("_**", "_0"), "web.access", start)
    assert routes.file_name(output, "web.access", start, 0) == by_agent


def test_object_keys_by_fluent_plugin_s3s_rules() -> None:
    hour = MINUTE - MINUTE % 3600
    assert routes.object_key(routes.ROUTED_S3, "web.access", hour, 0) == \
        "tag-routing/web.access/dt=20201122/2020112223_0.gz"
    assert routes.object_key(routes.ALERTS_S3, "web.error", hour - hour % 86400, 1) == \
        "tag-routing/alerts/dt=20201122/20201122_1.gz"


# -- ground truth -------------------------------------------------------------------------
def test_every_kept_event_lands_once_per_kind_of_destination(sent) -> None:
    truth = routes.ground_truth(sent)
    kept = {e.event_id for e in sent} - set(truth["dropped"])
    in_files = Counter(i for ids in truth["files"].values() for i in ids)
    in_objects = Counter(i for ids in truth["objects"].values() for i in ids)
    assert set(in_files) == kept and set(in_files.values()) == {1}
    debug = {e.event_id for e in sent if e.tag == "web.access.debug"}
    assert set(in_objects) == kept - debug and set(in_objects.values()) == {1}
    assert truth["dropped_per_filter"]["drop_healthchecks"] > 0
    assert truth["dropped_per_filter"]["finished_jobs_only"] > 0
    assert sum(truth["kept_per_tag"].values()) + len(truth["dropped"]) == 400
    assert truth["files_per_tag"] == truth["kept_per_tag"]


def test_the_window_makes_two_days_and_six_minutes_of_files(sent) -> None:
    truth = routes.ground_truth(sent)
    minutes = {name.split("/part-")[1][9:13] for name in truth["files"] if "/part-" in name}
    assert minutes == {"2357", "2358", "2359", "0000", "0001", "0002"}
    assert {k.split("/")[2] for k in truth["objects"]} == {"dt=20201122", "dt=20201123"}


def test_late_event_lands_in_index_one() -> None:
    late = events.late_event()
    assert routes.place(routes.WEB_FILES, late, 1) == "web/20201122/part-20201122.2358_1.log"
    assert routes.place(routes.ROUTED_S3, late, 1) == \
        "tag-routing/web.access/dt=20201122/2020112223_1.gz"


# -- the lesson's files -------------------------------------------------------------------
def _outputs(element: Element) -> dict[str, Element]:
    found = {}
    for child in element.elements:
        if child.get("@id") and child.name in ("match", "store"):
            found[child.get("@id")] = child
        found.update(_outputs(child))
    return found


def test_agent_conf_says_what_routes_py_assumes() -> None:
    root = parse_config(FOLDER.joinpath("agent.conf").read_text(), "agent.conf",
                        env={"AWS_ENDPOINT_URL_S3": "http://s3"})
    outputs = _outputs(root)
    seconds = {"1m": 60, "1h": 3600, "1d": 86400}
    for output in routes.OUTPUTS:
        element = outputs[output.plugin_id]
        assert element.get("@type") == output.kind
        assert element.get("path") == output.path
        assert seconds[element.sections("buffer")[0].get("timekey")] == output.timekey
    matches = [m.arg for m in root.sections("match")]
    assert matches == [pattern for pattern, _ in routes.MATCHES]


def test_the_broken_config_differs_only_in_its_chunk_keys() -> None:
    broken = FOLDER.joinpath("broken.conf").read_text()
    assert "<buffer time>" in broken and "${tag[0]}" in broken
    assert broken.splitlines()[12].strip().startswith("path ")  # the line the error names


def test_readme_links_to_the_next_lesson() -> None:
    readme = FOLDER.joinpath("README.md").read_text()
    last = readme.rstrip().splitlines()[-1]
    assert last.startswith("Next lesson: staging-permissions")  # linked once it exists
    assert catalog.load(FOLDER).order == 40
