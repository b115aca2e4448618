"""The tables of Fluentd's compat helper, and which plugins use it.

Read from fluent/fluentd ``lib/fluent/plugin_helper/compat_parameters.rb``
(the maps) and from each plugin's ``configure`` (which families it converts,
and its default chunk key); compat.py applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

BUFFER_PARAMS = {
    "buffer_type": "@type",
    "buffer_path": "path",
    "num_threads": "flush_thread_count",
    "flush_interval": "flush_interval",
    "try_flush_interval": "flush_thread_interval",
    "queued_chunk_flush_interval": "flush_thread_burst_interval",
    "disable_retry_limit": "retry_forever",
    "retry_limit": "retry_max_times",
    "max_retry_wait": "retry_max_interval",
    "buffer_chunk_limit": "chunk_limit_size",
    "buffer_queue_limit": "queue_limit_length",
    "buffer_queue_full_action": "overflow_action",
    "flush_at_shutdown": "flush_at_shutdown",
    "time_slice_wait": "timekey_wait",
    "timezone": "timekey_zone",
}
"""Flat output key -> ``<buffer>`` key (``time_slice_format`` is derived, below)."""

BUFFER_TRIGGERS = (*BUFFER_PARAMS, "time_slice_format")
DPLAT_BUFFER_PARAMS = {"retry_wait": "retry_wait"}
"""Moved by dplat although Fluentd's helper ignores them (see the module doc)."""

PARSER_PARAMS = {
    "keys": "keys",
    "time_key": "time_key",
    "time_format": "time_format",
    "delimiter": "delimiter",
    "keep_time_key": "keep_time_key",
    "null_empty_string": "null_empty_string",
    "null_value_pattern": "null_value_pattern",
    "json_parser": "json_parser",
    "label_delimiter": "label_delimiter",
    "format_firstline": "format_firstline",
    "message_key": "message_key",
    "with_priority": "with_priority",
    "message_format": "message_format",
    "rfc5424_time_format": "rfc5424_time_format",
}
PARSER_TRIGGERS = (*PARSER_PARAMS, "format", "types", "types_delimiter",
                   "types_label_delimiter", "localtime", "utc")

INJECT_PARAMS = {"time_key": "time_key", "time_format": "time_format",
                 "timezone": "timezone", "tag_key": "tag_key"}
INJECT_TRIGGERS = (*INJECT_PARAMS, "include_time_key", "include_tag_key", "localtime", "utc")

FORMATTER_PARAMS = {
    "format": "@type", "delimiter": "delimiter", "force_quotes": "force_quotes",
    "keys": "keys", "fields": "fields", "json_parser": "json_parser",
    "label_delimiter": "label_delimiter", "output_time": "output_time",
    "output_tag": "output_tag", "localtime": "localtime", "utc": "utc",
    "timezone": "timezone", "message_key": "message_key", "add_newline": "add_newline",
    "output_type": "output_type",
}

MULTILINE_MAX = 20
RENAMED = {"type": "@type", "id": "@id", "log_level": "@log_level"}
RENAMED_IN = frozenset({"source", "match", "filter", "store", "secondary", "parse",
                         "format", "buffer"})


@dataclass(frozen=True)
class Conversions:
    """What Fluentd's plugin of this type passes to ``compat_parameters_convert``."""

    families: tuple[str, ...]
    default_chunk_key: str = ""
    tail_formats: bool = False
    fluentd_converts: bool = True
    """False: Fluentd's plugin does not convert; dplat does, and warns."""


CONVERSIONS: dict[tuple[str, str], Conversions] = {
    ("input", "tail"): Conversions(("parser",), tail_formats=True),
    ("input", "http"): Conversions(("parser",)),
    ("input", "syslog"): Conversions(("parser",)),
    ("input", "tcp"): Conversions(("parser",)),
    ("input", "udp"): Conversions(("parser",)),
    ("input", "exec"): Conversions(("parser",)),
    ("filter", "parser"): Conversions(("parser",)),
    ("filter", "stdout"): Conversions(("inject", "formatter")),
    ("output", "file"): Conversions(("formatter", "buffer", "inject"), "time"),
    ("output", "forward"): Conversions(("buffer",), "tag"),
    ("output", "stdout"): Conversions(("inject", "formatter")),
    ("output", "exec"): Conversions(("inject", "formatter", "buffer"), "time"),
    ("output", "s3"): Conversions(("buffer", "formatter", "inject")),
    ("output", "secondary_file"): Conversions(()),
    ("output", "bigquery_insert"): Conversions(("buffer",), fluentd_converts=False),
    ("output", "bigquery_load"): Conversions(("buffer",), fluentd_converts=False),
}
"""(category, @type) -> families, from the ``configure`` of each Fluentd plugin
(in_tail.rb, filter_parser.rb, out_file.rb ... and fluent-plugin-s3's out_s3.rb)."""
