"""What the text outputs (out_file, out_s3) store per event: the record after
``<inject>``, through their ``<format>``, as UTF-8 bytes.

One mixin, so both outputs format a whole stream at once
(``Buffering._pack`` prefers ``format_stream``): the formatter's per-call
costs, the time column and the str-to-bytes step are paid once per stream,
which is most of these outputs' per-event work (benchmarks/agent_forward.py).
"""

from __future__ import annotations

from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.formatters import Formatter
from dplat.agent.plugins.inject import Injector


class TextFormatting:
    """``format`` and ``format_stream`` of an output that has a
    ``formatter`` and an ``injector`` (set in its ``configure``)."""

    formatter: Formatter
    injector: Injector

    def format(self, tag: str, time: EventTime, record: Record) -> bytes:
        record = self.injector.inject(tag, time, record)
        return self.formatter.format(tag, time, record).encode("utf-8", "surrogateescape")

    def format_stream(self, tag: str, stream: EventStream) -> list[bytes]:
        """``format`` of each event in one call (see Buffering._pack)."""
        return self.formatter.format_bytes(tag, self.injector.inject_stream(tag, stream))
