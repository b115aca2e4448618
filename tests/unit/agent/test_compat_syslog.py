"""parser syslog, from https://docs.fluentd.org/parser/syslog (rfc3164,
rfc5424, auto, with_priority): lines of our own in the shapes it describes."""

from __future__ import annotations

import datetime

import pytest

from dplat.agent.event import EventTime
from dplat.agent.plugins.parser_base import Parser, new_parser
from dplat.agent.testing import element


def syslog(conf: str = "") -> Parser:
    return new_parser(element(f"@type syslog\n{conf}", "parse", ""))


def at(*fields: int, nsec: int = 0) -> EventTime:
    return EventTime(int(datetime.datetime(*fields, tzinfo=datetime.UTC).timestamp()), nsec)


def test_rfc3164_with_priority() -> None:
    year = datetime.datetime.now(datetime.UTC).year
    result = syslog("with_priority true").parse(
        "<6>Feb 28 12:00:00 192.168.0.1 fluentd[11111]: [error] Syslog test")
    assert result == (at(year, 2, 28, 12, 0, 0), {
        "pri": 6, "host": "192.168.0.1", "ident": "fluentd", "pid": "11111",
        "message": "[error] Syslog test"})


def test_rfc3164_single_digit_day_and_no_pid() -> None:
    year = datetime.datetime.now(datetime.UTC).year
    time, record = syslog().parse("Jan  2 03:04:05 web1 cron: job done") or (None, None)
    assert time == at(year, 1, 2, 3, 4, 5)
    assert record == {"host": "web1", "ident": "cron", "message": "job done"}


RFC5424 = ('<16>1 2013-02-28T12:00:00.003Z 192.168.0.1 fluentd 11111 ID24224 '
           '[exampleSDID@20224 iut="3" eventSource="Application"] Hi, from Fluentd!')


def test_rfc5424() -> None:
    result = syslog("message_format rfc5424\nwith_priority true").parse(RFC5424)
    assert result == (at(2013, 2, 28, 12, 0, 0, nsec=3_000_000), {
        "pri": 16, "host": "192.168.0.1", "ident": "fluentd", "pid": "11111",
        "msgid": "ID24224",
        "extradata": '[exampleSDID@20224 iut="3" eventSource="Application"]',
        "message": "Hi, from Fluentd!"})


def test_rfc5424_time_without_fraction_and_nil_extradata() -> None:
    result = syslog("message_format rfc5424\nwith_priority true").parse(
        "<165>1 2024-01-02T03:04:05Z host app - - - started")
    assert result == (at(2024, 1, 2, 3, 4, 5), {
        "pri": 165, "host": "host", "ident": "app", "pid": "-", "msgid": "-",
        "extradata": "-", "message": "started"})


@pytest.mark.parametrize(("line", "ident"), [
    (RFC5424, "fluentd"),
    ("<34>Oct 11 22:14:15 mymachine su: 'su root' failed", "su"),
])
def test_auto_decides_per_line(line: str, ident: str) -> None:
    result = syslog("message_format auto\nwith_priority true").parse(line)
    assert result is not None and result[1]["ident"] == ident


def test_a_line_without_the_priority_does_not_match() -> None:
    assert syslog("with_priority true").parse("Feb 28 12:00:00 h i: m") is None
