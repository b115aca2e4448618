"""in_monitor_agent over a real pipeline (Router.build) on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from dplat.agent.core.base import Filter
from dplat.agent.core.registry import register
from dplat.agent.event import EventTime, Record
from dplat.agent.plugins.in_monitor_agent import MonitorAgentInput, attach
from dplat.agent.router import Router
from dplat.agent.testing import parse
from dplat.waiting import wait_until_async

T = EventTime(1704164645, 0)

CONFIG = """
<source>
  @type monitor_agent
  @id monitor
  bind 127.0.0.1
  port 0
  {monitor}
</source>
<source>
  @type forward
  @id in_fw
  bind 127.0.0.1
  port 0
  <security>
    self_hostname srv
    shared_key topsecret
  </security>
</source>
<filter app.**>
  @type monitor_test_pass
  @id pass
</filter>
<match app.**>
  @type copy
  @id fanout
  <store>
    @type test_sink
    @id store_a
  </store>
  <store>
    @type test_sink
    @id store_b
  </store>
</match>
<label @ERROR>
  <match **>
    @type null
    @id errors
  </match>
</label>
"""


@register("monitor_test_pass")
class PassFilter(Filter):
    def filter(self, tag: str, time: EventTime, record: Record) -> Record | None:
        return record


class FakeAgent:
    """Stands in for server.AgentServer."""

    config_path = "/etc/dplat/agent.conf"

    def __init__(self, router: Router) -> None:
        self.router = router
        self.reloads = 0

    async def flush(self) -> None:
        await self.router.flush_all()

    def request_reload(self) -> None:
        self.reloads += 1


class Api:
    def __init__(self, router: Router, session: aiohttp.ClientSession) -> None:
        self.router = router
        self.session = session
        monitor = next(p for p in router.inputs if isinstance(p, MonitorAgentInput))
        self.base = f"http://127.0.0.1:{monitor.bound_port}"

    async def get(self, path: str, method: str = "GET") -> tuple[int, str, str]:
        async with self.session.request(method, self.base + path) as response:
            return response.status, response.headers["Content-Type"], await response.text()

    async def json(self, path: str, method: str = "GET") -> Any:
        status, _, body = await self.get(path, method)
        assert status == 200, body
        return json.loads(body)


@contextlib.asynccontextmanager
async def pipeline(monitor_conf: str = "", *, attached: bool = True,
                   agent: bool = True) -> AsyncIterator[Api]:
    router = Router.build(parse(CONFIG.format(monitor=monitor_conf)))
    if attached:
        attach(router, FakeAgent(router) if agent else None)
    await router.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Api(router, session)
    finally:
        await router.stop()


async def emit(router: Router, count: int, tag: str = "app.x") -> None:
    await router.emitter().emit_stream(tag, [(T, {"n": n}) for n in range(count)])


def run(scenario: Any) -> None:
    asyncio.run(scenario())


def test_plugins_json_lists_every_plugin_with_fluentd_keys() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            await emit(api.router, 3)
            plugins = (await api.json("/api/plugins.json"))["plugins"]
        ids = [p["plugin_id"] for p in plugins]
        assert ids == ["monitor", "in_fw", "pass", "fanout", "store_a", "store_b", "errors"]
        by_id = {p["plugin_id"]: p for p in plugins}
        store = by_id["store_a"]
        assert list(store)[:8] == ["plugin_id", "plugin_category", "type", "output_plugin",
                                   "buffer_queue_length", "buffer_timekeys",
                                   "buffer_total_queued_size", "retry_count"]
        assert store["type"] == "test_sink" and store["output_plugin"] is True
        assert store["emit_records"] == 3 and store["emit_count"] == 1
        assert store["buffer_total_queued_size"] > 0 and store["write_count"] == 0
        assert by_id["fanout"]["emit_records"] == 3
        assert by_id["pass"]["plugin_category"] == "filter" and by_id["pass"]["emit_records"] == 3
        forward = by_id["in_fw"]
        assert forward["plugin_category"] == "input" and forward["retry_count"] is None
        assert forward["frames_too_large"] == 0 and forward["connections_open"] == 0

    run(scenario)


@pytest.mark.parametrize(("query", "expected"), [
    ("?@type=test_sink", ["store_a", "store_b"]),
    ("?type=forward", ["in_fw"]),
    ("?@id=store_b", ["store_b"]),
    ("?id=nobody", []),
    ("?tag=app.web", ["fanout"]),
    ("?tag=other", []),
])
def test_queries_select_plugins(query: str, expected: list[str]) -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            plugins = (await api.json("/api/plugins.json" + query))["plugins"]
        assert [p["plugin_id"] for p in plugins] == expected

    run(scenario)


def test_ltsv_rows() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            status, content_type, body = await api.get("/api/plugins?@id=in_fw")
        assert status == 200 and content_type.startswith("text/plain")
        (line,) = body.splitlines()
        fields = dict(field.split(":", 1) for field in line.split("\t"))
        assert fields["plugin_id"] == "in_fw" and fields["output_plugin"] == "false"
        assert fields["retry_count"] == "" and fields["emit_records"] == "0"

    run(scenario)


def test_config_json_masks_secrets_and_keeps_labels() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            about = await api.json("/api/config.json")
            status, _, ltsv = await api.get("/api/config")
        assert about["config_path"] == "/etc/dplat/agent.conf"
        assert about["version"] and about["pid"] > 0
        config = about["config"]
        assert "topsecret" not in config and "shared_key xxxxxx" in config
        assert "<label @ERROR>" in config and "<store>" in config
        assert status == 200 and "config_path:/etc/dplat/agent.conf" in ltsv

    run(scenario)


def test_include_config_and_retry() -> None:
    async def scenario() -> None:
        async with pipeline("include_config true\ninclude_retry true") as api:
            (fw,) = (await api.json("/api/plugins.json?@id=in_fw"))["plugins"]
            (sink,) = (await api.json("/api/plugins.json?@id=store_a"))["plugins"]
        assert fw["config"]["@type"] == "forward" and fw["config"]["port"] == "0"
        assert sink["retry"] == {}

    run(scenario)


def test_prometheus_metrics() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            await emit(api.router, 4)
            await emit(api.router, 1, tag="nowhere")
            status, content_type, body = await api.get("/metrics")
        assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
        lines = body.splitlines()
        assert 'fluentd_output_status_num_records_total{plugin_id="store_a",type="test_sink"} 4' \
            in lines
        assert 'fluentd_output_status_num_records_total{plugin_id="fanout",type="copy"} 4' in lines
        assert 'fluentd_input_status_num_records_total{plugin_id="in_fw",type="forward"} 0' \
            in lines
        assert 'fluentd_output_status_buffer_queue_length{plugin_id="store_b",' \
            'type="test_sink"} 0' in lines
        assert any(line.startswith('fluentd_output_status_buffer_total_bytes{plugin_id="store_a"')
                   for line in lines)
        assert 'dplat_input_frames_too_large_total{plugin_id="in_fw",type="forward"} 0' in lines
        assert 'dplat_router_unmatched_streams_total{label="@ROOT"} 1' in lines
        assert lines.count("# TYPE fluentd_output_status_num_records_total counter") == 1
        samples = [line for line in lines if line and not line.startswith("#")]
        assert all(len(line.rsplit(" ", 1)) == 2 for line in samples)

    run(scenario)


def test_flush_writes_every_buffer_before_answering() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            await emit(api.router, 2)
            assert await api.json("/api/flush", "POST") == {"ok": True}
            stores = [p for p in api.router.plugins() if p.plugin_id in ("store_a", "store_b")]
            for store in stores:
                written = [r for _, records in store.written for r in records]  # type: ignore[attr-defined]
                assert written == [{"n": 0}, {"n": 1}]
            (row,) = (await api.json("/api/plugins.json?@id=store_a"))["plugins"]
            assert row["write_count"] == 1 and row["buffer_total_queued_size"] == 0

    run(scenario)


def test_reload_is_requested_and_answered_at_once() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            monitor = next(p for p in api.router.inputs if isinstance(p, MonitorAgentInput))
            answer = await api.json("/api/reload", "POST")
            assert answer["ok"] is True
            assert monitor.agent is not None and monitor.agent.reloads == 1  # type: ignore[attr-defined]

    run(scenario)


def test_not_attached_answers_503_and_no_agent_501() -> None:
    async def scenario() -> None:
        async with pipeline(attached=False) as api:
            status, _, body = await api.get("/api/plugins.json")
            assert status == 503 and "not attached" in body
        async with pipeline(agent=False) as api:
            assert (await api.get("/api/plugins.json"))[0] == 200
            status, _, body = await api.get("/api/flush", "POST")
            assert status == 501 and json.loads(body)["ok"] is False

    run(scenario)


def test_unknown_paths_get_json_404() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            status, content_type, body = await api.get("/nope")
        assert (status, json.loads(body)) == (404, {"message": "Not found"})
        assert content_type.startswith("application/json")

    run(scenario)


def test_rows_are_emitted_as_events_with_tag() -> None:
    conf = "tag monitor.rows\nemit_interval 0.05"
    async def scenario() -> None:
        async with pipeline(conf) as api:
            await emit(api.router, 1)
            monitor = next(p for p in api.router.inputs if isinstance(p, MonitorAgentInput))
            # a row for each of the 7 plugins
            await wait_until_async(lambda: monitor.metrics.emit_records >= 7, 10,
                                   what="the monitor's rows")
            stores = [p for p in api.router.plugins() if p.plugin_id == "store_a"]
            assert stores[0].metrics.emit_records == 1, "monitor.rows matches no <match>"

    run(scenario)
