"""``<parse> @type regexp``: named groups of a regular expression become fields.

    expression /^\\[(?<logtime>[^\\]]*)\\] (?<name>[^ ]*) (?<title>[^ ]*) (?<id>\\d*)$/
    time_key logtime
    time_format %Y-%m-%d %H:%M:%S %z
    types id:integer

The expression is Ruby's syntax (``config/types.py`` translates it; flags
``i`` and ``m``, where Ruby's ``m`` lets ``.`` match a newline). Like Ruby's
``Regexp#match`` it is searched for anywhere in the text; a group that did
not take part in the match is left out of the record. ``time_key`` defaults
to ``time``.

Speed: an expression anchored with ``^``/``\\A`` cannot match past the start
of a one-line text, so such texts use ``re.match`` and skip the scan over
every other position (``search`` costs about twice as much on access logs).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from dplat.agent.config.element import Element
from dplat.agent.core.params import config_param, located
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_base import Parser, ParseResult


def anchored_at_start(source: str) -> bool:
    """True when every match of ``source`` must begin where the text (or a
    line) begins: it starts with ``^`` or ``\\A`` and has no top-level ``|``."""
    if not source.startswith(("^", "\\A")):
        return False
    depth, i, in_class = 0, 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
        i += 1
    return True


@register("regexp")
class RegexpParser(Parser):
    param_defaults: ClassVar[dict[str, Any]] = {"time_key": "time"}

    expression = config_param("regexp", desc="The expression, /.../ with flags i and m.")
    ignorecase = config_param("bool", default=False,
                              desc="Deprecated: write /pattern/i instead.")
    multiline = config_param("bool", default=False,  # type: ignore[assignment]
                             desc="Deprecated: write /pattern/m instead.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        pattern: re.Pattern[str] = self.expression
        if self.ignorecase or self.multiline:
            flags = pattern.flags | (re.IGNORECASE if self.ignorecase else 0) \
                | (re.DOTALL if self.multiline else 0)
            pattern = re.compile(pattern.pattern, flags)
        if not pattern.groupindex:
            raise located(element.origin, "No named captures in 'expression' parameter. The "
                          "regexp must have at least one named capture",
                          "Name a group: (?<field>...).")
        self.expression = pattern
        self._search = pattern.search
        self._match = pattern.match
        self._anchored = anchored_at_start(pattern.pattern)

    def parse(self, text: str) -> ParseResult:
        found = self._match(text) if self._anchored and "\n" not in text else self._search(text)
        if found is None:
            return None
        record = found.groupdict()
        if None in record.values():
            record = {key: value for key, value in record.items() if value is not None}
        return self.finish(record)
