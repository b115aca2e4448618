"""``<format>`` plugins: how an output turns an event into text.

    out_file      2024-01-02T03:04:05+00:00<TAB>app.web<TAB>{"k":"v"}   (out_file's default)
    json          {"k":"v"}
    ltsv          k:v<TAB>n:1
    single_value  the value of message_key
    stdout        2024-01-02 03:04:05.123456789 +0000 app.web: {"k":"v"}

JSON is compact with UTF-8 kept as is, like Ruby's ``JSON.generate``. Times
are rendered in UTC (DESIGN "Time"): where Fluentd uses the machine's local
zone, we behave like Fluentd on a machine set to UTC (``+00:00``); ``utc
true`` gives Ruby's UTC form (``Z``) and ``timezone`` picks another zone.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, ClassVar

from dplat.agent.buffer.metadata import TimeZone
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core import registry
from dplat.agent.core.params import Configurable, config_param, warn_unused
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record

try:
    import orjson as _orjson
except ImportError:  # installed with the agent; json alone also works, slower
    _orjson = None  # type: ignore[assignment]
_ORJSON_OPTIONS = 0 if _orjson is None else _orjson.OPT_NON_STR_KEYS
"""Integer keys become strings, as json does (msgpack maps may have them)."""

_SUBSEC = re.compile(r"%%|%(\d*)N|%L")
NEWLINES = {"lf": "\n", "crlf": "\r\n"}


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default,
                            check_circular=False)
_c_encode = None if c_make_encoder is None else c_make_encoder(
    None, _json_default, encode_basestring, None, ":", ",", False, False, True)
"""json's C encoder, made once. ``json.dumps`` with any option builds a new
encoder per call, which costs more than encoding a small record; this is the
per-event hot path of every text output. No circular check (no markers), so
it holds no state and threads may share it: a record decoded from msgpack or
JSON cannot contain itself, and if one did, the recursion limit stops it."""


def _orjson_default(value: Any) -> Any:
    # Tuples (EventTime is one) as lists, as json writes them; the rest as text.
    return list(value) if isinstance(value, tuple) else _json_default(value)


def to_json(record: Record) -> str:
    """Compact JSON for the text outputs (out_file, out_s3, stdout).

    orjson first: formatting records is the largest per-event cost of those
    outputs, and it is ~5x json's C encoder. The text can differ from json's
    in small ways, all still valid JSON: NaN and infinities become null, 1e-05
    is written 0.00001, datetimes, UUIDs and enums get orjson's own forms.
    What orjson refuses (strings with lone surrogates, integers over 64 bits,
    nesting past 254 levels) is written by :func:`to_json_roundtrip`.
    """
    if _orjson is not None:
        try:
            return _orjson.dumps(record, default=_orjson_default, option=_ORJSON_OPTIONS).decode()
        except _orjson.JSONEncodeError:
            pass
    return to_json_roundtrip(record)


def to_json_bytes(record: Record) -> bytes:
    """:func:`to_json` as UTF-8 (lone surrogates from undecodable input as
    their original bytes): orjson's own bytes, with no str in between, which
    saves a decode and an encode per event on the text outputs' hot path."""
    if _orjson is not None:
        try:
            return _orjson.dumps(record, default=_orjson_default, option=_ORJSON_OPTIONS)
        except _orjson.JSONEncodeError:
            pass
    return to_json_roundtrip(record).encode("utf-8", "surrogateescape")


_ORJSON_ROUNDTRIP_OPTIONS = 0 if _orjson is None else (
    _ORJSON_OPTIONS | _orjson.OPT_PASSTHROUGH_DATETIME | _orjson.OPT_PASSTHROUGH_DATACLASS)
"""Datetimes and dataclasses through ``default`` (``str``), as json writes them."""


def to_json_roundtrip_bytes(record: Record) -> bytes:
    """:func:`to_json_roundtrip` as UTF-8, made by orjson (~4x faster) where
    that reads back to the same values: orjson writes NaN and infinities as
    ``null``, so a text with ``null`` anywhere in it (a None, or the word in
    a string) is made again by json, and so is what orjson refuses. Float
    digits may differ from json's (``0.00001`` for ``1e-05``); the values
    ``json.loads`` reads back do not."""
    if _orjson is not None:
        try:
            data = _orjson.dumps(record, default=_orjson_default,
                                 option=_ORJSON_ROUNDTRIP_OPTIONS)
        except _orjson.JSONEncodeError:
            pass
        else:
            if b"null" not in data:
                return data
    return to_json_roundtrip(record).encode("utf-8", "surrogateescape")


