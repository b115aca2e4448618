"""One file in_tail follows: an open descriptor, a read position, and what
happened to the path since the last look.

Reading is in large blocks; a block is split into lines with one
``bytes.split`` and the last, unfinished line is kept until its newline
arrives. ``read_lines`` hands out at most ``limit`` lines together with the
byte position just after them; that position goes to the pos_file only once
the lines were emitted (``commit``), so a crash or a refused emit re-reads
them (at-least-once). The watcher never decides what to do about rotation;
``check`` reports it and in_tail acts.

Start position when a file is opened (Fluentd's rules): the recorded inode
is this file's -> the recorded position (0 if the file is now shorter); a
different inode was recorded (rotated while we were away) -> 0; nothing was
recorded -> 0 with ``read_from_head`` (and for files found after start-up),
else the end of the file.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field

from dplat.agent.event import EventStream
from dplat.agent.plugins.tail.position import MemoryEntry

BLOCK_SIZE = 256 * 1024


class Change(enum.Enum):
    SAME = "same"
    TRUNCATED = "truncated"  # same inode, shorter than what was read (copytruncate)
    ROTATED = "rotated"  # another file is at the path now (rename + create)
    GONE = "gone"  # nothing at the path


@dataclass
class Pending:
    """A parsed batch waiting to be emitted, and where to commit after."""

    stream: EventStream
    end: int
    generation: int


@dataclass
class TailWatcher:
    path: str
    entry: MemoryEntry
    tag: str
    max_line_size: int | None = None
    encoding: str = "utf-8"
    block_size: int = BLOCK_SIZE
    ino: int = 0
    fd: int | None = None
    read_pos: int = 0
    """File offset of the first byte not yet handed out as a line."""
    buffer: bytes = b""
    last_size: int = -1
    generation: int = 0
    """Bumped when the file is truncated: commits of older batches are void."""
    skipping: bool = False
    skipped_lines: int = 0
    bytes_read: int = 0
    pending: Pending | None = None
    retry_at: float = 0.0
    detach_at: float | None = None
    unwatch_key: str | int | None = None
    line_buffer: list[str] | None = None
    lines_at: float = 0.0
    window: list[float] = field(default_factory=lambda: [0.0, 0.0])
    """Throttling: [start of the current second, bytes read in it]."""

    def open(self, read_from_head: bool) -> bool:
        """Open the path and seek to the start position; False if it is missing
        or unreadable (try again later)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False
        stat = os.fstat(fd)
        recorded_ino, recorded_pos = self.entry.ino, self.entry.pos
        if stat.st_ino == recorded_ino:
            start = 0 if stat.st_size < recorded_pos else recorded_pos
        elif recorded_ino != 0:
            start = 0
        else:
            start = 0 if read_from_head else stat.st_size
        self.entry.update(stat.st_ino, start)
        os.lseek(fd, start, os.SEEK_SET)
        self.fd, self.ino, self.read_pos, self.buffer = fd, stat.st_ino, start, b""
        self.last_size, self.skipping = stat.st_size, False
        return True

    @property
    def offset(self) -> int:
        """Where the next read starts in the file."""
        return self.read_pos + len(self.buffer)

    def check(self) -> Change:
        """What became of the path since the last look (a stat, no read)."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return Change.GONE
        if stat.st_ino != self.ino:
            return Change.ROTATED
        shrunk = stat.st_size < self.offset or stat.st_size < self.last_size
        self.last_size = stat.st_size
        return Change.TRUNCATED if shrunk else Change.SAME

    def restart_from_head(self) -> None:
        """After a truncation: read the file again from byte 0."""
        if self.fd is not None:
            os.lseek(self.fd, 0, os.SEEK_SET)
        self.read_pos, self.buffer, self.skipping = 0, b"", False
        self.generation += 1
        self.entry.update_pos(0)

    def read_lines(self, limit: int) -> tuple[list[str], int] | None:
        """Up to ``limit`` complete lines (without their line ends) and the
        position after them; None when nothing new is complete. Lines of
        ``max_line_size`` bytes or more are skipped (and counted)."""
        if self.fd is None:
            return None
        buffer = self.buffer
        if len(buffer) < self.block_size or b"\n" not in buffer:  # a line may be longer
            data = os.read(self.fd, self.block_size)
            if data:
                self.bytes_read += len(data)
                buffer = buffer + data if buffer else data
        advanced = 0
        if self.skipping:  # the rest of an overlong line
            newline = buffer.find(b"\n")
            cut = len(buffer) if newline < 0 else newline + 1
            advanced, buffer, self.skipping = cut, buffer[cut:], newline < 0
        parts = buffer.split(b"\n", limit)
        rest = parts.pop()
        complete = len(buffer) - len(rest)
        advanced += complete
        crlf = buffer.find(b"\r\n", 0, complete) >= 0
        if self.max_line_size is not None and len(rest) > self.max_line_size \
                and b"\n" not in rest:  # an unfinished line already too long
            self.skipped_lines += 1
            advanced, rest, self.skipping = advanced + len(rest), b"", True
        self.buffer = rest
        if not advanced:
            return None
        self.read_pos += advanced
        return self._decode(parts, crlf), self.read_pos

    def _decode(self, parts: list[bytes], crlf: bool) -> list[str]:
        limit = self.max_line_size
        if limit is not None:
            kept = [part for part in parts if len(part) < limit]
            self.skipped_lines += len(parts) - len(kept)
            parts = kept
        encoding = self.encoding
        lines = [part.decode(encoding, "replace") for part in parts]
        if crlf:
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        return lines

    def throttled(self, limit: int, now: float) -> bool:
        """``read_bytes_limit_per_second``: True while this second's budget
        of ``limit`` bytes is spent (a limit of 0 or less means none)."""
        if limit <= 0:
            return False
        start, counted = self.window
        if now - start >= 1.0:
            self.window = [now, float(self.bytes_read)]
            return False
        return self.bytes_read - counted >= limit

    def commit(self, end: int, generation: int) -> None:
        """The lines up to ``end`` were emitted: remember it (pos_file)."""
        if generation == self.generation:
            self.entry.update_pos(end)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
