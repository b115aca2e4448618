"""``<parse> @type apache2``: Apache's combined log, typed.

    192.168.0.1 - - [28/Feb/2013:12:00:00 +0900] "GET / HTTP/1.1" 200 777 "-" "Opera/12.0"

gives ``host``, ``user``, ``method``, ``path``, ``code``, ``size``,
``referer`` and ``agent``; ``code`` and ``size`` are integers (``code`` 0
is null), ``-`` is null for host, user, size, referer and agent. As in
Fluentd, ``types`` and the null options do not apply to this parser.

:data:`FLUENTD_EXPRESSION` is Fluentd's expression. It spends most of its
time in ``(?:[^"]|\\\\")*``, an alternation tried once per character; this
module matches with :data:`EXPRESSION`, where each such part is written as
runs of non-quotes joined by quotes that follow a backslash. Both accept the
same texts with the same groups (the groups are always preceded by a quote
or a space, never a backslash); a property test compares them.
"""

from __future__ import annotations

import re
from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.config.types import ruby_regex_to_python
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_base import Parser, ParseResult
from dplat.agent.plugins.parser_time import ruby_to_i

TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"
FLUENTD_EXPRESSION = (
    r'^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)'
    r'(?: +(?<path>(?:[^\"]|\\")*?)(?: +\S*)?)?" (?<code>[^ ]*) (?<size>[^ ]*)'
    r'(?: "(?<referer>(?:[^\"]|\\")*)" "(?<agent>(?:[^\"]|\\")*)")?$'
)
_QUOTED = r'[^"]*(?:(?<=\\)"[^"]*)*'
_QUOTED_LAZY = r'[^"]*?(?:(?<=\\)"[^"]*?)*?'
EXPRESSION = (
    r'^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)'
    rf'(?: +(?<path>{_QUOTED_LAZY})(?: +\S*)?)?" (?<code>[^ ]*) (?<size>[^ ]*)'
    rf'(?: "(?<referer>{_QUOTED})" "(?<agent>{_QUOTED})")?$'
)


@register("apache2")
class Apache2Parser(Parser):
    def __init__(self) -> None:
        super().__init__()
        self._pattern = re.compile(ruby_regex_to_python(EXPRESSION), re.MULTILINE)

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        self._times = self.make_time_parser("string", TIME_FORMAT)

    def parse(self, text: str) -> ParseResult:
        found = self._pattern.match(text) if "\n" not in text else self._pattern.search(text)
        if found is None:
            return None
        host, user, time_text, method, path, code, size, referer, agent = found.groups()
        try:  # Ruby's to_i; int() agrees on the digits logs hold, and is fast
            number = int(code)
        except ValueError:
            number = ruby_to_i(code)
        try:
            bytes_sent = None if size == "-" else int(size)
        except ValueError:
            bytes_sent = ruby_to_i(size)
        record = {
            "host": None if host == "-" else host,
            "user": None if user == "-" else user,
            "method": method,
            "path": path,
            "code": number or None,
            "size": bytes_sent,
            "referer": None if referer == "-" else referer,
            "agent": None if agent == "-" else agent,
        }
        if self.keep_time_key:
            record["time"] = time_text
        return self._times.parse(time_text), record

