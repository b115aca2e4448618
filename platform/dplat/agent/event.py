"""Events as the agent passes them around: a tag, a time and a record.

Fluentd's unit of work is an *event stream* for one tag, not a single event,
and so is ours: inputs emit ``(tag, [(time, record), ...])`` and the router
routes the whole list at once (routing per event would dominate the cost in
Python). Times are :class:`EventTime` (seconds and nanoseconds, like Fluentd's
``Fluent::EventTime``), because sub-second precision must survive a round trip
through the forward protocol and the buffers.
"""

from __future__ import annotations

import time as _time
from typing import Any, NamedTuple

Record = dict[str, Any]


class EventTime(NamedTuple):
    """A point in time as whole seconds plus nanoseconds, both unsigned (UTC)."""

    sec: int
    nsec: int = 0

    @classmethod
    def now(cls) -> EventTime:
        ns = _time.time_ns()
        return cls(ns // 1_000_000_000, ns % 1_000_000_000)

    @classmethod
    def from_float(cls, value: float) -> EventTime:
        sec = int(value)
        return cls(sec, round((value - sec) * 1_000_000_000) % 1_000_000_000)

    def to_float(self) -> float:
        return self.sec + self.nsec / 1_000_000_000


Entry = tuple[EventTime, Record]
"""One event of a stream; the tag is held once by the stream."""

EventStream = list[Entry]
"""The events of one tag, in arrival order."""
