"""The router: building the pipeline from a config and routing event streams."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.config import ConfigError
from dplat.agent.core.base import Filter, Plugin
from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.output import Output
from dplat.agent.router import CACHE_SIZE, Router
from dplat.agent.testing import parse

T = EventTime(1704164645, 0)
LIFECYCLE: list[str] = []


@register("test_recorder")
class Recorder(Output):
    """Remembers what it got; ``fail`` refuses like a full buffer; ``mutate``
    changes records in place (to show what copy_mode protects against)."""

    buffered_by_default = False
    fail = config_param("bool", default=False)
    mutate = config_param("bool", default=False)

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, Record]] = []

    async def process(self, tag: str, stream: EventStream) -> None:
        if self.fail:
            raise BufferOverflowError("buffer space has too many data")
        for _, record in stream:
            if self.mutate:
                record["mutated"] = self.plugin_id
            self.events.append((tag, record))

    async def start(self) -> None:
        LIFECYCLE.append(f"open {self.plugin_id}")

    async def stop(self) -> None:
        LIFECYCLE.append(f"close {self.plugin_id}")


@register("test_mark")
class Mark(Filter):
    """Appends its mark to ``marks``; raises for records with ``bad``."""

    mark = config_param("string")

    def filter(self, tag: str, time: EventTime, record: Record) -> Record | None:
        if record.get("bad"):
            raise ValueError(f"{self.mark} refuses bad records")
        return {**record, "marks": [*record.get("marks", []), self.mark]}


def build(text: str) -> Router:
    return Router.build(parse(text))


def by_id(router: Router) -> dict[str, Any]:
    return {plugin.plugin_id: plugin for plugin in router.plugins()}


def emit(router: Router, tag: str, *records: Record, label: str = "@ROOT") -> None:
    asyncio.run(router.emitter(label).emit_stream(tag, [(T, r) for r in records]))


ROUTES = """
<filter app.**>
  @type test_mark
  mark f1
</filter>
<match app.special>
  @type test_recorder
  @id special
</match>
<filter app.**>
  @type test_mark
  mark f2
</filter>
<match app.** other.*>
  @type test_recorder
  @id app
</match>
<match **>
  @type test_recorder
  @id rest
</match>
"""


def test_first_match_wins_and_filters_run_in_file_order_before_it() -> None:
    router = build(ROUTES)
    emit(router, "app.special", {"n": 1})
    emit(router, "app.web", {"n": 2})
    emit(router, "other.x", {"n": 3})
    emit(router, "zzz", {"n": 4})
    plugins = by_id(router)
    assert plugins["special"].events == [("app.special", {"n": 1, "marks": ["f1"]})]
    assert plugins["app"].events == [("app.web", {"n": 2, "marks": ["f1", "f2"]}),
                                     ("other.x", {"n": 3})]
    assert plugins["rest"].events == [("zzz", {"n": 4})]
    filters = [p for p in router.plugins() if isinstance(p, Filter)]
    assert [f.metrics.emit_records for f in filters] == [2, 1]


def test_pipelines_are_cached_per_tag() -> None:
    router = build(ROUTES)
    calls = 0
    for rule in router.root.rules:
        original = rule.pattern.matches

        def counting(tag: str, original: Any = original) -> bool:
            nonlocal calls
            calls += 1
            return bool(original(tag))

        rule.pattern.matches = counting  # type: ignore[method-assign]
    emit(router, "app.web", {"n": 1})
    first = calls
    emit(router, "app.web", {"n": 2})
    assert first == 4 and calls == first
    for index in range(CACHE_SIZE + 5):
        router.root.pipeline(f"t{index}")
    assert len(router.root._cache) == CACHE_SIZE and "app.web" not in router.root._cache


def test_labels_and_relabel() -> None:
    router = build("""
<source>
  @type sample
  tag s
  @label @IN
</source>
<match app.**>
  @type relabel
  @label @OTHER
