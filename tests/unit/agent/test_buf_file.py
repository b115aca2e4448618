"""The file buffer: Fluentd's on-disk layout and meta format, <system>
root_dir, and resume after a stop or a crash (failures: test_buf_file_failures.py)."""

from __future__ import annotations

import asyncio
import logging
import os
import struct
from pathlib import Path

import pytest
from buf_file_support import (
    APP,
    UID,
    WEB,
    T,
    decode_meta_file,
    entries,
    file_buffer,
    names,
    numbers,
)

from dplat.agent.buffer.chunk_names import path_pattern
from dplat.agent.buffer.file_chunk import FileChunk
from dplat.agent.buffer.file_meta import META_HEADER, ChunkFileError, ChunkMeta
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.config import ConfigError
from dplat.agent.core import registry
from dplat.agent.plugins.buf_file import FileBuffer
from dplat.agent.protocol.eventtime import packer
from dplat.agent.router import Router
from dplat.agent.server import AgentServer, build
from dplat.agent.testing import configured, element, parse

Sink = registry.lookup("output", "test_sink")  # registered by conftest.py


# -- names and layout ---------------------------------------------------------------


def test_chunk_files_are_named_and_renamed_like_fluentd(tmp_path: Path) -> None:
    buffer = file_buffer(tmp_path)
    buffer.write({APP: entries(1, 2)})
    chunk = buffer.stage[APP]
    hex_id = chunk.unique_id.hex()
    assert len(chunk.unique_id) == 16 and len(hex_id) == 32
    assert names(tmp_path) == [f"buffer.b{hex_id}.log", f"buffer.b{hex_id}.log.meta"]
    assert (tmp_path / f"buffer.b{hex_id}.log").read_bytes() == b"".join(entries(1, 2))
    meta = decode_meta_file(tmp_path / f"buffer.b{hex_id}.log.meta")
    assert list(meta)[:8] == ["timekey", "tag", "variables", "seq", "id", "s", "c", "m"]
    assert meta["id"] == chunk.unique_id and meta["tag"] == "app" and meta["s"] == 2
    assert meta["bytesize"] == chunk.bytesize and meta["c"] <= meta["m"]

    buffer.enqueue_chunk(APP)
    assert names(tmp_path) == [f"buffer.q{hex_id}.log", f"buffer.q{hex_id}.log.meta"]
    assert numbers(buffer.queue[0]) == [1, 2]  # read back from the renamed file

    flushed = buffer.dequeue_chunk()
    assert flushed is not None
    buffer.purge_chunk(flushed.unique_id)
    assert names(tmp_path) == [] and buffer.queue_size == 0


@pytest.mark.parametrize(("path", "suffix", "expected"), [
    ("existing", ".log", "existing/buffer.*.log"),
    ("new/dir", ".log", "new/dir/buffer.*.log"),
    ("files/app.*", ".log", "files/app.*.log"),
    ("files/app.*.buf", ".log", "files/app.*.buf"),
    ("existing/file", ".log", "existing/file.*.log"),
    ("existing", ".chunk", "existing/buffer.*.chunk"),
])
def test_path_is_a_directory_or_a_file_pattern_as_in_fluentd(
        tmp_path: Path, path: str, suffix: str, expected: str) -> None:
    (tmp_path / "existing").mkdir()
    (tmp_path / "existing" / "file").write_text("")
    assert path_pattern(str(tmp_path / path), suffix, None) == str(tmp_path / expected)


def test_without_path_the_buffer_lives_under_root_dir_and_id(tmp_path: Path) -> None:
    buffer = file_buffer(None, root_dir=tmp_path, owner_id="s3_out")
    assert buffer.pattern == str(tmp_path / "worker0/s3_out/buffer/buffer.*.log")
    buffer.write({APP: entries(1)})
    assert len(names(tmp_path / "worker0/s3_out/buffer")) == 2


