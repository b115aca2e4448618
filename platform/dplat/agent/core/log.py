"""How the agent's own log lines look: a message, then ``key=value`` fields.

Fluentd writes ``failed to flush the buffer. retry_times=1 chunk="5f3a..."``;
we write the same shape with std ``logging`` so lines stay greppable and a log
shipper can split them. Rules: record contents never appear above DEBUG, and
secrets never appear at all (plugins pass ids, counts and error texts only).
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from typing import Any

AGENT_LOGGER = "dplat.agent"


def kv(**fields: Any) -> str:
    """``a=1 b="two words"`` in insertion order; strings are JSON-quoted."""
    parts = []
    for key, value in fields.items():
        if isinstance(value, BaseException):
            value = f"{type(value).__name__}: {value}"
        if isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={value}")
    return " ".join(parts)


class PluginLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger that prefixes the plugin id and honours the plugin's
    ``@log_level`` on top of the agent's level."""

    def __init__(self, plugin_id: str, level: int = logging.NOTSET) -> None:
        super().__init__(logging.getLogger(f"{AGENT_LOGGER}.plugin"), {})
        self.plugin_id = plugin_id
        self.level = level
        self.origin: object | None = None
        """``file:line`` of the plugin's directive while it is configured, so a
        configure-time warning names the place to edit (Plugin.configure)."""

    def process(self, msg: Any,
                kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        where = f"{self.origin}: " if self.origin is not None else ""
        return f"{where}[{self.plugin_id}] {msg}", kwargs

    def isEnabledFor(self, level: int) -> bool:
        if self.level and level < self.level:
            return False
        return self.logger.isEnabledFor(level)


LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO,
          "warn": logging.WARNING, "error": logging.ERROR, "fatal": logging.CRITICAL}
"""Fluentd's ``@log_level`` names mapped to std logging (no TRACE here)."""
