"""The multiline parser on its own (grouping lines is in_tail's part, tested
with in_tail): Fluentd's docs examples and its config errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.parser_base import new_parser
from dplat.agent.plugins.parser_multiline import MultilineParser
from dplat.agent.testing import element

RAILS = r"""
  @type multiline
  format_firstline /^Started/
  format1 /Started (?<method>[^ ]+) "(?<path>[^"]+)" for (?<host>[^ ]+) at (?<time>[^ ]+ [^ ]+ [^ ]+)\n/
  format2 /Processing by (?<controller>[^\u0023]+)\u0023(?<controller_method>[^ ]+) as (?<format>[^ ]+?)\n/
  format3 /(  Parameters: (?<parameters>[^ ]+)\n)?/
  format4 /  Rendered (?<template>[^ ]+) within (?<layout>.+) \([\d\.]+ms\)\n/
  format5 /Completed (?<code>[^ ]+) [^ ]+ in (?<runtime>[\d\.]+)ms \(Views: (?<view_runtime>[\d\.]+)ms \| ActiveRecord: (?<ar_runtime>[\d\.]+)ms\)/
"""
RAILS_LOG = """Started GET "/users/123/" for 127.0.0.1 at 2013-06-14 12:00:11 +0900
Processing by UsersController#show as HTML
  Parameters: {"user_id"=>"123"}
  Rendered users/show.html.erb within layouts/application (0.3ms)
Completed 200 OK in 4ms (Views: 3.2ms | ActiveRecord: 0.0ms)"""

JAVA = r"""
  @type multiline
  format_firstline /\d{4}-\d{1,2}-\d{1,2}/
  format1 /^(?<time>\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}) \[(?<thread>.*)\] (?<level>[^\s]+)(?<message>.*)/
"""


def multiline(conf: str) -> MultilineParser:
    parser = new_parser(element(conf, "parse"))
    assert isinstance(parser, MultilineParser)
    return parser


def test_rails_docs_example() -> None:
    parser = multiline(RAILS)
    assert parser.firstline("Started GET ...") and not parser.firstline("Processing by X")
    entries, rest = parser.parse_text(RAILS_LOG)
    assert rest is None
    assert entries == [(EventTime(1371178811), {
        "method": "GET", "path": "/users/123/", "host": "127.0.0.1", "controller":
        "UsersController", "controller_method": "show", "format": "HTML",
        "parameters": '{"user_id"=>"123"}', "template": "users/show.html.erb",
        "layout": "layouts/application", "code": "200", "runtime": "4",
        "view_runtime": "3.2", "ar_runtime": "0.0"})]


def test_java_docs_example_dot_matches_newlines() -> None:
    parser = multiline(JAVA)
    text = ("2013-3-03 14:27:33 [main] ERROR Main - Exception\n"
            "javax.management.RuntimeErrorException: null\n"
            "    at Main.main(Main.java:16) ~[bin/:na]")
    time, record = parser.parse(text)  # type: ignore[misc]
    assert time == EventTime(int(datetime(2013, 3, 3, 14, 27, 33, tzinfo=UTC).timestamp()))
    assert record == {"thread": "main", "level": "ERROR", "message":
                      " Main - Exception\njavax.management.RuntimeErrorException: null\n"
                      "    at Main.main(Main.java:16) ~[bin/:na]"}


def test_several_records_in_one_text_and_an_unmatched_rest() -> None:
    parser = multiline("@type multiline\nformat1 /^(?<n>\\d+) (?<w>[a-z]+)$/\n"
                       "estimate_current_event true")
    entries, rest = parser.parse_text("1 a\n2 b")
    assert [record for _, record in entries] == [{"n": "1", "w": "a"}, {"n": "2", "w": "b"}]
    assert rest is None
    entries, rest = parser.parse_text("1 a\n???")
    assert [record for _, record in entries] == [{"n": "1", "w": "a"}] and rest == "???"
    assert parser.parse_text("???") == ([], "???")


@pytest.mark.parametrize(("conf", "message"), [
    ("@type multiline", "needs format1"),
    ("@type multiline\nformat1 /(?<a>x)/\nformat3 /y/", "format2 is missing"),
    ("@type multiline\nformat21 /(?<a>x)/", "N should be 1 - 20"),
    ("@type multiline\nformat1 (?<a>x)", "need //"),
    ("@type multiline\nformat1 /(x)/", "No named captures"),
    ("@type multiline\nformat1 /(?<a>x/", "Invalid regexp"),
])
def test_config_errors(conf: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        multiline(conf)
