"""The counters of one plugin, kept in one place so a monitor can read them.

Names follow Fluentd's in_monitor_agent (``emit_records``, ``write_count``,
``retry_count``...), so a dashboard written for Fluentd reads ours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class PluginMetrics:
    """Monotonic counters; only the plugin and its buffer machinery add to them."""

    emit_records: int = 0
    emit_size: int = 0
    emit_count: int = 0
    write_count: int = 0
    write_secondary_count: int = 0
    rollback_count: int = 0
    retry_count: int = 0
    num_errors: int = 0
    drop_oldest_chunk_count: int = 0
    flush_time_count: int = 0
    """Milliseconds spent in ``write()``, summed."""
    slow_flush_count: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
