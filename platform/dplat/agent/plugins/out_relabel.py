"""``@type relabel``: hand events on to the label named by ``@label``,
so one stream can be processed by another label's filters and matches."""

from __future__ import annotations

from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.core.params import describe, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream
from dplat.agent.output import Output


@register("relabel")
class RelabelOutput(Output):
    buffered_by_default = False

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if not self.label:
            raise located(element.origin, f"{describe(element)}: relabel needs '@label @NAME'")

    async def process(self, tag: str, stream: EventStream) -> None:
        await self.router.emit_stream(tag, stream)
