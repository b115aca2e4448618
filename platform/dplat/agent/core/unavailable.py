"""Plugins real Fluentd configs use that the agent refuses, and what to use instead.

A config written for a Kubernetes node or a production cluster names plugins
for services the sandbox does not have. Rather than "unknown plugin type",
the error says why it is refused and what does the job here; the registry
asks :func:`refusal` before it lists the known types.
"""

from __future__ import annotations

_ES = ("Elasticsearch/OpenSearch", "Ship to s3 (the S3 stand-in) or bigquery_insert, or "
       "write files with @type file.")
_KAFKA = ("Kafka", "Send to another agent with @type forward, or to s3 / bigquery_insert.")
_PROMETHEUS = ("a Prometheus exporter plugin", "Use <source> @type monitor_agent: its "
               "GET /metrics serves Fluentd's fluentd_* metrics in Prometheus' format.")

REFUSED: dict[tuple[str, str], tuple[str, str]] = {
    **{("output", name): _ES for name in ("elasticsearch", "elasticsearch_data_stream",
                                          "elasticsearch_dynamic", "opensearch",
                                          "opensearch_data_stream")},
    **{("output", name): _KAFKA for name in ("kafka", "kafka2", "kafka_buffered", "rdkafka",
                                             "rdkafka2")},
    **{("input", name): _KAFKA for name in ("kafka", "kafka_group", "rdkafka",
                                            "rdkafka_group")},
    **{("input", name): _PROMETHEUS for name in ("prometheus", "prometheus_monitor",
                                                 "prometheus_output_monitor",
                                                 "prometheus_tail_monitor")},
    ("filter", "prometheus"): _PROMETHEUS,
    ("output", "prometheus"): _PROMETHEUS,
    ("filter", "kubernetes_metadata"): (
        "the Kubernetes API", "Add the fields you need with @type record_transformer."),
    ("input", "systemd"): ("the systemd journal", "Tail the service's log file with "
                           "@type tail (<parse> @type syslog reads syslog lines)."),
    ("input", "syslog"): ("a syslog listener (not built)", "Tail the file syslog writes "
                          "with @type tail and <parse> @type syslog."),
    ("input", "debug_agent"): ("Ruby's dRuby console", "Remove it; @type monitor_agent "
                               "shows the plugins' state over HTTP."),
    ("input", "exec"): ("running commands", "Have the command write a file and tail it."),
    ("output", "exec"): ("running commands", "Write with @type file and process the files."),
    ("input", "tcp"): ("a raw TCP listener (not built)", "Send with @type forward (the "
                       "Fluentd protocol) or POST to @type http."),
    ("input", "udp"): ("a UDP listener (not built)", "Send with @type forward or POST to "
                       "@type http."),
}


def refusal(category: str, name: str) -> tuple[str, str] | None:
    """(message, fix) for a plugin refused here on purpose; None for others."""
    found = REFUSED.get((category, name))
    if found is None:
        return None
    needs, instead = found
    return (f"{category} plugin '{name}' needs {needs}, which dplat's sandbox does not have",
            instead)
