"""What every parser shares: types, nulls, the time key, time types and zones
(Fluentd's parser.rb and time.rb), and the strptime compiler behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.parser_base import Parser, new_parser
from dplat.agent.plugins.parser_time import (
    TimeParseError,
    TimeParser,
    compile_strptime,
    ruby_to_f,
    ruby_to_i,
)
from dplat.agent.testing import element

LTSV = "@type ltsv\n"


def parser(conf: str) -> Parser:
    return new_parser(element(conf, "parse"))


def record_of(conf: str, text: str) -> dict[str, object]:
    result = parser(conf).parse(text)
    assert result is not None
    return result[1]


def test_types_convert_like_ruby() -> None:
    conf = LTSV + "types i:integer,f:float,b:bool,n:bool,s:string,a:array,p:array:|,j:integer"
    text = "i:12abc\tf:7.45x\tb:YES\tn:no\ts:x\ta:3,4,5,,\tp:Adam|Alice|Bob\tj:abc"
    assert record_of(conf, text) == {"i": 12, "f": 7.45, "b": True, "n": False, "s": "x",
                                     "a": ["3", "4", "5"], "p": ["Adam", "Alice", "Bob"],
                                     "j": 0}


def test_types_in_json_form_and_time_types() -> None:
    conf = (LTSV + 'types {"t":"time:%d/%b/%Y:%H:%M:%S %z","u":"time:unixtime",'
            '"z":"time:+0900:%Y-%m-%d %H:%M:%S","n":"time:Asia/Tokyo:%Y-%m-%d %H:%M:%S",'
            '"c":"time:+09:00:%Y-%m-%d %H:%M:%S","bad":"time:%Y"}')
    record = record_of(conf, "t:28/Feb/2013:12:00:00 +0900\tu:1362020400\t"
                             "z:2013-02-28 12:00:00\tn:2013-02-28 12:00:00\t"
                             "c:2013-02-28 12:00:00\tbad:never")
    # As in Fluentd, the zone ends at the first colon: "+09:00:..." reads as
    # zone "+09" and format "00:%Y...", which then fails (null).
    assert record == {"t": EventTime(1362020400), "u": EventTime(1362020400),
                      "z": EventTime(1362020400), "n": EventTime(1362020400), "c": None,
                      "bad": None}


def test_unknown_type_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown value conversion for key:'x', type:'int'"):
        parser(LTSV + "types x:int")


def test_null_value_pattern_and_null_empty_string() -> None:
    assert record_of(LTSV + "null_value_pattern /^(-|null)$/", "a:-\tb:null\tc:x-") == \
        {"a": None, "b": None, "c": "x-"}
    assert record_of(LTSV + "null_empty_string true", "a:\tb:x") == {"a": None, "b": "x"}
    assert record_of(LTSV, "a:\tb:x") == {"a": "", "b": "x"}


def test_nulls_win_over_types() -> None:
    assert record_of(LTSV + "types a:integer\nnull_value_pattern -", "a:-") == {"a": None}


def test_time_key_keep_time_key_and_estimate_current_event() -> None:
    conf = LTSV + "time_key at\ntime_format %Y-%m-%d"
    assert parser(conf).parse("at:2013-02-28\tx:1") == (EventTime(1362009600), {"x": "1"})
    assert parser(conf + "\nkeep_time_key true").parse("at:2013-02-28") == \
        (EventTime(1362009600), {"at": "2013-02-28"})
    assert parser(conf + "\nestimate_current_event false").parse("x:1") == (None, {"x": "1"})
    before = EventTime.now()
    time, _ = parser(conf).parse("x:1")  # type: ignore[misc]
    assert time >= before


def test_time_type_unixtime_float_and_mixed() -> None:
    assert parser(LTSV + "time_type unixtime").parse("time:1362020400.9")[0] == \
        EventTime(1362020400)  # type: ignore[index]
    assert parser(LTSV + "time_type float").parse("time:1362020400.000000001")[0] == \
        EventTime(1362020400, 1)  # type: ignore[index]
    mixed = parser(LTSV + "time_type mixed\ntime_format unixtime\ntime_format_fallbacks %iso8601")
    assert mixed.parse("time:1362020400")[0] == EventTime(1362020400)  # type: ignore[index]
    assert mixed.parse("time:2013-02-28T12:00:00+09:00")[0] == EventTime(1362020400)  # type: ignore[index]
    with pytest.raises(TimeParseError):
        mixed.parse("time:yesterday")
    with pytest.raises(ConfigError, match="mixed"):
        parser(LTSV + "time_type mixed")


def test_timezone_localtime_and_utc() -> None:
    conf = LTSV + "time_format %Y-%m-%d %H:%M:%S"
    text = "time:2013-02-28 12:00:00"
    utc_noon = EventTime(1362052800)
    assert parser(conf).parse(text)[0] == utc_noon  # type: ignore[index]
    assert parser(conf + "\nutc true").parse(text)[0] == utc_noon  # type: ignore[index]
    assert parser(conf + "\ntimezone +09:00").parse(text)[0] == EventTime(1362020400)  # type: ignore[index]
    assert parser(conf + "\ntimezone -0130").parse(text)[0] == EventTime(1362052800 + 5400)  # type: ignore[index]
    assert parser(conf + "\ntimezone Asia/Tokyo").parse(text)[0] == EventTime(1362020400)  # type: ignore[index]
    summer = parser(conf + "\ntimezone Europe/Paris").parse("time:2013-07-01 12:00:00")[0]  # type: ignore[index]
    assert summer == EventTime(int(datetime(2013, 7, 1, 10, tzinfo=UTC).timestamp()))
    assert parser(conf + "\ntimezone +09:00").parse("time:2013-02-28 12:00:00Z")[0] == \
        EventTime(1362020400)  # type: ignore[index]  # no %z in the format: the text's Z is ignored
    with pytest.raises(ConfigError, match="invalid timezone"):
        parser(conf + "\ntimezone Mars/Olympus")
    with pytest.raises(ConfigError, match="both of utc and localtime"):
        parser(conf + "\nutc true\nlocaltime true")


def test_sub_second_directives() -> None:
    reader = TimeParser("string", "%Y-%m-%dT%H:%M:%S.%N%z")
    assert reader.parse("2013-02-28T12:00:00.123456789+09:00") == EventTime(1362020400,
                                                                             123456789)
    assert TimeParser("string", "%H:%M:%S.%L %Y-%m-%d").parse("12:00:00.5 2013-02-28") == \
        EventTime(1362052800, 500_000_000)
    assert TimeParser("string", "%s.%3N").parse("1362020400.25") == \
        EventTime(1362020400, 250_000_000)


def test_iso8601_and_free_form() -> None:
    iso = TimeParser("string", "%iso8601")
    assert iso.parse("2013-02-28T12:00:00.000000001+09:00") == EventTime(1362020400, 1)
    free = TimeParser()
    assert free.parse("2013-02-28 12:00:00 +0900") == EventTime(1362020400)
    assert free.parse("Thu, 28 Feb 2013 03:00:00 GMT") == EventTime(1362020400)
    with pytest.raises(TimeParseError):
        free.parse("not a date at all")
    with pytest.raises(TimeParseError):
        free.parse(1362020400)


def test_named_zones_and_twelve_hour_clock() -> None:
    reader = TimeParser("string", "%b %d %I:%M:%S %p %Z %Y")
    assert reader.parse("Feb 28 12:00:00 PM JST 2013") == EventTime(1362020400)
    assert reader.parse("feb 28 03:00:00 am UTC 2013") == EventTime(1362020400)
    assert TimeParser("string", "%d/%B/%y %T").parse("28/February/13 12:00:00") == \
        EventTime(1362052800)
    assert TimeParser("string", "%Y %j").parse("2013 059") == EventTime(1362009600)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)),
       st.integers(min_value=-14 * 60, max_value=14 * 60),
       st.sampled_from(["%d/%b/%Y:%H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z", "%a %b %d %H:%M:%S %Y %z",
                        "%Y%m%d %H%M%S %z", "%m/%d/%Y %I:%M:%S %p %z"]))
def test_compiled_formats_agree_with_python_strptime(moment: datetime, minutes: int,
                                                     fmt: str) -> None:
    aware = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes)))
    text = aware.strftime(fmt)
    reader = compile_strptime(fmt)
    assert reader is not None
    expected = int(datetime.strptime(text, fmt).timestamp())
    assert reader(text, UTC) == EventTime(expected, 0)


def test_unknown_directive_falls_back_to_python() -> None:
    assert compile_strptime("%G-%V") is None
    assert TimeParser("string", "%Y-%m-%d %G").parse("2013-02-28 2013") == EventTime(1362009600)


@pytest.mark.parametrize(("text", "integer", "number"), [
    ("12abc", 12, 12.0), ("  -3", -3, -3.0), ("1_000", 1000, 1000.0), ("abc", 0, 0.0),
    ("7.45x", 7, 7.45), ("1e3", 1, 1000.0), ("", 0, 0.0), (".5", 0, 0.5),
])
def test_ruby_number_conversions(text: str, integer: int, number: float) -> None:
    assert ruby_to_i(text) == integer
    assert ruby_to_f(text) == number


def test_time_cache_returns_same_results() -> None:
    reader = TimeParser("string", "%d/%b/%Y:%H:%M:%S %z")
    first = reader.parse("28/Feb/2013:12:00:00 +0900")
    assert reader.parse("28/Feb/2013:12:00:00 +0900") is first
    with pytest.raises(TimeParseError):
        reader.parse(["not", "hashable"])
