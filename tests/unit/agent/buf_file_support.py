"""Helpers shared by the file buffer tests (test_buf_file*.py)."""

from __future__ import annotations

import errno
import os
import struct
from pathlib import Path
from typing import Any

import msgpack
import pytest

from dplat.agent.buffer.metadata import Metadata
from dplat.agent.event import EventTime
from dplat.agent.plugins.buf_file import FileBuffer
from dplat.agent.protocol.eventtime import pack_entry
from dplat.agent.testing import element

T = EventTime(1704164645, 5)
APP = Metadata(None, "app")
WEB = Metadata(None, "web")
UID = bytes(range(16))


def entries(*numbers: int) -> list[bytes]:
    return [pack_entry(T, {"n": n}) for n in numbers]


def numbers(chunk: Any) -> list[int]:
    return [record["n"] for _, record in chunk.events()]


def file_buffer(path: Path | None, *, start: bool = True, root_dir: Path | None = None,
                owner_id: str = "", **params: str) -> FileBuffer:
    buffer = FileBuffer()
    buffer.owner_id = owner_id
    buffer.root_dir = str(root_dir) if root_dir else None
    if root_dir and owner_id:
        buffer.owner_root_dir = str(root_dir / "worker0" / owner_id)
    lines = [f"path {path}"] if path else []
    lines += [f"{key} {value}" for key, value in params.items()]
    buffer.configure(element("\n".join(lines), "buffer"))
    if start:
        buffer.start()
    return buffer


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.is_file())


def decode_meta_file(path: Path) -> dict[str, Any]:
    """A meta read the way Fluentd reads it: header, length, plain msgpack."""
    data = path.read_bytes()
    assert data[:2] == b"\xc1\x00"
    (length,) = struct.unpack(">I", data[2:6])
    fields: dict[str, Any] = msgpack.unpackb(data[6:6 + length], raw=False)
    return fields


_real_pwrite = os.pwrite


class FailingWrites:
    """``os.pwrite`` that fails with ``err`` while ``active`` (only on ``fd``
    if given; after writing half the data with ``partial``; ``once`` turns
    itself off after the first failure)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, err: int = errno.ENOSPC,
                 fd: int | None = None, partial: bool = False, once: bool = False) -> None:
        self.err, self.fd, self.partial, self.once = err, fd, partial, once
        self.active = True
        self.failures = 0
        monkeypatch.setattr(os, "pwrite", self._pwrite)

    def _pwrite(self, fd: int, data: Any, offset: int) -> int:
        if self.active and self.fd in (None, fd):
            self.failures += 1
            self.active = not self.once
            if self.partial:
                _real_pwrite(fd, bytes(data[: len(data) // 2]), offset)
            raise OSError(self.err, os.strerror(self.err))
        return _real_pwrite(fd, data, offset)
