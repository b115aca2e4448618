"""The lesson's events: a seeded mix of tags, each with a fixed event time.

Sample inputs (``@type sample``) stamp events with the clock, so the names of
the files they produce change from run to run. To check every file name and
object key exactly, the lesson sends its own events instead, through
fluent-logger (the official Python client), with event times taken from a
fixed six-minute window around midnight of 2020-11-22 (UTC): a few minutes for
the one-minute files, two hours and two days for the hourly objects and the
``dt=`` partitions. The same seed and N give the same events, so the ground
truth (routes.py) is known before anything is sent.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

WINDOW_START = datetime(2020, 11, 22, 23, 57, tzinfo=UTC)
WINDOW_SECONDS = 6 * 60
SEED = 20201122

# Tag -> share of the events. web.access.debug is there to show what `*`
# does not match (three tag parts) and where such events end up.
TAG_SHARES = (("web.access", 0.68), ("web.error", 0.08), ("batch.job", 0.16),
              ("web.access.debug", 0.08))
PATHS = ("/", "/search", "/cart", "/checkout", "/healthz")
JOBS = ("daily_sales", "user_snapshot", "log_compaction")


@dataclass(frozen=True)
class Event:
    """One event as the lesson sends it: tag, time (ms since the epoch), record."""

    tag: str
    at_ms: int
    record: dict[str, Any] = field(hash=False)

    @property
    def event_id(self) -> str:
        return str(self.record["event_id"])

    @property
    def seconds(self) -> int:
        return self.at_ms // 1000


def generate(count: int, seed: int = SEED, start: datetime = WINDOW_START) -> list[Event]:
    """``count`` events in time order within the window, the same for the same seed."""
    rng = random.Random(f"{seed}:{count}")
    start_ms = int(start.timestamp()) * 1000
    times = sorted(rng.randrange(WINDOW_SECONDS * 1000) for _ in range(count))
    tags, weights = zip(*TAG_SHARES, strict=True)
    return [Event(tag, start_ms + offset, _record(rng, tag, f"ev-{i:05d}"))
            for i, (offset, tag) in enumerate(zip(times, rng.choices(tags, weights, k=count),
                                                 strict=True))]


def late_event(start: datetime = WINDOW_START) -> Event:
    """A web.access event for a minute that was already flushed (23:58)."""
    at_ms = int(start.timestamp()) * 1000 + 90_000
    return Event("web.access", at_ms, {"event_id": "ev-late-1", "method": "GET", "path": "/cart",
                                       "status": 200, "latency_ms": 31})


def _record(rng: random.Random, tag: str, event_id: str) -> dict[str, Any]:
    if tag == "batch.job":
        # "running" is a progress heartbeat; the agent keeps only finished runs.
        status = rng.choices(("running", "succeeded", "failed"), (0.4, 0.5, 0.1))[0]
        return {"event_id": event_id, "job": rng.choice(JOBS), "status": status,
                "rows": rng.randrange(0, 50_000)}
    path = rng.choices(PATHS, (0.25, 0.2, 0.2, 0.15, 0.2))[0]
    if tag == "web.error":
        return {"event_id": event_id, "path": path, "status": rng.choice((500, 502, 503)),
                "message": rng.choice(("upstream timeout", "db connection refused", "bug"))}
    if tag == "web.access.debug":
        return {"event_id": event_id, "path": path, "detail": f"cache miss {rng.randrange(99)}"}
    return {"event_id": event_id, "method": rng.choice(("GET", "GET", "POST")), "path": path,
            "status": rng.choice((200, 200, 200, 301, 404)), "latency_ms": rng.randrange(2, 900)}


@dataclass
class Sent:
    sent: int
    lost: int
    errors: list[str]
    seconds: float


def send(events: list[Event], host: str, port: int) -> Sent:
    """Send the events with fluent-logger, each with its own event time.

    ``FluentSender("")`` with the full tag as the label sends that tag as it
    is; an ``EventTime`` keeps the milliseconds (Fluentd's EventTime ext type).
    """
    from fluent.sender import EventTime, FluentSender

    sender = FluentSender("", host=host, port=port, nanosecond_precision=True, timeout=5.0)
    lost, errors = 0, []
    began = time.monotonic()
    try:
        for event in events:
            stamp = EventTime.from_unix_nano(event.at_ms * 1_000_000)
            if not sender.emit_with_time(event.tag, stamp, event.record):
                lost += 1
                errors.append(repr(sender.last_error))
                sender.clear_last_error()
    finally:
        sender.close()
    return Sent(len(events) - lost, lost, errors, time.monotonic() - began)