def to_json_roundtrip(record: Record, _join: Any = "".join) -> str:
    """Compact JSON that Python's ``json.loads`` reads back to the same values,
    NaN and infinities included (as json writes them); bytes and other values
    JSON cannot hold as text. For what the agent reads back itself (the
    BigQuery outputs' chunk lines) and for what BigQuery must get unchanged."""
    if _c_encode is None:  # an interpreter without json's C accelerator
        return _ENCODER.encode(record)
    return _join(_c_encode(record, 0))  # type: ignore[no-any-return]


class TimeFormatter:
    """Event times as text: strftime plus ``%N``/``%3N``/``%L`` sub-seconds."""

    def __init__(self, fmt: str | None, zone: TimeZone, *, utc_designator: bool = False) -> None:
        self.fmt = fmt
        self.zone = zone
        self.utc_designator = utc_designator
        self._cache: tuple[int, str] | None = None
        self._has_subsec = fmt is not None and any(
            m.group(0) != "%%" for m in _SUBSEC.finditer(fmt))

    @property
    def has_subseconds(self) -> bool:
        """True when the format shows fractions of a second (``%N``, ``%L``)."""
        return self._has_subsec

    def format(self, time: EventTime) -> str:
        if not self._has_subsec and self._cache is not None and self._cache[0] == time.sec:
            return self._cache[1]
        moment = datetime.fromtimestamp(time.sec, self.zone.tz)
        if self.fmt is None:
            text = moment.isoformat()
            if self.utc_designator and text.endswith("+00:00"):
                text = text[:-6] + "Z"
        else:
            fmt = _SUBSEC.sub(lambda m: _subsec(m, time.nsec), self.fmt) if self._has_subsec \
                else self.fmt
            text = moment.strftime(fmt)
        if not self._has_subsec:
            self._cache = (time.sec, text)
        return text


def _subsec(match: re.Match[str], nsec: int) -> str:
    if match.group(0) == "%%":
        return "%%"
    if match.group(0) == "%L":
        return f"{nsec:09d}"[:3]
    digits = int(match.group(1) or 9)
    return f"{nsec:09d}"[:digits].ljust(digits, "0")


class Formatter(Configurable):
    """Base of the formatter plugins (category ``formatter``)."""

    plugin_category: ClassVar[str] = "formatter"
    type_name: ClassVar[str] = ""

    newline = config_param("enum", default="lf", choices=tuple(NEWLINES),
                           desc="Line ending: lf or crlf.")

    def format(self, tag: str, time: EventTime, record: Record) -> str:
        raise NotImplementedError("BUG: formatter plugins MUST implement format()")

    def line(self, tag: str, time: EventTime, record: Record) -> str:
        """``format`` as exactly one line ending in a newline, whatever the
        formatter's own ending: what out_stdout and filter_stdout print."""
        return self.format(tag, time, record).rstrip("\r\n") + "\n"

    def format_bytes(self, tag: str, stream: EventStream) -> list[bytes]:
        """``format`` of every event, in order, as UTF-8 (what a text output's
        chunk holds); a formatter on a hot path overrides it to pay its
        per-call costs once per stream."""
        format_ = self.format
        return [format_(tag, time, record).encode("utf-8", "surrogateescape")
                for time, record in stream]

    @property
    def eol(self) -> str:
        return NEWLINES[self.newline]


