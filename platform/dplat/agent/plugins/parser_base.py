"""The base of ``<parse>`` plugins: text in, ``(time, record)`` out.

A parser plugin (category ``parser``, ``<parse> @type regexp``) is a
Configurable like a formatter, not a Plugin: it has no router and no tasks;
inputs (in_tail, in_http...) own one and call it. Three ways to call it:

    parse(text)        -> (time, record) | None        one record (None: no match)
    parse_text(text)   -> (entries, unmatched | None)  every record of one text
                                                       (a JSON array, a multiline block)
    parse_lines(lines) -> ParsedLines                  a batch, the fast path in_tail uses

``time`` in ``parse`` is None when the text has no time and
``estimate_current_event`` is false; in_tail treats that as "not matched",
as Fluentd does. A time that does not read raises :class:`ParserError`.

The parameters every parser shares are Fluentd's (``parser.rb`` and
``TimeMixin``): ``time_key``, ``time_type``, ``time_format``, ``types``,
``null_value_pattern``... Plugins change a default with ``param_defaults``
(Fluentd's ``config_set_default``: json, ltsv and regexp read ``time``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Any, ClassVar

from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core import registry
from dplat.agent.core.params import Configurable, config_param, describe, located
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.parser_time import (
    ParserError,
    TimeParseError,
    TimeParser,
    ruby_to_f,
    ruby_to_i,
    zone_offset,
)

ParseResult = tuple[EventTime | None, Record] | None
__all__ = ["ParseResult", "ParsedLines", "Parser", "ParserError", "new_parser"]

TYPES = ("string", "integer", "float", "bool", "time", "array")
TRUTHY = frozenset({"true", "yes", "1"})


@dataclass(slots=True)
class ParsedLines:
    """What a batch of lines became. ``unmatched`` lists the lines no record
    came from; with ``unmatched_key`` they are also in ``stream`` (in order)
    as ``{unmatched_key: line}``. ``errors`` are lines whose values failed."""

    stream: EventStream = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    errors: list[tuple[str, Exception]] = field(default_factory=list)


class Parser(Configurable):
    """Base of the parser plugins; implement ``parse`` (and, for several
    records per text, ``parse_text``)."""

    plugin_category: ClassVar[str] = "parser"
    type_name: ClassVar[str] = ""
    multiline: ClassVar[bool] = False
    """True for ``multiline``: in_tail then groups lines before parsing."""
    param_defaults: ClassVar[dict[str, Any]] = {}

    types = config_param("hash", default=None, desc="Field conversions, e.g. "
                         "id:integer,ok:bool,at:time:%d/%b/%Y:%H:%M:%S %z,tags:array:|")
    time_key = config_param("string", default=None, desc="Field holding the event time.")
    null_value_pattern = config_param("regexp", default=None,
                                      desc="String values matching it become null.")
    null_empty_string = config_param("bool", default=False, desc="Empty strings become null.")
    estimate_current_event = config_param("bool", default=True,
                                          desc="Use the current time when there is no time field.")
    keep_time_key = config_param("bool", default=False, desc="Keep the time field in the record.")
    timeout = config_param("time", default=None, desc="Accepted for Fluentd configs; not enforced.")
    time_type = config_param("enum", default="string",
                             choices=("string", "unixtime", "float", "mixed"),
                             desc="How the time field is read.")
    time_format = config_param("string", default=None,
                               desc="strptime format (Ruby directives, %N, %iso8601).")
    time_format_fallbacks = config_param("array", default=[],
                                         desc="Formats tried in turn with time_type mixed.")
    localtime = config_param("bool", default=True, desc="Times without a zone are local "
                             "(UTC in dplat).")
    utc = config_param("bool", default=False, desc="Times without a zone are UTC.")
    timezone = config_param("string", default=None, desc="Zone of times without one: "
                            "+09:00, +0900, +09 or Asia/Tokyo.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        defaults = {**self.param_defaults, **(kwargs.pop("defaults", None) or {})}
        super().configure(element, defaults=defaults, **kwargs)
        if "localtime" in element.params and "utc" in element.params \
                and self.localtime == self.utc:
            raise located(element.origin, "both of utc and localtime are specified, "
                          "use only one of them")
        if self.time_type == "mixed" and "time_type" in element.params \
                and not self.time_format and not self.time_format_fallbacks:
            raise located(element.origin, "time_type is mixed but time_format and "
                          "time_format_fallbacks are empty")
        self.zone = resolve_zone(self.timezone, element)
        self.time_parser = self.make_time_parser(self.time_type, self.time_format)
        self.converters = self._build_converters(element)
        self._convert = bool(self.converters or self.null_value_pattern
                             or self.null_empty_string)

    def make_time_parser(self, time_type: str, time_format: str | None,
                         zone: tzinfo | None = None) -> TimeParser:
        return TimeParser(time_type, time_format, zone or self.zone, self.time_format_fallbacks)

    # -- the hooks ---------------------------------------------------------------
    def parse(self, text: str) -> ParseResult:
        """One record from ``text``, or None when the text does not match."""
        raise NotImplementedError("BUG: parser plugins MUST implement parse()")

    def parse_text(self, text: str) -> tuple[EventStream, str | None]:
        """Every record of ``text`` and, when part of it matched nothing, that
        part (for ``emit_unmatched_lines``)."""
        result = self.parse(text)
        if result is None or result[0] is None:
            return [], text
        return [result], None  # type: ignore[list-item]

    def parse_lines(self, lines: Sequence[str], unmatched_key: str | None = None
                    ) -> ParsedLines:
        """Parse a batch of lines; see :class:`ParsedLines`."""
        if type(self).parse_text is not Parser.parse_text:
            return self._lines_by_text(lines, unmatched_key)
        out = ParsedLines()
        stream, unmatched = out.stream, out.unmatched
        append, parse = stream.append, self.parse
        now: EventTime | None = None
        for line in lines:
            try:
                result = parse(line)
            except ParserError as exc:
                out.errors.append((line, exc))
                continue
            if result is None or result[0] is None:
                unmatched.append(line)
                if unmatched_key is not None:
                    now = now or EventTime.now()
                    append((now, {unmatched_key: line}))
                continue
            append(result)  # type: ignore[arg-type]
        return out

    def _lines_by_text(self, lines: Sequence[str], unmatched_key: str | None) -> ParsedLines:
        """``parse_lines`` for parsers that find several records in a text."""
        out = ParsedLines()
        for line in lines:
            try:
                entries, rest = self.parse_text(line)
            except ParserError as exc:
                out.errors.append((line, exc))
                continue
            out.stream.extend(entries)
            if rest is not None:
                out.unmatched.append(rest)
                if unmatched_key is not None:
                    out.stream.append((EventTime.now(), {unmatched_key: rest}))
        return out

    # -- helpers for subclasses ------------------------------------------------------
    def finish(self, record: Record) -> ParseResult:
        """Take the event time out of ``record`` and convert its values
        (Fluentd's ``parse_time`` then ``convert_values``)."""
        time = self.time_of(record)
        if self._convert:
            self.convert_values(record)
        return time, record

    def time_of(self, record: Record) -> EventTime | None:
        key = self.time_key
        if key is not None and key in record:
            value = record[key] if self.keep_time_key else record.pop(key)
            return self.time_parser.parse(value)
        return EventTime.now() if self.estimate_current_event else None

    def convert_values(self, record: Record) -> None:
        pattern, empty, converters = self.null_value_pattern, self.null_empty_string, \
            self.converters
        for key, value in record.items():
            if value is None or value is False:
                continue
            if isinstance(value, str) and ((empty and not value)
                                           or (pattern is not None and pattern.search(value))):
                record[key] = None
                continue
            convert = converters.get(key)
            if convert is not None:
                record[key] = convert(value)

    def _build_converters(self, element: Element) -> dict[str, Callable[[Any], Any]]:
        converters: dict[str, Callable[[Any], Any]] = {}
        for name, definition in (self.types or {}).items():
            kind, _, option = str(definition).partition(":")
            if kind not in TYPES:
                raise located(element.origin, f"{describe(element)}: unknown value conversion "
                              f"for key:'{name}', type:'{kind}'",
                              f"Valid types are {', '.join(TYPES)}.")
            converters[name] = self._converter(kind, option, element)
        return converters

    def _converter(self, kind: str, option: str, element: Element) -> Callable[[Any], Any]:
        if kind == "string":
            return ruby_to_s
        if kind == "integer":
            return ruby_to_i
        if kind == "float":
            return ruby_to_f
        if kind == "bool":
            return lambda value: ruby_to_s(value).lower() in TRUTHY
        if kind == "array":
            delimiter = option or ","
            return lambda value: ruby_split(ruby_to_s(value), delimiter)
        return self._time_converter(option, element)

    def _time_converter(self, option: str, element: Element) -> Callable[[Any], Any]:
        """``t:time``, ``t:time:unixtime``, ``t:time:%d/%b/%Y`` or
        ``t:time:+09:00:%Y-%m-%d %H:%M:%S`` (a zone first, as in Fluentd)."""
        zone: tzinfo | None = None
        time_type, fmt = "string", option or None
        if option:
            head, _, rest = option.partition(":")
            if rest and _valid_zone(head):
                zone, fmt = resolve_zone(head, element), rest
            if fmt in ("unixtime", "float"):
                time_type, fmt = fmt, None
        parser = self.make_time_parser(time_type, fmt, zone)

        def convert(value: Any) -> EventTime | None:
            try:
                return parser.parse(value)
            except TimeParseError:
                return None

        return convert


def _valid_zone(text: str) -> bool:
    try:
        zone_offset(text)
    except KeyError:
        return False
    return True


def resolve_zone(spec: str | None, element: Element | None = None) -> tzinfo:
    """The tzinfo of a ``timezone`` value; UTC when none is given."""
    if not spec:
        return UTC
    try:
        offset = zone_offset(spec)
    except KeyError:
        raise ConfigError(f"invalid timezone '{spec}'", element.origin if element else None,
                          "Write +09:00, +0900, +09 or a zone name such as Asia/Tokyo.") from None
    if "/" in spec:
        from zoneinfo import ZoneInfo

        return ZoneInfo(spec)
    return timezone(timedelta(seconds=offset)) if offset else UTC


def ruby_to_s(value: Any) -> str:
    """Ruby's ``to_s`` for record values: nil is "", true is "true", hashes
    and arrays as JSON (Ruby would print its inspect form)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def ruby_split(text: str, delimiter: str) -> list[str]:
    """Ruby's ``String#split``: trailing empty fields are dropped, and a
    single space splits on runs of whitespace (awk style)."""
    parts = text.split() if delimiter == " " else text.split(delimiter)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def new_parser(element: Element, *, usage: str = "") -> Parser:
    """Build the parser of a ``<parse>`` section from its ``@type``."""
    parser: Parser = registry.build(
        "parser", element, usage=usage,
        hint="Write e.g. '@type regexp', '@type json' or '@type none'.")
    return parser
