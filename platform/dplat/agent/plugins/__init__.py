"""Plugins, one file each, named by kind (Fluentd's layout): ``in_*.py``
inputs, ``filter_*.py`` filters, ``out_*.py`` outputs, ``buf_*.py`` buffer
types, ``parser_*.py`` parsers, ``formatters.py``/``formatter_*.py``
formatters. Each registers itself with ``@register("name")`` (core/registry.py)
on the bases of core/base.py and output.py; core's registry finds a file by
its name when a config asks for the type, so nothing here imports them all.

Helpers of one plugin family live in a subpackage named for it (discovery
only looks at the plugin files at this level):

    forward/   the forward protocol's server connections and client (in_/out_forward)
    tail/      paths, pos_file, watchers and event reading of in_tail
    s3/        bucket access and object keys of out_s3
    bigquery/  client, common output, rows and schema of out_bigquery_*
    http/      request bodies and shared HTTP bits (in_http, in_monitor_agent)
    monitor/   the rows and Prometheus text of in_monitor_agent

Helpers several families share stay here: net_common.py, inject.py,
record_accessor.py, parser_base.py/parser_time.py (the Parser base and time
parsing), formatters.py, text_output.py (out_file's and out_s3's formatting).
"""
