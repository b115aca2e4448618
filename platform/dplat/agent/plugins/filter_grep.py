"""``<filter> @type grep``: keep or drop events by regular expressions on fields.

    <regexp>  key message   pattern /cool/   </regexp>    every <regexp> must match
    <exclude> key message   pattern /uncool/ </exclude>   any <exclude> drops the event
    <and> / <or>                                          switch the combinator of the
                                                          <regexp>s or <exclude>s inside

As Fluentd's filter_grep: ``key`` is a record accessor (``$.a.b``,
``$['a']['b']``); the value is turned into text (null is the empty text) and
the pattern is searched anywhere in it. Four groups decide, in this order:
the <regexp>s at the top and in <and> (all must match), those in <or> (one
must match), the <exclude>s in <and> (dropped when all match), and those at
the top and in <or> (dropped when one matches). The deprecated
``regexpN``/``excludeN`` ("key pattern", N 1..20) still work. Keys must not
repeat inside one group.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.config.types import compile_ruby_regex
from dplat.agent.core.base import Filter
from dplat.agent.core.params import Configurable, config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.parser_base import ruby_to_s
from dplat.agent.plugins.record_accessor import RecordAccessor

LEGACY_MAX = 20

Condition = tuple[RecordAccessor, re.Pattern[str]]


class Rule(Configurable):
    """One ``<regexp>`` or ``<exclude>``."""

    key = config_param("string", desc="Field to test (record accessor syntax).")
    pattern = config_param("regexp", desc="/regexp/ searched in the field's text.")


class Group(Configurable):
    """An ``<and>`` or ``<or>``: either <regexp>s or <exclude>s."""

    regexps = config_section("regexp", multi=True, config_class=Rule,
                             desc="Keep events whose field matches, combined by the group.")
    excludes = config_section("exclude", multi=True, config_class=Rule,
                              desc="Drop events whose field matches, combined by the group.")


@register("grep")
class GrepFilter(Filter):
    regexps = config_section("regexp", multi=True, config_class=Rule,
                             desc="Keep events whose field matches (all must match).")
    excludes = config_section("exclude", multi=True, config_class=Rule,
                              desc="Drop events whose field matches (any drops).")
    and_groups = config_section("and", multi=True, config_class=Group,
                                desc="Conditions that must all hold.")
    or_groups = config_section("or", multi=True, config_class=Group,
                               desc="Conditions of which one must hold.")

    @classmethod
    def known_keys(cls) -> set[str]:
        legacy = {f"{kind}{n}" for kind in ("regexp", "exclude") for n in range(1, LEGACY_MAX + 1)}
        return super().known_keys() | legacy

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        regexp_and: dict[str, Condition] = {}
        regexp_or: dict[str, Condition] = {}
        exclude_and: dict[str, Condition] = {}
        exclude_or: dict[str, Condition] = {}
        self._legacy(element, "regexp", regexp_and)
        self._legacy(element, "exclude", exclude_or)
        _add(regexp_and, self.regexps, element, "")
        _add(exclude_or, self.excludes, element, "")
        for name, groups, regexps, excludes in (("and", self.and_groups, regexp_and, exclude_and),
                                                ("or", self.or_groups, regexp_or, exclude_or)):
            for group in groups:
                if group.regexps and group.excludes:
                    raise located(group.config_element.origin, f"Do not specify both <regexp> "
                                  f"and <exclude> in <{name}>")
                _add(regexps, group.regexps, group.config_element, f" in <{name}>")
                _add(excludes, group.excludes, group.config_element, f" in <{name}>")
        self.keep = _predicate(list(regexp_and.values()), list(regexp_or.values()),
                               list(exclude_and.values()), list(exclude_or.values()))

    def _legacy(self, element: Element, kind: str, into: dict[str, Condition]) -> None:
        for number in range(1, LEGACY_MAX + 1):
            param = element.params.get(f"{kind}{number}")
            if param is None:
                continue
            key, _, source = param.value.partition(" ")
            if not source:
                raise located(param.origin, f"{kind}{number} does not contain 2 parameters",
                              f'Write "{kind}{number} KEY PATTERN", or better a <{kind}> section.')
            if key in into:
                raise located(param.origin, f"{kind}{number} contains a duplicated key, {key}")
            try:
                into[key] = (RecordAccessor(key), compile_ruby_regex(source))
            except re.error as exc:
                raise located(param.origin, f"{kind}{number}: invalid regexp: {exc}") from None
            self.log.warning("%s%d is deprecated; use a <%s> section", kind, number, kind)

    def filter(self, tag: str, time: EventTime, record: Record) -> Record | None:
        return record if self.keep(record) else None

    def filter_stream(self, tag: str, stream: EventStream) -> EventStream:
        keep = self.keep
        try:
            return [entry for entry in stream if keep(entry[1])]
        except Exception:  # a record it cannot read: go per record, errors to @ERROR
            return super().filter_stream(tag, stream)


def _add(into: dict[str, Condition], rules: list[Rule], element: Element, where: str) -> None:
    for rule in rules:
        if rule.key in into:
            raise located(rule.config_element.origin, f"Duplicate key{where}: {rule.key}")
        into[rule.key] = (RecordAccessor(rule.key), rule.pattern)


def _predicate(regexp_and: list[Condition], regexp_or: list[Condition],
               exclude_and: list[Condition], exclude_or: list[Condition]
               ) -> Callable[[Record], bool]:
    """One function deciding whether a record is kept; it tests only what
    the configuration has, so a plain ``<regexp>`` costs one search."""

    def hit(condition: Condition, record: Record) -> bool:
        return condition[1].search(ruby_to_s(condition[0].get(record))) is not None

    def keep(record: Record) -> bool:
        if regexp_and and not all(hit(c, record) for c in regexp_and):
            return False
        if regexp_or and not any(hit(c, record) for c in regexp_or):
            return False
        if exclude_and and all(hit(c, record) for c in exclude_and):
            return False
        return not (exclude_or and any(hit(c, record) for c in exclude_or))

    if len(regexp_and) == 1 and not (regexp_or or exclude_and or exclude_or):
        (accessor, pattern), = regexp_and
        get, search = accessor.get, pattern.search
        return lambda record: search(ruby_to_s(get(record))) is not None
    return keep