@pytest.mark.parametrize(("params", "error"), [
    ({}, "buffer path is not configured"),
    ({"path": "/var/buf/a.*.b.*"}, "one '.*.'"),
    ({"path": "/var/buf/x", "path_suffix": '""'}, "one '.*.'"),
    ({"path": "/var/buf/x", "file_permission": "0999"}, "not an octal permission"),
])
def test_bad_paths_and_modes_are_config_errors(params: dict[str, str], error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        buffer = FileBuffer()
        buffer.configure(element("\n".join(f"{k} {v}" for k, v in params.items()), "buffer"))


def test_permissions_and_file_buffer_defaults(tmp_path: Path) -> None:
    buffer = file_buffer(tmp_path / "buf", file_permission="0600", dir_permission="0700")
    buffer.write({APP: entries(1)})
    assert (tmp_path / "buf").stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "buf").iterdir()} == {0o600}
    assert (buffer.chunk_limit_size, buffer.total_limit_size) == (256 << 20, 64 << 30)
    output = configured(Sink, f"<buffer>\n@type file\npath {tmp_path}/o\n</buffer>")
    assert output.buffering.flush_at_shutdown is False  # the chunks wait on disk


# -- <system> root_dir through the router --------------------------------------------


ROOTED = """
<system>
  root_dir {root}
</system>
<match app.**>
  @type test_sink
  @id sink
  <buffer>
    @type file
  </buffer>
</match>
<match other.**>
  @type copy
  <store>
    @type test_sink
    @id copied
    <buffer>
      @type file
    </buffer>
  </store>
</match>
"""


def test_root_dir_reaches_outputs_and_copy_stores(tmp_path: Path) -> None:
    router, system = build(parse(ROOTED.format(root=tmp_path)))
    assert system.root_dir == str(tmp_path)
    sink, copy = router.outputs
    assert sink.buffering.buffer.storage_path() == str(
        tmp_path / "worker0/sink/buffer/buffer.*.log")
    assert copy.stores[0].buffering.buffer.storage_path() == str(
        tmp_path / "worker0/copied/buffer/buffer.*.log")

    async def scenario() -> None:
        await router.start()
        await router.emitter().emit_stream("app.x", [(T, {"n": 1})])
        await router.stop()

    asyncio.run(scenario())
    assert len(names(tmp_path / "worker0/sink/buffer")) == 2  # kept for the next start


def test_two_outputs_cannot_share_a_buffer_path(tmp_path: Path) -> None:
    text = "".join(f"<match {tag}>\n@type test_sink\n<buffer>\n@type file\npath {tmp_path}\n"
                   "</buffer>\n</match>\n" for tag in ("a", "b"))
    with pytest.raises(ConfigError, match="already used by <match a>"):
        Router.build(parse(text))


# -- the meta format ----------------------------------------------------------------


def test_meta_round_trip() -> None:
    meta = ChunkMeta(Metadata(1704153600, "app.web", (("team", "a"), ("$.user.id", 7))),
                     UID, 3, 1704164645, 1704164700, 321)
    data = meta.encode()
    assert data[:2] == META_HEADER and struct.unpack(">I", data[2:6])[0] == len(data) - 6
    assert ChunkMeta.decode(data) == meta
    assert ChunkMeta.decode(ChunkMeta(Metadata(), UID, 0, 1, 1, 0).encode()).metadata == Metadata()


def fluentd_meta(uid: bytes = UID) -> bytes:
    """A meta as Fluentd 1.x writes it for tag "app.web", timekey 1704153600,
    record chunk key team=a, 3 records: Ruby's msgpack of the Hash
    {timekey:, tag:, variables: {team: "a"}, seq: 0, id:, s:, c:, m:},
    written out byte by byte (symbols as str, the binary id as bin 8)."""
    body = (b"\x88"
            + b"\xa7timekey" + b"\xce" + struct.pack(">I", 1704153600)
            + b"\xa3tag" + b"\xa7app.web"
            + b"\xa9variables" + b"\x81" + b"\xa4team" + b"\xa1a"
            + b"\xa3seq" + b"\x00"
            + b"\xa2id" + b"\xc4\x10" + uid
            + b"\xa1s" + b"\x03"
            + b"\xa1c" + b"\xce" + struct.pack(">I", 1704164645)
            + b"\xa1m" + b"\xce" + struct.pack(">I", 1704164700))
    return b"\xc1\x00" + struct.pack(">I", len(body)) + body


def test_a_fluentd_meta_is_read_and_its_whole_body_counts() -> None:
    meta = ChunkMeta.decode(fluentd_meta())
    assert meta == ChunkMeta(Metadata(1704153600, "app.web", (("team", "a"),)), UID, 3,
                             1704164645, 1704164700, None)
    old_style = fluentd_meta()[6:]  # before the header existed: the bare map
    assert ChunkMeta.decode(old_style) == meta


