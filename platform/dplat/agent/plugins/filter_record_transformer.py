"""``<filter> @type record_transformer``: add, rewrite and remove fields.

    <record>
      service ${tag_parts[1]}
      message yay, ${record["message"]}
      host    ${hostname}
    </record>
    remove_keys password,$.user.secret

Placeholders are Fluentd's non-Ruby ones: ``${record["key"]}`` (a top-level
field, double quotes only), ``${tag}``, ``${tag_parts[N]}``,
``${tag_prefix[N]}``, ``${tag_suffix[N]}`` (N may be negative),
``${hostname}`` and ``${time}`` (``2024-01-02 03:04:05 +0000``, UTC here). A
value that is exactly one placeholder keeps the value's type when
``auto_typecast`` is on (Fluentd's default since v0.14, although its docs
still say false); otherwise the result is text. An unknown placeholder (or
a record field that is missing) becomes null/empty. A value starting with
``{`` or ``[`` is JSON whose strings (keys too) are expanded.

``enable_ruby true`` is refused: this agent runs no Ruby. Fluentd's
``__TAG__``-style placeholders are left as written (Fluentd blanks them).
A record that fails (e.g. a ``renew_time_key`` that is not a time) goes to
the error route (``@ERROR``) and is counted.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.core.base import Filter
from dplat.agent.core.params import config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.parser_base import ruby_to_s
from dplat.agent.plugins.parser_time import ruby_to_f
from dplat.agent.plugins.record_accessor import parse_accessor

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
_FORMS = re.compile(r'^(?:(tag|hostname|time)|(tag_parts|tag_prefix|tag_suffix)\[(-?\d+)\]'
                    r'|record\["(.*)"\])$', re.DOTALL)
RUBY_REFUSED = ("enable_ruby is not supported: dplat's agent runs no Ruby", "Use the "
                "placeholders ${record[\"key\"]}, ${tag}, ${tag_parts[N]}, ${tag_prefix[N]}, "
                "${tag_suffix[N]}, ${hostname} and ${time}; compute anything else upstream or "
                "in the warehouse.")

Context = dict[str, Any]
"""What placeholders read for one event: tag values, time text and the record."""
Resolver = Callable[[Context], Any]


@register("record_transformer")
class RecordTransformerFilter(Filter):
    remove_keys = config_param("array", default=None,
                               desc="Fields to delete (record accessor syntax).")
    keep_keys = config_param("array", default=None, desc="With renew_record: fields kept.")
    renew_record = config_param("bool", default=False, desc="Start from an empty record.")
    renew_time_key = config_param("string", default=None,
                                  desc="Field whose unix time becomes the event time.")
    enable_ruby = config_param("bool", default=False, desc="Refused: no Ruby here.")
    auto_typecast = config_param("bool", default=True,
                                 desc="A value that is one placeholder keeps its type.")
    records = config_section("record", multi=True, desc="NEW_FIELD NEW_VALUE lines.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if self.enable_ruby:
            origin = element.params["enable_ruby"].origin
            raise located(origin, *RUBY_REFUSED)
        if self.keep_keys and not self.renew_record:
            raise located(element.origin, "`renew_record` must be true to use `keep_keys`")
        self.hostname = socket.gethostname()
        self._time_used = False
        self.template = self._compile({key: _json_or_text(param.value, self)
                                       for section in self.records
                                       for key, param in section.params.items()})
        self.removers = [parse_accessor(key) for key in self.remove_keys or []]

    # -- compiling <record> --------------------------------------------------------
    def _compile(self, value: Any, force_text: bool = False) -> Resolver:
        if isinstance(value, dict):
            pairs = [(self._compile(k, True), self._compile(v)) for k, v in value.items()]
            return lambda ctx: {key(ctx): item(ctx) for key, item in pairs}
        if isinstance(value, list):
            items = [self._compile(v) for v in value]
            return lambda ctx: [item(ctx) for item in items]
        if not isinstance(value, str) or "${" not in value:
            return lambda ctx: value
        whole = PLACEHOLDER.fullmatch(value)
        if whole and self.auto_typecast and not force_text:
            return self._resolver(whole.group(1))
        parts: list[str | Resolver] = []
        position = 0
        for found in PLACEHOLDER.finditer(value):
            parts.append(value[position:found.start()])
            parts.append(self._resolver(found.group(1)))
            position = found.end()
        parts.append(value[position:])
        return lambda ctx: "".join(part if isinstance(part, str) else ruby_to_s(part(ctx))
                                   for part in parts)

    def _resolver(self, body: str) -> Resolver:
        form = _FORMS.match(body)
        if form is None:
            self.log.warning("unknown placeholder `${%s}` found; it becomes empty", body)
            return lambda ctx: None
        name, indexed, index, field = form.groups()
        if name == "time":
            self._time_used = True
        if name is not None:
            return lambda ctx: ctx[name]
        if indexed is not None:
            position = int(index)
            return lambda ctx: _item(ctx[indexed], position)
        return lambda ctx: ctx["record"].get(field)

    # -- filtering ----------------------------------------------------------------
    def filter_stream(self, tag: str, stream: EventStream) -> EventStream:
        ctx: Context = {"tag": tag, "hostname": self.hostname, **_tag_lists(tag)}
        result: EventStream = []
        for time, record in stream:
            try:
                result.append(self._reform(ctx, time, record))
            except Exception as exc:
                self.metrics.num_errors += 1
                self.router.emit_error_event(tag, time, record, exc)
        return result

    def filter(self, tag: str, time: EventTime, record: Record) -> Record | None:
        """One record (the base's per-record path; streams use the above)."""
        return self._reform({"tag": tag, "hostname": self.hostname, **_tag_lists(tag)},
                            time, record)[1]

    def _reform(self, ctx: Context, time: EventTime, record: Record) -> tuple[EventTime, Record]:
        ctx["record"] = record
        if self._time_used:
            ctx["time"] = datetime.fromtimestamp(time.sec, UTC).strftime("%Y-%m-%d %H:%M:%S %z")
        if self.renew_record:
            new = {key: record[key] for key in self.keep_keys or () if key in record}
        else:
            new = dict(record)
        new.update(self.template(ctx))
        if self.renew_time_key is not None and self.renew_time_key in new:
            time = _unix_time(new[self.renew_time_key], self.renew_time_key)
        for path in self.removers:
            delete_path(new, path)
        return time, new


def _unix_time(value: Any, key: str) -> EventTime:
    """``renew_time_key``'s value as an event time (Ruby's ``to_f`` rules);
    ValueError when it is not a time an event can carry (an unsigned
    32-bit second, as on the wire)."""
    seconds = ruby_to_f(value)
    if not 0 <= seconds < 2**32:
        raise ValueError(f"renew_time_key '{key}' holds {value!r}, not a unix time")
    return EventTime.from_float(seconds)


def _tag_lists(tag: str) -> dict[str, list[str]]:
    parts = tag.split(".")
    return {"tag_parts": parts,
            "tag_prefix": [".".join(parts[:n + 1]) for n in range(len(parts))],
            "tag_suffix": [".".join(parts[n:]) for n in range(len(parts))]}


def _item(values: list[str], index: int) -> str | None:
    return values[index] if -len(values) <= index < len(values) else None


def _json_or_text(value: str, plugin: Filter) -> Any:
    if value.startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError as exc:
            plugin.log.warning("failed to parse %r as JSON, kept as a string: %s", value, exc)
    return value


def delete_path(record: Record, path: tuple[str | int, ...]) -> None:
    """Delete the field at ``path`` (from ``parse_accessor``) in ``record``.
    Nested containers on the way are copied first, so the caller's original
    record (still referenced by the input, or by another ``copy`` store) is
    never changed."""
    if len(path) == 1:
        record.pop(path[0], None)  # type: ignore[arg-type]
        return
    parent: Any = record
    for key in path[:-1]:
        child = _child(parent, key)
        if not isinstance(child, dict | list):
            return
        child = dict(child) if isinstance(child, dict) else list(child)
        parent[key] = child
        parent = child
    last = path[-1]
    if isinstance(parent, dict):
        parent.pop(last, None)  # type: ignore[arg-type]
    elif isinstance(last, int) and -len(parent) <= last < len(parent):
        del parent[last]


def _child(container: Any, key: str | int) -> Any:
    if isinstance(container, dict) and isinstance(key, str):
        return container.get(key)
    if isinstance(container, list) and isinstance(key, int) and -len(container) <= key \
            < len(container):
        return container[key]
    return None
