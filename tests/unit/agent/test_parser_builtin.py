"""Each built-in parser against the examples in Fluentd's docs (parser/*.md).

Fluentd's docs print times as seen on a machine in +0900; a time text that
carries no zone is read in UTC here (dplat's agent runs in UTC), so those
expectations are the UTC instant of the same wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.parser_base import Parser, ParserError, new_parser
from dplat.agent.testing import element

APACHE_LINE = ('192.168.0.1 - - [28/Feb/2013:12:00:00 +0900] "GET / HTTP/1.1" 200 777 "-" '
               '"Opera/12.0"')
FEB28_NOON_JST = 1362020400
FEB28_NOON_UTC = int(datetime(2013, 2, 28, 12, tzinfo=UTC).timestamp())


def parser(conf: str) -> Parser:
    return new_parser(element(conf, "parse"))


def parse(conf: str, text: str) -> tuple[EventTime | None, dict[str, object]]:
    result = parser(conf).parse(text)
    assert result is not None, f"{text!r} did not match"
    return result


def test_apache2_docs_example() -> None:
    time, record = parse("@type apache2", APACHE_LINE)
    assert time == EventTime(FEB28_NOON_JST, 0)
    assert record == {"host": "192.168.0.1", "user": None, "method": "GET", "path": "/",
                      "code": 200, "size": 777, "referer": None, "agent": "Opera/12.0"}


def test_apache2_converts_dashes_and_zero_code() -> None:
    line = '- - bob [28/Feb/2013:12:00:00 +0000] "POST /a%20b?q=\\"x\\" HTTP/1.0" 0 - "r" "a"'
    time, record = parse("@type apache2\nkeep_time_key true", line)
    assert time == EventTime(FEB28_NOON_UTC, 0)
    assert record == {"host": None, "user": "bob", "method": "POST", "path": '/a%20b?q=\\"x\\"',
                      "code": None, "size": None, "referer": "r", "agent": "a",
                      "time": "28/Feb/2013:12:00:00 +0000"}


def test_apache2_without_referer_and_agent() -> None:
    _, record = parse("@type apache2",
                      '1.2.3.4 - - [28/Feb/2013:12:00:00 +0900] "GET /x HTTP/1.1" 404 12')
    assert (record["path"], record["code"], record["size"]) == ("/x", 404, 12)
    assert record["referer"] is None and record["agent"] is None


def test_apache2_not_matching_and_bad_time() -> None:
    assert parser("@type apache2").parse("not an access log") is None
    with pytest.raises(ParserError):
        parser("@type apache2").parse(APACHE_LINE.replace("28/Feb", "99/Foo"))


def test_apache_keeps_strings() -> None:
    time, record = parse("@type apache", APACHE_LINE)
    assert time == EventTime(FEB28_NOON_JST, 0)
    assert record == {"host": "192.168.0.1", "user": "-", "method": "GET", "path": "/",
                      "code": "200", "size": "777", "referer": "-", "agent": "Opera/12.0"}


def test_nginx_docs_example() -> None:
    line = ('127.0.0.1 192.168.0.1 - [28/Feb/2013:12:00:00 +0900] "GET / HTTP/1.1" 200 777 '
            '"-" "Opera/12.0" -')
    time, record = parse("@type nginx", line)
    assert time == EventTime(FEB28_NOON_JST, 0)
    assert record == {"remote": "127.0.0.1", "host": "192.168.0.1", "user": "-",
                      "method": "GET", "path": "/", "code": "200", "size": "777",
                      "referer": "-", "agent": "Opera/12.0", "http_x_forwarded_for": "-"}


def test_apache_error_docs_example() -> None:
    line = ("[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server "
            "configuration")
    time, record = parse("@type apache_error", line)
    assert time == EventTime(int(datetime(2000, 10, 11, 14, 32, 52, tzinfo=UTC).timestamp()))
    assert record == {"level": "error", "client": "127.0.0.1",
                      "message": "client denied by server configuration"}


def test_regexp_docs_example() -> None:
    conf = """
      @type regexp
      expression /^\\[(?<logtime>[^\\]]*)\\] (?<name>[^ ]*) (?<title>[^ ]*) (?<id>\\d*)$/
      time_key logtime
      time_format %Y-%m-%d %H:%M:%S %z
      types id:integer
    """
    time, record = parse(conf, "[2013-02-28 12:00:00 +0900] alice engineer 1")
    assert time == EventTime(FEB28_NOON_JST, 0)
    assert record == {"name": "alice", "title": "engineer", "id": 1}


def test_regexp_searches_unanchored_and_drops_unset_groups() -> None:
    conf = "@type regexp\nexpression /(?<a>x+)(?<b>y)?(?<time>z)?/"
    time, record = parse(conf + "\nestimate_current_event true", "--xx--")
    assert record == {"a": "xx"}
    assert time is not None
    assert parser(conf + "\nestimate_current_event false").parse("xx") == (None, {"a": "xx"})


def test_regexp_flags_ignorecase_and_dot_all() -> None:
    assert parse("@type regexp\nexpression /^(?<w>ab.c)$/im", "AB\nC")[1] == {"w": "AB\nC"}
    assert parser("@type regexp\nexpression /^(?<w>ab.c)$/i").parse("AB\nC") is None
    assert parse("@type regexp\nexpression /(?<w>ab)/\nignorecase true", "AB")[1] == {"w": "AB"}


def test_regexp_without_named_group_is_refused() -> None:
    with pytest.raises(ConfigError, match="named capture"):
        parser("@type regexp\nexpression /^(a)$/")


def test_regexp_anchored_pattern_with_alternation_still_searches() -> None:
    conf = "@type regexp\nexpression /^x(?<a>1)|(?<b>2)/"
    assert parse(conf, "--2")[1] == {"b": "2"}


def test_json_docs_example() -> None:
    time, record = parse("@type json",
                         '{"time":1362020400,"host":"192.168.0.1","size":777,"method":"PUT"}')
    assert time == EventTime(FEB28_NOON_JST, 0)
    assert record == {"host": "192.168.0.1", "size": 777, "method": "PUT"}


def test_json_time_as_float_and_string() -> None:
    assert parse("@type json", '{"time":1362020400.25}')[0] == EventTime(FEB28_NOON_JST,
                                                                         250_000_000)
    conf = "@type json\ntime_format %d/%b/%Y:%H:%M:%S %z"
    time, record = parse(conf, '{"key":"value","time":"28/Feb/2013:12:00:00 +0900"}')
    assert (time, record) == (EventTime(FEB28_NOON_JST, 0), {"key": "value"})


def test_json_non_objects_and_arrays() -> None:
    json_parser = parser("@type json")
    assert json_parser.parse("[1, 2]") is None
    assert json_parser.parse("{broken") is None
    entries, rest = json_parser.parse_text('[{"a":1,"time":1},{"b":2,"time":2}]')
    assert entries == [(EventTime(1), {"a": 1}), (EventTime(2), {"b": 2})] and rest is None
    entries, rest = json_parser.parse_text('[{"a":1,"time":1}, 7]')
    assert entries == [(EventTime(1), {"a": 1})] and rest == '[{"a":1,"time":1}, 7]'


def test_none_docs_example() -> None:
    before = EventTime.now()
    time, record = parse("@type none", "Hello world. I am a line of log!")
    assert record == {"message": "Hello world. I am a line of log!"}
    assert time is not None and time >= before
    assert parse("@type none\nmessage_key log", "x")[1] == {"log": "x"}


def test_csv_docs_example_and_null_value_pattern() -> None:
    conf = "@type csv\nkeys time,host,req_id,user\ntime_key time"
    time, record = parse(conf, "2013/02/28 12:00:00,192.168.0.1,111,-")
    assert time == EventTime(FEB28_NOON_UTC, 0)
    assert record == {"host": "192.168.0.1", "req_id": "111", "user": "-"}
    _, record = parse(conf + "\nnull_value_pattern -", "2013/02/28 12:00:00,192.168.0.1,111,-")
    assert record["user"] is None


@pytest.mark.parametrize(("line", "values"), [
    ('"value1","val,ue2","va,lu,e3","val ue4",""', ["value1", "val,ue2", "va,lu,e3", "val ue4",
                                                    ""]),
    ('"message","mes""sage","""message""",,""""""', ["message", 'mes"sage', '"message"', None,
                                                     '""']),
    ('message,"mes,sage","me,ssa,ge",mess age,""', ["message", "mes,sage", "me,ssa,ge",
                                                    "mess age", ""]),
    ("a,,b,", ["a", None, "b", None]),
])
@pytest.mark.parametrize("engine", ["normal", "fast"])
def test_csv_quoting_like_ruby(line: str, values: list[str | None], engine: str) -> None:
    keys = [f"k{i}" for i in range(len(values))]
    record = parse(f"@type csv\nkeys {','.join(keys)}\nparser_type {engine}", line)[1]
    assert record == dict(zip(keys, values, strict=True))


def test_csv_multi_character_delimiter_missing_values_and_errors() -> None:
    conf = "@type csv\nkeys a,b,c\ndelimiter ::"
    assert parse(conf, 'x::"y::z"')[1] == {"a": "x", "b": "y::z", "c": None}
    with pytest.raises(ParserError):
        parser("@type csv\nkeys a,b").parse('"open,b')
    assert parser("@type csv\nkeys a").parse("") is None


def test_ltsv_docs_examples() -> None:
    time, record = parse("@type ltsv",
                         "time:2013/02/28 12:00:00\thost:192.168.0.1\treq_id:111\tuser:-")
    assert time == EventTime(FEB28_NOON_UTC, 0)
    assert record == {"host": "192.168.0.1", "req_id": "111", "user": "-"}
    conf = "@type ltsv\ndelimiter_pattern /\\s+/\nlabel_delimiter ="
    _, record = parse(conf, "timestamp=1362020400 host=192.168.0.1  req_id=111 user=-")
    assert record == {"timestamp": "1362020400", "host": "192.168.0.1", "req_id": "111",
                      "user": "-"}


def test_ltsv_skips_fields_without_label_delimiter() -> None:
    assert parse("@type ltsv\ndelimiter ,", "a:1,junk,b:,:c,")[1] == {"a": "1", "b": "",
                                                                     "": "c"}


def test_unknown_type_and_missing_type() -> None:
    with pytest.raises(ConfigError, match="unknown parser plugin type 'nope'"):
        parser("@type nope")
    with pytest.raises(ConfigError, match="missing '@type' parameter"):
        parser("keys a")