@pytest.mark.parametrize("data", [
    b"", b"\xc1\x00\x00\x00\x00\x40\x88", b"not msgpack at all \xc1",
    ChunkMeta(Metadata(), UID, 1, 1, 1, 1).encode()[:-3],
    packer().pack({"id": UID, "c": 0, "m": 1}),
    packer().pack({"id": "text", "c": 1, "m": 1}),
    packer().pack([1, 2, 3]),
])
def test_broken_metas_raise_chunk_file_error(data: bytes) -> None:
    with pytest.raises(ChunkFileError):
        ChunkMeta.decode(data)


# -- resume -------------------------------------------------------------------------


def test_resume_restores_the_stage_and_the_queue(tmp_path: Path) -> None:
    first = file_buffer(tmp_path, chunk_limit_records="3")
    first.write({APP: entries(1, 2, 3, 4), WEB: entries(9)})  # app: [1,2,3] queued, [4] staged
    queued_id = first.queue[0].unique_id
    first.close()
    second = file_buffer(tmp_path, chunk_limit_records="3")
    assert [c.unique_id for c in second.queue] == [queued_id]
    assert [numbers(c) for c in second.queue] == [[1, 2, 3]]
    assert {m: numbers(c) for m, c in second.stage.items()} == {APP: [4], WEB: [9]}
    assert second.stage_size + second.queue_size == sum(
        c.bytesize for c in [*second.stage.values(), *second.queue])
    second.write({APP: entries(5)})  # staged chunks take new appends after a resume
    second.close()
    assert numbers(file_buffer(tmp_path, chunk_limit_records="3").stage[APP]) == [4, 5]


def test_resume_queues_full_and_duplicate_staged_chunks(tmp_path: Path) -> None:
    older = file_buffer(tmp_path)
    older.write({APP: entries(1)})
    older.close()
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in names(tmp_path):
        os.rename(tmp_path / name, aside / name)
    newer = file_buffer(tmp_path)
    newer.write({APP: entries(2, 3)})
    newer.close()
    for name in names(aside):  # two staged chunks with the same metadata, as a crash leaves
        os.rename(aside / name, tmp_path / name)
    resumed = file_buffer(tmp_path)
    assert [numbers(c) for c in resumed.queue] == [[1]]
    assert numbers(resumed.stage[APP]) == [2, 3]
    resumed.close()
    full = file_buffer(tmp_path, chunk_limit_records="2")
    assert [numbers(c) for c in full.queue] == [[1], [2, 3]] and not full.stage
    assert all(".q" in c.path for c in full.queue)


def test_a_fluentd_chunk_is_resumed(tmp_path: Path) -> None:
    body = tmp_path / f"buffer.q{UID.hex()}.log"
    body.write_bytes(b"".join(entries(1, 2, 3)))
    Path(f"{body}.meta").write_bytes(fluentd_meta())
    buffer = file_buffer(tmp_path)
    (chunk,) = buffer.queue
    assert chunk.metadata == Metadata(1704153600, "app.web", (("team", "a"),))
    assert (chunk.unique_id, chunk.size, numbers(chunk)) == (UID, 3, [1, 2, 3])


