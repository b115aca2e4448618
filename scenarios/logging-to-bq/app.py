"""A small online shop API, simulated in-process, that logs like a real service.

It does two jobs for the lesson:

* **traffic**: :func:`generate` makes N requests (endpoint, user, status,
  latency, log level and message) with event times spread over a fixed
  three-day window in UTC, seeded, so every run makes the same requests;
* **logging**: :func:`serve` "handles" them and logs one record per request
  through Python's ``logging``, configured by ``logging.config.dictConfig``
  (:func:`logging_config`): a console handler for humans (WARNING and worse,
  as text) and fluent-logger's ``FluentHandler`` for machines (every record,
  structured, sent to the agent's forward port).

The requests are the ground truth (truth.py): what the warehouse must find.

Try it by hand against a running stack (`dplat env` sets FLUENT_PORT)::

    python scenarios/logging-to-bq/app.py --events 100
"""

from __future__ import annotations

import logging
import logging.config
import math
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import msgpack
from fluent.handler import FluentHandler

WINDOW_START = datetime(2020, 11, 22, tzinfo=UTC)
WINDOW_DAYS = 3
"""The synthetic window: 2020-11-22 00:00 to 2020-11-25 00:00 UTC, so the
logs fall in three daily partitions, dt=20201122, dt=20201123, dt=20201124."""
WINDOW_HOURS = WINDOW_DAYS * 24
INCIDENT_HOUR = WINDOW_START + timedelta(days=1, hours=14)
"""2020-11-23 14:00 UTC: the feature store goes down for an hour. The lesson's
question "when did errors spike?" finds this hour."""
DEFAULT_SEED = 20201124
LOGGER = "shop.api"
TAG = "app.shop"
"""The Fluentd tag of the records: the agent routes ``app.**``."""


@dataclass(frozen=True)
class Endpoint:
    """One route of the API: how much traffic it gets and how fast it is."""

    path: str
    weight: float
    median_ms: float
    """Latency is log-normal around this median (long tail, like real services)."""
    unavailable: str
    """What the handler logs when a dependency is down (HTTP 503)."""
    failure: str
    """What it logs for an unhandled exception (HTTP 500)."""


ENDPOINTS = (
    Endpoint("/search", 0.34, 45.0, "search index unavailable", "query parser crashed"),
    Endpoint("/recommend", 0.22, 80.0, "feature store unavailable", "empty candidate list"),
    Endpoint("/predict", 0.14, 190.0, "feature store unavailable", "model returned NaN"),
    Endpoint("/cart", 0.20, 30.0, "inventory service unavailable", "cart serialization failed"),
    Endpoint("/checkout", 0.10, 120.0, "payment gateway unavailable", "payment gateway error"),
)
LATENCY_SIGMA = 0.55
TIMEOUT_MS = 2000.0
SLOW_MS = 1000.0
"""A successful request slower than this is logged at WARNING ("slow response")."""
USERS = 2000
SEND_TIMEOUT_S = 120.0
"""How long one socket send may wait for the agent (fluent-logger's default
is 3 s): the agent pushes back by not reading while its buffer is full."""
CLIENT_ERRORS = {400: "invalid request body", 404: "item not found", 429: "rate limit exceeded"}


