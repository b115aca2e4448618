"""The file buffer when things fail: rollback, a full disk (refused, never
acked, overflow_action applied, the agent goes on), other OS errors, fsync."""

from __future__ import annotations

import asyncio
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from buf_file_support import (
    APP,
    WEB,
    FailingWrites,
    T,
    decode_meta_file,
    entries,
    file_buffer,
    names,
    numbers,
)

from dplat.agent.buffer import controller
from dplat.agent.buffer.chunk import ChunkState
from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.buffer.file_chunk import DiskFullError, FileChunk
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.core import registry
from dplat.agent.plugins import buf_file
from dplat.agent.protocol.eventtime import pack_entry, packer, to_ext, unpackb
from dplat.agent.router import Router
from dplat.agent.testing import configured, parse

Sink = registry.lookup("output", "test_sink")  # registered by conftest.py


# -- rollback and failed writes -------------------------------------------------------


def test_rollback_restores_the_committed_body_and_meta(tmp_path: Path) -> None:
    chunk = FileChunk.create(str(tmp_path / "buffer.*.log"), APP)
    chunk.append(entries(1))
    chunk.commit()
    committed = os.path.getsize(chunk.path)
    chunk.append(entries(2, 3))
    assert chunk.size == 3 and os.path.getsize(chunk.path) > committed
    chunk.rollback()
    assert (chunk.size, chunk.bytesize) == (1, committed) and numbers(chunk) == [1]
    assert os.path.getsize(chunk.path) == committed
    assert decode_meta_file(Path(chunk.meta_path))["s"] == 1
    chunk.append(entries(4))
    chunk.commit()
    assert numbers(chunk) == [1, 4]


def test_a_full_disk_is_a_refusal_and_leaves_the_committed_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buf_file, "DISK_FULL_PAUSE", 0.05)
    buffer = file_buffer(tmp_path)
    buffer.write({APP: entries(1)})
    chunk = buffer.stage[APP]
    committed, meta = os.path.getsize(chunk.path), Path(chunk.meta_path).read_bytes()
    disk = FailingWrites(monkeypatch, partial=True)
    with pytest.raises(BufferOverflowError) as raised:
        buffer.write({APP: entries(2, 3)})
    assert isinstance(raised.value, DiskFullError) and "No space left" in str(raised.value)
    assert os.path.getsize(chunk.path) == committed and Path(chunk.meta_path).read_bytes() == meta
    disk.active = False  # space again, but for a moment writes are refused untried
    assert not buffer.storable()
    with pytest.raises(BufferOverflowError):
        buffer.write({APP: entries(2)})
    assert disk.failures == 1
    asyncio.run(asyncio.sleep(0.06))
    buffer.write({APP: entries(2)})
    assert numbers(buffer.stage[APP]) == [1, 2]
    assert buffer.stage_size == os.path.getsize(chunk.path)