</match>
<label @IN>
  <match **>
    @type test_recorder
    @id in
  </match>
</label>
<label @OTHER>
  <filter **>
    @type test_mark
    mark other
  </filter>
  <match **>
    @type test_recorder
    @id other
  </match>
</label>
""")
    assert router.inputs[0].router.label.name == "@IN"
    emit(router, "s", {"n": 1}, label="@IN")
    emit(router, "app.x", {"n": 2})
    plugins = by_id(router)
    assert plugins["in"].events == [("s", {"n": 1})]
    assert plugins["other"].events == [("app.x", {"n": 2, "marks": ["other"]})]


def test_filter_errors_go_to_error_label_and_the_rest_goes_on() -> None:
    router = build("""
<filter **>
  @type test_mark
  mark f
</filter>
<match **>
  @type test_recorder
  @id main
</match>
<label @ERROR>
  <match **>
    @type test_recorder
    @id errors
  </match>
</label>
""")
    emit(router, "app", {"n": 1}, {"bad": True}, {"n": 3})
    plugins = by_id(router)
    assert [r["n"] for _, r in plugins["main"].events] == [1, 3]
    assert plugins["errors"].events == [("app", {"bad": True})]
    assert router.error_event_count == 1


def test_error_events_without_error_label_are_logged_and_counted(
        caplog: pytest.LogCaptureFixture) -> None:
    router = build("<filter **>\n @type test_mark\n mark f\n</filter>\n"
                   "<match **>\n @type test_recorder\n</match>")
    with caplog.at_level(logging.DEBUG, "dplat.agent.router"):
        emit(router, "app", {"bad": True, "secret": "s3"})
    assert router.error_event_count == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("dump an error event" in m and "refuses bad records" in m for m in warnings)
    assert not any("s3" in m for m in warnings)  # record contents only at DEBUG


def test_a_failing_filter_inside_error_label_does_not_loop() -> None:
    router = build("""
<filter **>
  @type test_mark
  mark f
</filter>
<match **>
  @type null
</match>
<label @ERROR>
  <filter **>
    @type test_mark
    mark again
  </filter>
  <match **>
    @type test_recorder
    @id errors
  </match>
</label>
""")
    emit(router, "app", {"bad": True})
    assert by_id(router)["errors"].events == []
    assert router.error_event_count == 2


def test_refused_stream_raises_to_the_emitter_without_error_label() -> None:
    router = build("<match **>\n @type test_recorder\n fail true\n</match>")
    with pytest.raises(BufferOverflowError):
        emit(router, "app", {"n": 1})


def test_refused_stream_goes_to_error_label_when_there_is_one() -> None:
    router = build("<match **>\n @type test_recorder\n fail true\n</match>\n"
                   "<label @ERROR>\n <match **>\n  @type test_recorder\n  @id err\n </match>\n"
                   "</label>")
    emit(router, "app", {"n": 1})
    assert by_id(router)["err"].events == [("app", {"n": 1})]


COPY = """
<match **>
  @type copy
  copy_mode {mode}
  <store {flags}>
    @type test_recorder
    @id first
    fail {fail}
    mutate true
  </store>
  <store>
    @type test_recorder
    @id second
  </store>
