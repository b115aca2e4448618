"""``/metrics``: the monitor's figures in Prometheus' text format (0.0.4).

Names are fluent-plugin-prometheus' where it has one, so dashboards built
for Fluentd work: ``fluentd_input_status_num_records_total``,
``fluentd_output_status_num_records_total`` and the
``fluentd_output_status_*`` gauges of its ``prometheus_output_monitor``
(buffer bytes and lengths, retries, errors, writes), labelled ``plugin_id``
and ``type``. What Fluentd has no name for is ``dplat_*``: every counter a
plugin reports through ``counters()`` becomes
``dplat_<category>_<counter>_total`` (in_forward's ``frames_too_large``,
in_http's ``refused_requests``...), each ``gauges()`` value
``dplat_<category>_<name>``, plus the router's error events and unmatched
streams.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dplat.agent.core.base import Plugin
from dplat.agent.plugins.monitor.data import extra_counters, extra_gauges
from dplat.agent.router import Router

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# (category, statistics key, metric name, type, help)
_STANDARD: tuple[tuple[str, str, str, str, str], ...] = (
    ("input", "emit_records", "fluentd_input_status_num_records_total", "counter",
     "The total number of incoming records."),
    ("input", "emit_count", "dplat_input_emit_count_total", "counter",
     "Event streams the input emitted."),
    ("input", "num_errors", "dplat_input_errors_total", "counter",
     "Errors the input counted (failed emits, crashed tasks)."),
    ("filter", "emit_records", "dplat_filter_emit_records_total", "counter",
     "Records the filter let through."),
    ("filter", "num_errors", "dplat_filter_errors_total", "counter",
     "Records the filter failed on (sent to @ERROR)."),
    ("output", "emit_records", "fluentd_output_status_num_records_total", "counter",
     "The total number of outgoing records."),
    ("output", "emit_records", "fluentd_output_status_emit_records", "gauge",
     "Records given to the output."),
    ("output", "emit_count", "fluentd_output_status_emit_count", "gauge",
     "Event streams given to the output."),
    ("output", "write_count", "fluentd_output_status_write_count", "gauge",
     "Chunks written."),
    ("output", "rollback_count", "fluentd_output_status_rollback_count", "gauge",
     "Chunk writes that failed and were rolled back."),
    ("output", "num_errors", "fluentd_output_status_num_errors", "gauge",
     "Errors of the output."),
    ("output", "retry_count", "fluentd_output_status_retry_count", "gauge",
     "Retries of failed writes."),
    ("output", "buffer_total_queued_size", "fluentd_output_status_buffer_total_bytes", "gauge",
     "Bytes in the buffer, staged and queued."),
    ("output", "buffer_stage_length", "fluentd_output_status_buffer_stage_length", "gauge",
     "Staged chunks."),
    ("output", "buffer_stage_byte_size", "fluentd_output_status_buffer_stage_byte_size",
     "gauge", "Bytes in staged chunks."),
    ("output", "buffer_queue_length", "fluentd_output_status_buffer_queue_length", "gauge",
     "Queued chunks."),
    ("output", "buffer_queue_byte_size", "fluentd_output_status_buffer_queue_byte_size",
     "gauge", "Bytes in queued chunks."),
    ("output", "buffer_available_buffer_space_ratios",
     "fluentd_output_status_buffer_available_space_ratio", "gauge",
     "Free buffer space, percent."),
    ("output", "buffer_newest_timekey", "fluentd_output_status_buffer_newest_timekey", "gauge",
     "Newest time key in the buffer."),
    ("output", "buffer_oldest_timekey", "fluentd_output_status_buffer_oldest_timekey", "gauge",
     "Oldest time key in the buffer."),
    ("output", "flush_time_count", "fluentd_output_status_flush_time_count", "gauge",
     "Milliseconds spent writing."),
    ("output", "slow_flush_count", "fluentd_output_status_slow_flush_count", "gauge",
     "Writes slower than slow_flush_log_threshold."),
    ("output", "write_secondary_count", "dplat_output_write_secondary_count_total", "counter",
     "Chunks written to <secondary>."),
    ("output", "drop_oldest_chunk_count", "dplat_output_dropped_chunks_total", "counter",
     "Chunks dropped by overflow_action drop_oldest_chunk."),
    ("output", "dropped_records", "dplat_output_dropped_records_total", "counter",
     "Records dropped by the output."),
)


@dataclass
class _Family:
    name: str
    type: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


class _Families:
    """Metric families in first-seen order, each written once with its samples."""

    def __init__(self) -> None:
        self._families: dict[str, _Family] = {}

    def add(self, name: str, kind: str, help_text: str, labels: dict[str, str],
            value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return  # None (no buffer, no timekey yet) or not a figure
        family = self._families.get(name)
        if family is None:
            family = self._families[name] = _Family(name, kind, help_text)
        family.samples.append((labels, float(value)))

    def text(self) -> str:
        lines: list[str] = []
        for family in self._families.values():
            lines.append(f"# HELP {family.name} {family.help}")
            lines.append(f"# TYPE {family.name} {family.type}")
            for labels, value in family.samples:
                lines.append(f"{family.name}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n"


def exposition(router: Router, plugins: Iterable[Plugin] | None = None) -> str:
    """The text of ``/metrics`` for a pipeline."""
    families = _Families()
    for plugin in plugins if plugins is not None else router.plugins():
        category = plugin.plugin_category
        labels = {"plugin_id": plugin.plugin_id, "type": plugin.type_name}
        stats = plugin.statistics()
        for kind, key, name, metric_type, help_text in _STANDARD:
            if kind == category:
                families.add(name, metric_type, help_text, labels, stats.get(key))
        for key, value in extra_counters(plugin).items():
            families.add(f"dplat_{category}_{key}_total", "counter",
                         f"{key.replace('_', ' ').capitalize()} ({category} plugin counter).",
                         labels, value)
        for key, value in extra_gauges(plugin).items():
            families.add(f"dplat_{category}_{key}", "gauge",
                         f"{key.replace('_', ' ').capitalize()} (current value).", labels, value)
    families.add("dplat_router_error_events_total", "counter",
                 "Records plugins could not handle (sent to @ERROR, or logged without one).",
                 {}, router.error_event_count)
    for name, label in router.labels.items():
        families.add("dplat_router_unmatched_streams_total", "counter",
                     "Event streams no <match> took.", {"label": name}, label.no_match_count)
    return families.text()


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
