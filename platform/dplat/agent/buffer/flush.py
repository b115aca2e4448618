"""Writing queued chunks: flush workers, retries, ``<secondary>``, forced flush.

A flush worker takes the oldest queued chunk and calls ``Output.write``:

* success: the chunk is purged (space is free again) and a pending retry
  episode ends ("retry succeeded");
* an exception: the chunk goes back to the head of the queue and the retry
  state (retry.py) plans the next attempt; workers wait until then. Past
  ``retry_secondary_threshold`` writes go to ``<secondary>``; at the limit
  only the failing chunk is moved aside (backed up, below) and the chunks
  behind it start a fresh retry episode (Fluentd drops the whole queue);
* a *permanent* error (:func:`is_permanent`: ``UnrecoverableError``, or a
  file name the OS refuses: too long, NUL, not encodable): no retry; the
  chunk goes to a secondary of another type if there is one, else it is
  backed up as Fluentd's ``backup_chunk`` does, to
  ``${root_dir or /tmp/fluent}/backup/worker0/<plugin id>/<chunk id>.log``
  (a file buffer's own backup folder), and counted (``backed_up_chunks``);
  with ``disable_chunk_backup`` it is thrown away with a warning. Either way
  it never blocks the chunks behind it. (Fluentd also treats Ruby's
  TypeError/ArgumentError as unrecoverable; we only trust the explicit error
  and the OS's refusals, since a Python TypeError is as likely a transient
  bug in a client.)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dplat.agent.buffer.buffer import Buffer
from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.config import BufferSection
from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.buffer.retry import RetryState
from dplat.agent.core.log import kv

if TYPE_CHECKING:
    from dplat.agent.output import Output

DEFAULT_BACKUP_ROOT = "/tmp/fluent"
"""Fluentd's ``DEFAULT_BACKUP_DIR`` (lib/fluent/env.rb), used without root_dir."""
_UNSAFE_IN_NAME = re.compile(r'[ "/\\:;|*<>?]')
_PERMANENT_ERRNOS = {errno.ENAMETOOLONG, errno.EILSEQ}


def is_permanent(exc: BaseException) -> bool:
    """True when writing the same chunk again would fail the same way."""
    if isinstance(exc, UnrecoverableError):
        return True
    if isinstance(exc, OSError) and exc.errno in _PERMANENT_ERRNOS:
        return True
    # os functions refuse a NUL in a path, and an unencodable name, with these
    return isinstance(exc, ValueError | UnicodeError) and (
        "null" in str(exc) or isinstance(exc, UnicodeEncodeError))


def backup_dir(buffer: Buffer) -> str:
    """Where a chunk that failed for good is kept (see the module docstring)."""
    own = getattr(buffer, "backup_dir", None)
    if callable(own):
        return str(own())
    safe_id = _UNSAFE_IN_NAME.sub("_", buffer.owner_id or "output")
    return os.path.join(buffer.root_dir or DEFAULT_BACKUP_ROOT, "backup", "worker0", safe_id)


