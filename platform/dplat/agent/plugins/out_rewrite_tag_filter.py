"""``@type rewrite_tag_filter``: give each event a new tag chosen by rules,
and route it again (fluent-plugin-rewrite-tag-filter 2.x,
``lib/fluent/plugin/out_rewrite_tag_filter.rb``)::

    <match app.**>
      @type rewrite_tag_filter
      remove_tag_prefix app           # ${tag} and ${tag_parts[N]} without it
      <rule>
        key     status                # a record accessor: status, $.http.code
        pattern /^(\\d)\\d\\d$/
        tag     status.$1xx.${tag}    # $1.. the groups; ${tag}, ${tag_parts[N]},
      </rule>                         # ${hostname} (and __TAG__, __HOSTNAME__...)
      <rule>
        key     path
        pattern /^\\/health/
        invert  true                  # rewrite when the pattern does NOT match
        tag     web.${tag_parts[1]}
        label   @OTHER                # optional: emit into another label
      </rule>
    </match>

The first rule that applies wins. An event no rule rewrites (or rewritten to
its own tag, which would loop) is dropped, as the plugin documents; dplat
counts those in ``dropped_records``. An empty field matches no rule unless
the rule is inverted. ``hostname_command`` is refused unless it is the
default ``hostname``: this agent runs no commands.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Any

from dplat.agent.config.element import Element, Origin
from dplat.agent.core.base import EventEmitter
from dplat.agent.core.params import Configurable, config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, Record
from dplat.agent.output import Output
from dplat.agent.plugins.parser_base import ruby_to_s
from dplat.agent.plugins.record_accessor import RecordAccessor

_BACKREF = re.compile(r"\$\d+")
_PLACEHOLDER = re.compile(r"(\$\{[a-z_]+(\[[0-9]+\])?\}|__[A-Z_]+__)")
_RANGE = re.compile(r"\$\{tag_parts\[\d\.\.\.?\d\]\}|__TAG_PARTS\[\d\.\.\.?\d\]__")


class RuleSection(Configurable):
    """One ``<rule>``."""

    key = config_param("string", desc="Field the pattern is applied to (record accessor).")
    pattern = config_param("regexp", desc="The regular expression.")
    tag = config_param("string", desc="New tag: $1.., ${tag}, ${tag_parts[N]}, ${hostname}.")
    label = config_param("string", default=None, desc="Emit into this label instead.")
    invert = config_param("bool", default=False, desc="Rewrite when the pattern does not match.")


@dataclass
class _Rule:
    accessor: RecordAccessor
    pattern: re.Pattern[str]
    invert: bool
    tag: str
    label: str | None
    origin: Origin


@register("rewrite_tag_filter")
class RewriteTagFilterOutput(Output):
    buffered_by_default = False

    capitalize_regex_backreference = config_param("bool", default=False,
                                                  desc="Capitalize $1.. values.")
    remove_tag_prefix = config_param("string", default=None,
                                     desc="Removed from the tag before placeholders.")
    remove_tag_regexp = config_param("regexp", default=None,
                                     desc="Removed from the tag before placeholders.")
    hostname_command = config_param("string", default="hostname",
                                     desc="Only the default: ${hostname} is this machine's.")
    emit_mode = config_param("enum", default="batch", choices=("record", "batch"),
                             desc="batch: one stream per new tag.")
    rules = config_section("rule", multi=True, config_class=RuleSection,
                           desc="Rules, tried in order.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if any(key.startswith("rewriterule") for key in element.params):
            raise located(element.origin, '"rewriterule<num>" support has been dropped',
                          "Write <rule> sections (key, pattern, tag).")
        if self.hostname_command != "hostname":
            raise located(element.params["hostname_command"].origin, "hostname_command is not "
                          "supported: this agent runs no commands", "Remove it; ${hostname} "
                          "is this machine's name.")
        if self.remove_tag_prefix is not None and self.remove_tag_regexp is not None:
            raise located(element.origin, "remove_tag_prefix and remove_tag_regexp are exclusive")
        if self.remove_tag_prefix is not None:
            self.remove_tag_regexp = re.compile("^" + re.escape(self.remove_tag_prefix) + r"\.?")
        self.compiled = [self._rule(rule) for rule in self.rules]
        if not self.compiled:
            raise located(element.origin, "rewrite_tag_filter: missing rules",
                          "Add <rule> sections with key, pattern and tag.")
        names = [(r.accessor.text, r.invert, r.pattern.pattern) for r in self.compiled]
        if len(set(names)) != len(names):
            raise located(element.origin, "rewrite_tag_filter: duplicated rules found")
        self.hostname = socket.gethostname()
        self.dropped_records = 0
        self._routers: dict[str | None, EventEmitter] = {}

    def _rule(self, rule: RuleSection) -> _Rule:
        origin = rule.config_element.origin
        if _RANGE.search(rule.tag):
            raise located(origin, f"rule tag {rule.tag!r}: ${{tag_parts[n]}} does not support "
                          "ranges", "Use single parts: ${tag_parts[0]}.${tag_parts[1]}.")
        try:
            accessor = RecordAccessor(rule.key)
        except Exception as exc:
            raise located(origin, str(exc)) from None
        return _Rule(accessor, rule.pattern, rule.invert, rule.tag, rule.label, origin)

    async def start(self) -> None:
        self._routers = {None: self.router}
        for rule in self.compiled:
            if rule.label is not None and rule.label not in self._routers:
                target = getattr(self.router, "to_label", lambda name: None)(rule.label)
                if target is None:
                    raise located(rule.origin, f"<rule>: unknown label {rule.label}")
                self._routers[rule.label] = target

    async def process(self, tag: str, stream: EventStream) -> None:
        placeholders = self._placeholders(tag)
        batches: dict[tuple[str | None, str], EventStream] = {}
        for time, record in stream:
            new_tag, label = self.rewrite(tag, record, placeholders)
            if (new_tag is None or new_tag == tag) and label is None:
                self.dropped_records += 1
                continue
            key = (label, tag if new_tag is None else new_tag)
            if self.emit_mode == "record":
                await self._routers[label].emit_stream(key[1], [(time, record)])
            else:
                batches.setdefault(key, []).append((time, record))
        for (label, new_tag), events in batches.items():
            await self._routers[label].emit_stream(new_tag, events)

    def rewrite(self, tag: str, record: Record, placeholders: dict[str, str]
                ) -> tuple[str | None, str | None]:
        """The new tag and label of one record by the first rule that applies."""
        for rule in self.compiled:
            value = ruby_to_s(rule.accessor.get(record))
            if not value and not rule.invert:
                continue
            found = rule.pattern.search(value)
            if rule.invert:
                if found:
                    continue
                new_tag = rule.tag
            else:
                if not found:
                    continue
                groups = [g or "" for g in found.groups()]
                if self.capitalize_regex_backreference:
                    groups = [g.capitalize() for g in groups]
                new_tag = _BACKREF.sub(lambda m, g=groups: _nth(g, m.group()),  # type: ignore[misc]
                                       rule.tag)
            new_tag = _PLACEHOLDER.sub(lambda m: self._placeholder(m.group(1), placeholders,
                                                                   tag), new_tag)
            return new_tag, rule.label
        return None, None

    def _placeholder(self, name: str, placeholders: dict[str, str], tag: str) -> str:
        if name not in placeholders:
            self.log.warning("rewrite_tag_filter: unknown placeholder found. placeholder=%s "
                             "tag=%s", name, tag)
        return placeholders.get(name, "")

    def _placeholders(self, tag: str) -> dict[str, str]:
        if self.remove_tag_regexp is not None:
            tag = self.remove_tag_regexp.sub("", tag, count=1)
        values = {"__HOSTNAME__": self.hostname, "${hostname}": self.hostname,
                  "__TAG__": tag, "${tag}": tag}
        for index, part in enumerate(tag.split(".")):
            values[f"${{tag_parts[{index}]}}"] = part
            values[f"__TAG_PARTS[{index}]__"] = part
        return values

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "dropped_records": self.dropped_records}


def _nth(groups: list[str], ref: str) -> str:
    """``$N``: the Nth group, empty when there is none (Ruby's gsub with a hash)."""
    index = int(ref[1:])
    return groups[index - 1] if 1 <= index <= len(groups) else ""
