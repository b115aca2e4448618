"""rewrite_tag_filter as fluent-plugin-rewrite-tag-filter's README describes it
(https://github.com/fluent/fluent-plugin-rewrite-tag-filter#configuration and
https://docs.fluentd.org/output/rewrite_tag_filter): our own rules and records."""

from __future__ import annotations

import asyncio
import socket

import pytest
from compat_support import T0

from dplat.agent.config import ConfigError
from dplat.agent.plugins.out_rewrite_tag_filter import RewriteTagFilterOutput
from dplat.agent.router import Router
from dplat.agent.testing import CollectingRouter, configured, parse

RULES = r"""
remove_tag_prefix app
<rule>
  key status
  pattern /^(\d)(\d)\d$/
  tag status.$1xx.${tag}
</rule>
<rule>
  key $.req.path
  pattern /^\/health/
  invert true
  tag web.${tag_parts[0]}.${hostname}
</rule>
"""


def rewrite(conf: str, records: list[dict[str, object]], tag: str = "app.shop.web"
            ) -> tuple[list[tuple[str, dict[str, object]]], RewriteTagFilterOutput]:
    router = CollectingRouter()
    plugin = configured(RewriteTagFilterOutput, conf, router)

    async def go() -> None:
        await plugin.open()
        await plugin.emit(tag, [(T0, record) for record in records])
        await plugin.close()

    asyncio.run(go())
    return [(event_tag, record) for event_tag, _, record in router.events], plugin


def test_rules_rewrite_tags_with_groups_and_tag_placeholders() -> None:
    events, plugin = rewrite(RULES, [
        {"status": "503"},                                 # rule 1: $1 = 5
        {"status": "", "req": {"path": "/api"}},          # empty: rule 2 (inverted)
        {"status": 200, "req": {"path": "/health/live"}},  # rule 1 (to_s of 200)
        {"req": {"path": "/health"}},                      # no rule applies: dropped
    ])
    host = socket.gethostname()
    assert events == [
        ("status.5xx.shop.web", {"status": "503"}),
        (f"web.shop.{host}", {"status": "", "req": {"path": "/api"}}),
        ("status.2xx.shop.web", {"status": 200, "req": {"path": "/health/live"}}),
    ]  # batch mode: one stream per new tag, in order of first appearance
    assert plugin.dropped_records == 1


def test_record_mode_keeps_event_order_and_capitalize() -> None:
    conf = ("emit_mode record\ncapitalize_regex_backreference true\n<rule>\n  key m\n"
            "  pattern /^(\\w+) /\n  tag ev.$1.$2\n</rule>\n")
    events, _ = rewrite(conf, [{"m": "GET /"}, {"m": "post /x"}, {"m": "GET /y"}])
    assert [tag for tag, _ in events] == ["ev.Get.", "ev.Post.", "ev.Get."]


def test_a_tag_rewritten_to_itself_is_dropped_not_looped() -> None:
    conf = "<rule>\n  key k\n  pattern /./\n  tag ${tag}\n</rule>\n"
    events, plugin = rewrite(conf, [{"k": "v"}], tag="same")
    assert events == [] and plugin.dropped_records == 1


def test_rule_label_emits_into_that_label() -> None:
    router = Router.build(parse("""
<match in.**>
  @type rewrite_tag_filter
  <rule>
    key k
    pattern /^x$/
    tag out.x
    label other
  </rule>
</match>
<label other>
  <match out.**>
    @type test_sink
    @id sink
  </match>
</label>
"""))

    async def go() -> None:
        await router.start()
        await router.emitter().emit_stream("in.a", [(T0, {"k": "x"})])
        await router.stop()

    asyncio.run(go())
    sink = next(p for p in router.plugins() if p.plugin_id == "sink")
    assert [records for _, records in sink.written] == [[{"k": "x"}]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("conf", "error"), [
    ("", "missing rules"),
    ("rewriterule1 k /x/ t", "rewriterule<num>"),
    ("hostname_command uname -n\n<rule>\n key k\n pattern /x/\n tag t\n</rule>",
     r":1: hostname_command is not supported"),
    ("<rule>\n key k\n pattern /x/\n tag ${tag_parts[0..1]}\n</rule>", "does not support ranges"),
    ("<rule>\n key k\n pattern /x/\n tag a\n</rule>\n<rule>\n key k\n pattern /x/\n tag b\n"
     "</rule>", "duplicated rules"),
])
def test_config_mistakes(conf: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        configured(RewriteTagFilterOutput, conf)