@dataclass(frozen=True)
class Request:
    """One handled request: exactly what the app logs about it."""

    at_ms: int
    """Event time, milliseconds since the epoch (UTC)."""
    request_id: str
    user_id: str
    endpoint: str
    status: int
    latency_ms: float
    level: str
    message: str

    @property
    def event_time(self) -> str:
        """RFC 3339 with milliseconds, the form BigQuery reads as a TIMESTAMP."""
        moment = datetime.fromtimestamp(self.at_ms // 1000, UTC)
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{self.at_ms % 1000:03d}Z"

    def record(self) -> dict[str, Any]:
        """The structured record the agent receives (and S3 and BigQuery keep)."""
        return {
            "event_time": self.event_time,
            "level": self.level,
            "logger": LOGGER,
            "request_id": self.request_id,
            "user_id": self.user_id,
            "endpoint": self.endpoint,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "message": self.message,
        }


# -- traffic ------------------------------------------------------------------------
def _hour_weights() -> list[float]:
    """More traffic in the (UTC) afternoon than at night."""
    return [1.0 + 0.6 * math.cos(2 * math.pi * ((h % 24) - 15) / 24) for h in range(WINDOW_HOURS)]


def _outcome(rng: random.Random, endpoint: Endpoint, incident: bool) -> tuple[int, float, str]:
    """Status, latency and message of one request."""
    latency = endpoint.median_ms * math.exp(rng.gauss(0.0, LATENCY_SIGMA))
    down = incident and endpoint.unavailable == "feature store unavailable"
    draw = rng.random()
    if down and draw < 0.45:
        return 503, latency, endpoint.unavailable
    if draw < 0.004:
        return 503, latency, endpoint.unavailable
    if draw < 0.009:
        return 500, latency, endpoint.failure
    if endpoint.path == "/predict" and draw < 0.017:
        return 504, TIMEOUT_MS + rng.uniform(0, 50), "model server timeout"
    if draw < 0.035:
        status = rng.choice(tuple(CLIENT_ERRORS))
        return status, rng.uniform(2, 15), CLIENT_ERRORS[status]
    if latency > SLOW_MS:
        return 200, latency, "slow response"
    return 200, latency, "request served"


def _level(status: int, message: str) -> str:
    """Server errors are ERROR, client errors and slow answers WARNING, the rest INFO."""
    if status >= 500:
        return "ERROR"
    if status >= 400 or message == "slow response":
        return "WARNING"
    return "INFO"


def generate(events: int, seed: int = DEFAULT_SEED) -> list[Request]:
    """``events`` requests in time order; the same seed gives the same requests."""
    rng = random.Random(seed)
    hours = rng.choices(range(WINDOW_HOURS), weights=_hour_weights(), k=events)
    start_ms = int(WINDOW_START.timestamp()) * 1000
    times = sorted(start_ms + h * 3_600_000 + rng.randrange(3_600_000) for h in hours)
    incident_ms = int(INCIDENT_HOUR.timestamp()) * 1000
    endpoints = rng.choices(ENDPOINTS, weights=[e.weight for e in ENDPOINTS], k=events)
    requests = []
    for at_ms, endpoint in zip(times, endpoints, strict=True):
        incident = incident_ms <= at_ms < incident_ms + 3_600_000
        status, latency, message = _outcome(rng, endpoint, incident)
        requests.append(Request(
            at_ms=at_ms,
            request_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            user_id=f"u{int(USERS ** rng.random()):05d}",  # a few users are very active
            endpoint=endpoint.path,
            status=status,
            latency_ms=round(latency, 1),
            level=_level(status, message),
            message=message,
        ))
    return requests


# -- logging ------------------------------------------------------------------------
class SyntheticClock(logging.Filter):
    """Stamps each record with its request's synthetic event time.

    A log record normally carries the moment it was made (``record.created``,
    seconds as a float). FluentHandler sends exactly that as the event time
    (``EventTime(record.created)`` with nanosecond_precision), so setting it
    here makes the agent see the three-day window, not the few seconds the
    replay takes. ``msecs`` keeps ``%(asctime)s`` in step, for formats that use it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        at_ms = getattr(record, "at_ms", None)
        if at_ms is not None:
            record.created = at_ms / 1000
            record.msecs = float(at_ms % 1000)
        return True


def structured_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What FluentRecordFormatter ships for a record, typed (a format dict of
    ``%(...)s`` strings would turn numbers into text). The formatter adds
    ``message`` itself."""
    return {
        "event_time": record.event_time,
        "level": record.levelname,
        "logger": record.name,
        "request_id": record.request_id,
        "user_id": record.user_id,
        "endpoint": record.endpoint,
        "status": record.status,
        "latency_ms": record.latency_ms,
    }


structured_fields.usesTime = lambda: False  # type: ignore[attr-defined]
"""FluentRecordFormatter asks a callable format whether it needs asctime."""


def logging_config(host: str, port: int, console: TextIO = sys.stderr,
                   console_level: str = "WARNING") -> dict[str, Any]:
    """The app's logging, as one dictionary for ``logging.config.dictConfig``.

    Loggers decide *whether* a record is made (level INFO: DEBUG is dropped
    at the source), handlers *where* it goes, formatters *how* it looks.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"synthetic_clock": {"()": SyntheticClock}},
        "formatters": {
            "console": {  # event_time is UTC; %(asctime)s would be local time
                "format": "%(event_time)s %(levelname)-7s %(name)s "
                          "%(endpoint)s %(status)s %(message)s",
            },
            "fluent": {
                "()": "fluent.handler.FluentRecordFormatter",
                "fmt": structured_fields,
                "format_json": False,
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "level": console_level,
                "formatter": "console",
                "stream": console,
            },
            "fluent": {
                "class": "fluent.handler.FluentHandler",
                "level": "INFO",
                "formatter": "fluent",
                "tag": TAG,
                "host": host,
                "port": port,
                "nanosecond_precision": True,
                # The agent's buffers block when full (agent.conf): its input
                # stops reading, so this handler's socket send waits. With
                # fluent-logger's default 3 s timeout a longer wait would close
                # the socket and resend the unacked bytes on the next record:
                # records sent before the timeout arrive twice, and beyond
                # bufmax (1 MiB) they are dropped. A slow warehouse is not a
                # dead agent, so the app waits up to SEND_TIMEOUT_S.
                "timeout": SEND_TIMEOUT_S,
            },
        },
        "loggers": {
            LOGGER: {
                "level": "INFO",
                "handlers": ["console", "fluent"],
                "filters": ["synthetic_clock"],
                "propagate": False,
            },
        },
    }


@dataclass
class Shipped:
    """What the app could hand to the agent."""

    logged: int = 0
    lost: int = 0
    """Records fluent-logger could not send (it drops them, it does not raise)."""
    errors: list[str] = field(default_factory=list)
    """The distinct send errors, in the order they first happened."""
    seconds: float = 0.0


class _LossCounter:
    """fluent-logger's buffer_overflow_handler: gets the bytes it had to drop."""

    def __init__(self, shipped: Shipped) -> None:
        self.shipped = shipped

    def __call__(self, pending: bytes) -> None:
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(pending)
        self.shipped.lost += sum(1 for _ in unpacker)


def serve(requests: list[Request], host: str, port: int, console: TextIO = sys.stderr,
          console_level: str = "WARNING") -> Shipped:
    """Handle ``requests``: log one record each through the configured logging."""
    shipped = Shipped()
    logging.config.dictConfig(logging_config(host, port, console, console_level))
    log = logging.getLogger(LOGGER)
    fluent = next(h for h in log.handlers if isinstance(h, FluentHandler))
    fluent.sender.buffer_overflow_handler = _LossCounter(shipped)
    levels = {"INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}
    start = time.perf_counter()
    try:
        for request in requests:
            log.log(levels[request.level], request.message, extra={
                "at_ms": request.at_ms, "event_time": request.event_time,
                "request_id": request.request_id, "user_id": request.user_id,
                "endpoint": request.endpoint, "status": request.status,
                "latency_ms": request.latency_ms,
            })
            shipped.logged += 1
            error = fluent.sender.last_error
            if error is not None:  # fluent-logger keeps the last error instead of raising
                text = f"{type(error).__name__}: {error}"
                if text not in shipped.errors:
                    shipped.errors.append(text)
                fluent.sender.clear_last_error()
    finally:
        # close() sends what the sender still holds, or hands it to the loss counter.
        for handler in list(log.handlers):
            log.removeHandler(handler)
            handler.close()
    shipped.seconds = time.perf_counter() - start
    return shipped


def main() -> None:
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--host", default=os.environ.get("FLUENT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("FLUENT_PORT", "24224")))
    args = parser.parse_args()
    shipped = serve(generate(args.events, args.seed), args.host, args.port)
    print(f"logged {shipped.logged}, lost {shipped.lost} in {shipped.seconds:.2f} s",
          *sorted(set(shipped.errors)), sep="\n")


if __name__ == "__main__":
    main()
