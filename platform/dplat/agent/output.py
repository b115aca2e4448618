"""The Output base: a destination, buffered or not.

It sits above ``buffer/`` (core <- buffer <- output <- plugins), as Fluentd's
``output.rb`` requires ``buffer.rb``: a buffered output owns a ``Buffering``
(buffer/controller.py), and the buffer machinery builds its buffer type and
``<secondary>`` through core's registry. The plain bases (Plugin, Input,
Filter) are in core/base.py, which imports neither buffer/ nor plugins/.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.config import BufferSection
from dplat.agent.buffer.controller import Buffering
from dplat.agent.buffer.placeholders import Placeholders
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core import registry
from dplat.agent.core.base import Plugin
from dplat.agent.core.params import Configurable, config_param, config_section, describe, located
from dplat.agent.event import EventStream, EventTime, Record


class Output(Plugin):
    """A destination. Implement ``process()`` (non-buffered: called per event
    stream from the emitting input's task) and/or ``write(chunk)`` (buffered:
    called from flush tasks with retries, see buffer/controller.py).

    When both exist, a ``<buffer>`` section chooses buffering; otherwise
    ``buffered_by_default`` does (Fluentd's ``prefer_buffered_processing``).
    ``buffer_defaults`` overrides ``<buffer>`` defaults (Fluentd's
    ``config_set_default``), e.g. out_file's one-day time key.
    """

    plugin_category: ClassVar[str] = "output"
    buffered_by_default: ClassVar[bool] = True
    buffer_defaults: ClassVar[dict[str, Any]] = {}

    slow_flush_log_threshold = config_param("float", default=20.0,
                                            desc="Warn when one write takes longer (seconds).")
    buffer_config = config_section("buffer", desc="Chunking, flushing and retries.")
    secondary_config = config_section("secondary", desc="Output used when retries run out.")

    def __init__(self) -> None:
        super().__init__()
        self.buffering: Buffering | None = None
        self.primary: Output | None = None
        """Set when this output is another's ``<secondary>``."""

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        can_write = self.implements("write")
        can_process = self.implements("process")
        if self.primary is not None:
            if not can_write:
                raise located(element.origin, f"{describe(element)}: '{self.type_name}' cannot "
                              "be a <secondary>: it has no buffered write")
            for name in ("buffer", "secondary"):
                if element.sections(name):
                    raise located(element.origin, f"<secondary> cannot have a <{name}> section")
            return
        wants_buffer = self.buffer_config is not None or self.buffered_by_default or not can_process
        if can_write and wants_buffer:
            self.buffering = Buffering(self, self.buffer_config or Element("buffer"),
                                       dict(self.buffer_defaults))
            if self.secondary_config is not None:
                self.buffering.build_secondary(self.secondary_config)
        elif not can_process:
            raise TypeError(f"BUG: output {type(self).__name__} implements neither process "
                            "nor write")
        elif self.buffer_config is not None or self.secondary_config is not None:
            raise located(element.origin, f"{describe(element)}: '{self.type_name}' is not a "
                          "buffered output; <buffer> and <secondary> are not allowed")

    def implements(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(Output, hook)

    @classmethod
    def resolve_section(cls, element: Element) -> type[Configurable] | None:
        if element.name in ("store", "secondary"):
            type_name = element.get("@type") or element.get("type") or cls.type_name
            try:
                return registry.lookup("output", type_name)
            except ConfigError:
                return None
        if element.name == "buffer":
            return BufferSection
        return None

    @property
    def placeholders(self) -> Placeholders:
        """Expands ``${tag}``/``${key}``/strftime in a parameter for a chunk;
        a ``<secondary>`` uses its primary's chunk keys."""
        owner = self.primary or self
        if owner.buffering is None:
            raise RuntimeError(f"BUG: {self.plugin_id} is not buffered; no placeholders")
        return owner.buffering.placeholders

    # -- events ---------------------------------------------------------------
    async def emit(self, tag: str, stream: EventStream) -> None:
        """Called by the router; returns when the events are accepted."""
        self.metrics.emit_count += 1
        self.metrics.emit_records += len(stream)
        if self.buffering is not None:
            await self.buffering.emit(tag, stream)
        else:
            await self.process(tag, stream)

    async def process(self, tag: str, stream: EventStream) -> None:
        raise NotImplementedError("BUG: output plugins MUST implement process() or write()")

    def format(self, tag: str, time: EventTime, record: Record) -> bytes:
        """Optional: the bytes a chunk stores for one event. Without it chunks
        hold msgpack ``[time, record]`` (``chunk.events()`` decodes them);
        with it, ``chunk.read()`` is the formatted text (out_file, Fluentd's
        way: formatting happens once, when the event is buffered)."""
        raise NotImplementedError("BUG: format() is optional; Buffering checks before calling")

    def formatted(self, chunk: Chunk) -> bytes:
        """A chunk's content in this output's format, for outputs that format.

        A chunk this output (or its primary) formatted is used as it is; as
        the ``<secondary>`` of an output whose chunks hold msgpack, the events
        are formatted now (the tag is empty unless tag is a chunk key: msgpack
        chunks do not store it).
        """
        if self.primary is None or self.primary.implements("format"):
            return chunk.read()
        tag = chunk.metadata.tag or ""
        return b"".join(self.format(tag, time, record) for time, record in chunk.events())

    async def write(self, chunk: Chunk) -> None:
        """Write one chunk; raise to have it retried (UnrecoverableError to skip
        retries). Blocking I/O belongs in ``asyncio.to_thread``."""
        raise NotImplementedError("BUG: output plugins MUST implement process() or write()")

    # -- life cycle -----------------------------------------------------------
    async def open(self) -> None:
        self.log.origin = None
        await self.start()
        if self.buffering is not None:
            await self.buffering.start()

    async def close(self) -> None:
        try:
            await self.stop()
            if self.buffering is not None:
                await self.buffering.shutdown()
        finally:
            await self.tasks.cancel_all()
            await self.shutdown()

    async def flush(self) -> None:
        """Write everything buffered now (SIGUSR1, the monitor API)."""
        if self.buffering is not None:
            await self.buffering.flush_all()
        for child in self.children():
            await child.flush()

    def children(self) -> list[Output]:
        """Outputs this one owns (``<secondary>``; copy's ``<store>``s), which
        the router attaches, lists for the monitor and kills with it."""
        if self.buffering is not None and self.buffering.secondary is not None:
            return [self.buffering.secondary]
        return []

    def statistics(self) -> dict[str, Any]:
        stats = {**super().statistics(), **self.metrics.as_dict()}
        if self.buffering is not None:
            stats.update(self.buffering.statistics())
        else:
            stats["retry_count"] = None
        return stats

