"""``@type stdout`` as a filter: print each event and pass it on unchanged.

Fluentd's filter_stdout (``lib/fluent/plugin/filter_stdout.rb``): the line is
out_stdout's (``<format>`` default ``stdout``, ``<inject>`` allowed), the
events continue to the next filter or match untouched; a debugging tap.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from dplat.agent.config.element import Element
from dplat.agent.core.base import Filter
from dplat.agent.core.params import config_section
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream
from dplat.agent.plugins.formatters import new_formatter
from dplat.agent.plugins.inject import Injector


@register("stdout")
class StdoutFilter(Filter):
    format_config = config_section("format", desc="Line format (default: stdout).")
    inject_config = config_section("inject", desc="Add time, tag or hostname to the printed "
                                   "record (the event itself is not changed).")

    def __init__(self) -> None:
        super().__init__()
        self.stream: TextIO | None = None
        """Where lines go; None means the current ``sys.stdout`` (tests swap it)."""

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        self.formatter = new_formatter(self.format_config, "stdout")
        self.injector = Injector(self.inject_config)

    def filter_stream(self, tag: str, stream: EventStream) -> EventStream:
        out = self.stream or sys.stdout
        out.write("".join(
            self.formatter.line(tag, time, self.injector.inject(tag, time, record))
            for time, record in stream))
        out.flush()
        return stream
