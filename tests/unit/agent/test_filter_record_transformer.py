"""filter_record_transformer with the examples of Fluentd's docs
(filter/record_transformer.md) and its placeholders."""

from __future__ import annotations

import socket

import pytest

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import EventTime, Record
from dplat.agent.plugins.filter_record_transformer import RecordTransformerFilter
from dplat.agent.testing import CollectingRouter, configured, run_filter


def transform(conf: str, records: list[Record], tag: str = "foo.bar") -> list[Record]:
    return run_filter(RecordTransformerFilter, conf, records, tag=tag)


def test_docs_examples_tag_message_and_tag_parts() -> None:
    assert transform("<record>\n hostname ${hostname}\n tag ${tag}\n</record>",
                     [{"message": "hello world!"}]) == \
        [{"message": "hello world!", "hostname": socket.gethostname(), "tag": "foo.bar"}]
    assert transform('<record>\n message yay, ${record["message"]}\n</record>',
                     [{"message": "hello world!"}]) == [{"message": "yay, hello world!"}]
    assert transform("<record>\n service_name ${tag_parts[1]}\n</record>",
                     [{"user_id": 1, "status": "ok"}], tag="web.auth") == \
        [{"user_id": 1, "status": "ok", "service_name": "auth"}]


def test_tag_prefix_suffix_and_negative_indexes() -> None:
    conf = """<record>
      p0 ${tag_prefix[0]}
      p1 ${tag_prefix[1]}
      p2 ${tag_prefix[2]}
      s0 ${tag_suffix[0]}
      s1 ${tag_suffix[1]}
      s2 ${tag_suffix[2]}
      last ${tag_parts[-1]}
      first_of_end ${tag_suffix[-2]}
      beyond ${tag_parts[3]}
    </record>"""
    assert transform(conf, [{}], tag="debug.my.app") == [{
        "p0": "debug", "p1": "debug.my", "p2": "debug.my.app", "s0": "debug.my.app",
        "s1": "my.app", "s2": "app", "last": "app", "first_of_end": "my.app", "beyond": None}]


def test_auto_typecast_keeps_types_of_single_placeholders() -> None:
    conf = '<record>\n n ${record["n"]}\n text n=${record["n"]}\n obj ${record["o"]}\n</record>'
    assert transform(conf, [{"n": 100, "o": {"a": [1]}}]) == \
        [{"n": 100, "o": {"a": [1]}, "text": "n=100", "obj": {"a": [1]}}]
    assert transform(conf + "\nauto_typecast false", [{"n": 100, "o": {"a": [1]}}]) == \
        [{"n": "100", "o": {"a": [1]}, "text": "n=100", "obj": '{"a":[1]}'}]


def test_missing_fields_and_unknown_placeholders_become_empty() -> None:
    conf = ('<record>\n a ${record["nope"]}\n b x${record["nope"]}y\n'
            " c ${record['single']}\n d ${nonsense}\n</record>")
    assert transform(conf, [{"single": 1}]) == [{"single": 1, "a": None, "b": "xy", "c": None,
                                                 "d": None}]


def test_time_placeholder_is_ruby_time_to_s_in_utc() -> None:
    records = run_filter(RecordTransformerFilter, "<record>\n at ${time}\n</record>",
                         [(EventTime(1704164645, 5), {})])
    assert records == [{"at": "2024-01-02 03:04:05 +0000"}]


def test_json_values_are_expanded_inside() -> None:
    conf = '<record>\n meta {"tag":"${tag}","parts":["${tag_parts[0]}", 1],"${tag}":true}\n' \
           "</record>"
    assert transform(conf, [{}], tag="a.b") == [{"meta": {"tag": "a.b", "parts": ["a", 1],
                                                          "a.b": True}}]
    assert transform('<record>\n broken "{not json"\n</record>', [{}]) == \
        [{"broken": "{not json"}]


def test_renew_record_keep_keys_remove_keys() -> None:
    conf = "renew_record true\nkeep_keys a,missing\n<record>\n t ${tag}\n</record>"
    assert transform(conf, [{"a": 1, "b": 2}]) == [{"a": 1, "t": "foo.bar"}]
    original = {"hostname": "db001.internal.example.com",
                "kubernetes": {"pod_name": "mypod-8f6bb798b-xxddw",
                               "pod_id": "b1187408-729a-11ea-9a13-fa163e3bcef1"}}
    assert transform("remove_keys hostname,$.kubernetes.pod_id", [original]) == \
        [{"kubernetes": {"pod_name": "mypod-8f6bb798b-xxddw"}}]
    assert "pod_id" in original["kubernetes"]  # the input record is left alone


def test_renew_time_key_and_errors_go_to_the_error_route() -> None:
    router = CollectingRouter()
    plugin = configured(RecordTransformerFilter, "renew_time_key at", router, "filter")
    stream = plugin.filter_stream("t", [(EventTime(1), {"at": 1362020400.5}),
                                        (EventTime(2), {"at": "1362020400"}),
                                        (EventTime(3), {"other": 1})])
    assert stream == [(EventTime(1362020400, 500_000_000), {"at": 1362020400.5}),
                      (EventTime(1362020400), {"at": "1362020400"}),
                      (EventTime(3), {"other": 1})]
    failing = configured(RecordTransformerFilter, "renew_time_key at", router, "filter")
    assert failing.filter_stream("t", [(EventTime(4), {"at": 1e300}),  # beyond uint32
                                       (EventTime(5), {"ok": 1})]) == [(EventTime(5), {"ok": 1})]
    assert [(tag, time, record) for tag, time, record, _ in router.errors] == \
        [("t", EventTime(4), {"at": 1e300})]
    assert failing.metrics.num_errors == 1


def test_enable_ruby_is_refused_with_a_fix() -> None:
    with pytest.raises(ConfigError) as caught:
        configured(RecordTransformerFilter, "enable_ruby true\n<record>\n a ${1+1}\n</record>",
                   name="filter")
    assert "enable_ruby is not supported" in str(caught.value)
    assert "${record[\"key\"]}" in caught.value.fix
    assert caught.value.origin is not None and caught.value.origin.line == 1


def test_keep_keys_needs_renew_record() -> None:
    with pytest.raises(ConfigError, match="renew_record"):
        configured(RecordTransformerFilter, "keep_keys a", name="filter")