class Flusher:
    """Flush workers and the retry episode of one buffered output."""

    def __init__(self, output: Output, buffer: Buffer, config: BufferSection,
                 secondary: Output | None) -> None:
        self.output = output
        self.buffer = buffer
        self.config = config
        self.secondary = secondary
        self.log = output.log
        self.clock: Callable[[], float] = time.time
        """Wall clock of retry plans; tests replace it."""
        self.retry: RetryState | None = None
        self.stopping = False
        self.queued = asyncio.Event()
        """Set when chunks were queued: wakes an idle worker."""
        self.space_freed = asyncio.Event()
        """Set when chunks were purged: wakes writers blocked by overflow."""
        self._stopped = asyncio.Event()
        self._progress = asyncio.Event()
        self.backed_up = 0
        """Chunks moved aside (backup folder) because they failed for good."""

    def stop(self) -> None:
        """Workers finish the write they are in, then end; sleepers wake."""
        self.stopping = True
        self._stopped.set()
        self.queued.set()
        self.space_freed.set()

    async def run_worker(self) -> None:
        """One flush worker (``flush_thread_count`` of them run). A bug in one
        round is logged and the worker goes on: a dead worker would silently
        stop every flush of the output."""
        while not self.stopping:
            try:
                await self._work_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.output.metrics.num_errors += 1
                self.log.exception("flush worker failed; going on")
                await self._sleep(self.config.flush_thread_interval)

    async def _work_once(self) -> None:
        retry = self.retry
        if retry is not None and retry.next_time > self.clock():
            await self._sleep(retry.next_time - self.clock())
            return
        self.queued.clear()
        chunk = self.buffer.dequeue_chunk()
        if chunk is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.queued.wait(), self.config.flush_thread_interval)
            return
        await self.try_flush(chunk)
        if self.buffer.queue and self.retry is None:
            await self._sleep(self.config.flush_thread_burst_interval)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), max(seconds, 0.0))

    async def try_flush(self, chunk: Chunk) -> bool:
        """Write one in-flight chunk; True when it was written (or handed on)."""
        use_secondary = (self.secondary is not None and self.retry is not None
                         and self.retry.secondary())
        target = self.secondary if use_secondary and self.secondary else self.output
        metrics = self.output.metrics
        metrics.write_count += 1
        metrics.write_secondary_count += int(use_secondary)
        started = time.monotonic()
        try:
            await target.write(chunk)
        except asyncio.CancelledError:
            self.buffer.takeback_chunk(chunk.unique_id)
            raise
        except Exception as exc:
            if is_permanent(exc):
                return await self._unrecoverable(chunk, exc, use_secondary)
            if self.buffer.takeback_chunk(chunk.unique_id):
                metrics.rollback_count += 1
            self._failed(chunk, exc, use_secondary)
            return False
        finally:
            self._account_time(chunk, started)
        self._commit(chunk)
        return True

    def _account_time(self, chunk: Chunk, started: float) -> None:
        elapsed = time.monotonic() - started
        metrics = self.output.metrics
        metrics.flush_time_count += int(elapsed * 1000)
        threshold = self.output.slow_flush_log_threshold
        if elapsed > threshold:
            metrics.slow_flush_count += 1
            self.log.warning("buffer flush took longer time than slow_flush_log_threshold: %s",
                             kv(elapsed_time=round(elapsed, 3),
                                slow_flush_log_threshold=threshold, chunk_id=chunk.dump_id))
        self._progress.set()

    def _commit(self, chunk: Chunk) -> None:
        self.buffer.purge_chunk(chunk.unique_id)
        self.space_freed.set()
        if self.retry is not None:
            self.log.warning("retry succeeded. %s", kv(chunk_id=chunk.dump_id))
            self.retry = None

    async def _unrecoverable(self, chunk: Chunk, exc: BaseException, used_secondary: bool) -> bool:
        secondary = self.secondary
        if (secondary is not None and not used_secondary
                and type(secondary) is not type(self.output)):
            self.log.warning("got unrecoverable error in primary. Skip retry and flush chunk to "
                             "secondary %s", kv(error=exc))
            try:
                await secondary.write(chunk)
            except Exception as second:
                exc = second
            else:
                self.output.metrics.write_secondary_count += 1
                self._commit(chunk)
                return True
        self.log.error("got unrecoverable error %s",
                       kv(chunk_id=chunk.dump_id, records=chunk.size, error=exc))
        self.output.metrics.num_errors += 1
        await self._move_aside(chunk)
        self.buffer.purge_chunk(chunk.unique_id)
        self.space_freed.set()
        return False

    async def _move_aside(self, chunk: Chunk) -> None:
        """Back a chunk that failed for good up (Fluentd's ``backup_chunk``);
        it is purged from the buffer afterwards either way."""
        if getattr(self.buffer, "disable_chunk_backup", False):
            self.log.warning("disable_chunk_backup is true. %s chunk is thrown away",
                             chunk.dump_id)
            return
        path = os.path.join(backup_dir(self.buffer), f"{chunk.dump_id}.log")
        try:
            await asyncio.to_thread(_append, path, chunk.read())
        except OSError as exc:
            self.log.error("bad chunk could not be backed up, thrown away %s",
                           kv(path=path, records=chunk.size, error=exc))
            return
        self.backed_up += 1
        self.log.warning("bad chunk is moved to %s", path)

    def _failed(self, chunk: Chunk, exc: BaseException, used_secondary: bool) -> None:
        metrics = self.output.metrics
        metrics.num_errors += 1
        metrics.retry_count += 1
        if self.retry is None:
            policy = self.config.retry_policy(secondary=self.secondary is not None)
            self.retry = RetryState(policy, clock=self.clock)
        else:
            self.retry.failed()
        if self.retry.limit():
            self.log.error("failed to flush the buffer, and hit limit for retries. moving the "
                           "chunk aside; the chunks behind it are tried afresh %s",
                           kv(retry_times=self.retry.steps, chunk_id=chunk.dump_id,
                              records=chunk.size, error=exc))
            self.retry = None
            self._give_up_on(chunk)
            return
        where = " with secondary output" if used_secondary else ""
        self.log.warning("failed to flush the buffer%s. %s", where, kv(
            retry_times=self.retry.steps, next_retry_time=iso(self.retry.next_time),
            chunk=chunk.dump_id, error=exc))

    async def flush_all(self) -> None:
        """Write the queue now, in the caller's task, and wait for chunks other
        workers hold. While a retry is pending nothing is written (like Fluentd:
        a forced flush does not cut a retry wait short)."""
        if self.retry is not None:
            self.log.info("forced flush while retrying: chunks stay queued %s",
                          kv(next_retry_time=iso(self.retry.next_time)))
            return
        while self.retry is None:
            chunk = self.buffer.dequeue_chunk()
            if chunk is None:
                break
            await self.try_flush(chunk)
        while self.buffer.dequeued and self.retry is None:
            self._progress.clear()
            await self._progress.wait()

    async def drain(self) -> None:
        """Shutdown: write until the queue is empty, waiting out retry plans."""
        while True:
            retry = self.retry
            if retry is not None and retry.next_time > self.clock():
                await asyncio.sleep(retry.next_time - self.clock())
            chunk = self.buffer.dequeue_chunk()
            if chunk is None:
                return
            await self.try_flush(chunk)


    def _give_up_on(self, chunk: Chunk) -> None:
        """Retry limit: take ``chunk`` (back at the head of the queue) out,
        back it up and purge it, without touching the chunks behind it."""
        if self.buffer.dequeue_chunk() is not chunk:  # BUG guard: another worker took it
            self.buffer.takeback_chunk(chunk.unique_id)
            return

        async def aside() -> None:
            await self._move_aside(chunk)
            self.buffer.purge_chunk(chunk.unique_id)
            self.space_freed.set()
            self._progress.set()

        self.output.spawn(aside(), name=f"back up chunk {chunk.dump_id}")


def _append(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "ab") as out:
        out.write(data)


def iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="seconds")
