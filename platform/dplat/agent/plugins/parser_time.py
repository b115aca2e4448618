"""Event times from text, the way Fluentd's ``TimeParser`` reads them.

``time_type`` picks the reader: ``string`` (``time_format`` with Ruby's
strptime directives, ``%iso8601``, or no format at all: a free-form date that
Ruby's ``Time.parse`` would read), ``unixtime`` (whole seconds), ``float``
(seconds with a fraction, kept to the nanosecond) or ``mixed`` (the format,
then each of ``time_format_fallbacks``).

Python's ``datetime.strptime`` costs ~30 µs a call, which alone would cap an
apache log at a few MiB/s, so a format is compiled once into one regular
expression plus integer arithmetic, and the last results are cached (log
lines written in the same second share their time text, and Fluentd caches
too). Directives this compiler does not know fall back to ``strptime``.

Zones: a time text with ``%z``/``%Z`` carries its own offset; otherwise the
``timezone`` parameter applies, else UTC (dplat's agent runs in UTC, DESIGN
"Time"; Fluentd would use the machine's local zone, which is the same on a
machine set to UTC).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from dplat.agent.event import EventTime

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
CACHE_LIMIT = 4096
MONTHS = {name: index + 1 for index, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
FULL_MONTHS = {name: index + 1 for index, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"))}
ZONE_NAMES = {"utc": 0, "ut": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6,
              "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "jst": 9, "kst": 9,
              "cet": 1, "cest": 2, "eet": 2, "eest": 3, "wet": 0, "west": 1, "bst": 1,
              "ist": 5.5, "hst": -10, "akst": -9, "akdt": -8, "aest": 10, "aedt": 11}
"""Zone abbreviations ``%Z`` knows (the common ones of Ruby's zone table), in hours."""


class ParserError(ValueError):
    """A text matched, but a value in it cannot be used (e.g. a bad time)."""


class TimeParseError(ParserError):
    """A time text the configured format cannot read."""


def ruby_to_i(value: Any) -> int:
    """Ruby's ``to_i``: the leading integer of a text (``"12abc"`` is 12,
    ``"abc"`` is 0), a number truncated toward zero."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    text = str(value)
    try:
        return int(text)
    except ValueError:
        pass
    match = _LEADING_INT.match(text)
    return int(match.group(0).replace("_", "")) if match else 0


def ruby_to_f(value: Any) -> float:
    """Ruby's ``to_f``: the leading decimal number of a text, else 0.0."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    match = _LEADING_FLOAT.match(str(value))
    return float(match.group(0).replace("_", "")) if match and match.group(0).strip() else 0.0


_LEADING_INT = re.compile(r"\s*[+-]?\d+(?:_\d+)*")
_LEADING_FLOAT = re.compile(r"\s*[+-]?(?:\d+(?:_\d+)*)?(?:\.\d+)?(?:[eE][+-]?\d+)?")


class TimeParser:
    """One configured way of reading times; ``parse(value)`` -> EventTime."""

    def __init__(self, time_type: str = "string", time_format: str | None = None,
                 zone: tzinfo = UTC, fallbacks: Sequence[str] = ()) -> None:
        self._cache: dict[Any, EventTime] = {}
        if time_type == "mixed":
            formats = [fmt for fmt in (time_format, *fallbacks) if fmt]
            self._read: Callable[[Any], EventTime] = _first_of(formats, zone)
        elif time_type in ("unixtime", "float"):
            self._read = _reader(time_type, zone)
        else:
            self._read = _reader(time_format, zone)

    def parse(self, value: Any) -> EventTime:
        """The time in ``value``; TimeParseError saying why not."""
        try:
            return self._cache[value]
        except KeyError:
            pass
        except TypeError:  # unhashable (a list or dict in a JSON record)
            raise TimeParseError(f"value must be a string or a number: {value!r}") from None
        try:
            result = self._read(value)
        except TimeParseError:
            raise
        except (ValueError, TypeError, OverflowError, KeyError) as exc:
            raise TimeParseError(f"invalid time format: value = {value!r}, error = {exc}") from exc
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[value] = result
        return result


def _reader(fmt: str | None, zone: tzinfo) -> Callable[[Any], EventTime]:
    if fmt == "unixtime":
        return _read_unixtime
    if fmt == "float":
        return _read_float
    if fmt is None:
        return lambda value: _read_free_form(_text(value), zone)
    if fmt == "%iso8601":
        return lambda value: _read_iso8601(_text(value), zone)
    compiled = compile_strptime(fmt)
    if compiled is None:
        return lambda value: _from_datetime(datetime.strptime(_text(value), fmt), zone)
    return lambda value: compiled(_text(value), zone)


def _first_of(formats: list[str], zone: tzinfo) -> Callable[[Any], EventTime]:
    """``time_type mixed``: the first format that reads the value; ``unixtime``
    and ``float`` only try values that are numbers, as in Fluentd."""
    readers = [(fmt in ("unixtime", "float"), _reader(fmt, zone)) for fmt in formats]

    def read(value: Any) -> EventTime:
        for numeric, reader in readers:
            try:
                if numeric:
                    float(value)
                return reader(value)
            except (ValueError, TypeError, OverflowError, KeyError):
                continue
        raise TimeParseError(f"invalid time format: value = {value!r}, even with fallbacks")

    return read


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TimeParseError(f"value must be a string: {value!r}")
    return value


def _read_unixtime(value: Any) -> EventTime:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise TimeParseError(f"value must be a string or a number: {value!r}")
    return EventTime(ruby_to_i(value), 0)


def _read_float(value: Any) -> EventTime:
    """Seconds and up to nine fraction digits, read from the text so that no
    binary rounding changes the nanoseconds (Fluentd splits at the dot too)."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise TimeParseError(f"value must be a string or a number: {value!r}")
    text = value if isinstance(value, str) else repr(value)
    whole, _, fraction = text.partition(".")
    digits = re.match(r"\d*", fraction)
    nsec = int((digits.group(0) if digits else "")[:9].ljust(9, "0"))
    sec = ruby_to_i(whole)
    if whole.lstrip().startswith("-") and nsec:
        return EventTime(sec - 1, 1_000_000_000 - nsec)
    return EventTime(sec, nsec)


def _from_datetime(moment: datetime, zone: tzinfo) -> EventTime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    seconds = moment.timestamp()
    return EventTime(int(seconds // 1), moment.microsecond * 1000)


def _read_iso8601(text: str, zone: tzinfo) -> EventTime:
    """Ruby's ``Time.iso8601``: ``2024-01-02T03:04:05.123+09:00`` (``Z`` ok)."""
    stripped = text.strip()
    moment = datetime.fromisoformat(stripped)
    nsec = _fraction_nsec(stripped)
    result = _from_datetime(moment, zone)
    return EventTime(result.sec, nsec if nsec is not None else result.nsec)


def _fraction_nsec(text: str) -> int | None:
    match = re.search(r"[T ]\d{2}:?\d{2}:?\d{2}[.,](\d+)", text)
    return int(match.group(1)[:9].ljust(9, "0")) if match else None


def _read_free_form(text: str, zone: tzinfo) -> EventTime:
    """No ``time_format``: Ruby's ``Time.parse`` reads almost any date. ISO 8601
    first (fast), then dateutil (installed with boto3), which reads the same
    common forms (``2013/02/28 12:00:00``, ``Oct 11 14:32:52 2000``...)."""
    try:
        return _read_iso8601(text, zone)
    except ValueError:
        pass
    try:
        from dateutil import parser as dateutil_parser
    except ImportError:  # pragma: no cover - dateutil comes with botocore
        raise TimeParseError(f"cannot read {text!r} without a time_format") from None
    try:
        moment = dateutil_parser.parse(text)
    except (ValueError, OverflowError) as exc:
        raise TimeParseError(f"invalid time: {text!r} ({exc})") from exc
    return _from_datetime(moment, zone)


# -- the strptime compiler ------------------------------------------------------------

_DIRECTIVE = re.compile(r"%([-_0^#]?)(\d*)([a-zA-Z%+])")
_EXPANSIONS = {"T": "%H:%M:%S", "R": "%H:%M", "F": "%Y-%m-%d", "D": "%m/%d/%y",
               "x": "%m/%d/%y", "X": "%H:%M:%S", "r": "%I:%M:%S %p",
               "c": "%a %b %e %H:%M:%S %Y", "+": "%a %b %e %H:%M:%S %Z %Y",
               "h": "%b"}
_MONTH_NAMES = "|".join(sorted([*FULL_MONTHS, *MONTHS], key=len, reverse=True))
_DAY_NAMES = ("monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
              "mon|tue|wed|thu|fri|sat|sun")
_FIELDS = {
    "Y": ("year", r"[+-]?\d{4}"), "C": ("century", r"\d{1,2}"), "y": ("year2", r"\d{1,2}"),
    "m": ("month", r"\d{1,2}"), "d": ("day", r" ?\d{1,2}"), "e": ("day", r" ?\d{1,2}"),
    "j": ("yday", r"\d{1,3}"), "H": ("hour", r" ?\d{1,2}"), "k": ("hour", r" ?\d{1,2}"),
    "I": ("hour12", r" ?\d{1,2}"), "l": ("hour12", r" ?\d{1,2}"), "M": ("minute", r"\d{1,2}"),
    "S": ("second", r"\d{1,2}"), "L": ("fraction", r"\d+"), "N": ("fraction", r"\d+"),
    "z": ("offset", r"[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?|Z|UTC|GMT"),
    "Z": ("zone", r"[+-]\d{2}(?::?\d{2})?|[A-Za-z][A-Za-z_/+\-]*"),
    "b": ("monthname", _MONTH_NAMES), "B": ("monthname", _MONTH_NAMES),
    "a": (None, _DAY_NAMES), "A": (None, _DAY_NAMES), "u": (None, r"\d"), "w": (None, r"\d"),
    "p": ("ampm", r"[AaPp]\.?[Mm]\.?"), "P": ("ampm", r"[AaPp]\.?[Mm]\.?"),
    "s": ("epoch", r"[+-]?\d+"), "Q": ("epoch_ms", r"[+-]?\d+"),
}

Compiled = Callable[[str, tzinfo], EventTime]
_FIXED_ZONES: dict[str, int] = {}
"""Offsets of zone texts seen in times (+0900, JST...), read once."""


def compile_strptime(fmt: str) -> Compiled | None:
    """A fast reader for a Ruby strptime format, or None for a directive it
    does not know (the caller then uses Python's strptime)."""
    for short, long in _EXPANSIONS.items():
        fmt = fmt.replace(f"%{short}", long)
    pattern: list[str] = []
    names: list[str] = []
    position = 0
    for match in _DIRECTIVE.finditer(fmt):
        pattern.append(_literal(fmt[position:match.start()]))
        position = match.end()
        letter, width = match.group(3), match.group(2)
        if letter == "%":
            pattern.append("%")
            continue
        if letter in ("n", "t"):
            pattern.append(r"\s+")
            continue
        if letter not in _FIELDS:
            return None
        name, regex = _FIELDS[letter]
        if letter == "N" and width:
            regex = rf"\d{{1,{int(width)}}}"
        if name is None:
            pattern.append(f"(?:{regex})")
        elif name in names:
            pattern.append(f"(?P={name})")
        else:
            names.append(name)
            pattern.append(f"(?P<{name}>{regex})")
    pattern.append(_literal(fmt[position:]))
    regex_text = "".join(pattern)
    compiled = re.compile(regex_text, re.IGNORECASE)
    return lambda text, zone: _assemble(compiled, text, zone)


def _literal(text: str) -> str:
    """Format text between directives: whitespace matches any run of
    whitespace (or none, as in Ruby's strptime), the rest literally."""
    return "".join(r"\s*" if char.isspace() else re.escape(char) for char in text)


def _assemble(compiled: re.Pattern[str], text: str, zone: tzinfo) -> EventTime:
    match = compiled.match(text)
    if match is None:
        raise TimeParseError(f"invalid time format: value = {text!r}, pattern = "
                             f"{compiled.pattern!r}")
    parts = match.groupdict()
    nsec = int(parts["fraction"][:9].ljust(9, "0")) if parts.get("fraction") else 0
    if parts.get("epoch") is not None:
        return EventTime(int(parts["epoch"]), nsec)
    if parts.get("epoch_ms") is not None:
        millis = int(parts["epoch_ms"])
        return EventTime(millis // 1000, (millis % 1000) * 1_000_000)
    year = _year(parts)
    hour = int(parts["hour"]) if parts.get("hour") else 0
    if parts.get("hour12"):
        hour = int(parts["hour12"]) % 12
        if (parts.get("ampm") or "a")[0].lower() == "p":
            hour += 12
    if parts.get("yday"):
        ordinal = date(year, 1, 1).toordinal() + int(parts["yday"]) - 1
    else:
        month = (MONTHS.get(parts["monthname"][:3].lower()) if parts.get("monthname")
                 else int(parts["month"]) if parts.get("month") else 1)
        ordinal = date(year, month, int(parts["day"]) if parts.get("day") else 1).toordinal()
    minute = int(parts["minute"]) if parts.get("minute") else 0
    second = int(parts["second"]) if parts.get("second") else 0
    local = (ordinal - EPOCH_ORDINAL) * 86400 + hour * 3600 + minute * 60 + second
    return EventTime(local - _offset(parts, zone, local), nsec)


def _year(parts: dict[str, str | None]) -> int:
    if parts.get("year"):
        return int(parts["year"])  # type: ignore[arg-type]
    if parts.get("year2"):
        short = int(parts["year2"])  # type: ignore[arg-type]
        if parts.get("century"):
            return int(parts["century"]) * 100 + short  # type: ignore[arg-type]
        return short + (1900 if short >= 69 else 2000)
    return datetime.now(UTC).year


def _offset(parts: dict[str, str | None], zone: tzinfo, local: int) -> int:
    """Seconds east of UTC of the text's own zone, else of ``zone``."""
    text = parts.get("offset") or parts.get("zone")
    if text:
        seconds = _FIXED_ZONES.get(text)
        if seconds is None:
            seconds = zone_offset(text)
            if "/" not in text and len(_FIXED_ZONES) < 1024:  # names move with DST
                _FIXED_ZONES[text] = seconds
        return seconds
    if zone is UTC:
        return 0
    naive = datetime(1970, 1, 1) + timedelta(seconds=local)
    delta = naive.replace(tzinfo=zone).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def zone_offset(text: str) -> int:
    """``+0900``, ``-07:00``, ``+09``, ``Z``, ``UTC``, ``JST``, ``Asia/Tokyo``
    (now) as seconds east of UTC; KeyError for a name it does not know."""
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?", text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return sign * (int(match.group(2)) * 3600 + int(match.group(3) or 0) * 60
                       + int(match.group(4) or 0))
    hours = ZONE_NAMES.get(text.lower())
    if hours is not None:
        return int(hours * 3600)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        delta = datetime.now(ZoneInfo(text)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise KeyError(f"unknown time zone {text!r}") from exc
    return int(delta.total_seconds()) if delta else 0
