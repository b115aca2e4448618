"""Converters from a parameter's text to the typed value a plugin declared.

They follow Fluentd's config types (``lib/fluent/config/types.rb``) in what
they accept, with one policy difference: Fluentd by default turns garbage into
something (``"abc"`` as an integer is 0, ``"1.5h"`` as a time is 5 hours), as
if ``--strict-config-value`` were off. We always refuse garbage with an error
that says what a valid value looks like, because a silently wrong buffer size
or flush interval is the hardest kind of bug to find.

Every converter raises :class:`ConfigValueError`; pass ``name`` and ``origin``
(the parameter's key and :class:`Origin`) to have them in the message, or add
the origin later with ``error.with_origin(origin)``.
"""

from __future__ import annotations

import json
import logging
import math
import re
import warnings
from collections.abc import Iterable
from typing import Any

from dplat.agent.config.element import Origin
from dplat.agent.config.errors import ConfigValueError

_SIZE = re.compile(r"\s*(\d+)\s*(?:([kmgt])(?:i?b)?|b)?\s*", re.IGNORECASE)
_SIZE_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_TIME = re.compile(
    r"\s*(\d+)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hour|hours|d|day|days)\s*"
)
_TIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LIST_SEP = re.compile(r"\s*,\s*")
_BLANK_BEFORE_UNIT = re.compile(r"\d[ \t]+[A-Za-z]")
_SLOPPY_TIME = re.compile(
    r"\s*[=:]?\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)?\s*",
    re.IGNORECASE)
_SLOPPY_SIZE = re.compile(r"\s*[=:]?\s*(\d+)\s*([kmgt])?(?:i?b)?\s*", re.IGNORECASE)
_RUBY_FLOAT = re.compile(r"\s*[-+]?\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][-+]?\d+)?")
_RUBY_INT = re.compile(r"\s*[-+]?\d(?:_?\d)*")
log = logging.getLogger("dplat.agent.config")


def _fail(
    kind: str, value: str, expected: str, name: str, origin: Origin | None
) -> ConfigValueError:
    subject = f"{name}: " if name else ""
    return ConfigValueError(f"{subject}invalid {kind} {value!r}", origin, expected)


def to_bool(value: str, *, name: str = "", origin: Origin | None = None) -> bool:
    """``true``/``yes`` or ``false``/``no``; a key with no value is a flag: true."""
    if value in ("true", "yes", ""):
        return True
    if value in ("false", "no"):
        return False
    raise _fail("boolean", value, "Write true or false.", name, origin)


def to_integer(value: str, *, name: str = "", origin: Origin | None = None) -> int:
    """A whole number; ``0x1f``, ``0o17``, ``0b101`` and ``1_000`` as in Ruby."""
    for base in (0, 10):  # base 10 again so that "08080" is 8080, not an error
        try:
            return int(value.strip(), base)
        except ValueError:
            continue
    raise _fail("integer", value, "Write a whole number, e.g. 24224.", name, origin)


def to_float(value: str, *, name: str = "", origin: Origin | None = None) -> float:
    """A finite decimal number, e.g. ``0.5`` or ``1e3``."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _fail("number", value, "Write a decimal number, e.g. 0.5.", name, origin)
    return number


def to_size(value: str, *, name: str = "", origin: Origin | None = None) -> int:
    """Bytes: a whole number with an optional k/m/g/t suffix (1024-based, any case).

    ``8m``, ``8M``, ``8MB`` and ``8MiB`` are all 8 MiB, as in Fluentd. A sloppy
    spelling Fluentd reads as its author meant (``= 8m``) is accepted with a
    warning; one it reads otherwise (``8 m`` is 8 bytes there) is refused.
    """
    match = _SIZE.fullmatch(value)
    if match is not None and not _BLANK_BEFORE_UNIT.search(value):
        unit = match.group(2)
        return int(match.group(1)) * (_SIZE_UNITS[unit.lower()] if unit else 1)
    expected = ("Write whole bytes with an optional k, m, g or t suffix, e.g. 8m (decimals "
                "such as 1.5m are not sizes; write 1536k).")
    meant = _sloppy(_SLOPPY_SIZE, value, _SIZE_UNITS, 1)
    return int(_as_fluentd_reads(value, meant, _fluentd_size(value), "size", expected, name,
                                 origin, unit="bytes"))


def to_time(value: str, *, name: str = "", origin: Origin | None = None) -> float:
    """Seconds: ``30s``, ``5m``, ``1h``, ``1d`` (whole numbers), or decimal seconds ``0.1``.

    Units are lower case, as in Fluentd (``1M`` is not a month nor a minute). A
    sloppy spelling Fluentd reads as its author meant (``= 15s``, ``15 s``,
    ``30S``) is accepted with a warning; one it reads otherwise (``0.1s`` is 1 s
    and ``1.5h`` 5 h there, ``5M`` is 5 s) is refused.
    """
    match = _TIME.fullmatch(value)
    if match is not None and not _BLANK_BEFORE_UNIT.search(value):
        return float(int(match.group(1)) * _TIME_UNITS[match.group(2)[0]])
    try:
        return to_float(value)
    except ConfigValueError:
        pass
    expected = ("Write seconds, or a whole number with s, m, h or d, e.g. 0.5, 30s, 5m, 1h, "
                "1d.")
    meant = _sloppy(_SLOPPY_TIME, value, _TIME_UNITS, 1)
    return _as_fluentd_reads(value, meant, _fluentd_time(value), "time", expected, name,
                             origin, unit="seconds")


# -- sloppy values: what Fluentd's lenient converters make of them (types.rb) ------
def _sloppy(pattern: re.Pattern[str], value: str, units: dict[str, int],
            default: int) -> float | None:
    """The value a human reads in ``= 15s``/``15 S``; None when there is none."""
    match = pattern.fullmatch(value)
    if match is None:
        return None
    unit = (match.group(2) or "")[:1].lower()
    return float(match.group(1)) * units.get(unit, default)


def ruby_to_f(text: str) -> float:
    """Ruby's ``String#to_f``: the leading number, else 0.0."""
    match = _RUBY_FLOAT.match(text)
    return float(match.group().replace("_", "")) if match else 0.0


