"""``<parse> @type none``: the whole line as one field, ``{"message": line}``.

The cheapest parser, often paired with ``<format> @type single_value``. In a
batch every line gets the same current time (one clock read per batch, not
per line: the lines were read in the same instant anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.event import EventTime
from dplat.agent.plugins.parser_base import ParsedLines, Parser, ParseResult


@register("none")
class NoneParser(Parser):
    message_key = config_param("string", default="message", desc="Field holding the line.")

    def parse(self, text: str) -> ParseResult:
        return (EventTime.now() if self.estimate_current_event else None), \
            {self.message_key: text}

    def parse_lines(self, lines: Sequence[str], unmatched_key: str | None = None
                    ) -> ParsedLines:
        if not self.estimate_current_event:
            return super().parse_lines(lines, unmatched_key)
        now, key = EventTime.now(), self.message_key
        return ParsedLines([(now, {key: line}) for line in lines])
