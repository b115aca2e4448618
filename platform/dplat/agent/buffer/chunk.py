"""A chunk: the unit a buffer fills, queues and hands to ``Output.write()``.

The interface is what a memory chunk and a file chunk (``buf_file.py``:
``buffer.b<id>.log`` + ``.meta``, renamed to ``.q<id>`` when queued) both
need: append entries then ``commit()`` (a file chunk writes its ``.meta``
there, so an acked event is on disk), or ``rollback()`` to the last commit;
``enqueued()`` when it leaves the stage; ``purge()`` once written.
"""

from __future__ import annotations

import os
import struct
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from enum import Enum

from dplat.agent.buffer.metadata import Metadata
from dplat.agent.event import Entry, EventTime
from dplat.agent.protocol.eventtime import coerce_time, new_unpacker


def generate_unique_id() -> bytes:
    """16 bytes like Fluentd's ``unique_id``: microseconds since the epoch
    shifted left 12 bits with 12 random bits, as two uint32, then 8 random
    bytes. Sorting ids roughly sorts chunks by creation time."""
    usec = time.time_ns() // 1000
    stamp = (usec << 12) | int.from_bytes(os.urandom(2), "big") & 0xFFF
    return struct.pack(">II", (stamp >> 32) & 0xFFFFFFFF, stamp & 0xFFFFFFFF) + os.urandom(8)


class ChunkState(Enum):
    STAGED = "staged"
    QUEUED = "queued"
    CLOSED = "closed"


class Chunk(ABC):
    """Committed entries plus, during a write, appended-but-uncommitted ones."""

    def __init__(self, metadata: Metadata, unique_id: bytes | None = None) -> None:
        self.metadata = metadata
        self.unique_id = unique_id or generate_unique_id()
        self.state = ChunkState.STAGED
        self.created_at = time.time()
        self.modified_at = self.created_at

    @property
    def dump_id(self) -> str:
        """The id as 32 hex chars (``${chunk_id}``, logs, file names)."""
        return self.unique_id.hex()

    @property
    @abstractmethod
    def size(self) -> int:
        """Number of records, uncommitted ones included."""

    @property
    @abstractmethod
    def bytesize(self) -> int:
        """Bytes of the body, uncommitted ones included."""

    @abstractmethod
    def append(self, entries: list[bytes]) -> None:
        """Add packed entries (not yet committed)."""

    @abstractmethod
    def commit(self) -> None:
        """Make the appended entries part of the chunk for good."""

    @abstractmethod
    def rollback(self) -> None:
        """Forget entries appended since the last commit."""

    @abstractmethod
    def read(self) -> bytes:
        """The committed body: concatenated msgpack ``[time, record]``."""

    @abstractmethod
    def purge(self) -> None:
        """Delete the chunk's storage; it was written or discarded."""

    def enqueued(self) -> None:
        """The chunk left the stage (a file chunk renames itself here)."""
        self.state = ChunkState.QUEUED

    def close(self) -> None:  # noqa: B027 - optional hook, a memory chunk has nothing to close
        """Release storage handles but keep the data (shutdown, file buffer)."""

    def events(self) -> Iterator[Entry]:
        """The committed entries, decoded (times as EventTime; a chunk written
        by Fluentd with ``time_as_integer`` has integer times)."""
        data = self.read()
        unpacker = new_unpacker(len(data))
        unpacker.feed(data)
        for time_, record in unpacker:
            if type(time_) is not EventTime:
                time_ = coerce_time(time_) or EventTime(0)
            yield time_, record

    @property
    def empty(self) -> bool:
        return self.size == 0

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.dump_id} {self.state.value} "
                f"records={self.size} bytes={self.bytesize}>")
