"""``<parse> @type csv``: comma-separated values named by ``keys``.

    keys time,host,req_id,user
    time_key time

As Ruby's ``CSV.parse_line``: a quoted field keeps delimiters and doubled
quotes (the field ``"x,""y"`` holds ``x,"y``), an empty unquoted field is
null while a quoted empty field is an empty string, a broken quote is an error, keys without a value
are null and values without a key are dropped. ``parser_type fast`` is
Fluentd's lighter reading of the same (no errors for broken quotes).
``time_key`` has no default here.
"""

from __future__ import annotations

import csv
from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_base import Parser, ParserError, ParseResult

QUOTE = '"'


@register("csv")
class CsvParser(Parser):
    keys = config_param("array", desc="Field names, in column order.")
    delimiter = config_param("string", default=",", desc="Between values (any length).")
    parser_engine = config_param("enum", default="normal", choices=("normal", "fast"),
                                 alias="parser_type", desc="normal (strict) or fast.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        self._fields = self._split_fast if self.parser_engine == "fast" else self._split

    def parse(self, text: str) -> ParseResult:
        values = self._fields(text)
        if values is None:
            return None
        record = dict(zip(self.keys, values, strict=False))
        for key in self.keys[len(values):]:
            record[key] = None
        return self.finish(record)

    def _split(self, text: str) -> list[str | None] | None:
        if not text:
            return None
        if QUOTE not in text:
            return [value or None for value in text.split(self.delimiter)]
        if len(self.delimiter) == 1:
            try:
                values: list[str | None] = next(csv.reader([text], delimiter=self.delimiter,
                                                           strict=True))
            except csv.Error as exc:
                raise ParserError(f"malformed CSV: {exc}") from exc
            if "" not in values:
                return values
        return split_quoted(text, self.delimiter)

    def _split_fast(self, text: str) -> list[str | None]:
        """Fluentd's ``parser_type fast``: split, then glue quoted columns
        that contained the delimiter back together."""
        if not text:
            return []
        columns = text.split(self.delimiter)
        values: list[str | None] = []
        index = 0
        while index < len(columns):
            column = columns[index]
            quotes = column.count(QUOTE)
            if quotes == 0:
                values.append(column or None)
                index += 1
                continue
            if quotes == 1 and column.startswith(QUOTE):
                parts = [column]
                while index + 1 < len(columns):
                    index += 1
                    parts.append(columns[index])
                    if columns[index].endswith(QUOTE):
                        break
                column = self.delimiter.join(parts)[1:-1]
            elif quotes >= 2 and column.startswith(QUOTE) and column.endswith(QUOTE):
                column = column[1:-1]
                if quotes > 2:
                    column = column.replace(QUOTE * 2, QUOTE)
            values.append(column)
            index += 1
        return values


def split_quoted(text: str, delimiter: str) -> list[str | None]:
    """One CSV line with quotes, any delimiter length; an empty unquoted field
    is None, ``""`` is an empty string. ParserError on broken quoting."""
    values: list[str | None] = []
    position, end = 0, len(text)
    while True:
        if text.startswith(QUOTE, position):
            chunks, cursor = [], position + 1
            while True:
                close = text.find(QUOTE, cursor)
                if close < 0:
                    raise ParserError(f"malformed CSV: unclosed quoted field at {position}")
                chunks.append(text[cursor:close])
                if text.startswith(QUOTE, close + 1):
                    chunks.append(QUOTE)
                    cursor = close + 2
                    continue
                break
            values.append("".join(chunks))
            position = close + 1
            if position < end and not text.startswith(delimiter, position):
                raise ParserError(f"malformed CSV: text after a closing quote at {position}")
        else:
            stop = text.find(delimiter, position)
            stop = end if stop < 0 else stop
            field = text[position:stop]
            if QUOTE in field:
                raise ParserError(f"malformed CSV: illegal quoting at {position}")
            values.append(field or None)
            position = stop
        if position >= end:
            return values
        position += len(delimiter)
        if position >= end:
            values.append(None)
            return values
