"""``@type stdout``: print events, one line each, as Fluentd does:
``2017-11-28 11:43:13.814351757 +0000 tag: {"k":"v"}``.

Non-buffered by default (each stream is printed by the emitting task); with a
``<buffer>`` section lines are formatted when buffered and printed per chunk.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, TextIO

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.config.element import Element
from dplat.agent.core.params import config_section
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.output import Output
from dplat.agent.plugins.formatters import new_formatter
from dplat.agent.plugins.inject import Injector


@register("stdout")
class StdoutOutput(Output):
    buffered_by_default = False
    buffer_defaults: ClassVar[dict[str, Any]] = {
        "chunk_keys": "tag", "flush_at_shutdown": True, "chunk_limit_size": 10 * 1024}

    format_config = config_section("format", desc="Line format (default: stdout).")
    inject_config = config_section("inject", desc="Add time, tag or hostname to records.")

    def __init__(self) -> None:
        super().__init__()
        self.stream: TextIO | None = None
        """Where lines go; None means the current ``sys.stdout`` (tests swap it)."""

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        self.formatter = new_formatter(self.format_config, "stdout")
        keys = self.placeholders.keys.fields if self.buffering is not None else ()
        self.injector = Injector(self.inject_config, keys)

    def _out(self) -> TextIO:
        return self.stream or sys.stdout

    async def process(self, tag: str, stream: EventStream) -> None:
        out = self._out()
        out.write("".join(self._line(tag, time, record) for time, record in stream))
        out.flush()

    def _line(self, tag: str, time: EventTime, record: Record) -> str:
        return self.formatter.line(tag, time, self.injector.inject(tag, time, record))

    def format(self, tag: str, time: EventTime, record: Record) -> bytes:
        return self._line(tag, time, record).encode("utf-8", "surrogateescape")

    async def write(self, chunk: Chunk) -> None:
        out = self._out()
        out.write(chunk.read().decode("utf-8", "surrogateescape"))
        out.flush()
