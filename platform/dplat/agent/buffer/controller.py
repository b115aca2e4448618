"""A buffered output's machinery: accept events, decide when chunks are
flushed, call ``Output.write(chunk)``, retry, fall back to ``<secondary>``.

An output owns one ``Buffering`` (composition, not a 1,600-line base class).
Its parts run as tasks of the output (``Output.spawn``):

* ``emit()`` - from the emitting input's task: split the stream by chunk keys,
  pack entries, write them into the buffer (``overflow_action`` when full).
  Returning means the events are in the buffer; an input acks after that.
* the enqueue loop - every ``max(interval/11, flush_thread_interval)`` s queues
  staged chunks that are due: older than ``flush_interval`` (interval mode),
  or whose timekey range ended ``timekey_wait`` ago (with the time key).
  Full chunks are queued at write time; immediate mode queues every write.
* ``flush_thread_count`` flush workers (flush.py) - take the oldest queued
  chunk, write it, purge it on success, put it back and plan a retry
  (retry.py) on failure.
* ``flush_all()`` - queue everything and write it now (SIGUSR1, monitor API).
* ``shutdown()`` - with ``flush_at_shutdown``, queue everything and drain,
  honouring retry waits, until done or the server's drain limit cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from dplat.agent.buffer.buffer import Buffer
from dplat.agent.buffer.config import BufferSection
from dplat.agent.buffer.errors import (
    BufferChunkOverflowError,
    BufferOverflowError,
    UnsafePlaceholderError,
)
from dplat.agent.buffer.flush import Flusher, iso
from dplat.agent.buffer.metadata import ChunkKeys, Metadata, TimeZone
from dplat.agent.buffer.placeholders import Placeholders, unsafe_path_value
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError, ErrorCollector
from dplat.agent.core import registry
from dplat.agent.core.log import RepeatedWarning, kv
from dplat.agent.core.params import located, warn_unused
from dplat.agent.event import Entry, EventStream
from dplat.agent.protocol.eventtime import pack_entry, pack_entry_list

if TYPE_CHECKING:
    from dplat.agent.output import Output

SPACE_POLL_INTERVAL = 1.0
"""overflow_action block: how often a blocked write checks the buffer again."""
OVERFLOW_LOG_INTERVAL = 60.0
"""At most one overflow warning per output per this many seconds, with the
count of those suppressed (a blocked buffer refuses writes many times a
second; the value is what Fluentd configs commonly give
``ignore_repeated_log_interval``)."""


class Buffering:
    """The buffer, flush scheduling and retry state of one output."""

    def __init__(self, output: Output, element: Element, defaults: dict[str, Any]) -> None:
        self.output = output
        self.log = output.log
        self.config = section = BufferSection()
        try:
            errors = ErrorCollector()  # the section's bad values and the buffer's, together
            with errors.collecting():
                section.configure(element, defaults=defaults, warn_unknown=False)
            with errors.collecting():
                self.buffer: Buffer = registry.build(
                    "buffer", element, type_name=section.buffer_type,
                    preset={"owner_id": output.plugin_id, "root_dir": output.root_dir,
                            "owner_root_dir": output.plugin_root_dir, "log": output.log},
                    defaults=defaults, warn_unknown=False)
            errors.raise_if_any()
            warn_unused(element, section.known_keys() | type(self.buffer).known_keys(), set())
            self.keys = ChunkKeys.parse(element.arg or str(defaults.get("chunk_keys", "")),
                                        timekey=section.timekey, zone=self._zone(section))
        except ConfigError as exc:
            raise exc.with_origin(element.origin) from None
        self.placeholders = Placeholders(self.keys)
        self.flush_mode = self._flush_mode(element, section)
        self.flush_at_shutdown = section.flush_at_shutdown
        if self.flush_at_shutdown is None:
            self.flush_at_shutdown = not self.buffer.persistent
        elif not self.flush_at_shutdown and not self.buffer.persistent:
            self.log.warning("'flush_at_shutdown' is false, and buffer plugin '%s' is not "
                             "persistent: buffered data is lost at shutdown", section.buffer_type)
        self.secondary: Output | None = None
        self._format = output.format if output.implements("format") else None
        self._format_stream = getattr(output, "format_stream", None) if self._format else None
        """Optional ``format_stream(tag, stream) -> list[bytes]`` of an output
        with ``format``: the same bytes for a whole stream in one call."""
        self.flusher = Flusher(output, self.buffer, section, None)
        self._names_paths = bool(getattr(output, "names_paths_by_placeholders", False)) and (
            self.keys.tag or bool(self.keys.fields))
        """The output builds file paths or object keys from chunk keys
        (out_file, out_s3): values that climb out are refused at emit."""
        self.unsafe_events = 0
        self.overflow_warning = RepeatedWarning(
            self.log, "failed to write data into buffer by buffer overflow",
            OVERFLOW_LOG_INTERVAL)
        self._workers: list[asyncio.Task[Any]] = []
        self._enqueuer: asyncio.Task[Any] | None = None

    # -- configuration ----------------------------------------------------------
    @staticmethod
    def _zone(section: BufferSection) -> TimeZone:
        if section.timekey_zone:
            return TimeZone(section.timekey_zone)
        return TimeZone() if section.timekey_use_utc else TimeZone.local()

    def _flush_mode(self, element: Element, section: BufferSection) -> str:
        mode = section.flush_mode
        if mode == "default":
            mode = "lazy" if self.keys.time else "interval"
        if mode != "interval" and "flush_interval" in element.params:
            if "flush_mode" in element.params:
                raise located(element.params["flush_interval"].origin,
                              f"'flush_interval' can't be specified when 'flush_mode' is not "
                              f"'interval' explicitly: '{mode}'")
            self.log.warning("'flush_interval' is ignored because default 'flush_mode' is not "
                             "'interval': '%s'", mode)
        return mode

    def build_secondary(self, element: Element) -> None:
        """Configure ``<secondary>``; called once the primary holds this
        Buffering, because the secondary reads the primary's chunk keys."""
        self.secondary = self.flusher.secondary = self._configured_secondary(element)
        if getattr(self.secondary, "names_paths_by_placeholders", False):
            self._names_paths = self.keys.tag or bool(self.keys.fields)

    def _configured_secondary(self, element: Element) -> Output:
        secondary: Output = registry.build(
            "output", element, default_type=self.output.type_name,
            preset={"primary": self.output, "root_dir": self.output.root_dir})
        if self.config.retry_forever:
            self.log.warning("<secondary> with 'retry_forever': only unrecoverable errors "
                             "are moved to secondary")
        return secondary

    # -- accepting events ---------------------------------------------------------
    async def emit(self, tag: str, stream: EventStream) -> None:
        """Buffer a stream; raises BufferOverflowError when it cannot."""
        packed: dict[Metadata, list[bytes]] = {}
        kept: dict[Metadata, list[Entry]] = {}
        size = 0
        for metadata, entries in self.keys.split(tag, stream).items():
            if self._names_paths and self._refuse_unsafe(tag, metadata, entries):
                continue
            try:
                blobs, ok = self._pack(tag, entries), entries
            except Exception:  # one bad event: find it (and any other) one by one
                blobs, ok = self._pack_one_by_one(tag, entries)
            packed[metadata], kept[metadata] = blobs, ok
            size += sum(map(len, blobs))
        rejected = await self._write(packed)
        for metadata, index in rejected:
            self._error_event(tag, kept[metadata][index], BufferChunkOverflowError(
                f"a {len(packed[metadata][index])} bytes record is larger than buffer "
                f"chunk limit size ({self.buffer.chunk_limit_size})"))
        self.output.metrics.emit_size += size
        if self.buffer.queue:
            self.flusher.queued.set()

    def _refuse_unsafe(self, tag: str, metadata: Metadata, entries: EventStream) -> bool:
        """Send ``entries`` to the error route when a value of their chunk
        keys would climb out of the output's folder or key prefix; True then.
        Every chunk key is a placeholder of the path (Placeholders.validate),
        so every value is checked."""
        values = [("tag", metadata.tag)] if metadata.tag is not None else []
        values += [(name, "" if v is None else str(v)) for name, v in metadata.variables]
        for name, value in values:
            reason = unsafe_path_value(value)
            if reason is not None:
                self.unsafe_events += len(entries)
                self.log.warning("events refused: a placeholder value would leave the "
                                 "output's folder or key prefix %s",
                                 kv(key=name, value=repr(value)[:80], reason=reason,
                                    records=len(entries)))
                error = UnsafePlaceholderError(f"${{{name}}} value {value!r:.80}: {reason}")
                for entry in entries:
                    self._error_event(tag, entry, error)
                return True
        return False

    def _pack(self, tag: str, entries: EventStream) -> list[bytes]:
        """What the chunk stores per event: the output's ``format`` (a whole
        stream at once through its optional ``format_stream``), else msgpack
        ``[time, record]``. Raises if any event cannot be packed."""
        if self._format_stream is not None:
            return self._format_stream(tag, entries)
        if self._format is not None:
            format_ = self._format
            return [format_(tag, time, record) for time, record in entries]
        return pack_entry_list(entries)

    def _pack_one_by_one(self, tag: str, entries: EventStream) -> tuple[list[bytes], list[Entry]]:
        """Pack event by event; those that fail go to the error route."""
        blobs: list[bytes] = []
        ok: list[Entry] = []
        for entry in entries:
            try:
                blob = self._format(tag, *entry) if self._format else pack_entry(*entry)
            except Exception as exc:
                self._error_event(tag, entry, exc)
                continue
            blobs.append(blob)
            ok.append(entry)
        return blobs, ok

    async def _write(self, packed: dict[Metadata, list[bytes]]) -> list[tuple[Metadata, int]]:
        action = self.config.overflow_action
        while True:
            try:
                return self.buffer.write(packed, enqueue=self.flush_mode == "immediate")
            except BufferOverflowError:
                self.overflow_warning.occurred(action=action)
                if action == "throw_exception" or self.flusher.stopping:
                    raise
                if action == "block":
                    self.log.debug("buffer.write is now blocking")
                    await self._wait_for_space()
                    self.log.debug("retrying buffer.write after blocked operation")
                else:
                    self._drop_oldest_chunk()

    async def _wait_for_space(self) -> None:
        """Until a purge frees space, or a second passed (a file buffer whose
        disk was full becomes storable again by itself)."""
        while not self.buffer.storable():
            if self.flusher.stopping:
                raise BufferOverflowError("buffer full and the output is stopping")
            self.flusher.space_freed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.flusher.space_freed.wait(), SPACE_POLL_INTERVAL)

    def _drop_oldest_chunk(self) -> None:
        chunk = self.buffer.dequeue_chunk()
        if chunk is None:
            self.log.error("no queued chunks to be dropped for drop_oldest_chunk")
            raise BufferOverflowError("buffer full and nothing queued to drop")
        self.log.warning("dropping oldest chunk to make space after buffer overflow %s",
                         kv(chunk_id=chunk.dump_id, records=chunk.size))
        self.buffer.purge_chunk(chunk.unique_id)
        self.output.metrics.drop_oldest_chunk_count += 1
        if not self.buffer.storable():
            raise BufferOverflowError("buffer still full after dropping the oldest chunk")

    def _error_event(self, tag: str, entry: Entry, error: BaseException) -> None:
        self.output.metrics.num_errors += 1
        if self.output.has_router:
            self.output.router.emit_error_event(tag, entry[0], entry[1], error)
        else:
            self.log.warning("dropped an event nobody routes errors for %s",
                             kv(tag=tag, error=error))

    # -- scheduling -------------------------------------------------------------
    async def start(self) -> None:
        self.buffer.start()
        if self.secondary is not None:
            if not self.secondary.has_router and self.output.has_router:
                self.secondary.router = self.output.router
            await self.secondary.open()
        for number in range(max(self.config.flush_thread_count, 1)):
            self._workers.append(self.output.spawn(self.flusher.run_worker(),
                                                   name=f"flush-{number}"))
        if self.flush_mode == "interval" or self.keys.time:
            self._enqueuer = self.output.spawn(self._enqueue_loop(), name="enqueue")
        if self.buffer.queue:
            self.flusher.queued.set()

    def enqueue_interval(self) -> float:
        """How often due chunks are looked for (Fluentd's enqueue thread rule)."""
        value = self.config.flush_interval if self.flush_mode == "interval" else None
        if self.keys.time:
            assert self.keys.timekey is not None
            if value is None or self.keys.timekey < value:
                value = min(self.keys.timekey, self.config.timekey_wait)
        assert value is not None
        return max(value / 11.0, self.config.flush_thread_interval)

    async def _enqueue_loop(self) -> None:
        interval = self.enqueue_interval()
        while True:
            await asyncio.sleep(interval)
            self.enqueue_due(self.flusher.clock())

    def enqueue_due(self, now: float) -> int:
        """Queue the staged chunks whose time has come; returns how many."""
        count = 0
        if self.flush_mode == "interval":
            age = self.config.flush_interval
            count += self.buffer.enqueue_all(lambda m, c: c.created_at + age <= now)
        if self.keys.time:
            width, wait = self.keys.timekey, self.config.timekey_wait
            assert width is not None
            current = self.keys.timekey_of(now)
            count += self.buffer.enqueue_all(
                lambda m, c: m.timekey is not None and m.timekey < current
                and m.timekey + width + wait <= now)
        if count:
            self.flusher.queued.set()
        return count

    # -- forced flush and shutdown ------------------------------------------------
    async def flush_all(self) -> None:
        """Queue every staged chunk and write the queue now (see Flusher.flush_all)."""
        self.buffer.enqueue_all()
        await self.flusher.flush_all()

    async def shutdown(self) -> None:
        """Stop the workers, then drain if ``flush_at_shutdown``."""
        self.flusher.stop()
        if self._enqueuer is not None:
            self._enqueuer.cancel()
        # workers finish the write they are in, then see _stopping and end
        await asyncio.gather(*self._workers, return_exceptions=True)
        try:
            if self.flush_at_shutdown:
                self.buffer.enqueue_all()
                await self.flusher.drain()
        finally:
            self._report_left()
            self.buffer.close()
            if self.secondary is not None:
                await self.secondary.close()

    def _report_left(self) -> None:
        staged = sum(c.size for c in self.buffer.stage.values())
        queued = self.buffer.queued_records + sum(c.size for c in self.buffer.dequeued.values())
        if not staged and not queued:
            return
        if self.buffer.persistent:
            self.log.info("buffer kept for the next start %s", kv(staged=staged, queued=queued))
        else:
            self.log.error("records lost at shutdown (memory buffer) %s",
                           kv(staged=staged, queued=queued))

    def statistics(self) -> dict[str, Any]:
        stats = self.buffer.statistics()
        stats["retry_count"] = self.output.metrics.retry_count
        stats["unsafe_placeholder_events"] = self.unsafe_events
        stats["buffer_overflows"] = self.overflow_warning.total
        stats["backed_up_chunks"] = self.flusher.backed_up
        retry = self.flusher.retry
        if retry is not None:
            stats["retry"] = {"start": iso(retry.start), "steps": retry.steps,
                              "next_time": iso(retry.next_time)}
        return stats