def test_a_failed_commit_rolls_the_meta_back(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = file_buffer(tmp_path)
    buffer.write({APP: entries(1)})
    chunk = buffer.stage[APP]
    committed = os.path.getsize(chunk.path)
    FailingWrites(monkeypatch, err=errno.EDQUOT, fd=chunk._meta_fd, partial=True, once=True)
    with pytest.raises(DiskFullError):
        buffer.write({APP: entries(2)})
    assert decode_meta_file(Path(chunk.meta_path))["s"] == 1
    assert os.path.getsize(chunk.path) == committed
    buffer.close()
    assert numbers(file_buffer(tmp_path).stage[APP]) == [1]


def test_a_failed_write_over_two_chunks_leaves_no_new_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = file_buffer(tmp_path)
    buffer.write({APP: entries(1)})
    before = names(tmp_path)
    web_fds: list[int] = []
    real_create = FileChunk.create

    def create(*args: Any, **kwargs: Any) -> FileChunk:
        chunk = real_create(*args, **kwargs)
        web_fds.append(chunk._fd or -1)
        FailingWrites(monkeypatch, fd=chunk._fd)  # the new chunk's body cannot be written
        return chunk

    monkeypatch.setattr(FileChunk, "create", create)
    with pytest.raises(DiskFullError):
        buffer.write({APP: entries(2), WEB: entries(3)})
    assert web_fds and names(tmp_path) == before
    assert numbers(buffer.stage[APP]) == [1] and WEB not in buffer.stage
    assert buffer.stage_size == buffer.stage[APP].bytesize


def test_other_os_errors_are_not_disguised(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = file_buffer(tmp_path)
    FailingWrites(monkeypatch, err=errno.EIO)
    with pytest.raises(OSError) as raised:
        buffer.write({APP: entries(1)})
    assert raised.value.errno == errno.EIO and buffer.storable()
    assert names(tmp_path) == []


def sink_output(tmp_path: Path, **params: str) -> Any:
    lines = "\n".join(f"{k} {v}" for k, v in params.items())
    output = configured(Sink, f"<buffer>\n@type file\npath {tmp_path}\n{lines}\n</buffer>")
    output.buffering.buffer.start()
    return output


def test_drop_oldest_chunk_frees_a_full_disk(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    output = sink_output(tmp_path, chunk_limit_records="1",
                         overflow_action="drop_oldest_chunk")
    buffer = output.buffering.buffer
    asyncio.run(output.emit("t", [(T, {"n": n}) for n in (1, 2, 3)]))  # 3 queued chunks
    FailingWrites(monkeypatch, once=True)
    asyncio.run(output.emit("t", [(T, {"n": 4})]))
    assert [numbers(c) for c in buffer.queue] == [[2], [3], [4]]
    assert output.metrics.drop_oldest_chunk_count == 1


def test_block_waits_out_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buf_file, "DISK_FULL_PAUSE", 0.05)
    monkeypatch.setattr(controller, "SPACE_POLL_INTERVAL", 0.01)
    output = sink_output(tmp_path, overflow_action="block")
    disk = FailingWrites(monkeypatch, once=True)
    asyncio.run(asyncio.wait_for(output.emit("t", [(T, {"n": 1})]), 2))
    assert disk.failures == 1 and numbers(output.buffering.buffer.stage[Metadata()]) == [1]


def test_fsync_flushes_body_before_meta(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")))
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append("dir"))
    buffer = file_buffer(tmp_path, fsync="true")
    buffer.write({APP: entries(1)}, enqueue=True)
    staged = buffer.queue[0].path.replace(".q", ".b")
    meta = staged + ".meta"
    assert synced == [meta, "dir",  # created: the empty meta and both names
                      staged, meta,  # commit: the body is on disk before the meta counts it
                      "dir"]  # renamed to .q


# -- a full disk seen by a forward client --------------------------------------------


FORWARD = """
<source>
  @type forward
  bind 127.0.0.1
  port 0
</source>
<match **>
  @type test_sink
  <buffer>
    @type file
    path {path}
    flush_interval 1h
  </buffer>
</match>
"""


def test_a_forward_client_gets_no_ack_while_the_disk_is_full(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buf_file, "DISK_FULL_PAUSE", 0.0)
    router = Router.build(parse(FORWARD.format(path=tmp_path)))

    async def send(port: int, chunk_id: str) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(packer().pack(["app", to_ext(T), {"id": chunk_id}, {"chunk": chunk_id}]))
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.read(100), 2)
        finally:
            writer.close()

    async def scenario() -> tuple[bytes, bytes]:
        await router.start()
        try:
            port = router.inputs[0].bound_port
            disk = FailingWrites(monkeypatch)
            refused = await send(port, "first")
            disk.active = False
            return refused, await send(port, "second")
        finally:
            await router.stop()

    refused, acked = asyncio.run(scenario())
    assert refused == b""  # closed without an ack: the client resends
    assert unpackb(acked) == {"ack": "second"}
    (chunk,) = file_buffer(tmp_path).stage.values()
    assert [record["id"] for _, record in chunk.events()] == ["second"]


# -- a real full file system (tmpfs; needs the right to mount) ------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                            capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_refuses_and_recovers(tiny_disk: Path) -> None:
    buffer = file_buffer(tiny_disk, chunk_limit_size="16k")
    record = [pack_entry(T, {"n": n, "pad": "x" * 1000}) for n in range(200)]
    written = 0
    with pytest.raises(DiskFullError):
        for blob in record:
            buffer.write({APP: [blob]})
            written += 1
    assert 10 < written < 200
    chunks = [*buffer.queue, *buffer.stage.values()]
    assert sum(c.size for c in chunks) == written
    assert all(os.path.getsize(c.path) == c.bytesize for c in chunks)
    first = buffer.dequeue_chunk()
    assert first is not None
    flushed = first.size
    buffer.purge_chunk(first.unique_id)  # a flush frees space: writes work again
    buffer.write({APP: record[written:written + 1]})
    buffer.close()
    resumed = file_buffer(tiny_disk, chunk_limit_size="16k")
    assert sum(c.size for c in [*resumed.queue, *resumed.stage.values()]) == (
        written - flushed + 1)
    assert resumed.queue[0].state is ChunkState.QUEUED
