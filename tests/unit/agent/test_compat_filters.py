"""filter parser and filter stdout, as Fluentd's docs describe them
(https://docs.fluentd.org/filter/parser, https://docs.fluentd.org/filter/stdout);
configs and records are our own, written from those pages."""

from __future__ import annotations

import io

import pytest
from compat_support import T0, converted

from dplat.agent.config import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.filter_parser import ParserFilter
from dplat.agent.plugins.filter_stdout import StdoutFilter
from dplat.agent.testing import CollectingRouter, configured, run_filter

JSON_PARSE = "<parse>\n  @type json\n  time_type unixtime\n</parse>"
LOG = '{"level":"warn","msg":"disk","time":1704164646}'


def test_parsed_field_replaces_the_record_and_sets_the_time() -> None:
    plugin = configured(ParserFilter, f"key_name log\n{JSON_PARSE}", name="filter")
    out = plugin.filter_stream("t", [(T0, {"log": LOG, "host": "a"})])
    assert out == [(EventTime(1704164646, 0), {"level": "warn", "msg": "disk"})]


def test_reserve_data_keeps_fields_and_remove_key_name_field_drops_the_source() -> None:
    records = run_filter(ParserFilter, f"key_name log\nreserve_data true\n"
                         f"remove_key_name_field true\n{JSON_PARSE}", [{"log": LOG, "host": "a"}])
    assert records == [{"host": "a", "level": "warn", "msg": "disk"}]


def test_prefix_and_hash_value_field() -> None:
    conf = f"key_name log\ninject_key_prefix p_\nhash_value_field parsed\n{JSON_PARSE}"
    assert run_filter(ParserFilter, conf, [{"log": '{"a":1}'}]) == [{"parsed": {"p_a": 1}}]


def test_nested_key_name_and_its_removal_leave_the_original_untouched() -> None:
    record = {"k": {"log": '{"a":1}', "b": 2}}
    conf = f"key_name $.k.log\nreserve_data true\nremove_key_name_field true\n{JSON_PARSE}"
    assert run_filter(ParserFilter, conf, [record]) == [{"k": {"b": 2}, "a": 1}]
    assert record == {"k": {"log": '{"a":1}', "b": 2}}


def test_invalid_records_go_to_error_and_pass_on_only_with_reserve_data() -> None:
    router = CollectingRouter()
    bad = [{"log": "not json"}, {"other": 1}]
    assert run_filter(ParserFilter, f"key_name log\n{JSON_PARSE}", bad, router=router) == []
    assert [str(error) for *_, error in router.errors] == [
        "pattern not matched with data 'not json'", "log does not exist"]
    kept = CollectingRouter()
    conf = f"key_name log\nreserve_data true\n{JSON_PARSE}"
    assert run_filter(ParserFilter, conf, bad, router=kept) == bad
    assert len(kept.errors) == 2


def test_emit_invalid_record_to_error_false_drops_and_counts() -> None:
    router = CollectingRouter()
    plugin = configured(ParserFilter, f"key_name log\nemit_invalid_record_to_error false\n"
                        f"{JSON_PARSE}", router, "filter")
    assert plugin.filter_stream("t", [(T0, {"log": "x"})]) == []
    assert router.errors == [] and plugin.metrics.num_errors == 1


def test_v012_format_in_filter_parser_becomes_its_parse_section() -> None:
    root = converted("<filter t>\n  @type parser\n  key_name log\n  format ltsv\n</filter>\n")
    records = run_filter(ParserFilter, root.elements[0], [{"log": "a:1\tb:2"}])
    assert records == [{"a": "1", "b": "2"}]


def test_parser_filter_needs_a_parse_section() -> None:
    with pytest.raises(ConfigError, match="a <parse> section is required"):
        configured(ParserFilter, "key_name log", name="filter")


def test_stdout_filter_prints_and_passes_events_on_unchanged() -> None:
    plugin = configured(StdoutFilter, "<inject>\n  tag_key tag\n</inject>", name="filter")
    plugin.stream = io.StringIO()
    stream = [(T0, {"k": "v"})]
    assert plugin.filter_stream("app", stream) == stream
    assert stream == [(T0, {"k": "v"})]
    assert plugin.stream.getvalue() == \
        '2024-01-02 03:04:05.000000000 +0000 app: {"k":"v","tag":"app"}\n'
