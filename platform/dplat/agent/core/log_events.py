"""The agent's own log as events, for a ``<label @FLUENT_LOG>``, as in Fluentd.

Fluentd (``lib/fluent/fluent_log_event_router.rb``) emits each of its log
lines as an event tagged ``fluent.<level>`` (``fluent.info``, ``fluent.warn``,
``fluent.error``...) with the record ``{"message": "..."}`` into the
``@FLUENT_LOG`` label, when a config defines one::

    <label @FLUENT_LOG>
      <match fluent.{warn,error,fatal}>
        @type file
        path /var/log/agent/problems
      </match>
    </label>

Log calls can come from any thread (writes run in ``asyncio.to_thread``), so
the handler only queues; one task emits, in order. Lines logged while that
task emits are not captured again (no loop through a failing output), tags
the label does not match are skipped quietly (Fluentd suppresses that
warning there), and the queue is bounded: past ``QUEUE_LIMIT`` lines waiting,
new ones are counted in ``dropped`` rather than held.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable

from dplat.agent.core.base import EventEmitter
from dplat.agent.core.log import AGENT_LOGGER
from dplat.agent.event import EventTime

LABEL = "@FLUENT_LOG"
QUEUE_LIMIT = 10_000
_TAGS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn",
         logging.ERROR: "error", logging.CRITICAL: "fatal"}
_emitting = contextvars.ContextVar("emitting_log_events", default=False)


def event_tag(level: int) -> str:
    """``fluent.<level>`` for a std logging level."""
    for threshold in sorted(_TAGS, reverse=True):
        if level >= threshold:
            return f"fluent.{_TAGS[threshold]}"
    return "fluent.trace"


class LogEventForwarder(logging.Handler):
    """Copies the agent's log lines into a label while it runs."""

    def __init__(self, emitter: EventEmitter, matches: Callable[[str], object]) -> None:
        """``matches(tag)``: truthy when the label has a match for the tag."""
        super().__init__()
        self.emitter = emitter
        self.matches = matches
        self.dropped = 0
        self._queue: asyncio.Queue[tuple[str, EventTime, dict[str, str]] | None] = \
            asyncio.Queue(QUEUE_LIMIT)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._drain(), name="agent:fluent-log")
        logging.getLogger(AGENT_LOGGER).addHandler(self)

    async def stop(self) -> None:
        """Stop capturing, emit what is queued, end the task."""
        logging.getLogger(AGENT_LOGGER).removeHandler(self)
        if self._task is None:
            return
        if self._queue.full():
            self._task.cancel()
        else:
            self._queue.put_nowait(None)
        await asyncio.gather(self._task, return_exceptions=True)

    def emit(self, record: logging.LogRecord) -> None:
        if _emitting.get() or self._loop is None or self._loop.is_closed():
            return
        tag = event_tag(record.levelno)
        if not self.matches(tag):
            return
        event = (tag, EventTime.from_float(record.created), {"message": record.getMessage()})
        try:
            self._loop.call_soon_threadsafe(self._put, event)
        except RuntimeError:  # the loop closed meanwhile
            self.dropped += 1

    def _put(self, event: tuple[str, EventTime, dict[str, str]]) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1

    async def _drain(self) -> None:
        _emitting.set(True)
        while (event := await self._queue.get()) is not None:
            tag, time, record = event
            try:
                await self.emitter.emit(tag, time, record)
            except Exception as exc:  # logged, not captured: _emitting is set
                logging.getLogger(AGENT_LOGGER).error("failed to emit the agent's log event "
                                                      "tag=%s error=%s", tag, exc)
