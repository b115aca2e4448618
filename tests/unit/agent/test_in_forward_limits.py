"""in_forward's bounds (issue 10 B): entries, inflation, connections, idle, held bytes.

Fluentd's in_forward (lib/fluent/plugin/in_forward.rb) drops a message over
``chunk_size_limit`` and inflates up to ``decompression_size_limit``; it has
no entry, connection, idle or total-held limits. Each test here sets a small
limit, crosses it with real bytes over loopback, and checks that the message
or connection is refused, counted, and that the good traffic still goes through.
"""

from __future__ import annotations

import asyncio

import pytest
from forward_peers import T1, Peer, blob, eventually, forward, gz, message, packed, running

from dplat.agent.memory import MemoryGuard
from dplat.agent.protocol import (
    DEFAULT_CHUNK_SIZE_LIMIT,
    DEFAULT_ENTRIES_LIMIT,
    ForwardDecoder,
    Message,
    MessageOverMemory,
    StreamOverMemory,
)


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_defaults_fit_a_512_mib_container() -> None:
    assert DEFAULT_CHUNK_SIZE_LIMIT == 16 * 1024 * 1024
    assert DEFAULT_ENTRIES_LIMIT == 250_000

    async def scenario() -> None:
        async with running() as (plugin, _):
            assert plugin.effective_chunk_size_limit == DEFAULT_CHUNK_SIZE_LIMIT
            # Fluentd inflates up to 256 MiB; here the default follows chunk_size_limit.
            assert plugin.effective_decompression_size_limit == DEFAULT_CHUNK_SIZE_LIMIT

    run(scenario())


def test_a_packed_entry_bomb_is_refused_without_ack_and_the_stream_goes_on() -> None:
    """Many tiny valid entries, gzip'd: small on the wire, huge once decoded."""
    async def scenario() -> None:
        async with running("chunk_entries_limit 100") as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            entries = blob([(T1, {})] * 101)
            await peer.send(packed("t", gz(entries), {"compressed": "gzip", "chunk": "bomb"}))
            await peer.send(packed("t", entries, {"chunk": "plain"}))
            await peer.send(packed("t", blob([(T1, {"n": 1})] * 100), {"chunk": "ok"}))
            assert await peer.read_object() == {"ack": "ok"}  # the bombs got none
            assert plugin.counters()["entries_limit_exceeded"] == 2
        assert len(router.events) == 100

    run(scenario())


def test_a_forward_mode_array_over_the_entry_limit_closes_the_connection() -> None:
    """The array header announces the count: refused before any entry is built."""
    async def scenario() -> None:
        async with running("chunk_entries_limit 10") as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(forward("t", [[T1, {}]] * 11, {"chunk": "c"}))
            assert await peer.closed_by_server()
            assert plugin.counters()["frames_too_large"] == 1
        assert router.events == []

    run(scenario())


def test_inflation_is_bounded_by_chunk_size_limit_by_default() -> None:
    async def scenario() -> None:
        async with running("chunk_size_limit 64k") as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            payload = gz(blob([(T1, {"z": "0" * 100_000})]))  # ~300 bytes sent, 100 KB inflated
            await peer.send(packed("t", payload, {"compressed": "gzip", "chunk": "bomb"}))
            await peer.send(message("t", T1, {"after": 1}, {"chunk": "good"}))
            assert await peer.read_object() == {"ack": "good"}
            assert plugin.counters()["decompression_limit_exceeded"] == 1
        assert router.events == [("t", T1, {"after": 1})]

    run(scenario())


def test_headers_announcing_4_gib_are_refused_within_the_limit() -> None:
    """An array header is checked as it arrives; a str header when its bytes
    pass chunk_size_limit (msgpack checks str lengths at the end)."""
    async def scenario() -> None:
        async with running("chunk_size_limit 64k") as (plugin, _):
            array = await Peer.connect(plugin.bound_port)
            await array.send(b"\x92\xa1t\xdd\xff\xff\xff\xff")  # array32 of 4 Gi items
            assert await array.closed_by_server()
            text = await Peer.connect(plugin.bound_port)
            await text.send(b"\x93\xa1t\xdb\xff\xff\xff\xff")  # str32 of 4 GiB - 1
            assert await text.silent_for(0.2)  # waiting for the string's bytes
            await text.send(b"x" * 70_000)
            assert await text.closed_by_server()
            assert plugin.counters()["frames_too_large"] == 2
            assert plugin.held_bytes == 0

    run(scenario())


def test_connections_past_max_connections_are_closed_on_arrival() -> None:
    async def scenario() -> None:
        async with running("max_connections 2") as (plugin, router):
            first = await Peer.connect(plugin.bound_port)
            second = await Peer.connect(plugin.bound_port)
            await eventually(lambda: len(plugin.connections) == 2)
            third = await Peer.connect(plugin.bound_port)
            assert await third.closed_by_server()
            assert plugin.counters()["connections_refused"] == 1
            await first.close()
            await eventually(lambda: len(plugin.connections) == 1)
            fourth = await Peer.connect(plugin.bound_port)  # room again
            await fourth.send(message("t", T1, {"n": 1}, {"chunk": "1"}))
            assert await fourth.read_object() == {"ack": "1"}
            await second.close()
        assert len(router.events) == 1

    run(scenario())


