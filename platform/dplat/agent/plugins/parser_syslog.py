"""``<parse> @type syslog``: RFC 3164 and RFC 5424 lines, as Fluentd's
``lib/fluent/plugin/parser_syslog.rb`` reads them (its regexp engine)::

    <parse>
      @type syslog
      message_format auto     # rfc3164 (default), rfc5424, or auto (by the header)
      with_priority true      # lines start with <PRI>; it becomes the 'pri' field
    </parse>

RFC 3164: ``Jan  2 03:04:05 web1 sshd[42]: message`` gives host, ident, pid and
message; the time is the first words of the line, as many as ``time_format``
has (``%b %d %H:%M:%S``, no year: the current year, as in Fluentd), runs of
spaces squeezed. RFC 5424: ``<165>1 2024-01-02T03:04:05.123Z host app 42 ID47
[sd] message`` also gives msgid and extradata; its time is read with
``rfc5424_time_format``, then without fractions. ``auto`` takes a line that
starts with ``<PRI>VERSION`` as RFC 5424 (give it ``with_priority true``, as
Fluentd's docs do). ``parser_engine string`` is accepted and reads the same.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from dplat.agent.config.element import Element
from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_base import Parser, ParseResult
from dplat.agent.plugins.parser_time import TimeParseError

RFC3164 = re.compile(r"(?P<host>[^ ]*) (?P<ident>[^ :\[]*)(?:\[(?P<pid>[0-9]+)\])?"
                     r"(?:[^:]*:)? *(?P<message>.*)$", re.MULTILINE)
RFC5424 = re.compile(r"(?P<host>[!-~]{1,255}) (?P<ident>[!-~]{1,48}) (?P<pid>[!-~]{1,128}) "
                     r"(?P<msgid>[!-~]{1,32}) (?P<extradata>(?:-|(?:\[.*?(?<!\\)\])))"
                     r"(?: (?P<message>.+))?\Z", re.MULTILINE | re.DOTALL)
RFC3164_PRI = re.compile(r"^<([0-9]{1,3})>")
RFC5424_PRI = re.compile(r"^<(\d{1,3})>\d\d{0,2}\s")
DETECT_RFC5424 = re.compile(r"^<[0-9]{1,3}>[1-9]\d{0,2}")
WITHOUT_FRACTION = "%Y-%m-%dT%H:%M:%S%z"


@register("syslog")
class SyslogParser(Parser):
    param_defaults: ClassVar[dict[str, Any]] = {"time_format": "%b %d %H:%M:%S"}

    with_priority = config_param("bool", default=False, desc="Lines start with <PRI>.")
    message_format = config_param("enum", default="rfc3164",
                                  choices=("rfc3164", "rfc5424", "auto"),
                                  desc="Protocol; auto decides per line.")
    rfc5424_time_format = config_param("string", default="%Y-%m-%dT%H:%M:%S.%L%z",
                                       desc="Time format of RFC 5424 lines.")
    parser_engine = config_param("enum", default="regexp", choices=("regexp", "string"),
                                 alias="parser_type", desc="Accepted; both read the same.")
    support_colonless_ident = config_param("bool", default=True,
                                           desc="Accepted (Fluentd's string engine option).")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        time_format = self.time_format or "%b %d %H:%M:%S"
        if self.message_format == "rfc5424" and "time_format" not in element.params:
            time_format = self.rfc5424_time_format
        self.rfc3164_time = (self.time_parser, _space_count(time_format))
        fmt5424 = time_format if self.message_format == "rfc5424" else self.rfc5424_time_format
        self.rfc5424_time = (self.make_time_parser("string", fmt5424), _space_count(fmt5424))
        self.rfc5424_plain = self.make_time_parser("string", WITHOUT_FRACTION)

    def parse(self, text: str) -> ParseResult:
        kind = self.message_format
        if kind == "auto":
            kind = "rfc5424" if DETECT_RFC5424.match(text) else "rfc3164"
        record: dict[str, Any] = {}
        start = 0
        if self.with_priority:
            found = (RFC5424_PRI if kind == "rfc5424" else RFC3164_PRI).match(text)
            if found is None:
                return None
            record["pri"] = int(found.group(1))
            start = found.end() if kind == "rfc5424" else text.index(">") + 1
        time_parser, words = self.rfc5424_time if kind == "rfc5424" else self.rfc3164_time
        span = _time_span(text, start, words)
        if span is None:
            return None
        time_text, rest = span
        try:
            time = time_parser.parse(time_text)
        except TimeParseError:
            if kind != "rfc5424":
                raise
            time = self.rfc5424_plain.parse(time_text)
        if self.keep_time_key:
            record["time"] = time_text
        found = (RFC5424 if kind == "rfc5424" else RFC3164).search(text, rest)
        if found is None:
            return None
        for name, value in found.groupdict().items():
            if value is not None:
                record[name] = value.rstrip("\r\n") if name == "message" else value
        if self._convert:
            self.convert_values(record)
        return time, record


def _space_count(time_format: str) -> int:
    """How many words the time is: Fluentd's ``squeeze(' ').count(' ') + 1``."""
    return re.sub(" +", " ", time_format).count(" ") + 1


def _time_span(text: str, start: int, words: int) -> tuple[str, int] | None:
    """The time text (runs of spaces squeezed) and where the rest starts."""
    i, squeezed = start - 1, False
    for _ in range(words):
        while text[i + 1 : i + 2] == " ":
            squeezed, i = True, i + 1
        i = text.find(" ", i + 1)
        if i < 0:
            return None
    time_text = text[start:i]
    return (re.sub(" +", " ", time_text) if squeezed else time_text), i + 1
