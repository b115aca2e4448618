"""Twenty-two shapes of real-world Fluentd configs, each rewritten here in our
own minimal form (no third-party file is committed): the constructs a public
config uses, with our own names, paths and values. ``{tmp}`` is a scratch
folder. ``refused`` names what must stay refused, with the fragment the error
must contain; everything else must be accepted by ``dplat agent check``.

Sources of the shapes (read with the search tool, December 2026):
fluent/fluentd-docker-image (default fluent.conf), docs.fluentd.org pages
named per shape, fluent/fluent-plugin-s3 docs/v0.12.md and README,
fluent/fluent-plugin-rewrite-tag-filter README, fluent-plugins-nursery/
fluent-plugin-bigquery README, fluent/fluentd-kubernetes-daemonset's
fluent.conf, and public td-agent.conf files found by code search (EFK
docker-compose setups, ECS/S3 pipelines, benchmark tail configs).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    name: str
    source: str
    text: str
    refused: str = ""
    """Empty: must be accepted. Else a fragment of the refusal message."""


SHAPES = [
    Shape("docker-image-default", "fluent/fluentd-docker-image fluent.conf", """
<source>
  @type forward
  @id input1
  @label @mainstream
  port 24224
</source>
<filter **>
  @type stdout
</filter>
<label @mainstream>
  <match docker.**>
    @type file
    @id output_docker1
    path {tmp}/docker.*.log
    symlink_path {tmp}/docker.log
    append true
    time_slice_format %Y%m%d
    time_slice_wait 1m
    time_format %Y-%m-%dT%H:%M:%S.%N%z
  </match>
  <match **>
    @type file
    @id output1
    path {tmp}/data.*.log
    append true
    time_slice_format %Y%m%d
    time_slice_wait 10m
  </match>
</label>
"""),
    Shape("efk-compose", "code search: EFK docker-compose fluent.conf", """
<source>
  @type forward
  port 24224
</source>
<match *.**>
  @type copy
  <store>
    @type elasticsearch
    host es
    logstash_format true
    flush_interval 1s
  </store>
  <store>
    @type stdout
  </store>
</match>
""", refused="needs Elasticsearch"),
    Shape("copy-file-by-tag", "code search: docker.*.* copy to file and stdout", """
<source>
  @type forward
</source>
<match docker.*.*>
  @type copy
  <store>
    @type file
    path {tmp}/${tag[1]}/${tag[2]}
    <buffer tag,time>
      flush_mode interval
      flush_interval 60s
      flush_at_shutdown true
    </buffer>
    <format>
      @type json
    </format>
  </store>
  <store>
    @type stdout
  </store>
</match>
"""),
    Shape("v012-s3-hourly", "fluent-plugin-s3 docs/v0.12.md; ECS S3 pipeline", """
<source>
  type tail
  format json
  path {tmp}/bid.log
  pos_file {tmp}/bid.log.pos
  tag log.bid
</source>
<match log.bid>
  type s3
  s3_bucket "#{ENV['DPLAT_SHAPE_USER'] || 'me'}-practice"
  s3_region ap-northeast-1
  s3_endpoint http://127.0.0.1:9
  path logs/ecs/
  buffer_path {tmp}/s3buf
  buffer_type file
  time_slice_format %Y%m%d%H
  time_slice_wait 10m
  utc
  buffer_chunk_limit 1m
  buffer_queue_limit 64
  flush_interval 120s
  retry_wait 5s
  max_retry_wait 30
  num_threads 8
  format json
</match>
"""),
    Shape("v012-bench-tails", "code search: benchmark td-agent tail sources", """
<source>
  type tail
  path {tmp}/plain.log
  tag bench.plain
  format none
</source>
<source>
  type tail
  path {tmp}/ltsv.log
  tag bench.ltsv
  format ltsv
  types size:integer,status:integer
  time_key time
  time_format "%Y-%m-%dT%H:%M:%S %z"
</source>
<source>
  type tail
  path {tmp}/apache.log
  tag bench.apache2
  format apache2
</source>
<match bench.**>
  type forward
  flush_interval 2s
  <server>
    host 127.0.0.1
    port 24225
  </server>
</match>
"""),
    Shape("v012-td-agent-default", "td-agent 2 default td-agent.conf", """
<match debug.**>
  type stdout
</match>
<source>
  type forward
</source>
<source>
  type http
  port 8888
</source>
<source>
  type debug_agent
  bind 127.0.0.1
  port 24230
</source>
""", refused="'debug_agent' needs Ruby's dRuby console"),
    Shape("s3-v1-readme", "fluent/fluent-plugin-s3 README (v1 config)", """
<match app.**>
  @type s3
  s3_bucket logs
  s3_region us-east-1
  s3_endpoint http://127.0.0.1:9
  force_path_style true
  path logs/${tag}/%Y/%m/%d/
  s3_object_key_format %{path}%{time_slice}_%{index}.%{file_extension}
  <buffer tag,time>
    @type file
    path {tmp}/s3
    timekey 3600
    timekey_wait 10m
    chunk_limit_size 256m
  </buffer>
  <format>
    @type json
  </format>
</match>
"""),
    Shape("rewrite-tag-filter-readme", "fluent-plugin-rewrite-tag-filter README", r"""
