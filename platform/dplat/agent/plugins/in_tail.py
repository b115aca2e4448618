"""``<source> @type tail``: follow log files as they grow, Fluentd's in_tail.

    <source>
      @type tail
      path /var/log/app/*.log
      pos_file /var/lib/dplat/app.pos
      tag app.*                      # * becomes the path: app.var.log.app.web.log
      <parse>
        @type apache2
      </parse>
    </source>

One task polls every ``poll_interval`` (a stat per file; no inotify): it
reads what each file gained, in large blocks, parses whole batches and emits
them. The pos_file (Fluentd's format, see tail/position.py) is advanced only
after the emit returned, so every line is emitted at least once; with
rename+create rotation exactly once. When the emit is refused because a
buffer is full (BufferOverflowError), the batch is kept and retried, nothing
more is read from that file and its position does not move (back-pressure,
as Fluentd). Other emit errors are logged and counted and the batch is
skipped, as Fluentd does.

Rotation: a new file at the path (rename+create) -> the old file is still
read for ``rotate_wait`` seconds, then closed, and the new one is read from
its head. A file that shrank (copytruncate, or a truncation) is read again
from byte 0; lines written between the tail's last read and the truncation
are only in the copy and are lost (the copytruncate window: rotate by
rename when no line may be lost). A multiline record waiting for its next
first line is emitted on a clean stop, but lost in a crash (its lines are
already behind the saved position, as in Fluentd). Globs are re-expanded every
``refresh_interval``: new files are read from their head, files no longer
matched are closed after ``rotate_wait``. With ``follow_inodes`` files are
known by inode, so a rotated file still matched by the glob is not read twice.

Not done: ``open_on_every_update``, ``enable_watch_timer``,
``enable_stat_watcher`` and ``ignore_repeated_permission_error`` are
accepted for Fluentd configs and have no effect (polling is always on).
"""

from __future__ import annotations

import asyncio
import codecs
import os
import time
from typing import Any, ClassVar

from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.config.element import Element
from dplat.agent.core.base import Input
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventTime
from dplat.agent.plugins.parser_base import ParsedLines, new_parser, resolve_zone
from dplat.agent.plugins.tail.events import LineConverter
from dplat.agent.plugins.tail.paths import PathExpander, tag_of_path
from dplat.agent.plugins.tail.position import MemoryEntry, PositionFile
from dplat.agent.plugins.tail.watcher import BLOCK_SIZE, Change, Pending, TailWatcher

BATCHES_PER_TURN = 16
"""Batches read from one file before the others get their turn."""


