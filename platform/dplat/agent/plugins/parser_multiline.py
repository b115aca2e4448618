"""``<parse> @type multiline``: one record from several lines (stack traces).

    format_firstline /\\d{4}-\\d{1,2}-\\d{1,2}/
    format1 /^(?<time>\\d{4}-\\d{1,2}-\\d{1,2} \\d{1,2}:\\d{1,2}:\\d{1,2}) \\[(?<thread>.*)\\] (?<level>[^\\s]+)(?<message>.*)/

``format1`` .. ``format20`` are joined into one expression in which ``.``
also matches a newline (Ruby's ``m`` flag, as Fluentd compiles it).
Grouping the lines is in_tail's work (``format_firstline`` starts a record;
without it, lines gather until the text matches); this class says whether a
line starts a record and parses the gathered text, which may hold several
records one after another. ``time_key`` defaults to ``time``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from dplat.agent.config.element import Element
from dplat.agent.config.types import compile_ruby_regex
from dplat.agent.core.params import config_param, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream
from dplat.agent.plugins.parser_base import Parser, ParseResult

FORMAT_MAX_NUM = 20
_FORMAT_KEY = re.compile(r"^format(\d+)$")


@register("multiline")
class MultilineParser(Parser):
    multiline: ClassVar[bool] = True
    param_defaults: ClassVar[dict[str, Any]] = {"time_key": "time"}

    format_firstline = config_param("string", default=None,
                                    desc="/regexp/ matching the first line of a record.")
    unmatched_lines = config_param("string", default=None,
                                   desc="Set by in_tail from emit_unmatched_lines.")

    @classmethod
    def known_keys(cls) -> set[str]:
        return super().known_keys() | {f"format{n}" for n in range(1, FORMAT_MAX_NUM + 1)}

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        formats = self._formats(element)
        source = "".join(formats)
        try:
            self.expression = compile_ruby_regex(source, re.MULTILINE | re.DOTALL)
        except re.error as exc:
            raise located(element.origin, f"Invalid regexp '{source}': {exc}") from None
        if not self.expression.groupindex:
            raise located(element.origin, f"Invalid regexp '{source}': No named captures")
        self.firstline_pattern: re.Pattern[str] | None = None
        if self.format_firstline is not None:
            body = _slashed(self.format_firstline, "format_firstline", element)
            self.firstline_pattern = compile_ruby_regex(body)

    def _formats(self, element: Element) -> list[str]:
        for key in element.params:
            found = _FORMAT_KEY.match(key)
            if found and not 1 <= int(found.group(1)) <= FORMAT_MAX_NUM:
                raise located(element.params[key].origin, f"Invalid formatN found. N should "
                              f"be 1 - {FORMAT_MAX_NUM}: {key}")
        formats, gap = [], None
        for number in range(1, FORMAT_MAX_NUM + 1):
            value = element.get(f"format{number}")
            if value is None:
                gap = gap or number
                continue
            if gap is not None:
                raise located(element.params[f"format{number}"].origin, "Jump of format index "
                              f"found. format{gap} is missing.")
            formats.append(_slashed(value, f"format{number}", element))
        if not formats:
            raise located(element.origin, "multiline needs format1 (and up to format20)",
                          "Write e.g. format1 /^(?<message>.*)/")
        return formats

    @property
    def has_firstline(self) -> bool:
        return self.firstline_pattern is not None

    def firstline(self, text: str) -> bool:
        return self.firstline_pattern is not None and \
            self.firstline_pattern.search(text) is not None

    def parse(self, text: str) -> ParseResult:
        found = self.expression.search(text)
        return None if found is None else self._record(found)

    def parse_text(self, text: str) -> tuple[EventStream, str | None]:
        """Every record in ``text`` in turn (what follows one match is
        searched again), and the rest when a search fails."""
        entries: EventStream = []
        rest = text
        while True:
            found = self.expression.search(rest)
            if found is None or found.end() == 0:
                return entries, rest
            result = self._record(found)
            if result[0] is None:  # type: ignore[index]
                return entries, rest
            entries.append(result)  # type: ignore[arg-type]
            rest = rest[found.end():]
            if rest.startswith("\n"):
                rest = rest[1:]
            if not rest:
                return entries, None

    def _record(self, found: re.Match[str]) -> ParseResult:
        record = {key: value for key, value in found.groupdict().items() if value is not None}
        return self.finish(record)


def _slashed(value: str, key: str, element: Element) -> str:
    """The body of a ``/regexp/`` value (multiline formats must be slashed)."""
    if len(value) >= 2 and value[0] == "/" and value[-1] == "/":
        return value[1:-1]
    raise located(element.params[key].origin if key in element.params else element.origin,
                  f"format should be Regexp, need //, in {key}: '{value}'")
