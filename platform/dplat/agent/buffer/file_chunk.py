"""A chunk kept in two files, the way Fluentd's buf_file keeps it (names:
chunk_names.py; ``.meta`` format: file_meta.py): a body of entries as the
output packs them, and a meta saying which metadata, how many records and
how many bytes of the body are committed.

What an ack can rely on (the input acks after ``commit()`` returned):

* ``append()`` writes the body at its committed end (``pwrite``), then
  ``commit()`` rewrites the meta with the new record count and ``bytesize``.
  An acked event is in the body *and* counted by the meta.
* A crash between the two leaves a body longer than its meta says; resuming
  cuts it back to ``bytesize`` (those events were never acked; their client
  sends them again). ``rollback()`` (a failed write) does the same at once.
* Without ``fsync`` (Fluentd's default) the writes reach the kernel's page
  cache, not the disk: a killed agent (SIGKILL, OOM killer) loses nothing,
  a crash of the machine or a power cut can lose the last seconds of acked
  events. With ``fsync`` each commit flushes the body before the meta (and
  the directory after creating or renaming files): safe across power loss,
  at the cost of a disk flush per emit, on the event loop.
* A full disk (ENOSPC, EDQUOT) and running out of file descriptors raise a
  BufferOverflowError, so the input does not ack and ``overflow_action``
  applies, instead of an error that would look like a bug.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time

from dplat.agent.buffer.chunk import Chunk, ChunkState, generate_unique_id
from dplat.agent.buffer.chunk_names import (
    META_SUFFIX,
    chunk_path,
    id_from_path,
    queued_path,
    state_of,
)
from dplat.agent.buffer.errors import BufferingError, BufferOverflowError
from dplat.agent.buffer.file_meta import ChunkFileError, ChunkMeta, read_meta
from dplat.agent.buffer.metadata import Metadata

DEFAULT_FILE_PERMISSION = 0o644
DEFAULT_DIR_PERMISSION = 0o755

_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_OUT_OF_FILES = frozenset({errno.EMFILE, errno.ENFILE})


class DiskFullError(BufferOverflowError):
    """A write met ENOSPC/EDQUOT. Refused like a full buffer, so nothing is
    acked and ``overflow_action`` applies (drop_oldest_chunk frees disk)."""


class FileChunk(Chunk):
    """A body file and a meta file. Staged chunks keep both open for writing;
    queued ones are closed and reopened to be read."""

    def __init__(self, metadata: Metadata, path: str, unique_id: bytes, *,
                 permission: int = DEFAULT_FILE_PERMISSION, sync: bool = False) -> None:
        """Use :meth:`create` or :meth:`load`; this only sets attributes."""
        super().__init__(metadata, unique_id)
        self.path = path
        self.permission = permission
        self.sync = sync
        self.cut_bytes = 0
        """Bytes of an interrupted append that :meth:`load` cut off the body."""
        self._fd: int | None = None
        self._meta_fd: int | None = None
        self._bytesize = self._records = 0  # committed
        self._adding_bytes = self._adding_records = 0  # appended since
        self._dirty = self._meta_dirty = False  # files may differ from the committed state

    @property
    def meta_path(self) -> str:
        return self.path + META_SUFFIX

    @property
    def size(self) -> int:
        return self._records + self._adding_records

    @property
    def bytesize(self) -> int:
        return self._bytesize + self._adding_bytes

    # -- creating and resuming ----------------------------------------------------
    @classmethod
    def create(cls, pattern: str, metadata: Metadata, *,
               permission: int = DEFAULT_FILE_PERMISSION, sync: bool = False) -> FileChunk:
        """A new staged chunk: both files exist at once, as in Fluentd."""
        unique_id = generate_unique_id()
        chunk = cls(metadata, chunk_path(pattern, unique_id), unique_id,
                    permission=permission, sync=sync)
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
        try:
            chunk._fd = os.open(chunk.path, flags, permission)
            chunk._meta_fd = os.open(chunk.meta_path, flags, permission)
            chunk._write_meta()
            if sync:
                _sync_dir(chunk.path)
        except OSError as exc:
            chunk._close_files()
            chunk._unlink()
            _raise_refusal(exc, f"can't create buffer chunk {chunk.path}")
            raise
        return chunk

    @classmethod
    def load(cls, path: str, *, permission: int = DEFAULT_FILE_PERMISSION,
             sync: bool = False) -> FileChunk:
        """A chunk a previous run left; ChunkFileError if it cannot be trusted.

        An empty body is returned as an empty chunk (the buffer deletes it)
        even if its meta was never written. A body without a meta is Fluentd's rule for v0.12 chunks: queued,
        with empty metadata, times from the file. A queued body whose meta
        is still under its staged name (a crash between the two renames)
        gets that meta back. A body longer than committed is cut back."""
        state = state_of(path)
        if state is None:
            raise ValueError(f"BUG: {path} is not a chunk file name")
        path_id = id_from_path(path)
        size = os.path.getsize(path)
        if size == 0:  # killed before the first commit: whatever the meta says, nothing to keep
            chunk = cls(Metadata(), path, path_id or generate_unique_id())
            chunk.state = ChunkState.QUEUED
            return chunk
        if state is ChunkState.QUEUED:
            _rescue_staged_meta(path, path_id)
        meta = read_meta(path + META_SUFFIX)
        if meta is None:
            stat = os.stat(path)
            meta = ChunkMeta(Metadata(), path_id or generate_unique_id(), 0,
                             int(stat.st_ctime), int(stat.st_mtime), size)
            state = ChunkState.QUEUED
        elif path_id is not None and meta.unique_id != path_id:
            raise ChunkFileError(f"meta belongs to chunk {meta.unique_id.hex()}")
        committed = size if meta.bytesize is None else meta.bytesize
        if committed > size:
            raise ChunkFileError(f"body truncated: {size} bytes, {committed} committed")
        chunk = cls(meta.metadata, path, meta.unique_id, permission=permission, sync=sync)
        chunk.created_at, chunk.modified_at = meta.created_at, meta.modified_at
        chunk._bytesize, chunk._records = committed, meta.records
        if committed < size:
            os.truncate(path, committed)
            chunk.cut_bytes = size - committed
        if state is ChunkState.STAGED:
            chunk._fd = os.open(path, os.O_RDWR)
            chunk._meta_fd = os.open(chunk.meta_path, os.O_RDWR)
        else:
            chunk.state = ChunkState.QUEUED
        return chunk

    # -- writing ----------------------------------------------------------------
    def append(self, entries: list[bytes]) -> None:
        if self._fd is None or self.state is not ChunkState.STAGED:
            raise RuntimeError(f"BUG: appending to {self!r}")
        data = b"".join(entries)
        self._dirty = True
        try:
            _pwrite_all(self._fd, data, self.bytesize)
        except OSError as exc:
            _raise_refusal(exc, f"can't append to buffer chunk {self.path}")
            raise
        self._adding_bytes += len(data)
        self._adding_records += len(entries)

    def commit(self) -> None:
        if not (self._adding_bytes or self._adding_records):
            return
        now = time.time()
        try:
            if self.sync:
                assert self._fd is not None
                os.fdatasync(self._fd)  # the body is on disk before the meta counts it
            self._meta_dirty = True
            self._write_meta(records=self.size, bytesize=self.bytesize, modified_at=now)
        except OSError as exc:
            _raise_refusal(exc, f"can't commit buffer chunk {self.path}")
            raise
        self._bytesize, self._records = self.bytesize, self.size
        self._adding_bytes = self._adding_records = 0
        self._dirty = self._meta_dirty = False
        self.modified_at = now

    def rollback(self) -> None:
        """Back to the last commit. Best effort on the files: if the truncate
        fails, the next append overwrites the stray bytes (it writes at the
        committed end) and a resume cuts them by the meta's ``bytesize``."""
        self._adding_bytes = self._adding_records = 0
        if self._dirty and self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._bytesize)
                self._dirty = False
        if self._meta_dirty:
            with contextlib.suppress(OSError):
                self._write_meta()
                self._meta_dirty = False

    def _write_meta(self, *, records: int | None = None, bytesize: int | None = None,
                    modified_at: float | None = None) -> None:
        """Rewrite the meta in place (the length header makes stale bytes
        after a shorter map harmless). Defaults: the committed state."""
        assert self._meta_fd is not None
        meta = ChunkMeta(self.metadata, self.unique_id,
                         self._records if records is None else records,
                         int(self.created_at),
                         int(self.modified_at if modified_at is None else modified_at),
                         self._bytesize if bytesize is None else bytesize)
        _pwrite_all(self._meta_fd, meta.encode(), 0)
        if self.sync:
            os.fdatasync(self._meta_fd)

    # -- reading ------------------------------------------------------------------
    def read(self) -> bytes:
        if self._fd is not None:
            return _pread_exact(self._fd, self._bytesize, self.path)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            return _pread_exact(fd, self._bytesize, self.path)
        finally:
            os.close(fd)

    # -- leaving the stage ----------------------------------------------------------
    def enqueued(self) -> None:
        """Rename body then meta to ``.q``; if the second rename fails, undo
        the first so the pair stays consistent (as Fluentd does)."""
        if self.state is not ChunkState.STAGED:
            return
        new_path = queued_path(self.path, self.unique_id)
        try:
            os.rename(self.path, new_path)
        except OSError as exc:
            raise BufferingError(f"can't enqueue buffer file {self.path}: {exc}") from exc
        try:
            os.rename(self.meta_path, new_path + META_SUFFIX)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.rename(new_path, self.path)
            raise BufferingError(f"can't enqueue buffer meta {self.meta_path}: {exc}") from exc
        self.path = new_path
        self._close_files()
        if self.sync:
            _sync_dir(new_path)
        super().enqueued()

    def purge(self) -> None:
        self._close_files()
        self._bytesize = self._records = self._adding_bytes = self._adding_records = 0
        self._unlink()

    def close(self) -> None:
        """Keep the files for the next start; an empty staged chunk has nothing to keep."""
        self._close_files()
        if self.state is ChunkState.STAGED and self._bytesize == 0:
            self._unlink()

    def _close_files(self) -> None:
        for fd in (self._fd, self._meta_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fd = self._meta_fd = None

    def _unlink(self) -> None:
        for path in (self.path, self.meta_path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


# -- helpers ------------------------------------------------------------------------


def _raise_refusal(exc: OSError, doing: str) -> None:
    """Turn running out of disk or descriptors into a buffer refusal; any
    other error is left to the caller to re-raise as it is."""
    if exc.errno in _DISK_FULL:
        raise DiskFullError(f"{doing}: {exc.strerror}") from exc
    if exc.errno in _OUT_OF_FILES:
        raise BufferOverflowError(f"{doing}: {exc.strerror}") from exc


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    written = os.pwrite(fd, data, offset)
    if written == len(data):
        return
    view = memoryview(data)  # a short write (a signal, a nearly full disk): go on
    while written < len(view):
        offset += written
        view = view[written:]
        written = os.pwrite(fd, view, offset)


def _pread_exact(fd: int, length: int, path: str) -> bytes:
    parts: list[bytes] = []
    done = 0
    while done < length:
        part = os.pread(fd, length - done, done)
        if not part:
            raise ChunkFileError(f"{path} holds {done} bytes, {length} were committed")
        parts.append(part)
        done += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _rescue_staged_meta(path: str, unique_id: bytes | None) -> None:
    """A crash between renaming the body and the meta to ``.q`` leaves the
    meta under its ``.b`` name; give it the queued name."""
    if unique_id is None or os.path.exists(path + META_SUFFIX):
        return
    hex_id = unique_id.hex()
    staged_meta = path.replace(f".q{hex_id}.", f".b{hex_id}.", 1) + META_SUFFIX
    if os.path.exists(staged_meta):
        os.rename(staged_meta, path + META_SUFFIX)


def _sync_dir(path: str) -> None:
    """Make a created or renamed name durable (fsync of the directory)."""
    fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