@register("tail")
class TailInput(Input):
    path = config_param("string", desc="Files to follow: comma list, globs, strftime.")
    path_delimiter = config_param("string", default=",", desc="Separates paths in path.")
    glob_policy = config_param("enum", default="backward_compatible",
                               choices=("backward_compatible", "extended", "always"),
                               desc="Which characters make a path a glob.")
    tag = config_param("string", desc="Tag; a * is replaced by the file's path (/ -> .).")
    exclude_path = config_param("array", default=[], desc="Paths or globs not to follow.")
    rotate_wait = config_param("time", default=5.0, desc="Keep reading a rotated file so long.")
    pos_file = config_param("string", default=None, desc="Where read positions are kept.")
    pos_file_compaction_interval = config_param("time", default=None,
                                                desc="Rewrite the pos_file without old entries.")
    read_from_head = config_param("bool", default=False,
                                  desc="Read files found at start-up from their head.")
    refresh_interval = config_param("time", default=60.0, desc="Re-expand the paths so often.")
    read_lines_limit = config_param("integer", default=1000, desc="Lines per emitted batch.")
    read_bytes_limit_per_second = config_param("size", default=-1,
                                               desc="Per-file read budget (bytes/s).")
    multiline_flush_interval = config_param("time", default=None,
                                            desc="Emit a waiting multiline record after so long.")
    emit_unmatched_lines = config_param("bool", default=False,
                                        desc="Emit lines no parser matched as unmatched_line.")
    enable_watch_timer = config_param("bool", default=True, desc="Accepted; always polling.")
    enable_stat_watcher = config_param("bool", default=True, desc="Accepted; no inotify.")
    encoding = config_param("string", default=None, desc="Encoding of the files.")
    from_encoding = config_param("string", default=None, desc="Read as this, with encoding.")
    path_key = config_param("string", default=None, desc="Field that gets the file's path.")
    open_on_every_update = config_param("bool", default=False, desc="Accepted; no effect.")
    limit_recently_modified = config_param("time", default=None,
                                           desc="Skip glob matches not modified within so long.")
    skip_refresh_on_startup = config_param("bool", default=False,
                                           desc="First expand paths after refresh_interval.")
    ignore_repeated_permission_error = config_param("bool", default=False,
                                                    desc="Accepted; warnings come once anyway.")
    path_timezone = config_param("string", default=None, desc="Zone of strftime in paths.")
    follow_inodes = config_param("bool", default=False,
                                 desc="Know files by inode (globs matching rotated files).")
    max_line_size = config_param("size", default=None, desc="Longer lines are skipped.")
    poll_interval = config_param("time", default=0.25, desc="dplat: seconds between looks.")
    parse_config = config_section("parse", required=True, desc="The parser of the lines.")

    _claimed: ClassVar[dict[str, str]] = {}
    """pos_files in use by a running tail source (Fluentd refuses sharing)."""

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        origin = element.origin
        if self.path_delimiter in ("/", "*", "%"):
            raise located(origin, "/, *, % are reserved words: " + self.path_delimiter)
        if self.glob_policy == "always" and self.path_delimiter == ",":
            raise located(origin, "cannot use glob_policy as always with the default "
                          "path_delimiter: ','", "Set path_delimiter to e.g. '|'.")
        self.paths = list(dict.fromkeys(p.strip() for p in self.path.split(self.path_delimiter)
                                        if p.strip()))
        if not self.paths:
            raise located(origin, "tail: 'path' parameter is required on tail input")
        if self.follow_inodes and not self.pos_file:
            raise located(origin, "Can't follow inodes without pos_file configuration parameter")
        if self.from_encoding and not self.encoding:
            raise located(origin, "tail: 'from_encoding' parameter must be specified with "
                          "'encoding' parameter.")
        self.codec = self.from_encoding or self.encoding or "utf-8"
        try:
            codecs.lookup(self.codec)
        except LookupError:
            raise located(origin, f"unknown encoding '{self.codec}'") from None
        if self.pos_file and os.path.abspath(self.pos_file) in self._claimed:
            raise located(origin, f"Other 'in_tail' plugin already use same pos_file path: "
                          f"plugin_id = {self._claimed[os.path.abspath(self.pos_file)]}, "
                          f"pos_file path = {self.pos_file}")
        if not self.pos_file:
            self.log.warning("'pos_file PATH' parameter is not set to a 'tail' source; it is "
                             "highly recommended to resume tailing after a restart")
        self.parser = new_parser(self.parse_config, usage="in_tail")
        self.converter = LineConverter(self.parser, self.emit_unmatched_lines, self.path_key)
        prefix, star, suffix = self.tag.partition("*")
        self._tag_parts = (prefix, suffix.split("*")[0]) if star else None
        zone = resolve_zone(self.path_timezone, element) if self.path_timezone else None
        self.expander = PathExpander(self.paths, self.exclude_path, self.glob_policy, zone,
                                     self.limit_recently_modified, self.log)
        self.counts = {"opened": 0, "closed": 0, "rotated": 0, "unmatched": 0, "skipped": 0}
        self._tails: dict[str | int, TailWatcher] = {}
        self._draining: list[TailWatcher] = []
        self._positions: PositionFile | None = None
        self._startup = True
        self._next_refresh = 0.0
        self._task: asyncio.Task[None] | None = None
        self._overflowing = False

    # -- life cycle -------------------------------------------------------------------
    async def start(self) -> None:
        if self.pos_file:
            found = self.expander.expand()
            existing = {s.st_ino for s in found.values()} if self.follow_inodes else set(found)
            self._positions = PositionFile.load(self.pos_file, self.follow_inodes, existing,
                                                log=self.log)
            self._claimed[os.path.abspath(self.pos_file)] = self.plugin_id
        now = time.monotonic()
        if not self.skip_refresh_on_startup:
            self._refresh(now)
        self._next_refresh = now + self.refresh_interval
        self._task = self.spawn(self._run(), name="watch files")
        if self.pos_file_compaction_interval and self._positions is not None:
            self.every(self.pos_file_compaction_interval, self._positions.compact,
                       name="compact pos_file")

    async def stop(self) -> None:
        """Stop watching: read each file once more (a bounded turn, as Fluentd
        reads on shutdown), emit waiting multiline records; what cannot be
        emitted now is read again after a restart (the position stays)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        now = time.monotonic()
        for watcher in [*self._tails.values(), *self._draining]:
            watcher.retry_at = 0.0
            await self._pump(watcher, now)
            if watcher.pending is None and self._flush_lines(watcher):
                await self._deliver(watcher)
            self._close(watcher)
        self._tails.clear()
        self._draining.clear()
        if self._positions is not None:
            self._positions.close()
            self._claimed.pop(os.path.abspath(self.pos_file), None)

    def statistics(self) -> dict[str, Any]:
        stats = super().statistics()
        stats.update({f"{name}_file_count": self.counts[name]
                      for name in ("opened", "closed", "rotated")})
        stats.update(tracked_file_count=len(self._tails),
                     unmatched_line_count=self.counts["unmatched"],
                     skipped_line_count=self.counts["skipped"])
        return stats

    # -- the loop ---------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            try:
                busy = await self._poll()
            except Exception as exc:  # a bug must not end tailing for good: log, go on
                self.metrics.num_errors += 1
                self.log.exception("watching files failed %s", kv(error=exc))
                busy = False
            await asyncio.sleep(0 if busy else self.poll_interval)

    async def _poll(self) -> bool:
        """One look at every file; True when some file has more to read now."""
        now = time.monotonic()
        if now >= self._next_refresh:
            self._next_refresh = now + self.refresh_interval
            self._refresh(now)
        busy = False
        for key in list(self._tails):
            try:
                busy |= await self._visit(key, now)
            except OSError as exc:  # EIO, a vanished directory...: this file waits
                self.metrics.num_errors += 1
                self.log.error("reading failed, will retry %s", kv(key=str(key), error=exc))
        for watcher in list(self._draining):
            busy |= await self._pump(watcher, now)
            if watcher.detach_at is not None and now >= watcher.detach_at:
                await self._detach(watcher)
        if self.multiline_flush_interval is not None:
            for watcher in list(self._tails.values()):
                if watcher.pending is None and \
                        now - watcher.lines_at >= self.multiline_flush_interval \
                        and self._flush_lines(watcher):
                    await self._deliver(watcher)
        return busy

    async def _visit(self, key: str | int, now: float) -> bool:
        """Look at one followed path: open it, or act on rotation; then read."""
        watcher = self._tails.get(key)
        if watcher is None:
            return False
        if watcher.fd is None:
            if not watcher.open(True):
                return False
            self.counts["opened"] += 1
        else:
            watcher = self._check(key, watcher, now)
        return await self._pump(watcher, now)

    def _check(self, key: str | int, watcher: TailWatcher, now: float) -> TailWatcher:
        """Act on what happened to the path; the watcher to read from now."""
        change = watcher.check()
        if change is Change.SAME:
            return watcher
        self.counts["rotated"] += 1
        if change is Change.TRUNCATED:
            self.log.info("detected truncation of %s; reading it again from the head",
                          watcher.path)
            watcher.restart_from_head()
            return watcher
        if self.follow_inodes:  # the file moved: find its new name (or lose it) by globbing
            self._next_refresh = now
            return watcher
        self.log.info("detected rotation of %s; waiting %s seconds", watcher.path,
                      self.rotate_wait)
        successor = self._watcher(watcher.path, watcher.entry, watcher.tag)
        watcher.entry = watcher.entry.detached()
        self._retire(watcher, now, unwatch=None)
        self._tails[key] = successor
        if change is Change.ROTATED and successor.open(True):
            self.counts["opened"] += 1
        return successor

    def _refresh(self, now: float) -> None:
        found = self.expander.expand()
        targets = {(s.st_ino if self.follow_inodes else path): path for path, s in found.items()}
        for key in [k for k in self._tails if k not in targets]:
            watcher = self._tails.pop(key)
            watcher.entry = watcher.entry.detached()
            self._retire(watcher, now, unwatch=key)
        for key, path in targets.items():
            current = self._tails.get(key)
            if current is not None:
                if current.path != path:  # follow_inodes: renamed, still matched
                    current.path, current.tag = path, self._tag_for(path)
                continue
            entry = self._positions.entry(path, found[path].st_ino) if self._positions \
                else MemoryEntry()
            watcher = self._watcher(path, entry, self._tag_for(path))
            if watcher.open(not self._startup or self.read_from_head):
                self.counts["opened"] += 1
            self._tails[key] = watcher
        self._startup = False

    def _watcher(self, path: str, entry: MemoryEntry, tag: str) -> TailWatcher:
        limit = self.read_bytes_limit_per_second
        block = min(BLOCK_SIZE, max(limit, 8192)) if limit > 0 else BLOCK_SIZE
        return TailWatcher(path, entry, tag, self.max_line_size, self.codec, block)

    def _retire(self, watcher: TailWatcher, now: float, unwatch: str | int | None) -> None:
        watcher.detach_at = now + self.rotate_wait if watcher.fd is not None else now
        watcher.unwatch_key = unwatch
        self._draining.append(watcher)

    async def _detach(self, watcher: TailWatcher) -> None:
        """Close a rotated file after its last lines and buffered record went out."""
        if watcher.pending is None:
            self._flush_lines(watcher)
        if watcher.pending is not None and not await self._deliver(watcher):
            return
        self._draining.remove(watcher)
        self._close(watcher)
        key = watcher.unwatch_key
        if key is not None and key not in self._tails and self._positions is not None:
            self._positions.unwatch(key)

    def _flush_lines(self, watcher: TailWatcher) -> bool:
        """Stage the multiline record waiting in the watcher, if any."""
        if not watcher.line_buffer:
            return False
        self._stage(watcher, self.converter.flush(watcher), watcher.read_pos)
        return True

    def _close(self, watcher: TailWatcher) -> None:
        if watcher.fd is not None:
            watcher.close()
            self.counts["closed"] += 1

    # -- reading and emitting -----------------------------------------------------------
    async def _pump(self, watcher: TailWatcher, now: float) -> bool:
        """Read and emit batches of one file; True if it has more right now."""
        if watcher.pending is not None and (now < watcher.retry_at
                                            or not await self._deliver(watcher)):
            return False
        for _ in range(BATCHES_PER_TURN):
            if watcher.throttled(self.read_bytes_limit_per_second, now):
                return False
            before = watcher.skipped_lines
            batch = watcher.read_lines(self.read_lines_limit)
            if batch is None:
                return False
            lines, end = batch
            self._note_skipped(watcher, watcher.skipped_lines - before)
            self._stage(watcher, self.converter.convert(watcher, lines, now), end)
            if not await self._deliver(watcher):
                return False
        return True

    def _stage(self, watcher: TailWatcher, parsed: ParsedLines, end: int) -> None:
        """Report what did not parse, and keep the batch until it is emitted."""
        if parsed.unmatched:
            self.counts["unmatched"] += len(parsed.unmatched)
            self.log.warning("pattern not matched %s", kv(path=watcher.path,
                                                          lines=len(parsed.unmatched)))
            self.log.debug("unmatched lines %s", kv(first=parsed.unmatched[0]))
        if parsed.errors:
            now = EventTime.now()
            for line, error in parsed.errors:
                self.metrics.num_errors += 1
                self.router.emit_error_event(watcher.tag, now,
                                             self.converter.unmatched_record(line, watcher.path),
                                             error)
        watcher.pending = Pending(parsed.stream, end, watcher.generation)

    async def _deliver(self, watcher: TailWatcher) -> bool:
        """Emit the watcher's pending batch; False (retry later) on overflow."""
        pending = watcher.pending
        assert pending is not None
        if pending.stream:
            try:
                await self.emit_stream(watcher.tag, pending.stream)
            except BufferOverflowError as exc:
                watcher.retry_at = time.monotonic() + min(1.0, max(0.05, self.poll_interval))
                if not self._overflowing:
                    self.log.warning("emit refused, pausing %s", kv(path=watcher.path, error=exc))
                self._overflowing = True
                return False
            except Exception as exc:
                self.metrics.num_errors += 1
                self.log.error("emit failed, batch skipped %s",
                               kv(path=watcher.path, records=len(pending.stream), error=exc))
        if self._overflowing:
            self._overflowing = False
            self.log.info("emit accepted again, resuming %s", kv(path=watcher.path))
        watcher.pending = None
        watcher.commit(pending.end, pending.generation)
        return True

    def _note_skipped(self, watcher: TailWatcher, count: int) -> None:
        if count:
            self.counts["skipped"] += count
            self.log.warning("received line length is longer than %s %s", self.max_line_size,
                             kv(path=watcher.path, skipped=count))

    def _tag_for(self, path: str) -> str:
        return self.tag if self._tag_parts is None else tag_of_path(*self._tag_parts, path)
