"""``@type null``: accepts events and throws them away (tests, benchmarks).

Non-buffered by default; with a ``<buffer>`` section it buffers and its
``write`` discards chunks, which exercises the buffer machinery alone.
"""

from __future__ import annotations

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream
from dplat.agent.output import Output


@register("null")
class NullOutput(Output):
    buffered_by_default = False

    async def process(self, tag: str, stream: EventStream) -> None:
        return None

    async def write(self, chunk: Chunk) -> None:
        return None
