"""``<parse> @type json``: one JSON object per text.

``time_key`` defaults to ``time`` and ``time_type`` to ``float`` (a number of
seconds), unless ``time_format`` is given, which reads a string. A text that
is a JSON array gives one record per object in it; anything else that is not
an object (a number, a string, broken JSON) does not match.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from dplat.agent.config.element import Element
from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream
from dplat.agent.plugins.parser_base import Parser, ParseResult


@register("json")
class JsonParser(Parser):
    param_defaults: ClassVar[dict[str, Any]] = {"time_key": "time", "time_type": "float"}

    json_parser = config_param("enum", default="oj", choices=("oj", "yajl", "json"),
                               desc="Accepted for Fluentd configs; Python's json is used.")
    stream_buffer_size = config_param("integer", default=8192,
                                      desc="Accepted for Fluentd configs; unused.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        if "time_format" in element.params and "time_type" not in element.params:
            kwargs["defaults"] = {**(kwargs.get("defaults") or {}), "time_type": "string"}
        super().configure(element, **kwargs)
        self._loads = json.JSONDecoder().decode

    def parse(self, text: str) -> ParseResult:
        try:
            value = self._loads(text)
        except ValueError:
            return None
        return self.finish(value) if isinstance(value, dict) else None

    def parse_text(self, text: str) -> tuple[EventStream, str | None]:
        try:
            value = self._loads(text)
        except ValueError:
            return [], text
        items = value if isinstance(value, list) else [value]
        entries: EventStream = []
        complete = True
        for item in items:
            result = self.finish(item) if isinstance(item, dict) else None
            if result is None or result[0] is None:
                complete = False
            else:
                entries.append(result)  # type: ignore[arg-type]
        return entries, None if complete else text
