"""The pipeline: from the ROOT element to plugins, and events through them.

Routing is Fluentd's (reference doc, section C). Within a label (the top level
is the label ``@ROOT``), rules are kept in file order; for a tag, every
``<filter>`` whose pattern matches *before* the first matching ``<match>``
runs in order, then that match's output gets the stream; later rules never
see it (use ``copy`` to fan out). The decision is cached per tag. A tag no
rule matches is warned about at counts 1, 2, 4, ... 256, then every 512th.

Inputs emit into the label named by their ``@label`` (else ``@ROOT``);
``relabel`` outputs forward to theirs. A record a plugin cannot handle goes to
``emit_error_event``: to the ``@ERROR`` label if there is one, else a warning
and a counter. A whole stream an output refused (buffer overflow) also goes
to ``@ERROR`` when it exists; otherwise the error reaches the input, which
must not ack. Emission returns only after the outputs accepted the events.
With a ``<label @FLUENT_LOG>``, the agent's own log lines go there while it runs.

    Router              built once per config; owns labels and plugins
     ├── Label          rules of one <label> (or ROOT), tag -> Pipeline cache
     │    └── Pipeline  filters + one output for a tag
     └── EventRouter    what a plugin holds: "emit into label X"
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from dplat.agent.config import compat
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ErrorCollector
from dplat.agent.core import registry
from dplat.agent.core.base import Filter, Input, Plugin
from dplat.agent.core.log import kv
from dplat.agent.core.log_events import LABEL as LOG_LABEL
from dplat.agent.core.log_events import LogEventForwarder
from dplat.agent.core.params import describe, located
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.output import Output
from dplat.agent.tagmatch import TagPattern

log = logging.getLogger("dplat.agent.router")

ROOT_LABEL = "@ROOT"
ERROR_LABEL = "@ERROR"
CACHE_SIZE = 1024
"""Tags whose pipeline is remembered per label (Fluentd's MatchCache size)."""

_routing_errors = contextvars.ContextVar("routing_errors", default=False)
"""True while error events are delivered: errors then are only logged (no loop)."""


@dataclass
class Rule:
    pattern: TagPattern
    plugin: Filter | Output


@dataclass
class Pipeline:
    """What one tag goes through inside one label."""

    filters: list[Filter] = field(default_factory=list)
    output: Output | None = None

    async def emit(self, tag: str, stream: EventStream) -> None:
        for plugin in self.filters:
            stream = plugin.filter_stream(tag, stream)
            plugin.metrics.emit_count += 1
            plugin.metrics.emit_records += len(stream)
            if not stream:
                return
        if self.output is not None:
            await self.output.emit(tag, stream)


class Label:
    """The rules of ``<label @NAME>`` (or of the top level, ``@ROOT``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rules: list[Rule] = []
        self._cache: OrderedDict[str, Pipeline | None] = OrderedDict()
        self.no_match_count = 0

    def pipeline(self, tag: str) -> Pipeline | None:
        if tag in self._cache:
            return self._cache[tag]
        found = self._find(tag)
        self._cache[tag] = found
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return found

    def _find(self, tag: str) -> Pipeline | None:
        pipeline = Pipeline()
        for rule in self.rules:
            if not rule.pattern.matches(tag):
                continue
            if isinstance(rule.plugin, Filter):
                pipeline.filters.append(rule.plugin)
            else:
                pipeline.output = rule.plugin
                return pipeline
        return None

    async def emit_stream(self, tag: str, stream: EventStream) -> None:
        pipeline = self.pipeline(tag)
        if pipeline is None:
            self._no_match(tag)
            return
        await pipeline.emit(tag, stream)

    def _no_match(self, tag: str) -> None:
        self.no_match_count += 1
        count = self.no_match_count
        if (count < 512 and count & (count - 1) == 0) or count % 512 == 0:
            log.warning("no patterns matched %s", kv(label=self.name, tag=tag, count=count))
        else:
            log.debug("no patterns matched %s", kv(label=self.name, tag=tag))


class EventRouter:
    """A router bound to one label: what ``plugin.router`` is."""

    def __init__(self, router: Router, label: Label) -> None:
        self._router = router
        self.label = label

    async def emit_stream(self, tag: str, stream: EventStream) -> None:
        await self._router.emit_to(self.label, tag, stream)

    async def emit(self, tag: str, time: EventTime, record: Record) -> None:
        await self.emit_stream(tag, [(time, record)])

    def emit_error_event(self, tag: str, time: EventTime, record: Record,
                         error: BaseException) -> None:
        self._router.emit_error_event(tag, time, record, error)

    def to_label(self, name: str) -> EventRouter | None:
        """The router of another label, None if there is none (rewrite_tag_filter)."""
        label = self._router.labels.get(name)
        return None if label is None else EventRouter(self._router, label)


class Router:
    """All labels and plugins of one config, and their life cycle."""

    def __init__(self) -> None:
        self.labels: dict[str, Label] = {ROOT_LABEL: Label(ROOT_LABEL)}
        self.root_dir: str | None = None
        self.inputs: list[Input] = []
        self.filters: list[Filter] = []
        self.outputs: list[Output] = []
        self.error_event_count = 0
        self._errors: list[tuple[str, EventTime, Record, BaseException]] = []
        self._emitting = 0
        self._drainer: asyncio.Task[None] | None = None
        self._closed: set[int] = set()
        """ids of plugins already closed, so a stop cut short can be resumed."""
        self.log_events: LogEventForwarder | None = None

    @property
    def root(self) -> Label:
        return self.labels[ROOT_LABEL]

    @property
    def error_label(self) -> Label | None:
        return self.labels.get(ERROR_LABEL)

    def emitter(self, label: str = ROOT_LABEL) -> EventRouter:
        """Emit into a label from outside any plugin (tests, the agent's own events)."""
        return EventRouter(self, self.labels[label])

    # -- building ---------------------------------------------------------------
    @classmethod
    def build(cls, root: Element, *, root_dir: str | None = None) -> Router:
        """Configure every plugin (v0.12 keys moved first, config/compat.py); every
        error found names its line. ``root_dir``: ``<system> root_dir``."""
        errors = ErrorCollector()
        router = cls()
        router.root_dir = root_dir
        for element in root.sections("label"):
            with errors.collecting():
                router._add_label(element)
        for element in root.elements:
            with errors.collecting():
                router._add_directive(element)
        router._check_unique(errors)
        errors.raise_if_any()
        return router

    def _add_label(self, element: Element) -> None:
        # Fluentd (root_agent.rb) takes any non-empty name; '@' is a convention.
        name = element.arg.strip()
        if not name or " " in name or name == ROOT_LABEL:
            raise located(element.origin, f"<label {name}>: a label needs a one-word name "
                          "other than @ROOT (the top level), e.g. <label @ERROR>")
        if name in self.labels:
            raise located(element.origin, f"label {name} is defined twice")
        self.labels[name] = Label(name)

    def _add_directive(self, element: Element) -> None:
        if element.name == "source":
            self.inputs.append(self._plugin("input", element, self.root))
        elif element.name in ("filter", "match"):
            self._add_rule(self.root, element)
        elif element.name == "label":
            label = self.labels.get(element.arg.strip())
            if label is None:  # its own error was reported by _add_label
                return
            errors = ErrorCollector()
            for child in element.elements:
                with errors.collecting():
                    if child.name not in ("filter", "match"):
                        raise located(child.origin, f"<{child.name}> is not allowed in "
                                      f"<label {label.name}>; only <filter> and <match>")
                    self._add_rule(label, child)
            errors.raise_if_any()
        elif element.name == "worker":
            raise located(element.origin, "<worker> is not supported: the agent runs "
                          "one worker", "Remove the <worker> section and keep its content.")
        elif element.name != "system":
            log.warning("%s: unknown directive %s is ignored", element.origin,
                        describe(element))

    def _add_rule(self, label: Label, element: Element) -> None:
        category = "filter" if element.name == "filter" else "output"
        plugin = self._plugin(category, element, label)
        pattern = TagPattern(element.arg, origin=element.origin)
        label.rules.append(Rule(pattern, plugin))  # type: ignore[arg-type]

    def _plugin(self, category: str, element: Element, label: Label) -> Plugin:
        compat.convert_plugin(element)
        plugin: Plugin = registry.build(category, element, preset={"root_dir": self.root_dir})
        self._attach(plugin, label)
        if isinstance(plugin, Filter):
            self.filters.append(plugin)
        elif isinstance(plugin, Output):
            self.outputs.append(plugin)
        return plugin

    def _attach(self, plugin: Plugin, label: Label) -> None:
        """Give a plugin (and its child outputs) the router of its label."""
        target = label
        if plugin.label is not None:
            name = plugin.label
            if name not in self.labels:
                raise located(plugin.config_element.origin,
                              f"{describe(plugin.config_element)}: unknown label {name}; "
                              f"defined: {', '.join(sorted(self.labels))}")
            target = self.labels[name]
        plugin.router = EventRouter(self, target)
        if isinstance(plugin, Output):
            for child in plugin.children():
                self._attach(child, label)

    def _check_unique(self, errors: ErrorCollector) -> None:
        """A second plugin with the same @id, or a second output on the same file
        buffer (they would resume each other's chunks), is an error at its line."""
        ids: dict[str, Plugin] = {}
        paths: dict[str, Plugin] = {}
        for plugin in self.plugins():
            where = plugin.config_element
            if plugin.id_configured and plugin.plugin_id in ids:
                errors.add(located(where.origin, f"duplicated plugin id '{plugin.plugin_id}'; "
                                   "@id must be unique"))
            elif plugin.id_configured:
                ids[plugin.plugin_id] = plugin
            buffering = plugin.buffering if isinstance(plugin, Output) else None
            path = buffering.buffer.storage_path() if buffering is not None else None
            if path is not None and path in paths:
                errors.add(located(where.origin, f"{describe(where)}: buffer path '{path}' is "
                                   f"already used by {describe(paths[path].config_element)}",
                                   "Give each output its own buffer path (or @id with "
                                   "root_dir)."))
            elif path is not None:
                paths[path] = plugin

    def plugins(self) -> Iterator[Plugin]:
        """Every plugin, child outputs (``<store>``, ``<secondary>``) included."""
        yield from self.inputs
        yield from self.filters
        for output in self.outputs:
            yield from _with_children(output)

    # -- emitting ---------------------------------------------------------------
    async def emit_to(self, label: Label, tag: str, stream: EventStream) -> None:
        self._emitting += 1
        try:
            await label.emit_stream(tag, stream)
        except Exception as exc:
            await self._emits_error(label, tag, stream, exc)
        finally:
            self._emitting -= 1
            if self._errors and not _routing_errors.get():
                await self._drain_errors()

    async def _emits_error(self, label: Label, tag: str, stream: EventStream,
                           exc: Exception) -> None:
        error_label = self.error_label
        if error_label is None or label is error_label or _routing_errors.get():
            log.warning("emit transaction failed %s", kv(tag=tag, records=len(stream), error=exc))
            raise exc
        log.warning("send an error event stream to @ERROR %s", kv(tag=tag, records=len(stream),
                                                                  error=exc))
        try:
            await error_label.emit_stream(tag, stream)
        except Exception as second:
            log.error("@ERROR refused the stream too %s", kv(tag=tag, error=second))
            raise exc from second

    def emit_error_event(self, tag: str, time: EventTime, record: Record,
                         error: BaseException) -> None:
        """A record a plugin could not handle; delivered to @ERROR before the
        current emit returns (or soon, when raised outside an emit)."""
        self.error_event_count += 1
        if self.error_label is None or _routing_errors.get():
            log.warning("dump an error event %s", kv(tag=tag, error=error))
            log.debug("error event record %s", kv(tag=tag, time=time.to_float(), record=record))
            return
        log.warning("send an error event to @ERROR %s", kv(tag=tag, error=error))
        self._errors.append((tag, time, record, error))
        if self._emitting == 0 and (self._drainer is None or self._drainer.done()):
            self._drainer = asyncio.get_running_loop().create_task(self._drain_errors())

    async def _drain_errors(self) -> None:
        error_label = self.error_label
        assert error_label is not None
        token = _routing_errors.set(True)
        try:
            while self._errors:
                tag, time, record, _ = self._errors.pop(0)
                try:
                    await error_label.emit_stream(tag, [(time, record)])
                except Exception as exc:
                    log.error("@ERROR could not take an error event %s", kv(tag=tag, error=exc))
        finally:
            _routing_errors.reset(token)

    # -- life cycle ---------------------------------------------------------------
    async def start(self) -> None:
        """Open outputs, then filters, then inputs; on failure close what opened."""
        started: list[Plugin] = []
        try:
            for plugin in [*self.outputs, *self.filters, *self.inputs]:
                await plugin.open()
                started.append(plugin)
        except BaseException:
            for plugin in reversed(started):
                await plugin.kill()
            raise
        if LOG_LABEL in self.labels:  # the agent's own log into <label @FLUENT_LOG>
            self.log_events = LogEventForwarder(self.emitter(LOG_LABEL),
                                                self.labels[LOG_LABEL].pipeline)
            self.log_events.start()

    async def stop(self) -> None:
        """Close inputs first, then filters, then outputs (which drain)."""
        for group in (self.inputs, self.filters):
            for plugin in group:
                await self._close(plugin)
        if self.log_events is not None:
            await self.log_events.stop()
        if self._drainer is not None:
            await asyncio.gather(self._drainer, return_exceptions=True)
        await asyncio.gather(*(self._close(output) for output in self.outputs))

    async def _close(self, plugin: Plugin) -> None:
        if id(plugin) in self._closed:
            return
        try:
            await plugin.close()
        except Exception as exc:
            log.error("error while closing plugin %s", kv(plugin_id=plugin.plugin_id, error=exc))
        self._closed.add(id(plugin))

    async def kill(self) -> None:
        """Forced stop: cancel every plugin's tasks, drain nothing."""
        for plugin in self.plugins():
            await plugin.kill()

    async def flush_all(self) -> None:
        """Write every buffered chunk now (SIGUSR1)."""
        results = await asyncio.gather(*(output.flush() for output in self.outputs),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("forced flush failed %s", kv(error=result))


def _with_children(output: Output) -> Iterator[Plugin]:
    yield output
    for child in output.children():
        yield from _with_children(child)

