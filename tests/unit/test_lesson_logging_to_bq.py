"""The lesson logging-to-bq without containers: its generator, ground truth,
what the app really ships, its files, and the context helpers it relies on."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest

from dplat.errors import ScenarioError
from dplat.resources import scenarios_dir
from dplat.scenario import catalog, results
from dplat.scenario.context import Context
from dplat.settings import resolve
from dplat.stack.agent import Agent
from dplat.stack.credentials import Credentials

FOLDER = scenarios_dir() / "logging-to-bq"


def _module(name: str) -> ModuleType:
    """A module of the lesson's folder, imported as the runner imports it."""
    return catalog.lesson_module(FOLDER, name)


app, truth, plumbing = _module("app"), _module("truth"), _module("plumbing")


@pytest.fixture(scope="module")
def requests() -> list[Any]:
    return app.generate(3000)


# -- the generator --------------------------------------------------------------------
def test_same_seed_same_requests_other_seed_other_requests() -> None:
    assert app.generate(200) == app.generate(200)
    assert app.generate(200, seed=1) != app.generate(200)
    assert app.generate(50) != app.generate(200)[:50]  # N changes the draw, by design


def test_requests_fall_in_the_three_day_window_in_time_order(requests) -> None:
    start = int(app.WINDOW_START.timestamp()) * 1000
    times = [r.at_ms for r in requests]
    assert times == sorted(times)
    assert start <= times[0] and times[-1] < start + 3 * 86_400_000
    assert {r.event_time[:10] for r in requests} == {"2020-11-22", "2020-11-23", "2020-11-24"}
    assert len({r.request_id for r in requests}) == len(requests)


def test_level_follows_status_and_message(requests) -> None:
    for r in requests:
        if r.status >= 500:
            assert r.level == "ERROR"
        elif r.status >= 400 or r.message == "slow response":
            assert r.level == "WARNING"
        else:
            assert (r.level, r.message) == ("INFO", "request served")


def test_event_time_has_milliseconds_in_utc() -> None:
    request = app.generate(1)[0]
    request = type(request)(**{**request.__dict__, "at_ms": 1606089600007})
    assert request.event_time == "2020-11-23T00:00:00.007Z"
    assert request.record()["event_time"] == request.event_time


# -- the ground truth ------------------------------------------------------------------
@pytest.mark.parametrize(("values", "percent", "expected"), [
    (list(range(1, 21)), 95, 19),    # ceil(0.95 * 20) = 19: the 19th value
    (list(range(1, 101)), 95, 95),   # a whole 95 * n / 100 is not rounded up
    (list(range(1, 11)), 50, 5),
    ([3.5], 99, 3.5),
    ([9, 1, 5, 7, 3], 50, 5),        # order of the input does not matter
    (list(range(1, 8)), 100, 7),
    (list(range(1, 8)), 1, 1),
])
def test_nearest_rank(values: list[float], percent: int, expected: float) -> None:
    assert truth.nearest_rank(values, percent) == expected


def test_nearest_rank_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        truth.nearest_rank([], 95)


def test_ground_truth_counts_add_up(requests) -> None:
    t = truth.ground_truth(requests)
    n = len(requests)
    assert t["events"] == t["distinct_request_ids"] == n
    for key in ("per_level", "per_status", "per_endpoint", "per_dt"):
        assert sum(t[key].values()) == n, key
    assert list(t["per_dt"]) == ["20201122", "20201123", "20201124"]
    assert sum(row["requests"] for row in t["hourly"]) == n
    errors = sum(1 for r in requests if r.status >= 500)
    assert sum(row["errors"] for row in t["hourly"]) == errors == t["per_level"]["ERROR"]
    assert all(row["error_rate"] == row["errors"] / row["requests"] for row in t["hourly"])
    assert sum(row["requests"] for row in t["latency"]) == n
    json.dumps(t)  # the runner keeps it in the lesson's state file