class TimedFormatter(Formatter):
    """A formatter that prints the event time (Fluentd's TimeMixin keys)."""

    default_time_format: ClassVar[str | None] = None

    time_type = config_param("enum", default="string", choices=("string", "unixtime", "float"),
                             desc="string (time_format), unixtime or float seconds.")
    time_format = config_param("string", default=None, desc="strftime, plus %N, %3N, %L.")
    localtime = config_param("bool", default=True, desc="Local time (UTC in dplat).")
    utc = config_param("bool", default=False, desc="Render in UTC with the Z designator.")
    timezone = config_param("string", default=None, desc="Zone such as +0900 or Asia/Tokyo.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        try:
            zone = TimeZone(self.timezone)
        except ConfigError as exc:
            raise exc.with_origin(element.origin) from None
        utc = (self.utc or not self.localtime) and self.timezone is None
        self.time_formatter = TimeFormatter(self.time_format or self.default_time_format, zone,
                                            utc_designator=utc)

    def format_time(self, time: EventTime) -> str:
        if self.time_type == "unixtime":
            return str(time.sec)
        if self.time_type == "float":
            return f"{time.sec}.{time.nsec:09d}"
        return self.time_formatter.format(time)

    @property
    def whole_seconds(self) -> bool:
        """True when the time text depends on the seconds only (no ``%N``,
        not ``float``): events of the same second then share it."""
        if self.time_type == "unixtime":
            return True
        return self.time_type == "string" and not self.time_formatter.has_subseconds


@register("out_file")
class OutFileFormatter(TimedFormatter):
    """Time, tag and the record as JSON, separated by tabs (out_file's lines)."""

    output_tag = config_param("bool", default=True, desc="Print the tag column.")
    output_time = config_param("bool", default=True, desc="Print the time column.")
    delimiter = config_param("string", default="\t", desc="TAB (default), SPACE or COMMA.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        self.separator = {"SPACE": " ", "COMMA": ","}.get(self.delimiter.upper(), "\t")

    def format(self, tag: str, time: EventTime, record: Record) -> str:
        parts = []
        if self.output_time:
            parts.append(self.format_time(time))
        if self.output_tag:
            parts.append(tag)
        parts.append(to_json(record))
        return self.separator.join(parts) + self.eol

    def format_bytes(self, tag: str, stream: EventStream) -> list[bytes]:
        """``format`` per event, written for speed (out_file's and out_s3's
        default format is the per-event cost of those outputs): bytes built
        from orjson's bytes, and the time and tag columns made once per
        distinct time, not per event."""
        eol, encode = self.eol.encode(), to_json_bytes
        head = tag + self.separator if self.output_tag else ""
        if not self.output_time:
            head_bytes = head.encode("utf-8", "surrogateescape")
            return [head_bytes + encode(record) + eol for _, record in stream]
        format_time, separator = self.format_time, self.separator
        by_second = self.whole_seconds
        lines: list[bytes] = []
        append = lines.append
        last: object = None
        prefix = b""
        for time, record in stream:
            key = time[0] if by_second else time
            if key != last:
                last = key
                prefix = (format_time(time) + separator + head).encode("utf-8", "surrogateescape")
            append(prefix + encode(record) + eol)
        return lines


@register("json")
class JsonFormatter(Formatter):
    """The record as one JSON object per line."""

    add_newline = config_param("bool", default=True, desc="End each record with a newline.")
    json_parser = config_param("string", default="json", desc="Accepted for Fluentd configs.")

    def format(self, tag: str, time: EventTime, record: Record) -> str:
        return to_json(record) + (self.eol if self.add_newline else "")

    def format_bytes(self, tag: str, stream: EventStream) -> list[bytes]:
        """One call per stream, orjson's bytes as they are (out_s3's
        ``<format> @type json`` in the logging-to-bq lesson)."""
        eol, encode = self.eol.encode() if self.add_newline else b"", to_json_bytes
        return [encode(record) + eol for _, record in stream]


@register("ltsv")
class LtsvFormatter(Formatter):
    """The record as Labeled Tab-Separated Values, ``label:value`` pairs."""

    delimiter = config_param("string", default="\t", desc="Between fields.")
    label_delimiter = config_param("string", default=":", desc="Between label and value.")
    replacement = config_param("string", default=" ", desc="Replaces delimiters in values.")
    add_newline = config_param("bool", default=True, desc="End each record with a newline.")

    def format(self, tag: str, time: EventTime, record: Record) -> str:
        fields = (f"{label}{self.label_delimiter}"
                  f"{_text(value).replace(self.delimiter, self.replacement)}"
                  for label, value in record.items())
        return self.delimiter.join(fields) + (self.eol if self.add_newline else "")


@register("single_value")
class SingleValueFormatter(Formatter):
    """One field's value alone, e.g. the original log line in ``message``."""

    message_key = config_param("string", default="message", desc="The field printed.")
    add_newline = config_param("bool", default=True, desc="End each record with a newline.")

    def format(self, tag: str, time: EventTime, record: Record) -> str:
        return _text(record.get(self.message_key)) + (self.eol if self.add_newline else "")


@register("stdout")
class StdoutFormatter(TimedFormatter):
    """Time, tag and the record, as out_stdout prints them."""

    default_time_format = "%Y-%m-%d %H:%M:%S.%N %z"

    output_type = config_param("string", default="json", desc="Formatter of the record part.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        warn = kwargs.pop("warn_unknown", True)
        super().configure(element, warn_unknown=False, **kwargs)
        params = {k: v for k, v in element.params.items() if k not in ("@type", "type")}
        inner = Element("format", "", params, [], element.origin)
        self.inner = new_formatter(inner, self.output_type, warn_unknown=False)
        if warn:
            warn_unused(element, self.known_keys() | self.inner.known_keys(), set())

    def format(self, tag: str, time: EventTime, record: Record) -> str:
        body = self.inner.format(tag, time, record).rstrip("\r\n")
        return f"{self.format_time(time)} {tag}: {body}{self.eol}"


def _text(value: Any) -> str:
    """Ruby's ``to_s`` for the common cases: nil is empty, hashes are JSON."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return to_json(value)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def new_formatter(element: Element | None, default_type: str, *,
                  warn_unknown: bool = True) -> Formatter:
    """Build the formatter of a ``<format>`` section (or the default type)."""
    formatter: Formatter = registry.build("formatter", element or Element("format"),
                                          default_type=default_type, warn_unknown=warn_unknown)
    return formatter
