"""``<parse> @type ltsv``: Labeled Tab-Separated Values, ``host:1.2.3.4<TAB>code:200``.

``delimiter`` (default TAB) or ``delimiter_pattern`` (a regexp) separates
fields, ``label_delimiter`` (default ``:``) a label from its value; a field
without the label delimiter is skipped. ``time_key`` defaults to ``time``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_base import Parser, ParseResult, ruby_split


@register("ltsv")
class LtsvParser(Parser):
    param_defaults: ClassVar[dict[str, Any]] = {"time_key": "time"}

    delimiter = config_param("string", default="\t", desc="Between fields.")
    delimiter_pattern = config_param("regexp", default=None,
                                     desc="Between fields, as a regexp (wins over delimiter).")
    label_delimiter = config_param("string", default=":", desc="Between label and value.")

    def parse(self, text: str) -> ParseResult:
        if self.delimiter_pattern is not None:
            fields = self.delimiter_pattern.split(text)
            while fields and fields[-1] == "":
                fields.pop()
        else:
            fields = ruby_split(text, self.delimiter)
        record = {}
        for field in fields:
            label, found, value = field.partition(self.label_delimiter)
            if found:
                record[label] = value
        return self.finish(record)