</match>
"""


def test_copy_a_failing_store_does_not_block_the_others() -> None:
    router = build(COPY.format(mode="no_copy", flags="", fail="true"))
    with pytest.raises(BufferOverflowError):
        emit(router, "app", {"n": 1})
    assert by_id(router)["second"].events == [("app", {"n": 1})]
    quiet = build(COPY.format(mode="no_copy", flags="ignore_error", fail="true"))
    emit(quiet, "app", {"n": 1})
    assert by_id(quiet)["second"].events == [("app", {"n": 1})]


@pytest.mark.parametrize(("mode", "isolated"), [("no_copy", False), ("shallow", True),
                                                ("deep", True), ("marshal", True)])
def test_copy_mode_decides_whether_stores_share_records(mode: str, isolated: bool) -> None:
    router = build(COPY.format(mode=mode, flags="", fail="false"))
    emit(router, "app", {"n": 1})
    second = by_id(router)["second"].events
    assert second == ([("app", {"n": 1})] if isolated else [("app", {"n": 1, "mutated": "first"})])


def test_no_match_warnings_are_log_scaled(caplog: pytest.LogCaptureFixture) -> None:
    router = build("<match app.**>\n @type null\n</match>")
    with caplog.at_level(logging.WARNING, "dplat.agent.router"):
        for _ in range(9):
            emit(router, "lost", {"n": 1})
    counts = [m for m in (r.getMessage() for r in caplog.records) if "no patterns matched" in m]
    assert len(counts) == 4 and counts[-1].endswith("count=8")


@pytest.mark.parametrize(("text", "error"), [
    ("<source>\n @type sample\n tag t\n @label @NOPE\n</source>",
     r"test\.conf:1: <source>: unknown label @NOPE"),
    ("<match a>\n @type null\n @id x\n</match>\n<match b>\n @type null\n @id x\n</match>",
     r"test\.conf:5: duplicated plugin id 'x'"),
    ("<match a>\n @id x\n</match>", r"test\.conf:1: <match a>: missing '@type'"),
    ("<match a>\n @type nope\n</match>", r"test\.conf:1: unknown output plugin type 'nope'"),
    ("<match a>\n type legacy\n</match>", r"unknown output plugin type 'legacy'"),
    ("<label>\n</label>", r"test\.conf:1: <label >: a label needs a one-word name"),
    ("<label @ROOT>\n</label>", r"test\.conf:1: <label @ROOT>: .* other than @ROOT"),
    ("<label @X>\n <source>\n </source>\n</label>", r"test\.conf:2: <source> is not allowed"),
    ("<match a>\n @type relabel\n</match>", r"relabel needs '@label @NAME'"),
])
def test_config_mistakes_name_the_line(text: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        build(text)


def test_a_label_name_without_at_works_as_in_fluentd() -> None:
    """docs.fluentd.org/configuration/config-file#label: '@' is a convention;
    Fluentd's root_agent.rb accepts any non-empty name."""
    router = build("<source>\n @type sample\n tag t\n @label backend\n</source>\n"
                   "<label backend>\n <match **>\n  @type test_recorder\n  @id got\n"
                   " </match>\n</label>\n")
    emit(router, "t", {"n": 1}, label="backend")
    assert by_id(router)["got"].events == [("t", {"n": 1})]


def test_outputs_open_first_and_inputs_close_first() -> None:
    @register("test_life_input")
    class LifeInput(Plugin):
        plugin_category = "input"

        async def start(self) -> None:
            LIFECYCLE.append("open input")

        async def stop(self) -> None:
            LIFECYCLE.append("close input")

    router = build("<source>\n @type test_life_input\n</source>\n"
                   "<match **>\n @type test_recorder\n @id out\n</match>")
    LIFECYCLE.clear()

    async def cycle() -> None:
        await router.start()
        await router.stop()

    asyncio.run(cycle())
    assert LIFECYCLE == ["open out", "open input", "close input", "close out"]


def test_emit_returns_after_a_buffered_output_accepted_the_events() -> None:
    router = build("<match **>\n @type null\n @id buffered\n <buffer>\n  flush_interval 1h\n"
                   " </buffer>\n</match>")

    async def scenario() -> dict[str, Any]:
        await router.start()
        try:
            await router.emitter().emit_stream("app", [(T, {"n": 1}), (T, {"n": 2})])
            return by_id(router)["buffered"].statistics()
        finally:
            await router.stop()

    stats = asyncio.run(scenario())
    assert stats["buffer_stage_length"] == 1 and stats["emit_records"] == 2
