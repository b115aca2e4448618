"""The running agent as its monitor API shows it: `dplat agent metrics`.

One row per plugin with the counters a newcomer watches while events flow
(Fluentd's in_monitor_agent fields: records and batches emitted, the
buffer's queued chunks and bytes, retries, errors), and the running config
with secrets masked (``/api/config.json``), which is the agent's routes:
its sources, filters and matches. The console's Agent page polls
:func:`agent_metrics` and turns two readings into events per second.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from dplat.settings import Settings
from dplat.stack import catalogue
from dplat.stack.lifecycle import stack_credentials

METRICS = (
    ("emit_records", "records out"),
    ("emit_count", "batches out"),
    ("buffer_queue_length", "queued chunks"),
    ("buffer_total_queued_size", "queued bytes"),
    ("retry_count", "retries"),
    ("num_errors", "errors"),
)
"""The monitor's fields shown, with their words (an input's "out" is into the agent)."""


@dataclass
class PluginMetrics:
    plugin_id: str
    category: str  # input, filter, output
    type: str
    values: dict[str, int | None] = field(default_factory=dict)
    """Each of METRICS; None where the plugin has no such counter (an input has no buffer)."""


@dataclass
class AgentMetrics:
    monitor: str
    taken: float
    """When the reading was made (Unix seconds): two readings give a rate."""
    plugins: list[PluginMetrics]
    config: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def agent_metrics(settings: Settings, with_config: bool = False) -> AgentMetrics:
    """One reading of every plugin's counters (and with ``with_config`` the
    running config); StackNotRunning, in words, when the agent does not answer."""
    agent = catalogue.by_name(settings, stack_credentials(settings), "agent")
    rows = agent.monitor()["plugins"]
    taken = time.time()
    plugins = [
        PluginMetrics(
            str(row.get("plugin_id")),
            str(row.get("plugin_category")),
            str(row.get("type")),
            {key: _number(row.get(key)) for key, _ in METRICS},
        )
        for row in rows
    ]
    config = str(agent.monitor("/api/config.json").get("config", "")) if with_config else ""
    return AgentMetrics(agent.url("agent_monitor"), taken, plugins, config)