def test_ground_truth_percentiles_and_top_errors_follow_their_definitions(requests) -> None:
    t = truth.ground_truth(requests)
    predict = sorted(r.latency_ms for r in requests if r.endpoint == "/predict")
    row = next(r for r in t["latency"] if r["endpoint"] == "/predict")
    k = -(-95 * len(predict) // 100)
    assert row["p95_ms"] == predict[k - 1]
    counts = Counter(r.message for r in requests if r.status >= 500)
    top = [(e["message"], e["errors"]) for e in t["top_errors"]]
    assert top == sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert [e["position"] for e in t["top_errors"]] == [1, 2, 3, 4, 5]


def test_the_questions_have_the_answers_the_story_promises() -> None:
    t = truth.ground_truth(app.generate(10_000))
    assert t["slowest_endpoint"]["endpoint"] == "/predict"
    assert t["error_spike"]["hour"] == "2020-11-23T14:00:00Z"


def test_ties_go_to_the_first_name_and_the_earliest_hour() -> None:
    rows = [{"hour": h, "endpoint": "/a", "requests": 4, "errors": 2, "error_rate": 0.5}
            for h in ("2020-11-22T05:00:00Z", "2020-11-22T03:00:00Z")]
    assert truth._spike(rows)["hour"] == "2020-11-22T03:00:00Z"
    latency = [{"endpoint": e, "p95_ms": 10.0} for e in ("/b", "/a")]
    assert truth._slowest(latency)["endpoint"] == "/a"


def test_differences_name_missing_unexpected_and_changed_rows() -> None:
    want = [{"k": 1, "v": 1}, {"k": 2, "v": 2}, {"k": 3, "v": 3}]
    have = [{"k": 1, "v": 1}, {"k": 2, "v": 20}, {"k": 4, "v": 4}]
    text = truth.differences(want, have, ("k",))
    assert "1 missing, e.g. (k=3)" in text
    assert "1 unexpected, e.g. (k=4)" in text
    assert "(k=2): v expected 2, found 20" in text
    assert truth.differences(want, list(reversed(want)), ("k",)) == ""


# -- what the app ships -------------------------------------------------------------------
class ForwardSink:
    """A forward-protocol listener on 127.0.0.1 that decodes what it gets."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.messages: list[tuple[str, Any, dict[str, Any]]] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        unpacker = msgpack.Unpacker(raw=False)
        with conn:
            while data := conn.recv(65536):
                unpacker.feed(data)
                self.messages += [tuple(m) for m in unpacker]

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.server.close()


def test_the_app_ships_exactly_the_records_the_truth_is_made_of() -> None:
    requests = app.generate(300)
    sink = ForwardSink()
    console = io.StringIO()
    shipped = app.serve(requests, "127.0.0.1", sink.port, console=console)
    sink.close()
    assert (shipped.logged, shipped.lost, shipped.errors) == (300, 0, [])
    assert [m[2] for m in sink.messages] == [r.record() for r in requests]
    assert {m[0] for m in sink.messages} == {"app.shop"}
    for (_, time, _), r in zip(sink.messages, requests, strict=True):
        assert time.code == 0  # EventTime: seconds and nanoseconds
        seconds, nanos = int.from_bytes(time.data[:4], "big"), int.from_bytes(time.data[4:], "big")
        assert seconds == r.at_ms // 1000
        assert abs(nanos - (r.at_ms % 1000) * 1_000_000) < 1_000  # float seconds, µs-exact
    lines = console.getvalue().splitlines()
    assert len(lines) == sum(r.level != "INFO" for r in requests)
    first = next(r for r in requests if r.level != "INFO")
    assert lines[0] == (f"{first.event_time} {first.level:<7} shop.api {first.endpoint} "
                        f"{first.status} {first.message}")


def test_records_that_cannot_be_sent_are_counted_not_hidden() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    shipped = app.serve(app.generate(40), "127.0.0.1", port, console=io.StringIO())
    assert shipped.lost == 40
    assert any("Connection refused" in e or "ConnectionRefused" in e for e in shipped.errors)


# -- the lesson's files -----------------------------------------------------------------
def test_the_lesson_declares_its_steps_services_and_files() -> None:
    lesson = catalog.find("logging-to-bq")
    assert [s.name for s in lesson.steps] == ["ingest", "stage", "load", "transform", "query"]
    assert set(lesson.services) == {"agent", "s3", "bigquery"}
    assert lesson.options == {"events": 10_000}
    names = [*lesson.steps[0].run.__globals__["TRANSFORMS"],
             "question_slowest_endpoint", "question_error_spike"]
    assert sorted(p.stem for p in (FOLDER / "sql").glob("*.sql")) == sorted(names)
    assert (FOLDER / "README.md").read_text().startswith("# logging-to-bq")


def test_the_schema_in_agent_conf_has_every_field_the_app_logs() -> None:
    schema = plumbing.schema_from_config((FOLDER / "agent.conf").read_text())
    assert [f["name"] for f in schema] == list(app.generate(1)[0].record())
    types = {f["name"]: f["type"] for f in schema}
    assert types["event_time"] == "TIMESTAMP" and types["latency_ms"] == "FLOAT"
    assert types["status"] == "INTEGER"


def test_agent_conf_is_valid_for_the_agent(tmp_path: Path, monkeypatch) -> None:
    from dplat.agent.server import check_config

    for name, value in {"AWS_ENDPOINT_URL_S3": "http://s3:9000", "BIGQUERY_PROJECT": "dplat",
                        "BIGQUERY_EMULATOR_HOST": "http://bigquery:9050"}.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "agent.conf"
    config.write_text((FOLDER / "agent.conf").read_text())
    assert "outputs 2" in check_config(config)  # copy (with s3 + bigquery_insert), stdout


def test_text_table_aligns_columns_and_right_aligns_numbers() -> None:
    text = results.text_table([{"endpoint": "/predict", "p95_ms": 493.1},
                                {"endpoint": "/cart", "p95_ms": 72.9}])
    assert text.splitlines() == ["endpoint  p95_ms", "--------  ------",
                                 "/predict   493.1", "/cart       72.9"]
    assert results.text_table([]) == "(no rows)"


def test_partition_of_reads_dt_from_a_key() -> None:
    assert plumbing.partition_of("marketing/app_logs/dt=20201122/app.shop_x.gz") == "20201122"
    assert plumbing.partition_of("marketing/app_logs/other.gz") is None


# -- context helpers the lesson uses --------------------------------------------------------
class FakeAgent(Agent):
    """The stack's agent whose monitor API (scripted here) reloads after
    ``delay`` plugin-list calls; the rest (environment, plugins()) is the real one."""

    def __init__(self, delay: int, reloads: bool = True) -> None:
        super().__init__(Credentials.generate(), {})
        self.calls: list[tuple[str, str]] = []
        self.delay, self.reloads, self.lists = delay, reloads, 0

    def monitor(self, path: str = "/api/plugins.json", method: str = "GET", timeout: float = 5.0) -> Any:
        self.calls.append((path, method))
        if path == "/api/reload":
            return {"ok": True}
        self.lists += 1
        reloaded = self.reloads and self.lists > self.delay and ("/api/reload", "POST") in self.calls
        ids = ["app_forward", "object:2"] if reloaded else ["forward", "object:1"]
        return {"plugins": [{"plugin_id": i} for i in ids]}


def _context(tmp_path: Path, agent: FakeAgent) -> Context:
    ctx = Context(resolve({"home": str(tmp_path)}, env={}), Credentials.generate(), FOLDER,
                  "run", {})
    ctx.__dict__["agent"] = agent  # the cached property, without a stack
    return ctx


def test_use_agent_config_writes_reloads_and_waits_for_the_new_pipeline(tmp_path: Path) -> None:
    agent = FakeAgent(delay=3)
    ctx = _context(tmp_path, agent)
    ctx.use_agent_config("<match **>\n  @type null\n</match>\n", expect=("app_forward",))
    assert (tmp_path / "work" / "agent" / "agent.conf").read_text().startswith("<match **>")
    assert agent.calls.count(("/api/reload", "POST")) == 1
    assert agent.lists == 4  # one before the reload, then polls until the new pipeline
    ctx.use_agent_config("<match **>\n  @type null\n</match>\n", expect=("app_forward",))
    assert agent.calls.count(("/api/reload", "POST")) == 1  # same file, running: no reload


def test_use_agent_config_says_where_to_look_when_the_agent_keeps_its_old_config(
        tmp_path: Path) -> None:
    ctx = _context(tmp_path, FakeAgent(delay=0, reloads=False))
    with pytest.raises(ScenarioError, match="did not start the lesson's config") as info:
        ctx.use_agent_config("<match **>\n  @type null\n</match>\n", expect=("app_forward",),
                             timeout=0.3)
    assert "dplat logs agent" in info.value.fix


def test_use_agent_config_refuses_a_syntax_error_before_writing(tmp_path: Path) -> None:
    from dplat.agent.config import ConfigError

    ctx = _context(tmp_path, FakeAgent(delay=0))
    with pytest.raises(ConfigError, match=r"agent\.conf:2"):
        ctx.use_agent_config("<match **>\n  <buffer\n</match>\n")
    assert not (tmp_path / "work" / "agent" / "agent.conf").exists()


def test_show_always_reaches_the_reporter(tmp_path: Path) -> None:
    shown: list[str] = []
    ctx = _context(tmp_path, FakeAgent(delay=0))
    ctx.on_explain = lambda item: shown.append(f"{item.kind}:{item.title}")
    ctx.explain("sql", "hidden unless --explain", "SELECT 1")
    ctx.show("answer", "42")
    assert shown == ["result:answer"]
    assert [e.kind for e in ctx.explanations] == ["sql", "result"]