def test_an_idle_connection_is_closed_and_a_busy_one_is_not() -> None:
    async def scenario() -> None:
        async with running("idle_timeout 0.3") as (plugin, _):
            idle = await Peer.connect(plugin.bound_port)
            talking = await Peer.connect(plugin.bound_port)
            for n in range(8):  # a message every 0.1 s keeps it open
                await talking.send(message("t", T1, {"n": n}, {"chunk": str(n)}))
                assert await talking.read_object() == {"ack": str(n)}
                await asyncio.sleep(0.1)
            assert await idle.closed_by_server(timeout=1.0)
            assert plugin.counters()["idle_closed"] >= 1
            await talking.send(message("t", T1, {"n": 9}, {"chunk": "9"}))
            assert await talking.read_object() == {"ack": "9"}

    run(scenario())


def test_unfinished_objects_of_all_connections_are_bounded_together() -> None:
    """Each peer stays under chunk_size_limit, together they pass the total."""
    async def scenario() -> None:
        async with running("connections_buffer_limit 100k") as (plugin, router):
            frame = message("t", T1, {"pad": "x" * 80_000}, {"chunk": "a"})
            first, second = await Peer.connect(plugin.bound_port), await Peer.connect(
                plugin.bound_port)
            await first.send(frame[:70_000])  # held: unfinished
            await eventually(lambda: plugin.held_bytes >= 70_000)
            await second.send(frame[:70_000])  # 140k together: this one is closed
            assert await second.closed_by_server()
            assert plugin.counters()["over_buffer_limit"] == 1
            await first.send(frame[70_000:])
            assert await first.read_object() == {"ack": "a"}
            await eventually(lambda: plugin.held_bytes == 0)
        assert len(router.events) == 1

    run(scenario())


# -- memory: bytes do not bound what a message decodes to ----------------------------------


def test_the_decoder_stops_a_large_unfinished_object_when_memory_is_over() -> None:
    """240,000 tiny entries: 1.7 MB on the wire, ~45 MiB once decoded."""
    frame = forward("t", [[T1, {}]] * 240_000)
    asked: list[int] = []

    def over(expected: int) -> bool:
        asked.append(expected)
        return len(asked) > 3  # memory "passes the limit" after a few slices

    decoder = ForwardDecoder(over_memory=over)
    with pytest.raises(StreamOverMemory):
        decoder.feed(frame)
    assert len(asked) == 4
    calm = ForwardDecoder(over_memory=lambda expected: False)
    assert len(calm.feed(frame)[0].entries) == 240_000


def test_a_large_payload_stops_decoding_and_the_stream_goes_on() -> None:
    """A small gzip'd frame whose entries inflate to ~600 KB: decoded by slices.
    (Over memory, a large object still *arriving* closes the connection.)"""
    entries = gz(blob([(T1, {"n": n}) for n in range(40_000)]))
    decoder = ForwardDecoder(over_memory=lambda expected: True)
    items = decoder.feed(packed("t", entries, {"compressed": "gzip", "chunk": "big"})
                         + message("t", T1, {"n": -1}))
    assert [type(item) for item in items] == [MessageOverMemory, Message]
    small = ForwardDecoder(over_memory=lambda expected: True)  # small payloads are not asked
    assert len(small.feed(packed("t", blob([(T1, {"n": 1})] * 10)))[0].entries) == 10


def test_a_large_json_message_is_weighed_before_it_is_parsed() -> None:
    text = b'["t",[' + b",".join([b'[1704164645,{}]'] * 10_000) + b"]]"
    weighed: list[int] = []
    decoder = ForwardDecoder(over_memory=lambda expected: weighed.append(expected) or True)
    (item,) = decoder.feed(text)
    assert isinstance(item, MessageOverMemory)
    assert weighed[0] >= 80 * 20_000  # every container counted


def test_in_forward_refuses_large_messages_while_over_memory_limit() -> None:
    async def scenario() -> None:
        async with running("memory_limit 1m") as (plugin, router):  # always over here
            peer = await Peer.connect(plugin.bound_port)
            large = packed("t", gz(blob([(T1, {"n": n}) for n in range(40_000)])),
                           {"compressed": "gzip", "chunk": "big"})
            await peer.send(large + message("t", T1, {"n": -1}, {"chunk": "small"}))
            assert await peer.read_object() == {"ack": "small"}
            assert plugin.counters()["memory_limit_exceeded"] == 1
            other = await Peer.connect(plugin.bound_port)
            await other.send(forward("t", [[T1, {}]] * 50_000, {"chunk": "f"}))
            assert await other.closed_by_server()
            assert plugin.counters()["memory_limit_exceeded"] == 2
        assert [r for _, _, r in router.events] == [{"n": -1}]

    run(scenario())


def test_the_memory_guard_reads_this_process_resident_size() -> None:
    guard = MemoryGuard(limit=1)
    resident = guard.resident()
    assert resident is not None and 10 * 2**20 < resident < 4 * 2**30  # a Python process
    assert guard.over() and not MemoryGuard(limit=2**40).over()
    assert MemoryGuard(limit=resident + 2**30).over(expected=2**31)
    guard.close()
    assert guard.resident() is not None  # opened again
    guard.close()