def ruby_to_i(text: str) -> int:
    """Ruby's ``String#to_i``: the leading whole number, else 0."""
    match = _RUBY_INT.match(text)
    return int(match.group().replace("_", "")) if match else 0


def _fluentd_time(value: str) -> float:
    """``Config.time_value``: the first of ``N s|m|h|d`` *anywhere*, else ``to_f``."""
    for unit, seconds in (("s", 1), ("m", 60), ("h", 3600), ("d", 86400)):
        found = re.search(rf"([0-9]+){unit}", value)
        if found:
            return float(int(found.group(1)) * seconds)
    return ruby_to_f(value)


def _fluentd_size(value: str) -> float:
    """``Config.size_value``: the first of ``N k|m|g|t`` anywhere (any case), else ``to_i``."""
    for unit in "kmgt":
        found = re.search(rf"([0-9]+){unit}", value, re.IGNORECASE)
        if found:
            return float(int(found.group(1)) * _SIZE_UNITS[unit])
    return float(ruby_to_i(value))


def _as_fluentd_reads(value: str, meant: float | None, fluentd: float, kind: str,
                      expected: str, name: str, origin: Origin | None, *, unit: str) -> float:
    """Accept (with a warning) a sloppy value Fluentd reads as meant; else refuse."""
    if meant is None:
        raise _fail(kind, value, expected, name, origin)
    shown = f"{meant:g}"
    if meant != fluentd:
        raise _fail(kind, value, f"Fluentd would read it as {fluentd:g} {unit}, not {shown}. "
                    + expected, name, origin)
    where = f"{origin}: " if origin is not None else ""
    subject = f"{name}: " if name else ""
    log.warning("%s%s%s %r read as %s %s, as Fluentd reads it; write it plainly", where,
                subject, kind, value, shown, unit)
    return meant


def to_enum(
    value: str, choices: Iterable[str], *, name: str = "", origin: Origin | None = None
) -> str:
    """One of the declared choices, exactly as written."""
    options = list(choices)
    if value not in options:
        raise _fail("choice", value, "Valid options are " + ", ".join(options) + ".", name, origin)
    return value


def to_array(value: str, *, name: str = "", origin: Origin | None = None) -> list[Any]:
    """A JSON array, or the shorthand ``a,b,c`` (items are strings, blanks trimmed)."""
    if value.startswith("["):
        parsed = _json(value, "array", name, origin)
        if not isinstance(parsed, list):
            raise _fail("array", value, "Write a JSON array or a,b,c.", name, origin)
        return parsed
    return _split_list(value)


def to_hash(value: str, *, name: str = "", origin: Origin | None = None) -> dict[str, Any]:
    """A JSON object, or the shorthand ``k1:v1,k2:v2`` (values are strings).

    In the shorthand only the first ``:`` of an item separates key and value,
    and blanks around ``:`` are kept, as Fluentd does.
    """
    if value.startswith("{"):
        parsed = _json(value, "hash", name, origin)
        if not isinstance(parsed, dict):
            raise _fail("hash", value, 'Write a JSON object or k1:v1,k2:v2.', name, origin)
        return parsed
    result: dict[str, Any] = {}
    for item in _split_list(value):
        key, sep, val = item.partition(":")
        if not sep:
            expected = f"Item {item!r} has no ':'; write k1:v1,k2:v2."
            raise _fail("hash", value, expected, name, origin)
        result[key] = val
    return result


