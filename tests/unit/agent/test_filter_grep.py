"""filter_grep with the examples of Fluentd's docs (filter/grep.md)."""

from __future__ import annotations

import pytest

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import Record
from dplat.agent.plugins.filter_grep import GrepFilter
from dplat.agent.testing import CollectingRouter, configured, run_filter

DOCS_CONF = r"""
  <regexp>
    key message
    pattern /cool/
  </regexp>
  <regexp>
    key hostname
    pattern /^web\d+\.example\.com$/
  </regexp>
  <exclude>
    key message
    pattern /uncool/
  </exclude>
"""


def grep(conf: str, records: list[Record]) -> list[Record]:
    return run_filter(GrepFilter, conf, records)


def test_docs_example_keeps_and_drops() -> None:
    kept = [{"message": "It's cool outside today", "hostname": "web001.example.com"},
            {"message": "That's not cool", "hostname": "web1337.example.com"}]
    dropped = [{"message": "I am cool but you are uncool", "hostname": "db001.example.com"},
               {"hostname": "web001.example.com"},
               {"message": "It's cool outside today"}]
    assert grep(DOCS_CONF, [*dropped[:1], kept[0], *dropped[1:], kept[1]]) == kept


def test_top_level_regexps_are_and_excludes_are_or() -> None:
    conf = """
      <regexp>\n key price\n pattern /[1-9]\\d*/\n </regexp>
      <regexp>\n key item_name\n pattern /^book_/\n </regexp>
      <exclude>\n key status_code\n pattern /^5\\d\\d$/\n </exclude>
      <exclude>\n key url\n pattern /\\.css$/\n </exclude>
    """
    records = [
        {"price": 10, "item_name": "book_a", "status_code": 200, "url": "/a"},   # kept
        {"price": 10, "item_name": "pen", "status_code": 200, "url": "/a"},      # regexp fails
        {"price": 0, "item_name": "book_b", "status_code": 200, "url": "/a"},    # regexp fails
        {"price": 5, "item_name": "book_c", "status_code": 503, "url": "/a"},    # excluded
        {"price": 5, "item_name": "book_d", "status_code": 200, "url": "/x.css"},  # excluded
    ]
    assert grep(conf, records) == records[:1]


def test_and_or_wrappers() -> None:
    or_regexps = """
      <or>
        <regexp>\n key container_name\n pattern /^db\\d{2}/\n </regexp>
        <regexp>\n key log_level\n pattern /^(?:warn|error)$/\n </regexp>
      </or>
    """
    records = [{"container_name": "db01", "log_level": "info"},
               {"container_name": "app01", "log_level": "error"},
               {"container_name": "app01", "log_level": "info"}]
    assert grep(or_regexps, records) == records[:2]
    and_excludes = """
      <and>
        <exclude>\n key container_name\n pattern /^app\\d{2}/\n </exclude>
        <exclude>\n key log_level\n pattern /^(?:debug|trace)$/\n </exclude>
      </and>
    """
    records = [{"container_name": "app01", "log_level": "debug"},
               {"container_name": "app01", "log_level": "info"},
               {"container_name": "db01", "log_level": "debug"}]
    assert grep(and_excludes, records) == records[1:]


def test_legacy_regexp_n_and_exclude_n() -> None:
    conf = "regexp1 price [1-9]\\d*\nregexp2 item_name ^book_\nexclude1 url \\.css$"
    records = [{"price": "3", "item_name": "book_x", "url": "/"},
               {"price": "3", "item_name": "book_x", "url": "/a.css"},
               {"price": "3", "item_name": "pen", "url": "/"}]
    assert grep(conf, records) == records[:1]


def test_nested_keys_values_as_text_and_missing_as_empty() -> None:
    conf = "<regexp>\n key $.user.name\n pattern /^al/\n </regexp>"
    assert grep(conf, [{"user": {"name": "alice"}}, {"user": {"name": "bob"}}, {"user": 1},
                       {}]) == [{"user": {"name": "alice"}}]
    brackets = "<regexp>\n key $['a b'][0]\n pattern /^7$/\n </regexp>"
    assert grep(brackets, [{"a b": [7]}, {"a b": [8]}]) == [{"a b": [7]}]
    missing = "<exclude>\n key absent\n pattern /^$/\n </exclude>"
    assert grep(missing, [{"absent": "x"}, {"other": 1}]) == [{"absent": "x"}]
    booleans = "<regexp>\n key ok\n pattern /^true$/\n </regexp>"
    assert grep(booleans, [{"ok": True}, {"ok": False}]) == [{"ok": True}]


def test_unanchored_search_and_leading_slash_escape() -> None:
    conf = "<regexp>\n key filepath\n pattern \\/spool/\n </regexp>"
    assert grep(conf, [{"filepath": "/var/spool/x"}, {"filepath": "/var/log"}]) == \
        [{"filepath": "/var/spool/x"}]


@pytest.mark.parametrize(("conf", "message"), [
    ("<regexp>\n key a\n pattern /x/\n</regexp>\n<regexp>\n key a\n pattern /y/\n</regexp>",
     "Duplicate key: a"),
    ("<and>\n<regexp>\n key a\n pattern /x/\n</regexp>\n<exclude>\n key b\n pattern /y/\n"
     "</exclude>\n</and>", "Do not specify both <regexp> and <exclude> in <and>"),
    ("regexp1 onlykey", "regexp1 does not contain 2 parameters"),
    ("regexp1 a x\n<regexp>\n key a\n pattern /y/\n</regexp>", "Duplicate key: a"),
    ("<regexp>\n key a\n</regexp>", "required parameter 'pattern'"),
])
def test_config_errors(conf: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configured(GrepFilter, conf, name="filter")


def test_whole_stream_in_one_call_keeps_times_and_order() -> None:
    router = CollectingRouter()
    plugin = configured(GrepFilter, "<regexp>\n key n\n pattern /[02468]$/\n</regexp>", router,
                        "filter")
    from dplat.agent.event import EventTime

    stream = [(EventTime(i), {"n": i}) for i in range(10)]
    assert plugin.filter_stream("t", stream) == [(EventTime(i), {"n": i}) for i in range(0, 10, 2)]
    assert router.errors == []
