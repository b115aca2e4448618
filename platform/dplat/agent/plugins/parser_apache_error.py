"""``<parse> @type apache_error``: Apache's error log.

    [Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration

gives ``level``, ``pid``, ``client`` and ``message``; the time has no format,
so it is read free-form (Fluentd's ``Time.parse``), in UTC.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dplat.agent.config.types import to_regexp
from dplat.agent.core.registry import register
from dplat.agent.plugins.parser_regexp import RegexpParser

EXPRESSION = (
    r"/^\[[^ ]* (?<time>[^\]]*)\] \[(?<level>[^\]]*)\](?: \[pid (?<pid>[^\]]*)\])?"
    r"( \[client (?<client>[^\]]*)\])? (?<message>.*)$/"
)


@register("apache_error")
class ApacheErrorParser(RegexpParser):
    param_defaults: ClassVar[dict[str, Any]] = {
        **RegexpParser.param_defaults,
        "expression": to_regexp(EXPRESSION),
    }
