"""The stage and the queue: a buffer's bookkeeping, whatever stores the chunks.

    write ──▶ stage {metadata: chunk} ──enqueue──▶ queue [chunk, ...] ──dequeue──▶ write()
                                                       ▲                            │
                                                       └────────── takeback ◀── failure
                                                                   purge    ◀── success

A buffer type (``buf_memory.py``, ``buf_file.py``) only says how a chunk is
stored (``generate_chunk``) and what survived a restart (``resume``); limits,
staging and queueing are here, once. Everything is synchronous and runs on
the event loop's thread, so no locks: an emit and a flush interleave only
between calls.

Sizes follow Fluentd: ``queue_size`` counts queued *and* in-flight chunks
until they are purged, and a write is refused (BufferOverflowError) when
``stage_size + queue_size`` has reached ``total_limit_size`` before it starts.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar

from dplat.agent.buffer.chunk import Chunk, ChunkState
from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.config.element import Element
from dplat.agent.core.params import Configurable, config_param
from dplat.agent.memory import heap

MiB = 1024 * 1024
log = logging.getLogger("dplat.agent.buffer")


class Buffer(Configurable):
    """Base of the buffer plugins (category ``buffer``)."""

    plugin_category: ClassVar[str] = "buffer"
    type_name: ClassVar[str] = ""
    persistent: ClassVar[bool] = False
    """True when chunks survive a restart (decides ``flush_at_shutdown``)."""

    chunk_limit_size = config_param("size", default=8 * MiB,
                                    desc="Largest chunk; a fuller one is queued.")
    total_limit_size = config_param("size", default=512 * MiB,
                                    desc="Stage plus queue; beyond it overflow_action applies.")
    chunk_limit_records = config_param("integer", default=None,
                                       desc="Most records per chunk.")
    chunk_full_threshold = config_param("float", default=0.95,
                                        desc="Fraction of a limit at which a chunk counts as full.")
    queue_limit_length = config_param("integer", default=None,
                                      desc="Legacy (v0.12 buffer_queue_limit): when set, "
                                           "total_limit_size = chunk_limit_size x this.")

    def configure(self, element: Element, **kwargs: Any) -> None:
        """Fluentd's rule for the legacy queue length: it sets the total size."""
        super().configure(element, **kwargs)
        if self.queue_limit_length is not None:
            self.total_limit_size = self.chunk_limit_size * self.queue_limit_length

    def __init__(self) -> None:
        self.owner_id = ""
        """The owning output's plugin id (a file buffer's default directory)."""
        self.root_dir: str | None = None
        """``<system> root_dir`` (file buffers back broken chunks up under it)."""
        self.owner_root_dir: str | None = None
        """The owner's ``${root_dir}/worker0/${@id}``, or None without both."""
        self.log: logging.Logger | logging.LoggerAdapter[logging.Logger] = log
        """The owning output's log once it sets it (Buffering does, before configure)."""
        self.stage: dict[Metadata, Chunk] = {}
        self.queue: deque[Chunk] = deque()
        self.dequeued: dict[bytes, Chunk] = {}
        self.stage_size = 0
        self.queue_size = 0

    # -- storage, per buffer type ----------------------------------------------
    @abstractmethod
    def generate_chunk(self, metadata: Metadata) -> Chunk:
        """A new, empty, staged chunk."""

    def resume(self) -> tuple[dict[Metadata, Chunk], list[Chunk]]:
        """Chunks left by a previous run: (stage, queue in flush order)."""
        return {}, []

    def storage_path(self) -> str | None:
        """Where chunks are kept, if anywhere; two outputs must not share it."""
        return None

    def start(self) -> None:
        self.stage, queued = self.resume()
        self.queue = deque(queued)
        self.stage_size = sum(chunk.bytesize for chunk in self.stage.values())
        self.queue_size = sum(chunk.bytesize for chunk in self.queue)

    def close(self) -> None:
        for chunk in [*self.stage.values(), *self.queue, *self.dequeued.values()]:
            chunk.close()

    # -- writing ------------------------------------------------------------
    def storable(self) -> bool:
        return self.total_limit_size > self.stage_size + self.queue_size

    def write(self, data: dict[Metadata, list[bytes]], *,
              enqueue: bool = False) -> list[tuple[Metadata, int]]:
        """Append packed entries to the staged chunk of their metadata.

        A chunk that would grow past a limit is queued and a new one staged,
        so one write may fill several chunks. Returns ``(metadata, index)`` of
        entries larger than ``chunk_limit_size`` (not written: the caller
        sends them to the error route). All chunks are committed, or, if
        storage fails, all rolled back and the error raised.
        """
        if not self.storable():
            raise BufferOverflowError(
                f"buffer space has too many data (total_limit_size {self.total_limit_size})")
        rejected: list[tuple[Metadata, int]] = []
        touched: list[tuple[Chunk, int]] = []  # (chunk, bytesize before)
        to_enqueue: list[Chunk] = []
        current: dict[Metadata, Chunk] = {}
        try:
            for metadata in sorted(data, key=Metadata.sort_key) if len(data) > 1 else data:
                chunk = self.stage.get(metadata) or self.generate_chunk(metadata)
                touched.append((chunk, chunk.bytesize))
                blobs = data[metadata]
                if blobs and not self._would_overflow(chunk, sum(map(len, blobs)), len(blobs)):
                    chunk.append(blobs)  # the common case: all of it fits, in one append
                    current[metadata] = chunk
                    continue
                batch: list[bytes] = []
                batch_bytes = 0
                for index, blob in enumerate(blobs):
                    if len(blob) > self.chunk_limit_size:
                        rejected.append((metadata, index))
                        continue
                    if self._would_overflow(chunk, batch_bytes + len(blob), len(batch) + 1) and (
                            batch or chunk.size):
                        chunk.append(batch)
                        to_enqueue.append(chunk)
                        chunk = self.generate_chunk(metadata)
                        touched.append((chunk, 0))
                        batch, batch_bytes = [], 0
                    batch.append(blob)
                    batch_bytes += len(blob)
                if batch:
                    chunk.append(batch)
                current[metadata] = chunk
            for chunk, _ in touched:
                chunk.commit()
        except BaseException:
            for chunk, before in touched:
                chunk.rollback()
                if self.stage.get(chunk.metadata) is chunk:
                    # committed before a later chunk failed: its data stays (unacked,
                    # so resent: a duplicate, never a loss)
                    self.stage_size += chunk.bytesize - before
                else:
                    chunk.purge()  # new in this write: nothing in it was acked
            raise
        for chunk, before in touched:
            self.stage_size += chunk.bytesize - before
        for metadata, chunk in current.items():
            if chunk.size == 0:
                if self.stage.get(metadata) is not chunk:
                    chunk.purge()  # a new chunk whose every entry was rejected
                continue
            self.stage[metadata] = chunk
            if enqueue or self.chunk_full(chunk):
                to_enqueue.append(chunk)
        for chunk in to_enqueue:
            self._move_to_queue(chunk)
        return rejected

    def _would_overflow(self, chunk: Chunk, more_bytes: int, more_records: int) -> bool:
        if chunk.bytesize + more_bytes > self.chunk_limit_size:
            return True
        limit = self.chunk_limit_records
        return limit is not None and chunk.size + more_records > limit

    def chunk_full(self, chunk: Chunk) -> bool:
        threshold = self.chunk_full_threshold
        if chunk.bytesize >= self.chunk_limit_size * threshold:
            return True
        limit = self.chunk_limit_records
        return limit is not None and chunk.size >= limit * threshold

    # -- queueing -------------------------------------------------------------
    def enqueue_chunk(self, metadata: Metadata) -> bool:
        chunk = self.stage.get(metadata)
        if chunk is None:
            return False
        self._move_to_queue(chunk)
        return True

    def enqueue_all(self, predicate: Callable[[Metadata, Chunk], bool] | None = None) -> int:
        """Queue every staged chunk (or those ``predicate`` picks); returns how many."""
        picked = [c for m, c in self.stage.items() if predicate is None or predicate(m, c)]
        for chunk in picked:
            self._move_to_queue(chunk)
        return len(picked)

    def _move_to_queue(self, chunk: Chunk) -> None:
        if self.stage.get(chunk.metadata) is chunk:
            del self.stage[chunk.metadata]
        if chunk.state is not ChunkState.STAGED:
            return
        self.stage_size -= chunk.bytesize
        if chunk.size == 0:
            chunk.purge()
            chunk.state = ChunkState.CLOSED
            return
        chunk.enqueued()
        self.queue.append(chunk)
        self.queue_size += chunk.bytesize

    def dequeue_chunk(self) -> Chunk | None:
        """The oldest queued chunk, now in flight, or None."""
        if not self.queue:
            return None
        chunk = self.queue.popleft()
        self.dequeued[chunk.unique_id] = chunk
        return chunk

    def takeback_chunk(self, unique_id: bytes) -> bool:
        """A failed write: the chunk goes back to the head of the queue."""
        chunk = self.dequeued.pop(unique_id, None)
        if chunk is None:
            return False
        self.queue.appendleft(chunk)
        return True

    def purge_chunk(self, unique_id: bytes) -> Chunk | None:
        """A written (or given-up) in-flight chunk is deleted."""
        chunk = self.dequeued.pop(unique_id, None)
        if chunk is not None:
            self._purge(chunk)
        return chunk

    def clear_queue(self) -> int:
        """Discard every queued chunk (retry limit hit); returns their records."""
        records = 0
        while self.queue:
            chunk = self.queue.popleft()
            records += chunk.size
            self._purge(chunk)
        return records

    def _purge(self, chunk: Chunk) -> None:
        size = chunk.bytesize
        self.queue_size -= size
        chunk.purge()
        chunk.state = ChunkState.CLOSED
        heap.freed(size)  # after the chunk let go of its data

    # -- reading ------------------------------------------------------------
    @property
    def queued_records(self) -> int:
        return sum(chunk.size for chunk in self.queue)

    def has_pending(self) -> bool:
        """Anything queued or in flight."""
        return bool(self.queue or self.dequeued)

    def timekeys(self) -> list[int]:
        return sorted({m.timekey for m in self.stage if m.timekey is not None})

    def statistics(self) -> dict[str, Any]:
        """Fluentd's buffer statistics names (in_monitor_agent)."""
        total = self.stage_size + self.queue_size
        free = max(self.total_limit_size - total, 0)
        keys = self.timekeys()
        return {
            "buffer_stage_length": len(self.stage),
            "buffer_stage_byte_size": self.stage_size,
            "buffer_queue_length": len(self.queue),
            "buffer_queue_byte_size": self.queue_size,
            "buffer_total_queued_size": total,
            "buffer_available_buffer_space_ratios": round(free / self.total_limit_size * 100, 1),
            "buffer_timekeys": keys,
            "buffer_newest_timekey": keys[-1] if keys else None,
            "buffer_oldest_timekey": keys[0] if keys else None,
        }
