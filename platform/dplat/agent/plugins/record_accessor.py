"""Fluentd's record accessor: name a (nested) field of a record in a parameter.

    uuid                  the top-level field ``uuid``
    $.user.id             nested: record["user"]["id"]
    $['user']['ids'][0]   bracket form; integers index arrays, names may hold dots

A missing key, a wrong container type or an index out of range reads as
``None`` (Ruby's ``dig`` returns nil), never an exception, because a record
that lacks the field is data, not a bug. Used by ``insert_id_field``.
"""

from __future__ import annotations

import re
from typing import Any

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import Record

_BRACKET = re.compile(r"""\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+))\]""")
_DOT_PART = re.compile(r"[^.\[\]]+")


def parse_accessor(text: str) -> tuple[str | int, ...]:
    """The key path of an accessor; ConfigError for a malformed one."""
    if not text.startswith("$"):
        return (text,)
    if text.startswith("$."):
        return _parse_dotted(text[2:], text)
    if text.startswith("$["):
        return _parse_brackets(text[1:], text)
    raise ConfigError(f"invalid record accessor '{text}': write 'key', '$.a.b' or \"$['a']['b']\"")


def _parse_dotted(rest: str, text: str) -> tuple[str | int, ...]:
    path: list[str | int] = []
    position = 0
    while position < len(rest):
        if rest[position] == "[":
            match = _BRACKET.match(rest, position)
            if match is None:
                raise ConfigError(f"invalid record accessor '{text}'")
            path.append(_bracket_key(match))
            position = match.end()
        else:
            match = _DOT_PART.match(rest, position)
            if match is None:
                raise ConfigError(f"invalid record accessor '{text}': empty key")
            path.append(match.group(0))
            position = match.end()
        if position < len(rest) and rest[position] == ".":
            position += 1
            if position == len(rest):
                raise ConfigError(f"invalid record accessor '{text}': ends with '.'")
    if not path:
        raise ConfigError(f"invalid record accessor '{text}': empty key")
    return tuple(path)


def _parse_brackets(rest: str, text: str) -> tuple[str | int, ...]:
    path: list[str | int] = []
    position = 0
    while position < len(rest):
        match = _BRACKET.match(rest, position)
        if match is None:
            raise ConfigError(f"invalid record accessor '{text}'")
        path.append(_bracket_key(match))
        position = match.end()
    if not path or isinstance(path[0], int):
        raise ConfigError(f"invalid record accessor '{text}': the first key must be a name")
    return tuple(path)


def _bracket_key(match: re.Match[str]) -> str | int:
    if match.group(3) is not None:
        return int(match.group(3))
    quoted = match.group(1) if match.group(1) is not None else match.group(2)
    return re.sub(r"\\(.)", r"\1", quoted)


class RecordAccessor:
    """Reads one configured field path from records."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.path = parse_accessor(text)

    def get(self, record: Record) -> Any:
        value: Any = record
        for key in self.path:
            if isinstance(key, int):
                if not isinstance(value, list) or not -len(value) <= key < len(value):
                    return None
                value = value[key]
            elif isinstance(value, dict):
                value = value.get(key)
            else:
                return None
        return value
