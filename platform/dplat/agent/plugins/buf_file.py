"""``<buffer> @type file``: chunks on disk that survive a restart or a crash.

Where (Fluentd's rules, buf_file.rb):

* ``path`` an existing directory, or a path without ``.*`` that does not
  exist yet: chunks are ``<path>/buffer.b<id><path_suffix>`` (+ ``.meta``);
* ``path`` naming files: ``/dir/app.*.log`` as written, ``/dir/app.*`` gets
  ``path_suffix``, any other ``/dir/app`` becomes ``/dir/app.*<path_suffix>``;
* no ``path``, but ``<system> root_dir`` and the output's ``@id``:
  ``${root_dir}/worker0/${@id}/buffer/buffer.b<id>.log``.

The files and what each step guarantees are described in
``buffer/file_chunk.py``, ``buffer/file_meta.py`` and ``buffer/chunk_names.py``.
On start the directory is read back (``resume``): queued chunks are queued
again (oldest modification first), staged ones staged again, or queued if
already full or if two share their metadata; a body longer than its commit is cut back; a chunk that cannot be trusted
(unreadable meta, body shorter than committed) is moved to the backup
directory with an error log, and the agent starts anyway. Backups go to
``${root_dir}/backup/worker0/${@id}/<chunk id>.log`` like Fluentd's, or,
without ``root_dir``, to ``backup/`` beside the chunks (Fluentd would use
``/tmp/fluent``, which a reboot empties).

A full disk refuses writes like a full buffer (BufferOverflowError, so no
ack and ``overflow_action``) and, for a second, refuses the next ones before
touching the disk; purging a written chunk ends that pause at once.

Defaults as Fluentd: ``chunk_limit_size`` 256m, ``total_limit_size`` 64g, no
fsync, and ``flush_at_shutdown false`` (the chunks wait on disk).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import time
from typing import Any

from dplat.agent.buffer.buffer import Buffer, MiB
from dplat.agent.buffer.chunk import Chunk, ChunkState
from dplat.agent.buffer.chunk_names import (
    META_SUFFIX,
    glob_of,
    id_from_path,
    path_pattern,
    state_of,
)
from dplat.agent.buffer.file_chunk import (
    DEFAULT_DIR_PERMISSION,
    DEFAULT_FILE_PERMISSION,
    DiskFullError,
    FileChunk,
)
from dplat.agent.buffer.file_meta import ChunkFileError
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, located
from dplat.agent.core.registry import register

GiB = 1024 * MiB
DISK_FULL_PAUSE = 1.0
"""Seconds a full disk refuses writes without trying (unless a purge frees space)."""
_UNSAFE_IN_NAME = re.compile(r'[ "/\\:;|*<>?]')
"""Characters Fluentd replaces by ``_`` in a plugin id used as a directory."""


def octal(value: str | None, default: int, key: str, element: Element) -> int:
    """``file_permission 0640`` (a string in Fluentd too, read as octal)."""
    if value is None:
        return default
    try:
        return int(value, 8)
    except ValueError:
        raise located(element.params[key].origin,
                      f"{key} '{value}' is not an octal permission",
                      "Write it like 0644.") from None


@register("file")
class FileBuffer(Buffer):
    """Chunks as file pairs under one directory; see the module docstring."""

    persistent = True

    path = config_param("string", default=None,
                        desc="Directory (or file pattern with '*') of the chunk files.")
    path_suffix = config_param("string", default=".log", desc="Suffix of chunk file names.")
    chunk_limit_size = config_param("size", default=256 * MiB,
                                    desc="Largest chunk; a fuller one is queued.")
    total_limit_size = config_param("size", default=64 * GiB,
                                    desc="Stage plus queue; beyond it overflow_action applies.")
    file_permission = config_param("string", default=None, desc="Chunk file mode (0644).")
    dir_permission = config_param("string", default=None, desc="Buffer directory mode (0755).")
    disable_chunk_backup = config_param("bool", default=False,
                                        desc="Delete broken chunks instead of backing them up.")
    fsync = config_param("bool", default=False,
                         desc="dplat: flush each commit to disk (survives power loss; slower). "
                              "Fluentd never fsyncs.")

    def __init__(self) -> None:
        super().__init__()
        self.pattern = ""
        self.file_mode = DEFAULT_FILE_PERMISSION
        self.dir_mode = DEFAULT_DIR_PERMISSION
        self._refuse_until = 0.0

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        try:
            self.pattern = path_pattern(self.path, self.path_suffix, self.owner_root_dir)
        except ConfigError as exc:
            origin = element.params["path"].origin if "path" in element.params else element.origin
            raise exc.with_origin(origin) from None
        self.file_mode = octal(self.file_permission, DEFAULT_FILE_PERMISSION,
                               "file_permission", element)
        self.dir_mode = octal(self.dir_permission, DEFAULT_DIR_PERMISSION,
                              "dir_permission", element)

    def storage_path(self) -> str | None:
        return self.pattern

    @property
    def directory(self) -> str:
        return os.path.dirname(self.pattern)

    # -- storage ------------------------------------------------------------------
    def start(self) -> None:
        os.makedirs(self.directory, mode=self.dir_mode, exist_ok=True)
        super().start()

    def generate_chunk(self, metadata: Metadata) -> Chunk:
        return FileChunk.create(self.pattern, metadata, permission=self.file_mode,
                                sync=self.fsync)

    def write(self, data: dict[Metadata, list[bytes]], *,
              enqueue: bool = False) -> list[tuple[Metadata, int]]:
        try:
            return super().write(data, enqueue=enqueue)
        except DiskFullError as exc:
            if time.monotonic() >= self._refuse_until:
                self.log.error("buffer disk is full; refusing writes %s",
                               kv(path=self.directory, error=exc))
            self._refuse_until = time.monotonic() + DISK_FULL_PAUSE
            raise

    def storable(self) -> bool:
        return super().storable() and time.monotonic() >= self._refuse_until

    def _purge(self, chunk: Chunk) -> None:
        super()._purge(chunk)
        self._refuse_until = 0.0  # space was freed: worth trying the disk again

    # -- resume -------------------------------------------------------------------
    def resume(self) -> tuple[dict[Metadata, Chunk], list[Chunk]]:
        stage: dict[Metadata, FileChunk] = {}
        queue: list[FileChunk] = []
        broken = False
        for path in sorted(glob.glob(glob_of(self.pattern))):
            if not os.path.isfile(path) or state_of(path) is None:
                continue
            chunk = self._load(path)
            if chunk is None:
                broken = True
            elif chunk.bytesize == 0:
                chunk.purge()  # created but never committed: nothing to keep
            elif chunk.state is ChunkState.QUEUED:
                queue.append(chunk)
            else:
                self._restage(chunk, stage, queue)
        queue.sort(key=lambda chunk: (chunk.modified_at, chunk.unique_id))
        self._remove_orphan_metas()
        if stage or queue:
            self.log.info("resumed buffer chunks %s",
                          kv(path=self.directory, staged=len(stage), queued=len(queue)))
        if broken:
            self.log.info("a broken chunk was found, so others may be damaged too; resumed: %s",
                          ", ".join(f"{os.path.basename(c.path)} (modified {int(c.modified_at)})"
                                    for c in [*stage.values(), *queue]))
        return dict(stage), list(queue)

    def _restage(self, chunk: FileChunk, stage: dict[Metadata, FileChunk],
                 queue: list[FileChunk]) -> None:
        """A staged chunk stays staged unless full; if two share metadata (a
        crash while one replaced the other), the older one is queued."""
        older = stage.pop(chunk.metadata, None)
        if older is not None:
            older.enqueued()
            queue.append(older)
        if self.chunk_full(chunk):
            chunk.enqueued()
            queue.append(chunk)
        else:
            stage[chunk.metadata] = chunk

    def _load(self, path: str) -> FileChunk | None:
        try:
            chunk = FileChunk.load(path, permission=self.file_mode, sync=self.fsync)
        except ChunkFileError as exc:
            self.log.error("found broken chunk file during resume %s", kv(path=path, error=exc))
            self._back_up(path)
            return None
        except OSError as exc:
            self.log.error("cannot read chunk file during resume; left in place %s",
                           kv(path=path, error=exc))
            return None
        if chunk.cut_bytes:
            self.log.warning("chunk had an interrupted append (never acked); cut back to the "
                             "last commit %s", kv(path=path, dropped_bytes=chunk.cut_bytes,
                                                  records=chunk.size))
        return chunk

    def backup_dir(self) -> str:
        """Fluentd's ``${root_dir}/backup/worker0/${plugin_id}``, else beside the chunks."""
        if self.root_dir:
            safe_id = _UNSAFE_IN_NAME.sub("_", self.owner_id)
            return os.path.join(self.root_dir, "backup", "worker0", safe_id)
        return os.path.join(self.directory, "backup")

    def _back_up(self, path: str) -> None:
        """Move a broken chunk's files away from the buffer; if that fails they
        stay where they are (not loaded, tried again at the next start)."""
        meta = path + META_SUFFIX
        if self.disable_chunk_backup:
            self.log.warning("disable_chunk_backup is true: broken chunk thrown away %s",
                             kv(path=path))
            for name in (path, meta):
                _remove(name)
            return
        unique = id_from_path(path)
        target = os.path.join(self.backup_dir(), f"{unique.hex() if unique else 'chunk'}.log")
        try:
            os.makedirs(os.path.dirname(target), mode=self.dir_mode, exist_ok=True)
            shutil.move(path, target)
            if os.path.exists(meta):
                shutil.move(meta, target + META_SUFFIX)
        except OSError as exc:
            self.log.error("backup of a broken chunk failed; left in place %s",
                           kv(path=path, error=exc))
            return
        self.log.warning("bad chunk is moved to %s", target)

    def _remove_orphan_metas(self) -> None:
        """A ``.meta`` whose body is gone (a crash between the two unlinks of
        a purge) describes nothing."""
        for meta in glob.glob(glob_of(self.pattern + META_SUFFIX)):
            body = meta[: -len(META_SUFFIX)]
            if state_of(body) is not None and not os.path.exists(body):
                self.log.debug("removing a meta without chunk %s", kv(path=meta))
                _remove(meta)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
