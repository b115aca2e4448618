"""What in_monitor_agent shows: one row per plugin, filters, LTSV, config.

A row is the plugin's ``statistics()`` (core/base.py, output.py: ids,
category, counters, and an output's buffer figures) plus, from plugins that
have them, their own ``counters()`` (in_forward's rejected frames,
in_http's refused requests), with Fluentd's keys first so a row reads like
Fluentd's ``/api/plugins.json``. Plugins come from the router in Fluentd's order:
inputs, filters, outputs, each output followed by the outputs it owns
(``copy``'s ``<store>``s, ``<secondary>``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.core.base import Plugin
from dplat.agent.core.masking import render
from dplat.agent.event import EventTime
from dplat.agent.router import ROOT_LABEL, Router

FIRST_KEYS = ("plugin_id", "plugin_category", "type", "output_plugin", "buffer_queue_length",
              "buffer_timekeys", "buffer_total_queued_size", "retry_count")
"""Keys in the order Fluentd's in_monitor_agent writes them; the rest follow."""


def extra_counters(plugin: Plugin) -> dict[str, int]:
    """A plugin's own monotonic counters (``counters()``), if it has any."""
    counters = getattr(plugin, "counters", None)
    return dict(counters()) if callable(counters) else {}


def extra_gauges(plugin: Plugin) -> dict[str, float]:
    """A plugin's own current values (``gauges()``), if it has any."""
    gauges = getattr(plugin, "gauges", None)
    return dict(gauges()) if callable(gauges) else {}


def plugin_row(plugin: Plugin, *, with_config: bool = False,
               with_retry: bool = False) -> dict[str, Any]:
    """The monitor's object for one plugin."""
    stats = {**plugin.statistics(), **extra_counters(plugin), **extra_gauges(plugin)}
    row = {key: stats.pop(key) for key in FIRST_KEYS if key in stats}
    row.update(stats)
    retry = row.pop("retry", None)
    if with_config:
        row["config"] = {key: param.value for key, param in plugin.masked_config().params.items()}
    if with_retry:
        row["retry"] = retry or {}
    return row


def select(router: Router, query: Mapping[str, str]) -> list[Plugin]:
    """The plugins a query asks for, with Fluentd's precedence:
    ``?tag=`` (the output the tag reaches at the top level), ``?@id=``,
    ``?@type=``, else all."""
    if "tag" in query:
        pipeline = router.root.pipeline(query["tag"])
        return [pipeline.output] if pipeline is not None and pipeline.output else []
    plugin_id = query.get("@id") or query.get("id")
    if plugin_id:
        return [p for p in router.plugins() if p.plugin_id == plugin_id][:1]
    type_name = query.get("@type") or query.get("type")
    if type_name:
        return [p for p in router.plugins() if p.type_name == type_name]
    return list(router.plugins())


# -- rendering ---------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, EventTime):
        return value.to_float()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(obj: Any, *, pretty: bool = False) -> str:
    return json.dumps(obj, default=_jsonable, indent=2 if pretty else None, ensure_ascii=False)


def to_ltsv(rows: Iterable[Mapping[str, Any]]) -> str:
    """One ``key:value`` line per row, tab-separated; arrays joined by
    commas, maps left out (Fluentd's ``/api/plugins``)."""
    lines = []
    for row in rows:
        fields = []
        for key, value in row.items():
            if isinstance(value, dict):
                continue
            if isinstance(value, list | tuple):
                value = ",".join(_ltsv_value(item) for item in value)
            else:
                value = _ltsv_value(value)
            fields.append(f"{key}:{value}")
        lines.append("\t".join(fields) + "\n")
    return "".join(lines)


def _ltsv_value(value: Any) -> str:
    """Values as Ruby prints them: nil is empty, booleans lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else to_json(value)
    return text.replace("\t", " ").replace("\n", " ")


def masked_config(router: Router) -> Element:
    """The running pipeline as a config tree, secrets masked: sources, then
    the top-level rules, then each ``<label>`` with its rules."""
    root = Element("ROOT")
    root.elements.extend(plugin.masked_config() for plugin in router.inputs)
    for name, label in router.labels.items():
        rules = [rule.plugin.masked_config() for rule in label.rules]
        if name == ROOT_LABEL:
            root.elements.extend(rules)
        elif rules:
            root.elements.append(Element("label", name, {}, rules))
    return root


def config_text(router: Router) -> str:
    return render(masked_config(router))