<match app.**>
  @type rewrite_tag_filter
  <rule>
    key     message
    pattern /^\[(\w+)\]/
    tag     level.$1.${tag_parts[1]}
  </rule>
  <rule>
    key     domain
    pattern ^(www\.)?example\.com$
    tag     site.example
  </rule>
  <rule>
    key     status
    pattern /^2\d\d$/
    invert  true
    tag     errors.${tag}
  </rule>
</match>
<match {level,site,errors}.**>
  @type stdout
</match>
"""),
    Shape("filter-parser-docs", "docs.fluentd.org/filter/parser", """
<source>
  @type forward
</source>
<filter docker.**>
  @type parser
  key_name log
  reserve_data true
  remove_key_name_field true
  <parse>
    @type json
  </parse>
</filter>
<match docker.**>
  @type stdout
</match>
"""),
    Shape("filter-parser-v012", "code search: custom image with type parser/format", """
<filter **>
  type parser
  format json
  key_name log
  hash_value_field message
</filter>
<match **>
  @type null
</match>
"""),
    Shape("multi-format-parser", "code search: fluent-plugin-multi-format-parser", """
<filter **>
  @type parser
  key_name log
  <parse>
    @type multi_format
    <pattern>
      format json
    </pattern>
  </parse>
</filter>
<match **>
  @type null
</match>
""", refused="unknown parser plugin type 'multi_format'"),
    Shape("syslog-file", "docs.fluentd.org/parser/syslog", """
<source>
  @type tail
  path {tmp}/syslog
  pos_file {tmp}/syslog.pos
  tag system
  <parse>
    @type syslog
    message_format auto
    with_priority true
  </parse>
</source>
<match system.**>
  @type file
  path {tmp}/system
</match>
"""),
    Shape("http-parse", "docs.fluentd.org/input/http (parse directive)", """
<source>
  @type http
  port 9880
  <parse>
    @type regexp
    expression /^(?<level>\\w+) (?<message>.*)$/
  </parse>
</source>
<match **>
  @type null
</match>
"""),
    Shape("fluent-log-label", "docs.fluentd.org/deployment/logging", """
<label @FLUENT_LOG>
  <match fluent.{warn,error,fatal}>
    @type file
    path {tmp}/agent-problems
  </match>
</label>
<match **>
  @type null
</match>
"""),
    Shape("env-defaults", "fluentd-kubernetes-daemonset fluent.conf style", """
<system>
  log_level "#{ENV['DPLAT_SHAPE_LOG_LEVEL'] || 'info'}"
</system>
<source>
  @type forward
  port "#{ENV['DPLAT_SHAPE_PORT'] || 24224}"
</source>
<match **>
  @type file
  path "#{File.join(ENV.fetch('DPLAT_SHAPE_DIR', '{tmp}'), Socket.gethostname)}"
</match>
"""),
    Shape("k8s-daemonset", "fluent/fluentd-kubernetes-daemonset", """
@include "#{ENV['DPLAT_SHAPE_SYSTEMD'] || 'systemd'}.conf"
<source>
  @type tail
  @id in_tail_container_logs
  path {tmp}/containers/*.log
  pos_file {tmp}/containers.pos
  tag kubernetes.*
  read_from_head true
  <parse>
    @type json
    time_format %Y-%m-%dT%H:%M:%S.%NZ
  </parse>
</source>
<filter kubernetes.**>
  @type kubernetes_metadata
</filter>
<match **>
  @type null
</match>
""", refused="needs the Kubernetes API"),
    Shape("label-without-at", "docs.fluentd.org/configuration/config-file (labels)", """
<source>
  @type forward
  @label backend
</source>
<label backend>
  <match **>
    @type stdout
  </match>
</label>
"""),
    Shape("secondary-file-docs", "docs.fluentd.org/output/secondary_file", """
<match app.**>
  @type forward
  <server>
    host 127.0.0.1
    port 24225
  </server>
  <secondary>
    @type secondary_file
    directory {tmp}/failed
    basename dump.${chunk_id}
  </secondary>
</match>
"""),
    Shape("bigquery-readme", "fluent-plugin-bigquery README", """
<match bq.**>
  @type bigquery_insert
  auth_method application_default
  api_endpoint http://127.0.0.1:9
  project demo
  dataset logs
  table access_${tag[1]}_%Y%m%d
  schema_path {tmp}/${tag[1]}.json
  <buffer tag,time>
    timekey 1d
    flush_interval 1
  </buffer>
  <inject>
    time_key time
    time_type string
    time_format %Y-%m-%d %H:%M:%S
  </inject>
</match>
"""),
    Shape("v012-out-file-inject", "docs.fluentd.org/v/0.12/output/file", """
<source>
  type forward
</source>
<match akca.*.data>
  type copy
  <store>
    type file
    path {tmp}/svc
    time_slice_format %Y-%m-%d
    time_slice_wait 1m
    time_format %Y-%m-%dT%H:%M:%S%z
    format json
    include_time_key true
    time_key _kct
    compress gzip
    append true
    utc
  </store>
</match>
"""),
    Shape("enable-ruby", "code search: record_transformer enable_ruby", """
<filter **>
  @type record_transformer
  enable_ruby true
  <record>
    path ${record["log"]["file"]["path"]}
  </record>
</filter>
<match **>
  @type null
</match>
""", refused="enable_ruby is not supported"),
    Shape("multi-worker", "code search: <system> workers 4 with <worker N>", """
<system>
  workers 4
</system>
<source>
  @type forward
</source>
<match **>
  @type null
</match>
""", refused="the agent runs one worker"),
]
