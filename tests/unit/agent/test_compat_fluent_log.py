"""<label @FLUENT_LOG> receives the agent's own log lines as fluent.<level>
events with {"message": ...}, as in Fluentd
(https://docs.fluentd.org/deployment/logging#capture-fluentd-logs)."""

from __future__ import annotations

import asyncio
import logging

from dplat.agent.core.log_events import event_tag
from dplat.agent.router import Router
from dplat.agent.testing import parse

CONFIG = """
<match app.**>
  @type null
</match>
<label @FLUENT_LOG>
  <match fluent.{warn,error}>
    @type test_sink
    @id problems
    <buffer tag>
    </buffer>
  </match>
</label>
"""


def test_warnings_and_errors_reach_the_label_and_unmatched_levels_do_not() -> None:
    router = Router.build(parse(CONFIG))
    agent_log = logging.getLogger("dplat.agent.test")

    async def go() -> None:
        await router.start()
        agent_log.info("started fine")         # fluent.info: no match in the label
        agent_log.warning("disk nearly full")  # fluent.warn
        await asyncio.to_thread(agent_log.error, "write failed in a thread")
        await asyncio.sleep(0.05)
        await router.stop()

    asyncio.run(go())
    sink = next(p for p in router.plugins() if p.plugin_id == "problems")
    events = [(meta.tag, record) for meta, records in sink.written  # type: ignore[attr-defined]
              for record in records]
    assert sorted(events, key=str) == [
        ("fluent.error", {"message": "write failed in a thread"}),
        ("fluent.warn", {"message": "disk nearly full"}),
    ]


def forwarders() -> int:
    return sum(type(h).__name__ == "LogEventForwarder"
               for h in logging.getLogger("dplat.agent").handlers)


def test_nothing_is_captured_without_the_label_nor_after_stop() -> None:
    router = Router.build(parse("<match **>\n  @type null\n</match>\n"))
    asyncio.run(router.start())
    assert router.log_events is None and forwarders() == 0
    labelled = Router.build(parse(CONFIG))

    async def go() -> int:
        await labelled.start()
        running = forwarders()
        await labelled.stop()
        return running

    assert asyncio.run(go()) == 1 and forwarders() == 0


def test_event_tags_follow_fluentd_levels() -> None:
    assert [event_tag(level) for level in (5, 10, 20, 30, 40, 50)] == [
        "fluent.trace", "fluent.debug", "fluent.info", "fluent.warn", "fluent.error",
        "fluent.fatal"]
