"""Fluentd's tag patterns, as written in ``<match PATTERNS>`` and ``<filter PATTERNS>``.

A directive's argument holds one or more patterns separated by blanks; a tag
matches the directive if it matches any of them (``<match a.** b.*>``); an
empty argument matches every tag, as Fluentd treats ``<match>`` as
``<match **>``. Within one pattern:

=============  ==============================================================
``*``          exactly one tag part: ``a.*`` matches ``a.b``, not ``a``/``a.b.c``
``**``         zero or more parts: ``a.**`` matches ``a``, ``a.b``, ``a.b.c``,
               not ``ab``; ``**.a`` matches ``a`` and ``b.a``, not ``ba``
``{x,y}``      any of the comma-separated sub-patterns, which may nest and
               hold wildcards: ``a.{b,c.**}``
``/regex/``    a whole pattern between slashes is an anchored (Ruby) regex
``\\c``         the character ``c`` literally
=============  ==============================================================

Each pattern is translated to a regex the way Fluentd's ``GlobMatchPattern``
does it, including its quirks: a ``.`` is only emitted once we know what
follows it, so before ``**`` it becomes a look-ahead (``a.**`` must not match
``ab``), and a ``.`` ending a pattern is dropped (``a.`` matches ``a``). All
patterns of a directive are joined into one anchored regex, so matching a tag
costs one ``re`` call; the router caches results per tag on top of that.
"""

from __future__ import annotations

import re

from dplat.agent.config.element import Origin
from dplat.agent.config.errors import ConfigError
from dplat.agent.config.types import compile_ruby_regex, ruby_regex_to_python

_PLAIN = re.compile(r"[A-Za-z0-9_]")


class TagPattern:
    """The patterns of one ``<match>`` or ``<filter>`` argument, e.g. ``"app.** {web,api}.*"``."""

    def __init__(self, patterns: str, *, origin: Origin | None = None) -> None:
        self.source = patterns
        parts = patterns.split() or ["**"]
        regexes = [_compile_one(part, origin) for part in parts]
        try:
            self.regex = re.compile(r"\A(?:" + "|".join(regexes) + r")\Z", re.MULTILINE)
        except re.error as exc:  # e.g. two /regex/ patterns naming the same group
            raise ConfigError(
                f"tag patterns {patterns!r} cannot be combined: {exc}",
                origin,
                "Remove named groups and backreferences from /regex/ patterns.",
            ) from exc

    def matches(self, tag: str) -> bool:
        return self.regex.match(tag) is not None

    def __repr__(self) -> str:
        return f"TagPattern({self.source!r})"


def _compile_one(pattern: str, origin: Origin | None) -> str:
    """One pattern as a regex fragment (unanchored; the caller anchors)."""
    if pattern == "**":
        return "(?s:.*)"  # Fluentd's AllMatchPattern: every tag, whatever it holds
    if pattern.startswith("/"):
        if len(pattern) < 2 or not pattern.endswith("/"):
            raise ConfigError(
                f"tag pattern {pattern!r} starts a /regex/ but does not end with '/'",
                origin,
                "End the regex with '/' (blanks separate patterns; write \\s for a blank).",
            )
        fragment = ruby_regex_to_python(pattern[1:-1])
        try:
            compile_ruby_regex(pattern[1:-1])
        except re.error as exc:
            raise ConfigError(
                f"tag pattern {pattern!r} is not a valid regex: {exc}", origin, "Fix the regex."
            ) from exc
        return f"(?:{fragment})"
    return _glob_to_regex(pattern, origin)


def _glob_to_regex(pattern: str, origin: Origin | None) -> str:
    # One list of alternatives per open '{'; levels[-1] is the text being built.
    alternatives: list[list[str]] = []
    levels = [""]
    dot = False  # a '.' seen but not yet emitted: its meaning depends on what follows
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            if dot:
                levels[-1] += r"(?![^.])"  # the part before must end here or at a '.'
                dot = False
            if pattern.startswith(".", i + 2):
                levels[-1] += r"(?:.*\.|\A)"  # "**." : zero or more whole parts
                i += 3
            else:
                levels[-1] += ".*"
                i += 2
            continue
        if dot:
            levels[-1] += r"\."
            dot = False
        c = pattern[i]
        if c == "\\":
            if i + 1 == len(pattern):
                raise ConfigError(
                    f"tag pattern {pattern!r} ends with a lone backslash",
                    origin,
                    "Write \\\\ for a literal backslash.",
                )
            levels[-1] += re.escape(pattern[i + 1])
            i += 2
            continue
        if c == ".":
            dot = True
        elif c == "*":
            levels[-1] += r"[^.]*"
        elif c == "{":
            alternatives.append([])
            levels.append("")
        elif c == "," and alternatives:
            alternatives[-1].append(levels.pop())
            levels.append("")
        elif c == "}" and alternatives:
            options = [*alternatives.pop(), levels.pop()]
            levels[-1] += "(?:" + "|".join(options) + ")"
        else:
            levels[-1] += c if _PLAIN.match(c) else re.escape(c)
        i += 1
    if alternatives:
        raise ConfigError(
            f"tag pattern {pattern!r} has a '{{' without its '}}'",
            origin,
            "Close the alternatives, e.g. {web,api}.",
        )
    return levels[0]
