"""Helpers for the agent runtime tests: build config elements quickly.

``conf("match", "app.**", {"@type": "stdout"}, [conf("buffer", "tag")])``
builds an Element without the parser (lines count up from 1 in file "t");
``parse(text)`` runs the real parser, which most tests use.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from dplat.agent.config import parse_config
from dplat.agent.config.element import Element, Origin, Param

_lines = itertools.count(1)


def conf(name: str, arg: str = "", params: dict[str, str] | None = None,
         elements: Iterable[Element] = (), *, file: str = "t") -> Element:
    """An Element with params as plain strings; each gets its own line number."""
    origin = Origin(file, next(_lines))
    built = {key: Param(key, value, Origin(file, next(_lines)))
             for key, value in (params or {}).items()}
    return Element(name, arg, built, list(elements), origin)


def parse(text: str, filename: str = "test.conf") -> Element:
    """The ROOT element of a config text (no @include, no environment)."""
    return parse_config(text, filename, env={}, allow_include=False)
