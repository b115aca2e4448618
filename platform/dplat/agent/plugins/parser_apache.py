"""``<parse> @type apache``: Apache's common/combined log, every field a string.

A regexp parser with Fluentd's defaults; ``apache2`` is the stricter-typed
sibling (integers, ``-`` as null, spaces and escaped quotes in the path).
"""

from __future__ import annotations

from typing import Any, ClassVar

from dplat.agent.config.types import to_regexp
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_regexp import RegexpParser

EXPRESSION = (
    r'/^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)'
    r'(?: +(?<path>[^ ]*) +\S*)?" (?<code>[^ ]*) (?<size>[^ ]*)'
    r'(?: "(?<referer>[^\"]*)" "(?<agent>[^\"]*)")?$/'
)


@register("apache")
class ApacheParser(RegexpParser):
    param_defaults: ClassVar[dict[str, Any]] = {
        **RegexpParser.param_defaults,
        "expression": to_regexp(EXPRESSION),
        "time_format": "%d/%b/%Y:%H:%M:%S %z",
    }
