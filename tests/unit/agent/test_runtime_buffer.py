"""Chunk keys, the stage/queue state machine, flush modes and overflow actions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.buffer.metadata import KNOWN_METADATA, ChunkKeys, Metadata, TimeZone
from dplat.agent.config import ConfigError
from dplat.agent.core import registry
from dplat.agent.core.log import RepeatedWarning
from dplat.agent.event import EventTime
from dplat.agent.plugins.buf_memory import MemoryBuffer
from dplat.agent.protocol.eventtime import pack_entry
from dplat.agent.testing import configured, element
from dplat.waiting import wait_until_async

Sink = registry.lookup("output", "test_sink")  # registered by conftest.py
DAY = 86400
T0 = int(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp())
MIDNIGHT = int(datetime(2024, 1, 2, tzinfo=UTC).timestamp())


def at(sec: int) -> EventTime:
    return EventTime(sec, 123)


# -- chunk keys -------------------------------------------------------------------


def test_chunk_keys_split_a_stream_by_tag_time_and_fields() -> None:
    keys = ChunkKeys.parse("tag, time, team, $.user.id", timekey=3600)
    stream = [(at(T0), {"team": "a", "user": {"id": 1}}),
              (at(T0 + 3600), {"team": "a", "user": {"id": 1}}),
              (at(T0 + 1), {"team": "b"}),
              (at(T0 + 2), {"team": "a", "user": {"id": 1}})]
    groups = keys.split("app", stream)
    hour = T0 - T0 % 3600
    first = Metadata(hour, "app", (("team", "a"), ("$.user.id", 1)))
    assert list(groups) == [first, Metadata(hour + 3600, "app", (("team", "a"), ("$.user.id", 1))),
                            Metadata(hour, "app", (("team", "b"), ("$.user.id", None)))]
    assert [entry[0].sec for entry in groups[first]] == [T0, T0 + 2]


def test_simple_chunk_keys_keep_the_stream_whole() -> None:
    stream = [(at(T0), {"a": 1}), (at(T0 + DAY), {"a": 2})]
    assert ChunkKeys.parse("[]").split("x", stream) == {Metadata(): stream}
    assert ChunkKeys.parse("tag").split("x", stream) == {Metadata(None, "x"): stream}


def test_time_split_gives_one_metadata_object_per_chunk_and_forgets_past_a_bound() -> None:
    keys = ChunkKeys.parse("time,tag", timekey=60)
    first = next(iter(keys.split("app", [(at(T0), {})])))
    again = next(iter(keys.split("app", [(at(T0 + 1), {})])))
    assert again is first and again == Metadata(T0 - T0 % 60, "app")
    for minute in range(KNOWN_METADATA + 2):
        keys.split("app", [(at(T0 + 60 * minute), {})])
    assert len(keys._known) <= KNOWN_METADATA + 1


def test_timekeys_align_to_utc_or_to_the_configured_zone() -> None:
    utc = ChunkKeys.parse("time", timekey=DAY)
    assert utc.timekey_of(T0) == MIDNIGHT
    tokyo = ChunkKeys.parse("time", timekey=DAY, zone=TimeZone("+09:00"))
    assert tokyo.timekey_of(T0) == MIDNIGHT - 9 * 3600  # 2024-01-02 00:00 in +09:00
    assert TimeZone("Asia/Tokyo").offset(T0) == 9 * 3600


@pytest.mark.parametrize(("arg", "timekey", "error"), [
    ("time", None, "includes 'time', but timekey is not configured"),
    ("$['a']", None, "bracket notation is not allowed"),
    ("a b", None, "invalid char"),
    ("time", 0, "timekey should be greater than 0"),
])
def test_bad_chunk_keys_are_config_errors(arg: str, timekey: float | None, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        ChunkKeys.parse(arg, timekey=timekey)


# -- the stage and the queue --------------------------------------------------------


def memory(**params: str) -> MemoryBuffer:
    buffer = MemoryBuffer()
    buffer.configure(element("\n".join(f"{k} {v}" for k, v in params.items()), "buffer"))
    buffer.start()
    return buffer


NONE = Metadata()


def packed(*numbers: int, meta: Metadata = NONE) -> dict[Metadata, list[bytes]]:
    return {meta: [pack_entry(at(T0), {"n": n}) for n in numbers]}


def test_events_stage_per_metadata_and_queue_when_a_chunk_is_full() -> None:
    buffer = memory(chunk_limit_records="3")
    other = Metadata(None, "other")
    buffer.write(packed(1, 2))
    buffer.write(packed(9, meta=other))
    assert (len(buffer.stage), len(buffer.queue)) == (2, 0)
    buffer.write(packed(3, 4))  # 3 fills the chunk; 4 starts a new one
    assert [[r["n"] for _, r in c.events()] for c in buffer.queue] == [[1, 2, 3]]
    assert [r["n"] for _, r in buffer.stage[Metadata()].events()] == [4]
    assert buffer.stage_size + buffer.queue_size == sum(
        c.bytesize for c in [*buffer.stage.values(), *buffer.queue])


def test_a_large_write_is_split_over_chunks_of_at_most_chunk_limit_size() -> None:
    entry = len(pack_entry(at(T0), {"n": 1}))
    buffer = memory(chunk_limit_size=str(entry * 4))
    buffer.write(packed(*range(1, 11)))
    sizes = [chunk.size for chunk in buffer.queue] + [buffer.stage[Metadata()].size]
    assert sizes == [4, 4, 2]
    assert all(chunk.bytesize <= entry * 4 for chunk in buffer.queue)


def test_a_record_larger_than_a_chunk_is_rejected_alone() -> None:
    buffer = memory(chunk_limit_size="64")
    data = {Metadata(): [pack_entry(at(T0), {"n": 1}), pack_entry(at(T0), {"x": "y" * 100}),
                         pack_entry(at(T0), {"n": 3})]}
    assert buffer.write(data) == [(Metadata(), 1)]
    assert [r for _, r in buffer.stage[Metadata()].events()] == [{"n": 1}, {"n": 3}]


def test_total_limit_refuses_writes_until_space_is_freed() -> None:
    buffer = memory(total_limit_size="100", chunk_limit_size="60")
    buffer.write(packed(*range(8)))
    assert not buffer.storable()
    with pytest.raises(BufferOverflowError):
        buffer.write(packed(99))
    chunk = buffer.dequeue_chunk()
    assert chunk is not None and buffer.queue_size > 0  # in flight still counts
    buffer.purge_chunk(chunk.unique_id)
    assert buffer.storable()


def test_dequeue_takeback_purge_and_clear() -> None:
    buffer = memory(chunk_limit_records="2", total_limit_size="1k")
    buffer.write(packed(1, 2, 3, 4, 5))  # queued [1, 2] [3, 4], staged [5]
    first = buffer.dequeue_chunk()
    assert first is not None and len(buffer.queue) == 1 and first.unique_id in buffer.dequeued
    assert buffer.takeback_chunk(first.unique_id)
    assert buffer.queue[0] is first
    assert buffer.clear_queue() == 4
    assert (buffer.queue_size, len(buffer.queue)) == (0, 0)
    stats = buffer.statistics()
    assert stats["buffer_stage_length"] == 1 and stats["buffer_queue_length"] == 0
    assert stats["buffer_available_buffer_space_ratios"] < 100


def test_chunk_ids_are_unique_and_time_ordered() -> None:
    buffer = memory()
    ids = [buffer.generate_chunk(Metadata()).unique_id for _ in range(50)]
    assert len(set(ids)) == 50 and all(len(i) == 16 for i in ids)
    assert [i[:4] for i in ids] == sorted(i[:4] for i in ids)


# -- the controller: flush modes ------------------------------------------------------


@asynccontextmanager
async def sink(text: str) -> AsyncIterator[Any]:
    output = configured(Sink, text)
    await output.open()
    try:
        yield output
    finally:
        await output.close()


def emit_at(output: Any, *times: int, tag: str = "app") -> asyncio.Future[None]:
    return asyncio.ensure_future(output.emit(tag, [(at(t), {"t": t}) for t in times]))


def test_interval_mode_queues_chunks_older_than_flush_interval() -> None:
    async def scenario() -> None:
        async with sink("<buffer>\n flush_interval 30s\n</buffer>") as out:
            assert out.buffering and out.buffering.flush_mode == "interval"
            await emit_at(out, T0)
            created = out.buffering.buffer.stage[Metadata()].created_at
            assert out.buffering.enqueue_due(created + 29) == 0
            assert out.buffering.enqueue_due(created + 30) == 1

    asyncio.run(scenario())


def test_time_key_chunks_flush_after_their_range_plus_timekey_wait() -> None:
    async def scenario() -> None:
        async with sink("<buffer time>\n timekey 1h\n timekey_wait 10m\n</buffer>") as out:
            assert out.buffering and out.buffering.flush_mode == "lazy"
            hour = T0 - T0 % 3600
            await emit_at(out, T0, T0 + 3600)
            assert out.buffering.enqueue_due(hour + 3600 + 599) == 0
            assert out.buffering.enqueue_due(hour + 3600 + 600) == 1
            assert [m.timekey for m in out.buffering.buffer.stage] == [hour + 3600]

    asyncio.run(scenario())


def test_immediate_mode_writes_every_emit_without_waiting() -> None:
    async def scenario() -> list[list[int]]:
        async with sink("<buffer>\n flush_mode immediate\n flush_thread_interval 5\n"
                        " flush_thread_burst_interval 0.01\n</buffer>") as out:
            await emit_at(out, 1, 2)
            await emit_at(out, 3)
            await wait_until_async(lambda: len(out.written) >= 2, 10, interval=0.01,
                                   what="two writes")
            return [[r["t"] for r in records] for _, records in out.written]

    assert asyncio.run(scenario()) == [[1, 2], [3]]


def test_the_enqueue_loop_and_workers_run_on_their_own() -> None:
    async def scenario() -> int:
        async with sink("<buffer>\n flush_interval 0.1\n flush_thread_interval 0.02\n"
                        "</buffer>") as out:
            await emit_at(out, 1)
            await wait_until_async(lambda: out.written, 10, interval=0.01, what="a write")
            return out.metrics.write_count

    assert asyncio.run(scenario()) == 1


def test_forced_flush_writes_staged_chunks_now_and_shutdown_flushes_the_rest() -> None:
    async def scenario() -> tuple[int, int]:
        out = configured(Sink, "<buffer tag>\n flush_interval 1h\n</buffer>")
        await out.open()
        await emit_at(out, 1, tag="a")
        await emit_at(out, 2, tag="b")
        await out.flush()
        after_flush = len(out.written)
        await emit_at(out, 3, tag="c")
        await out.close()
        return after_flush, len(out.written)

    assert asyncio.run(scenario()) == (2, 3)


def test_flush_interval_with_an_explicit_other_mode_is_an_error(
        caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConfigError, match="'flush_interval' can't be specified"):
        configured(Sink, "<buffer>\n flush_mode lazy\n flush_interval 5s\n</buffer>")
    with caplog.at_level(logging.WARNING):
        configured(Sink, "<buffer time>\n timekey 60\n flush_interval 5s\n</buffer>")
    assert any("'flush_interval' is ignored" in r.getMessage() for r in caplog.records)


def test_unknown_buffer_keys_warn_once_and_bad_values_name_the_line(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "dplat.agent.config"):
        configured(Sink, "<buffer>\n chunk_limit_size 1m\n flush_mode interval\n colour red\n"
                   "</buffer>")
    assert [r.getMessage() for r in caplog.records] == [
        "<test>:4: parameter 'colour' in <buffer> is not used"]
    with pytest.raises(ConfigError, match=r"<test>:2: parameter 'timekey' in <buffer time>"):
        configured(Sink, "<buffer time>\n timekey soon\n</buffer>")
    with pytest.raises(ConfigError, match=r"<test>:1: .*timekey is not configured"):
        configured(Sink, "<buffer time>\n</buffer>")


# -- overflow actions ----------------------------------------------------------------

FULL = ("<buffer>\n total_limit_size 200\n chunk_limit_size 100\n flush_interval 1h\n"
        " overflow_action {action}\n</buffer>")


async def fill(out: Any) -> None:
    while out.buffering and out.buffering.buffer.storable():
        await emit_at(out, *range(5))


def test_throw_exception_refuses_the_emit() -> None:
    async def scenario() -> None:
        async with sink(FULL.format(action="throw_exception")) as out:
            await fill(out)
            with pytest.raises(BufferOverflowError):
                await emit_at(out, 1)

    asyncio.run(scenario())


def test_block_waits_until_a_flush_frees_space() -> None:
    async def scenario() -> None:
        async with sink(FULL.format(action="block")) as out:
            await fill(out)
            waiting = emit_at(out, 42)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(asyncio.shield(waiting), 0.1)
            await out.flush()
            await asyncio.wait_for(waiting, 1)
            assert out.buffering
            staged = out.buffering.buffer.stage[Metadata()]
            assert [r["t"] for _, r in staged.events()] == [42]

    asyncio.run(scenario())


def test_block_warns_once_for_many_refused_writes(caplog: pytest.LogCaptureFixture) -> None:
    """Fluentd warns on every refused write (write_guard in
    lib/fluent/plugin/output.rb); 30 writers waiting on one full buffer make
    one line here, and the statistics count every refusal."""
    async def scenario() -> tuple[int, int]:
        async with sink(FULL.format(action="block")) as out:
            await fill(out)
            waiting = [emit_at(out, 100 + n) for n in range(30)]
            await asyncio.sleep(0.05)
            while not all(w.done() for w in waiting):
                await out.flush()
                await asyncio.sleep(0.01)
            return out.buffering.statistics()["buffer_overflows"], len(out.written)

    with caplog.at_level(logging.DEBUG, "dplat.agent"):
        overflows, _ = asyncio.run(scenario())
    lines = [r for r in caplog.records if "by buffer overflow" in r.getMessage()]
    assert len(lines) == 1 and 'action="block"' in lines[0].getMessage()
    assert overflows >= 30
    assert "retrying buffer.write after blocked operation" in caplog.text


def test_a_repeated_warning_is_logged_once_per_interval_with_the_suppressed_count(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    warning = RepeatedWarning(logging.getLogger("test.repeated"), "full", 60, lambda: now[0])
    with caplog.at_level(logging.WARNING, "test.repeated"):
        for now[0] in (0, 1, 2, 59.9, 60, 61, 200):
            warning.occurred(action="block")
    assert [r.getMessage() for r in caplog.records] == [
        'full action="block"', 'full action="block" suppressed=3',
        'full action="block" suppressed=1']
    assert warning.total == 7


def test_block_gives_up_when_the_output_stops() -> None:
    async def scenario() -> None:
        out = configured(Sink, FULL.format(action="block"))
        await out.open()
        await fill(out)
        waiting = emit_at(out, 42)
        await asyncio.sleep(0.01)
        await out.close()
        with pytest.raises(BufferOverflowError):
            await waiting

    asyncio.run(scenario())


def test_drop_oldest_chunk_makes_room_and_counts() -> None:
    async def scenario() -> None:
        async with sink(FULL.format(action="drop_oldest_chunk")) as out:
            await fill(out)
            assert out.buffering
            oldest = out.buffering.buffer.queue[0].unique_id
            await emit_at(out, 42)
            assert oldest not in [c.unique_id for c in out.buffering.buffer.queue]
            assert out.metrics.drop_oldest_chunk_count >= 1

    asyncio.run(scenario())


def test_records_the_buffer_cannot_take_go_to_the_error_route() -> None:
    async def scenario() -> list[str]:
        out = configured(Sink, "<buffer>\n chunk_limit_size 100\n</buffer>")
        await out.open()
        await out.emit("app", [(at(1), {"ok": 1}), (at(2), {"big": "x" * 200}),
                               (at(3), {"bad": object()})])
        await out.flush()
        await out.close()
        assert out.written[0][1] == [{"ok": 1}]
        return [type(error).__name__ for *_, error in out.router.errors]  # type: ignore[attr-defined]

    assert sorted(asyncio.run(scenario())) == ["BufferChunkOverflowError", "TypeError"]


def test_memory_buffer_default_total_limit_fits_the_container_with_room() -> None:
    """Fluentd's memory buffer default is 512 MiB (buf_memory.rb), the agent's
    whole container limit: overflow could never apply before an OOM kill."""
    assert memory().total_limit_size == 128 * 1024 * 1024
