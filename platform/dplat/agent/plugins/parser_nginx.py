"""``<parse> @type nginx``: nginx's default ``combined`` access log.

A regexp parser with Fluentd's expression and time format as defaults, so
every field stays a string (``code`` ``"200"``, ``user`` ``"-"``); unlike
``apache2`` nothing is converted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dplat.agent.config.types import to_regexp
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_regexp import RegexpParser

EXPRESSION = (
    r'/^(?<remote>[^ ]*) (?<host>[^ ]*) (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)'
    r'(?: +(?<path>[^\"]*?)(?: +\S*)?)?" (?<code>[^ ]*) (?<size>[^ ]*)(?: "(?<referer>[^\"]*)"'
    r' "(?<agent>[^\"]*)"(?:\s+\"?(?<http_x_forwarded_for>[^\"]*)\"?)?)?$/'
)


@register("nginx")
class NginxParser(RegexpParser):
    param_defaults: ClassVar[dict[str, Any]] = {
        **RegexpParser.param_defaults,
        "time_format": "%d/%b/%Y:%H:%M:%S %z",
        "expression": to_regexp(EXPRESSION),
    }