def test_an_interrupted_append_is_cut_back_to_the_last_commit(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    buffer = file_buffer(tmp_path)
    buffer.write({APP: entries(1, 2)})
    body = Path(buffer.stage[APP].path)
    committed = body.stat().st_size
    buffer.close()
    with body.open("ab") as file:  # what a kill between append and commit leaves
        file.write(b"".join(entries(3))[:-2])
    with caplog.at_level(logging.WARNING):
        resumed = file_buffer(tmp_path)
    assert numbers(resumed.stage[APP]) == [1, 2]
    assert body.stat().st_size == committed
    assert "interrupted append" in caplog.text and "dropped_bytes=" in caplog.text


def test_broken_chunks_are_backed_up_and_the_rest_resumed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    buf, other = tmp_path / "buf", Metadata(None, "other")
    buffer = file_buffer(buf, root_dir=tmp_path, owner_id="out/1")
    buffer.write({APP: entries(1), WEB: entries(2), other: entries(3)})
    bad_meta, short_body, good = buffer.stage[APP], buffer.stage[WEB], buffer.stage[other]
    buffer.close()
    Path(bad_meta.meta_path).write_bytes(b"\xc1\x00garbage")
    os.truncate(short_body.path, 3)
    with caplog.at_level(logging.ERROR):
        resumed = file_buffer(buf, root_dir=tmp_path, owner_id="out/1")
    assert list(resumed.stage) == [other] and numbers(resumed.stage[other]) == [3]
    backup = tmp_path / "backup/worker0/out_1"
    assert names(backup) == sorted([f"{bad_meta.dump_id}.log", f"{bad_meta.dump_id}.log.meta",
                                    f"{short_body.dump_id}.log",
                                    f"{short_body.dump_id}.log.meta"])
    assert names(buf) == sorted([Path(good.path).name, Path(good.meta_path).name])
    assert caplog.text.count("found broken chunk file") == 2
    assert "body truncated" in caplog.text


def test_broken_chunks_go_beside_the_buffer_without_root_dir(tmp_path: Path) -> None:
    body = tmp_path / f"buffer.b{UID.hex()}.log"
    body.write_bytes(b"".join(entries(1)))
    Path(f"{body}.meta").write_bytes(b"")
    assert not file_buffer(tmp_path).queue
    assert names(tmp_path / "backup") == [f"{UID.hex()}.log", f"{UID.hex()}.log.meta"]


def test_crash_leftovers_are_repaired(tmp_path: Path) -> None:
    buffer = file_buffer(tmp_path)
    buffer.write({APP: entries(1), WEB: entries(2)})
    app, web = buffer.stage[APP], buffer.stage[WEB]
    buffer.close()
    # killed between the two renames of an enqueue: body .q, meta still .b
    os.rename(app.path, app.path.replace(".b", ".q"))
    # killed between the two unlinks of a purge: a meta without body
    os.unlink(web.path)
    # a body without meta (Fluentd v0.12, or killed before the meta was created)
    legacy = tmp_path / f"buffer.b{UID.hex()}.log"
    legacy.write_bytes(b"".join(entries(7)))
    # not a chunk at all
    (tmp_path / "buffer.notes.log").write_text("hello")
    resumed = file_buffer(tmp_path)
    by_id = {c.unique_id: c for c in resumed.queue}
    assert by_id[app.unique_id].metadata == APP and numbers(by_id[app.unique_id]) == [1]
    assert by_id[UID].metadata == Metadata() and numbers(by_id[UID]) == [7]
    assert not resumed.stage
    assert names(tmp_path) == sorted([f"buffer.q{app.dump_id}.log",
                                      f"buffer.q{app.dump_id}.log.meta",
                                      f"buffer.b{UID.hex()}.log", "buffer.notes.log"])


def test_chunks_created_but_never_committed_are_removed(tmp_path: Path) -> None:
    chunk = FileChunk.create(str(tmp_path / "buffer.*.log"), APP)
    chunk._close_files()  # as a kill would leave it: both files, empty body
    assert len(names(tmp_path)) == 2
    killed_at_create = FileChunk.create(str(tmp_path / "buffer.*.log"), WEB)
    killed_at_create._close_files()
    Path(killed_at_create.meta_path).write_bytes(b"")  # killed before the meta was written
    buffer = file_buffer(tmp_path)
    assert not buffer.stage and not buffer.queue and names(tmp_path) == []
    assert not (tmp_path / "backup").exists()


def test_a_reload_hands_the_chunks_to_the_new_pipeline(tmp_path: Path) -> None:
    config = tmp_path / "agent.conf"
    config.write_text(ROOTED.format(root=tmp_path))
    server = AgentServer(config)

    async def scenario() -> tuple[bool, list[int]]:
        serving = asyncio.create_task(server.serve())
        await server.started.wait()
        first = server.router
        assert first is not None
        await first.emitter().emit_stream("app.x", [(T, {"n": 1}), (T, {"n": 2})])
        reloaded = await server.reload()
        assert server.router is not None and server.router is not first
        (chunk,) = server.router.outputs[0].buffering.buffer.stage.values()
        server.stop()
        await asyncio.wait_for(serving, 5)
        return reloaded, numbers(chunk)

    assert asyncio.run(scenario()) == (True, [1, 2])
