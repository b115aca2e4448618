"""How the agent's own log lines look: a message, then ``key=value`` fields.

Fluentd writes ``failed to flush the buffer. retry_times=1 chunk="5f3a..."``;
we write the same shape with std ``logging`` so lines stay greppable and a log
shipper can split them. Rules: record contents never appear above DEBUG, and
secrets never appear at all (plugins pass ids, counts and error texts only).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, MutableMapping
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
        self.named = False
        """True once the config gave the plugin an ``@id``."""

    def process(self, msg: Any,
                kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        if self.origin is None:
            return f"[{self.plugin_id}] {msg}", kwargs
        if not self.named:  # the line says which plugin; an object id says nothing more
            return f"{self.origin}: {msg}", kwargs
        return f"{self.origin}: [{self.plugin_id}] {msg}", kwargs

    def isEnabledFor(self, level: int) -> bool:
        if self.level and level < self.level:
            return False
        return self.logger.isEnabledFor(level)


LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO,
          "warn": logging.WARNING, "error": logging.ERROR, "fatal": logging.CRITICAL}
"""Fluentd's ``@log_level`` names mapped to std logging (no TRACE here)."""


class RepeatedWarning:
    """A warning for a condition that can recur many times a second (a full
    buffer refusing every write while ``overflow_action block`` waits): the
    first occurrence is logged at once, later ones at most once per
    ``interval`` seconds, each line carrying ``suppressed=N``, the number of
    occurrences not logged since the line before.

    Fluentd logs such a warning on every occurrence (``write_guard`` in
    lib/fluent/plugin/output.rb) and leaves throttling to ``<system>
    ignore_repeated_log_interval`` (docs.fluentd.org/deployment/logging),
    which a real config often sets to 60s; here the throttle is built in,
    because a blocked 1,000,000-event run wrote 1,195 identical lines.
    """

    def __init__(self, log: logging.Logger | logging.LoggerAdapter,  # type: ignore[type-arg]
                 message: str, interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log = log
        self.message = message
        self.interval = interval
        self.clock = clock
        self.total = 0
        """Occurrences since the agent started, logged or not."""
        self._suppressed = 0
        self._last: float | None = None

    def occurred(self, **fields: Any) -> bool:
        """Count one occurrence; log it unless one was logged less than
        ``interval`` ago. True when a line was written."""
        self.total += 1
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self._suppressed += 1
            return False
        if self._suppressed:
            fields["suppressed"] = self._suppressed
        self.log.warning("%s %s", self.message, kv(**fields))
        self._last, self._suppressed = now, 0
        return True
