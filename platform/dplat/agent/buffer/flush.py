"""Writing queued chunks: flush workers, retries, ``<secondary>``, forced flush.

A flush worker takes the oldest queued chunk and calls ``Output.write``:

* success: the chunk is purged (space is free again) and a pending retry
  episode ends ("retry succeeded");
* an exception: the chunk goes back to the head of the queue and the retry
  state (retry.py) plans the next attempt; workers wait until then. Past
  ``retry_secondary_threshold`` writes go to ``<secondary>``; at the limit
  the whole queue is discarded with an error log;
* ``UnrecoverableError``: no retry; the chunk goes to a secondary of another
  type if there is one, else it is discarded with an error log. (Fluentd also
  treats Ruby's TypeError/ArgumentError this way; we only trust the explicit
  error, since a Python TypeError is as likely a transient bug in a client.)
"""

from __future__ import annotations

import asyncio
import contextlib
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
        except UnrecoverableError as exc:
            return await self._unrecoverable(chunk, exc, use_secondary)
        except Exception as exc:
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
        self.log.error("got unrecoverable error, discarding the chunk %s",
                       kv(chunk_id=chunk.dump_id, records=chunk.size, error=exc))
        self.output.metrics.num_errors += 1
        self.buffer.purge_chunk(chunk.unique_id)
        self.space_freed.set()
        return False

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
            records = self.buffer.queued_records
            self.log.error("failed to flush the buffer, and hit limit for retries. dropping all "
                           "chunks in the buffer queue. %s",
                           kv(retry_times=self.retry.steps, records=records, error=exc))
            self.buffer.clear_queue()
            self.space_freed.set()
            self.retry = None
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


def iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="seconds")
