"""``<buffer> @type memory``: chunks are byte arrays; lost when the agent stops.

Fluentd's memory buffer is 34 lines because the bookkeeping lives elsewhere;
so is ours (buffer/buffer.py). Memory buffers flush at shutdown by default.

``total_limit_size`` defaults to 128 MiB here, where Fluentd's is 512 MiB:
the agent's container has 512 MiB in all, so with Fluentd's default the
buffer could only overflow after the kernel had killed the process (issue
10). With 128 MiB, ``overflow_action`` (throw or block) applies while there
is room left for decoding, routing and flushing.
"""

from __future__ import annotations

import time

from dplat.agent.buffer.buffer import Buffer, MiB
from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register


class MemoryChunk(Chunk):
    def __init__(self, metadata: Metadata, unique_id: bytes | None = None) -> None:
        super().__init__(metadata, unique_id)
        self._data = bytearray()
        self._records = 0
        self._committed_bytes = 0
        self._committed_records = 0

    @property
    def size(self) -> int:
        return self._records

    @property
    def bytesize(self) -> int:
        return len(self._data)

    def append(self, entries: list[bytes]) -> None:
        for entry in entries:
            self._data += entry
        self._records += len(entries)

    def commit(self) -> None:
        self._committed_bytes = len(self._data)
        self._committed_records = self._records
        self.modified_at = time.time()

    def rollback(self) -> None:
        del self._data[self._committed_bytes:]
        self._records = self._committed_records

    def read(self) -> bytes:
        return bytes(self._data[: self._committed_bytes])

    def purge(self) -> None:
        self._data = bytearray()
        self._records = self._committed_bytes = self._committed_records = 0


@register("memory")
class MemoryBuffer(Buffer):
    persistent = False

    total_limit_size = config_param("size", default=128 * MiB,
                                    desc="Stage plus queue; beyond it overflow_action applies "
                                    "(Fluentd: 512 MiB).")

    def generate_chunk(self, metadata: Metadata) -> Chunk:
        return MemoryChunk(metadata)
