"""``@type parser``: parse one field of each record with a ``<parse>`` section.

Fluentd's filter_parser (``lib/fluent/plugin/filter_parser.rb``), parameter
by parameter::

    <filter app.**>
      @type parser
      key_name log                  # the field to parse (record accessor: $.a.b)
      reserve_data true             # keep the other fields of the record
      remove_key_name_field true    # ...but drop the parsed field on success
      inject_key_prefix p_          # prefix every parsed key
      hash_value_field parsed       # put the parsed keys under one field
      <parse>
        @type json
      </parse>
    </filter>

The event time becomes the parsed time (``reserve_time`` keeps the old one).
A record whose field is missing or does not parse goes to ``@ERROR`` with the
reason (``emit_invalid_record_to_error``, default true); with ``reserve_data``
it also passes on unchanged, as in Fluentd. With the option off, such records
are dropped, as the user asked, and counted in ``num_errors``. The record is
copied, never changed in place: ``copy`` may hand it to other outputs too.
"""

from __future__ import annotations

from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.core.base import Filter
from dplat.agent.core.params import config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.parser_base import new_parser
from dplat.agent.plugins.parser_time import ParserError
from dplat.agent.plugins.record_accessor import RecordAccessor


@register("parser")
class ParserFilter(Filter):
    key_name = config_param("string", desc="Field to parse (a record accessor such as $.a.b).")
    reserve_data = config_param("bool", default=False, desc="Keep the record's other fields.")
    reserve_time = config_param("bool", default=False, desc="Keep the event's original time.")
    remove_key_name_field = config_param("bool", default=False,
                                         desc="Drop key_name from the record once parsed.")
    inject_key_prefix = config_param("string", default=None, desc="Prefix of parsed keys.")
    replace_invalid_sequence = config_param("bool", default=False,
                                            desc="Replace invalid bytes with '?' and retry.")
    hash_value_field = config_param("string", default=None,
                                    desc="Put the parsed keys under this field.")
    emit_invalid_record_to_error = config_param("bool", default=True,
                                                desc="Send unparsable records to @ERROR.")
    parse_config = config_section("parse", required=True, desc="How key_name is parsed.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        try:
            self.accessor = RecordAccessor(self.key_name)
        except Exception as exc:
            raise located(element.params["key_name"].origin, str(exc)) from None
        self.parser = new_parser(self.parse_config, usage="filter parser")

    def filter_stream(self, tag: str, stream: EventStream) -> EventStream:
        result: EventStream = []
        for time, record in stream:
            raw = self.accessor.get(record)
            if raw is None:
                if self.reserve_data:
                    result.append((time, self._merge(record, {})))
                self._invalid(tag, time, record, ParserError(f"{self.key_name} does not exist"))
                continue
            try:
                entries, _ = self.parser.parse_text(self._text(raw))
            except ParserError as exc:
                self._invalid(tag, time, record, exc)
                continue
            if not entries:
                self._invalid(tag, time, record,
                              ParserError(f"pattern not matched with data '{raw}'"))
                if self.reserve_data:
                    result.append((time, self._merge(record, {})))
                continue
            for parsed_time, values in entries:
                new_time = time if self.reserve_time or parsed_time is None else parsed_time
                result.append((new_time, self._merge(record, values)))
        return result

    def _text(self, raw: Any) -> str:
        text = raw if isinstance(raw, str) else str(raw)
        if self.replace_invalid_sequence:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
                .replace("\ufffd", "?")
        return text

    def _merge(self, record: Record, values: Record) -> Record:
        """Fluentd's ``handle_parsed``: prefix, nest, then merge into a copy."""
        if values and self.inject_key_prefix:
            values = {self.inject_key_prefix + key: value for key, value in values.items()}
        parsed: Record = {self.hash_value_field: values} if self.hash_value_field else values
        if not self.reserve_data:
            return parsed
        base = record
        if values and self.remove_key_name_field:
            base = _without(record, self.accessor.path)
        return {**base, **parsed}

    def _invalid(self, tag: str, time: EventTime, record: Record, error: Exception) -> None:
        self.metrics.num_errors += 1
        if self.emit_invalid_record_to_error:
            self.router.emit_error_event(tag, time, record, error)


def _without(record: Record, path: tuple[str | int, ...]) -> Record:
    """A copy of ``record`` without the field at ``path`` (copies only the
    containers on the path; the original is untouched)."""
    copy: Any = dict(record)
    node = copy
    for key in path[:-1]:
        child = node.get(key) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            return copy
        node[key] = node = dict(child)
    if isinstance(node, dict):
        node.pop(path[-1], None)
    return copy  # type: ignore[no-any-return]