def to_regexp(value: str, *, name: str = "", origin: Origin | None = None) -> re.Pattern[str]:
    """A regular expression in Ruby syntax: ``/re/flags`` or a bare ``re``.

    Flags: ``i`` ignore case, ``m`` dot matches newline (Ruby's multiline),
    ``x`` extended. Ruby's ``^`` and ``$`` always match at line breaks, so the
    Python pattern is compiled with ``re.MULTILINE``.
    """
    source, flags = value, re.MULTILINE
    if value.startswith("/"):
        close = value.rfind("/")
        letters = value[close + 1 :]
        if close == 0 or set(letters) - set("imx"):
            raise _fail("regexp", value, "Write /pattern/ optionally followed by the flags i, m "
                        "or x.", name, origin)
        source = value[1:close]
        for letter, flag in (("i", re.IGNORECASE), ("m", re.DOTALL), ("x", re.VERBOSE)):
            if letter in letters:
                flags |= flag
    try:
        return compile_ruby_regex(source, flags)
    except re.error as exc:
        expected = f"Python's re cannot compile it: {exc}."
        raise _fail("regexp", value, expected, name, origin) from exc


def compile_ruby_regex(source: str, flags: int = re.MULTILINE) -> re.Pattern[str]:
    """Compile a Ruby regex with Python's ``re``; ``re.error`` if Python cannot.

    Ruby reads ``[a[b]]`` as nested sets and ``[a-z&&[^x]]`` as an intersection;
    Python reads them as literal characters and only warns. A pattern that means
    something else here is refused, not silently changed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        try:
            return re.compile(ruby_regex_to_python(source), flags)
        except FutureWarning as exc:
            raise re.error(f"{exc} (Ruby's nested sets and && differ in Python)") from exc


_INLINE_FLAGS = re.compile(r"\(\?([imx]*)(?:-([imx]*))?(?=[:)])")


def ruby_regex_to_python(source: str) -> str:
    """Rewrite the Ruby-only spellings Fluentd users write into Python's.

    ``(?<name>...)`` becomes ``(?P<name>...)`` (lookbehinds ``(?<=``/``(?<!``
    are untouched), ``\\k<name>`` becomes ``(?P=name)``, ``\\h`` a hex digit,
    ``\\z`` the end of the text and ``\\Z`` the end before a final newline; an
    inline ``m`` flag (Ruby's dot-all) becomes ``s``. Other Ruby-only syntax is
    left for Python's ``re`` to reject with its own message.
    """
    out: list[str] = []
    i, n, in_class = 0, len(source), False
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n:
            close = source.find(">", i + 3) if source.startswith("\\k<", i) else -1
            if close > 0:  # \k<name>, a named backreference
                out.append(f"(?P={source[i + 3 : close]})")
                i = close + 1
            else:
                out.append(_escape(source[i : i + 2], in_class))
                i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            for literal in ("^", "]"):  # "[]" and "[^]" start with a literal ']'
                if source.startswith(literal, i):
                    out.append(literal)
                    i += 1
            continue
        elif source.startswith("(?<", i) and source[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        elif flags := _INLINE_FLAGS.match(source, i):
            on, off = flags.group(1).replace("m", "s"), (flags.group(2) or "").replace("m", "s")
            out.append(f"(?{on}-{off}" if flags.group(2) is not None else f"(?{on}")
            i = flags.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _escape(pair: str, in_class: bool) -> str:
    """The Python spelling of a two-character backslash escape."""
    if pair == "\\h":
        return "0-9a-fA-F" if in_class else "[0-9a-fA-F]"
    if in_class:
        return pair
    return {"\\H": "[^0-9a-fA-F]", "\\z": r"\Z", "\\Z": r"(?=\n?\Z)"}.get(pair, pair)


def _split_list(value: str) -> list[str]:
    """Fluentd's comma shorthand: ``value.strip.split(/\\s*,\\s*/)``."""
    items = _LIST_SEP.split(value.strip()) if value.strip() else []
    while items and items[-1] == "":  # Ruby's split drops trailing empty fields
        items.pop()
    return items


def _json(value: str, kind: str, name: str, origin: Origin | None) -> Any:
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _fail(kind, value, f"It is not valid JSON ({exc}).", name, origin) from exc
