"""The small bases every plugin stands on: Plugin, Input, Filter (the Output
base builds on these in ``dplat/agent/output.py``, above ``buffer/``).

Life of a plugin (the router drives it; outputs start first, inputs stop first):

    cls()                 no I/O in __init__
    configure(element)    typed attributes from the declarations (core/params.py)
    await open()          -> start() hook: open sockets/files, spawn tasks
    ... emit / filter / process / write ...
    await close()         -> stop() hook: take no new work
                          -> a buffered output drains its buffer here
                          -> tasks spawned by the plugin are cancelled and awaited
                          -> shutdown() hook: release resources

Hooks a plugin must implement raise NotImplementedError saying so, as
Fluentd's bases do ("BUG: output plugins MUST implement this method"), so a
half-written plugin fails at its first event instead of doing nothing.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from dplat.agent.config.element import Element
from dplat.agent.core.log import LEVELS, PluginLog
from dplat.agent.core.masking import masked
from dplat.agent.core.metrics import PluginMetrics
from dplat.agent.core.params import Configurable, describe, located
from dplat.agent.core.tasks import TaskSet
from dplat.agent.event import EventStream, EventTime, Record

if TYPE_CHECKING:
    import asyncio


class EventEmitter(Protocol):
    """What plugins emit into: the router bound to their label (router.py)."""

    async def emit_stream(self, tag: str, stream: EventStream) -> None: ...

    async def emit(self, tag: str, time: EventTime, record: Record) -> None: ...

    def emit_error_event(self, tag: str, time: EventTime, record: Record,
                         error: BaseException) -> None: ...


class Plugin(Configurable):
    """What every plugin has: an id, a logger, counters, tasks and a router."""

    plugin_category: ClassVar[str] = ""
    type_name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.plugin_id = f"object:{id(self):x}"
        self.id_configured = False
        self.label: str | None = None
        self.root_dir: str | None = None
        """``<system> root_dir``; the router sets it before ``configure()``."""
        self.metrics = PluginMetrics()
        self.log = PluginLog(self.plugin_id)
        self.tasks = TaskSet(self.plugin_id, self.log, on_crash=self._count_crash)
        self._router: EventEmitter | None = None

    # -- configuration -------------------------------------------------------
    def configure(self, element: Element, **kwargs: Any) -> None:
        plugin_id = element.get("@id") or element.get("id")
        if plugin_id:
            self.plugin_id = self.log.plugin_id = plugin_id
            self.id_configured = self.log.named = True
        self.label = element.get("@label")
        level = element.get("@log_level") or element.get("log_level")
        if level is not None:
            if level not in LEVELS:
                raise located(element.origin, f"{describe(element)}: unknown @log_level "
                              f"'{level}'; one of {', '.join(LEVELS)}")
            self.log.level = LEVELS[level]
        self.log.origin = element.origin  # until open(): configure-time warnings name the line
        super().configure(element, **kwargs)

    @classmethod
    def resolve_section(cls, element: Element) -> type[Configurable] | None:
        """The class that declares a child section's keys (for masking)."""
        return None

    @property
    def plugin_root_dir(self) -> str | None:
        """``${root_dir}/worker0/${@id}``: where this plugin keeps state across
        restarts (a file buffer's default path), as in Fluentd; None without
        ``<system> root_dir`` or without an ``@id`` (an id that changes every
        run would strand the state). Nothing is created here."""
        if self.root_dir is None or not self.id_configured:
            return None
        return os.path.join(self.root_dir, "worker0", self.plugin_id)

    def masked_config(self) -> Element:
        """This plugin's config element with secrets masked, for any dump."""
        return masked(self.config_element, type(self), type(self).resolve_section)

    # -- routing ---------------------------------------------------------------
    @property
    def router(self) -> EventEmitter:
        if self._router is None:
            raise RuntimeError(f"BUG: {self.plugin_id} emits before the router attached it")
        return self._router

    @router.setter
    def router(self, router: EventEmitter) -> None:
        self._router = router

    @property
    def has_router(self) -> bool:
        return self._router is not None

    # -- tasks -----------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Start a background task owned by this plugin (see tasks.py)."""
        return self.tasks.spawn(coro, name=name)

    def every(self, interval: float, tick: Callable[[], Awaitable[Any] | Any], *,
              name: str) -> asyncio.Task[Any]:
        """Call ``tick`` every ``interval`` seconds until the plugin closes."""
        return self.tasks.every(interval, tick, name=name)

    def _count_crash(self, exc: BaseException) -> None:
        self.metrics.num_errors += 1

    # -- life cycle --------------------------------------------------------------
    async def start(self) -> None:
        """Hook: open resources and spawn tasks."""

    async def stop(self) -> None:
        """Hook: stop taking new work (close listeners)."""

    async def shutdown(self) -> None:
        """Hook: release resources; tasks are already cancelled."""

    async def open(self) -> None:
        self.log.origin = None
        await self.start()

    async def close(self) -> None:
        try:
            await self.stop()
        finally:
            await self.tasks.cancel_all()
            await self.shutdown()

    async def kill(self) -> None:
        """Forced stop: cancel tasks without draining anything."""
        await self.tasks.cancel_all()

    def statistics(self) -> dict[str, Any]:
        """What the monitor API shows for this plugin."""
        return {
            "plugin_id": self.plugin_id,
            "plugin_category": self.plugin_category,
            "type": self.type_name,
            "output_plugin": self.plugin_category == "output",
            "retry_count": None,
            **{k: v for k, v in self.metrics.as_dict().items()
               if k in ("emit_records", "emit_size", "emit_count", "num_errors")},
        }


class Input(Plugin):
    """A source of events. Emit with ``await self.emit_stream(tag, stream)``:
    it returns once every output accepted the events (buffered them) and
    raises (BufferOverflowError or the output's error) when one refused, so a
    network input acks only what is safe."""

    plugin_category: ClassVar[str] = "input"

    async def emit_stream(self, tag: str, stream: EventStream) -> None:
        if not stream:
            return
        await self.router.emit_stream(tag, stream)
        self.metrics.emit_count += 1
        self.metrics.emit_records += len(stream)

    async def emit(self, tag: str, time: EventTime, record: Record) -> None:
        await self.emit_stream(tag, [(time, record)])


class Filter(Plugin):
    """Changes or drops events. Implement ``filter()`` (per record) or override
    ``filter_stream()``. A record whose filter raises goes to the error route
    (``@ERROR``) and is counted, never silently dropped."""

    plugin_category: ClassVar[str] = "filter"

    def filter(self, tag: str, time: EventTime, record: Record) -> Record | None:
        """Return the new record, or None to drop it."""
        raise NotImplementedError("BUG: filter plugins MUST implement filter() or filter_stream()")

    def filter_stream(self, tag: str, stream: EventStream) -> EventStream:
        result: EventStream = []
        for time, record in stream:
            try:
                new = self.filter(tag, time, record)
            except NotImplementedError:
                raise
            except Exception as exc:
                self.metrics.num_errors += 1
                self.router.emit_error_event(tag, time, record, exc)
                continue
            if new is not None:
                result.append((time, new))
        return result
