"""in_tail's ``pos_file``, byte for byte Fluentd's format, so a Fluentd user's
file is read and kept as is (reference doc, section E)::

    /var/log/app.log<TAB>00000000000004d2<TAB>0000000000a3f1c2<LF>
    path              read position (hex)   inode (hex)

Each entry is updated in place (its two fixed-width fields are rewritten
with ``pwrite``), so following a file costs one small write per emitted
batch. A file no longer followed gets the position ``ffffffffffffffff``
(unwatched). On load the file is compacted: unparsable lines, unwatched
entries, duplicates (the later line wins) and entries of files that no
longer exist are dropped, and the rest rewritten in canonical form.
Entries are keyed by path, or by inode with ``follow_inodes``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection
from dataclasses import dataclass

UNWATCHED = 0xFFFF_FFFF_FFFF_FFFF
_ENTRY = re.compile(rb"^([^\t]+)\t([0-9a-fA-F]+)\t([0-9a-fA-F]+)")

Key = str | int
"""A path, or an inode with ``follow_inodes``."""


class MemoryEntry:
    """Where a file is read up to, kept in memory only (no ``pos_file``, or
    a rotated file whose path now belongs to its successor)."""

    def __init__(self, pos: int = 0, ino: int = 0) -> None:
        self.pos = pos
        self.ino = ino

    def update(self, ino: int, pos: int) -> None:
        self.ino, self.pos = ino, pos

    def update_pos(self, pos: int) -> None:
        self.pos = pos

    def detached(self) -> MemoryEntry:
        """A memory copy to hand to a watcher that gives up this entry."""
        return MemoryEntry(self.pos, self.ino)


class FileEntry(MemoryEntry):
    """An entry whose changes are written into its line of the pos_file."""

    def __init__(self, fd: int, path: bytes, seek: int, pos: int, ino: int) -> None:
        super().__init__(pos, ino)
        self._fd = fd
        self.path = path
        self.seek = seek

    def update(self, ino: int, pos: int) -> None:
        os.pwrite(self._fd, b"%016x\t%016x" % (pos, ino), self.seek)
        super().update(ino, pos)

    def update_pos(self, pos: int) -> None:
        os.pwrite(self._fd, b"%016x" % pos, self.seek)
        super().update_pos(pos)


@dataclass
class _Line:
    path: bytes
    pos: int
    ino: int


class PositionFile:
    """The entries of one pos_file (never share one between two sources)."""

    def __init__(self, path: str, follow_inodes: bool, *, mode: int = 0o644,
                 log: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None
                 ) -> None:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, mode=0o755, exist_ok=True)
        self.path = path
        self.follow_inodes = follow_inodes
        self._log = log or logging.getLogger(__name__)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
        self._entries: dict[Key, FileEntry] = {}

    @classmethod
    def load(cls, path: str, follow_inodes: bool, existing: Collection[Key] | None = None,
             **kwargs: object) -> PositionFile:
        """Open (or create) the file and compact it; ``existing`` are the keys
        of the files that exist now (entries of others are dropped)."""
        position_file = cls(path, follow_inodes, **kwargs)  # type: ignore[arg-type]
        position_file._compact(existing)
        return position_file

    def key(self, path: str, ino: int) -> Key:
        return ino if self.follow_inodes else path

    def entry(self, path: str, ino: int) -> FileEntry:
        """The entry of a file; a new line (position 0, inode 0) if it has none."""
        key = self.key(path, ino)
        found = self._entries.get(key)
        if found is None:
            encoded = os.fsencode(path)
            end = os.lseek(self._fd, 0, os.SEEK_END)
            os.write(self._fd, encoded + b"\t%016x\t%016x\n" % (0, 0))
            found = self._entries[key] = FileEntry(self._fd, encoded, end + len(encoded) + 1,
                                                   0, 0)
        return found

    def unwatch(self, key: Key) -> None:
        """Forget a file: its line is marked unwatched (dropped on next load)."""
        entry = self._entries.pop(key, None)
        if entry is not None:
            entry.update_pos(UNWATCHED)

    def keys(self) -> list[Key]:
        return list(self._entries)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _compact(self, existing: Collection[Key] | None) -> None:
        os.lseek(self._fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self._fd, 1 << 20):
            chunks.append(chunk)
        kept: dict[Key, _Line] = {}
        for raw in b"".join(chunks).splitlines():
            found = _ENTRY.match(raw)
            if found is None:
                if raw.strip():
                    self._log.warning("unparsable line in pos_file %s: %r", self.path, raw)
                continue
            line = _Line(found.group(1), int(found.group(2), 16), int(found.group(3), 16))
            if line.pos == UNWATCHED:
                continue
            key: Key = line.ino if self.follow_inodes else os.fsdecode(line.path)
            if key in kept:
                self._log.warning("pos_file %s has %s twice; using the later entry",
                                  self.path, key)
                del kept[key]
            kept[key] = line
        if existing is not None:
            kept = {key: line for key, line in kept.items() if key in existing}
        entries: dict[Key, FileEntry] = {}
        for key, line in kept.items():
            entries[key] = FileEntry(self._fd, line.path, 0, line.pos, line.ino)
        self._entries = entries
        self.compact()

    def compact(self) -> None:
        """Rewrite the file with the current entries only (unwatched lines go)."""
        body = bytearray()
        for entry in self._entries.values():
            entry.seek = len(body) + len(entry.path) + 1
            body += entry.path + b"\t%016x\t%016x\n" % (entry.pos, entry.ino)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, bytes(body), 0)
