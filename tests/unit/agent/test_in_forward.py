"""in_forward over real loopback sockets, with a recording router.

Each test starts the plugin on 127.0.0.1 with an ephemeral port and talks to
it with raw bytes shaped like the real peers' (forward_peers.py).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import zlib

import msgpack
import pytest
from forward_peers import (
    T1,
    T2,
    GateRouter,
    Peer,
    blob,
    eventually,
    forward,
    gz,
    message,
    pack,
    packed,
    running,
    to_ext,
)

from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.event import EventTime
from dplat.agent.plugins.in_forward import ForwardInput
from dplat.agent.testing import CollectingRouter, configured


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


# -- the four modes ---------------------------------------------------------------------


def test_message_mode_int_and_event_time_arrive_in_order() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("app.a", 1704164645, {"n": 1}) + message("app.a", T1, {"n": 2}))
            await peer.send(message("app.b", T2, {"n": 3}, {}))  # the Go logger's empty option
            await router.wait_for(3)
            await peer.close()
        assert router.events == [
            ("app.a", EventTime(1704164645, 0), {"n": 1}),
            ("app.a", T1, {"n": 2}),
            ("app.b", T2, {"n": 3}),
        ]
        assert plugin.metrics.emit_records == 3
        assert plugin.counters()["messages"] == 3

    run(scenario())


def test_objects_split_across_reads_are_reassembled() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            data = message("t", T1, {"k": "x" * 1000}) * 3
            for i in range(0, len(data), 7):
                await peer.send(data[i:i + 7])
            await router.wait_for(3)
        assert [r["k"] for _, _, r in router.events] == ["x" * 1000] * 3

    run(scenario())


def test_forward_mode_with_fluent_bit_metadata_times() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            entries = [[[to_ext(T1), {"meta": 1}], {"a": 1}], [to_ext(T2), {"a": 2}]]
            await peer.send(forward("fb", entries))
            await router.wait_for(2)
        assert router.events == [("fb", T1, {"a": 1}), ("fb", T2, {"a": 2})]

    run(scenario())


@pytest.mark.parametrize("str32", [True, False])
def test_packed_forward_acks_the_chunk_verbatim(str32: bool) -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            chunk = "bWVzc2FnZS1pZA==\n"  # out_forward's Base64.encode64 keeps the newline
            entries = blob([(T1, {"x": 1}), (T2, {"x": 2})])
            await peer.send(packed("pf", entries, {"chunk": chunk, "size": 2}, str32=str32))
            assert await peer.read_object() == {"ack": chunk}
        assert router.events == [("pf", T1, {"x": 1}), ("pf", T2, {"x": 2})]
        assert plugin.counters()["acks"] == 1

    run(scenario())


def test_compressed_packed_forward_with_several_gzip_members() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            data = gz(blob([(T1, {"i": 1})])) + gz(blob([(T2, {"i": 2})]))
            await peer.send(packed("gz", data, {"compressed": "gzip", "chunk": "c1"}))
            assert await peer.read_object() == {"ack": "c1"}
        assert [r for _, _, r in router.events] == [{"i": 1}, {"i": 2}]

    run(scenario())


def test_json_framed_connection_is_answered_in_json() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(b'["js", 1704164645, {"k": "v"}, {"chunk": "j1"}]')
            assert await peer.read_json() == {"ack": "j1"}
        assert router.events == [("js", EventTime(1704164645), {"k": "v"})]

    run(scenario())


def test_nil_heartbeat_objects_are_ignored() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(pack(None) + message("t", T1, {"a": 1}, {"chunk": "h"}))
            assert await peer.read_object() == {"ack": "h"}
        assert len(router.events) == 1
        assert plugin.counters()["malformed_messages"] == 0

    run(scenario())


# -- acks and the buffer ----------------------------------------------------------------


def test_ack_is_sent_only_after_the_emit_returned() -> None:
    async def scenario() -> None:
        router = GateRouter()
        async with running(router=router) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"a": 1}, {"chunk": "first"}))
            await eventually(lambda: router.started == 1)
            assert await peer.silent_for(0.3), "acked before the events were accepted"
            router.gate.set()
            assert await peer.read_object() == {"ack": "first"}
        assert router.events == [("t", T1, {"a": 1})]

    run(scenario())


def test_reading_pauses_while_an_emit_is_in_flight_and_order_is_kept() -> None:
    async def scenario() -> None:
        router = GateRouter()
        async with running(router=router) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"n": 0}, {"chunk": "0"}))
            await eventually(lambda: router.started == 1)
            (conn,) = plugin.connections
            assert conn.transport is not None and not conn.transport.is_reading()
            for n in range(1, 50):
                await peer.send(message("t", T1, {"n": n}, {"chunk": str(n)}))
            await asyncio.sleep(0.05)
            assert router.started == 1  # nothing more read while the first emit waits
            router.gate.set()
            acks = [await peer.read_object() for _ in range(50)]
            assert conn.transport.is_reading()
        assert [r["n"] for _, _, r in router.events] == list(range(50))
        assert acks == [{"ack": str(n)} for n in range(50)]

    run(scenario())


def test_a_refused_emit_is_not_acked_and_the_connection_closes(
        caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        router = CollectingRouter(refuse=BufferOverflowError("buffer space has too many data"))
        async with running(router=router) as (plugin, _):
            for _ in range(3):
                peer = await Peer.connect(plugin.bound_port)
                await peer.send(message("t", T1, {"a": 1}, {"chunk": "never"}))
                assert await peer.closed_by_server()
            stats = plugin.counters()
            assert stats["refused_messages"] == 3 and stats["refused_events"] == 3
            assert stats["acks"] == 0
            router.refuse = None  # room again: acks resume
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"a": 2}, {"chunk": "ok"}))
            assert await peer.read_object() == {"ack": "ok"}
        refusals = [r for r in caplog.records if "emit refused" in r.getMessage()
                    and r.levelno == logging.WARNING]
        assert len(refusals) == 1, "a refusal episode is warned about once"
        assert "BufferOverflowError" in refusals[0].getMessage()

    with caplog.at_level(logging.DEBUG, logger="dplat.agent"):
        run(scenario())


# -- bad input ---------------------------------------------------------------------------


def test_malformed_objects_are_skipped_and_counted_and_the_connection_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(pack({"not": "an array"}) + pack(["tag-only"]) + pack([1, 2, {}]))
            await peer.send(message("t", T1, {"ok": 1}, {"chunk": "after"}))
            assert await peer.read_object() == {"ack": "after"}
            assert plugin.counters()["malformed_messages"] == 3
        assert router.events == [("t", T1, {"ok": 1})]
        warnings = [r.getMessage() for r in caplog.records if "unusable" in r.getMessage()
                    and r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "127.0.0.1:" in warnings[0]

    with caplog.at_level(logging.DEBUG, logger="dplat.agent"):
        run(scenario())


def test_invalid_events_are_skipped_but_the_message_is_acked() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            entries = [[to_ext(T1), {"good": 1}], [to_ext(T1), "not a map"], ["soon", {}]]
            await peer.send(forward("t", entries, {"chunk": "c"}))
            assert await peer.read_object() == {"ack": "c"}
            assert plugin.counters()["skipped_events"] == 2
        assert router.events == [("t", T1, {"good": 1})]

    run(scenario())


def test_corrupt_gzip_and_gzip_bombs_are_skipped_without_ack() -> None:
    async def scenario() -> None:
        async with running("decompression_size_limit 64k") as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
            payload = bomb.compress(blob([(T1, {"z": "0" * 1_000_000})])) + bomb.flush()
            await peer.send(packed("t", payload, {"compressed": "gzip", "chunk": "bomb"}))
            await peer.send(packed("t", b"\x1f\x8bnot gzip", {"compressed": "gzip",
                                                              "chunk": "bad"}))
            await peer.send(message("t", T1, {"after": 1}, {"chunk": "good"}))
            assert await peer.read_object() == {"ack": "good"}
            stats = plugin.counters()
            assert stats["decompression_limit_exceeded"] == 1
            assert stats["corrupt_payloads"] == 1
        assert router.events == [("t", T1, {"after": 1})]

    run(scenario())


def test_garbage_closes_only_its_own_connection() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            good = await Peer.connect(plugin.bound_port)
            bad = await Peer.connect(plugin.bound_port)
            await good.send(message("good", T1, {"n": 1}, {"chunk": "1"}))
            assert await good.read_object() == {"ack": "1"}
            await bad.send(message("bad", T1, {"kept": True}) + b"\xc1\xc1 garbage")
            assert await bad.closed_by_server()
            await good.send(message("good", T1, {"n": 2}, {"chunk": "2"}))
            assert await good.read_object() == {"ack": "2"}
            assert plugin.counters()["undecodable_streams"] == 1
        assert [(t, r) for t, _, r in router.events] == [
            ("good", {"n": 1}), ("bad", {"kept": True}), ("good", {"n": 2})]

    run(scenario())


def test_an_object_over_chunk_size_limit_closes_the_connection() -> None:
    async def scenario() -> None:
        async with running("chunk_size_limit 1k") as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"big": "x" * 5000}, {"chunk": "big"}))
            assert await peer.closed_by_server()
            assert plugin.counters()["frames_too_large"] == 1
            assert not plugin.connections
        assert router.events == []

    run(scenario())


def test_invalid_utf8_tag_is_skipped_and_invalid_utf8_values_pass_through() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            bad_tag = (b"\x94\xa2\xff\xfe" + pack(to_ext(T1)) + pack({"a": 1})
                       + pack({"chunk": "b"}))
            await peer.send(bad_tag)
            assert await peer.read_object() == {"ack": "b"}
            raw_value = b"\x93\xa1t" + pack(to_ext(T1)) + b"\x81\xa1v\xa2\xff\xfe"
            await peer.send(raw_value)
            await router.wait_for(1)
            assert plugin.counters()["invalid_tags"] == 1
        ((tag, _, record),) = router.events
        assert tag == "t"
        assert record["v"].encode("utf-8", "surrogateescape") == b"\xff\xfe"

    run(scenario())


# -- options -------------------------------------------------------------------------------


def test_tag_rewrite_and_source_fields() -> None:
    conf = "add_tag_prefix pre\nsource_address_key addr\nsource_hostname_key host"
    async def scenario() -> None:
        async with running(conf) as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("app", T1, {"a": 1}))
            await router.wait_for(1)
        ((tag, _, record),) = router.events
        assert tag == "pre.app"
        assert record["addr"] == "127.0.0.1"
        try:
            expected = socket.getnameinfo(("127.0.0.1", 0), socket.NI_NAMEREQD)[0]
        except OSError:
            expected = "127.0.0.1"
        assert record["host"] == expected

    run(scenario())


def test_tag_parameter_replaces_the_incoming_tag() -> None:
    async def scenario() -> None:
        async with running("tag fixed") as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("whatever", T1, {"a": 1}))
            await router.wait_for(1)
        assert router.events[0][0] == "fixed"

    run(scenario())


def test_deny_keepalive_closes_after_the_first_message() -> None:
    async def scenario() -> None:
        async with running("deny_keepalive true") as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"n": 1}, {"chunk": "a"})
                            + message("t", T1, {"n": 2}, {"chunk": "b"}))
            assert await peer.read_object() == {"ack": "a"}
            assert await peer.closed_by_server()
        assert [r for _, _, r in router.events] == [{"n": 1}]

    run(scenario())


def test_connections_stay_open_between_messages() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"n": 1}))
            await router.wait_for(1)
            assert not await peer.closed_by_server(timeout=0.3)
            await peer.send(message("t", T1, {"n": 2}))
            await router.wait_for(2)

    run(scenario())


def _udp_taken_at_first_bind(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the heartbeat's first UDP bind meet a port that another socket
    really holds (as when port 0's TCP port is in use for UDP); the ports tried."""
    tried: list[int] = []
    original = asyncio.BaseEventLoop.create_datagram_endpoint

    async def create(loop: asyncio.BaseEventLoop, factory: object, **kwargs: object) -> object:
        port = kwargs["local_addr"][1]  # type: ignore[index]
        tried.append(port)
        if len(tried) == 1:
            holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            holder.bind(("127.0.0.1", port))
            try:
                return await original(loop, factory, **kwargs)  # type: ignore[arg-type]
            finally:
                holder.close()
        return await original(loop, factory, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(asyncio.BaseEventLoop, "create_datagram_endpoint", create)
    return tried


def test_port_zero_takes_another_port_when_its_udp_twin_is_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    tried = _udp_taken_at_first_bind(monkeypatch)

    async def scenario() -> None:
        async with running() as (plugin, router):
            assert len(tried) == 2 and plugin.bound_port == tried[1] != tried[0]
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"n": 1}))
            await router.wait_for(1)

    run(scenario())


def test_a_fixed_port_whose_udp_is_in_use_fails_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    tried = _udp_taken_at_first_bind(monkeypatch)
    with socket.socket() as probe:  # a port free now, for TCP and (but for the holder) UDP
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> None:
        plugin = configured(ForwardInput, f"port {port}\nbind 127.0.0.1\nmemory_limit 64g", CollectingRouter(),
                            "source")
        with pytest.raises(OSError, match="in use"):
            await plugin.open()
        assert tried == [port]

    run(scenario())


def test_udp_heartbeat_is_answered_with_a_nul_byte() -> None:
    async def scenario() -> None:
        async with running() as (plugin, _):
            loop = asyncio.get_running_loop()
            replies: asyncio.Queue[bytes] = asyncio.Queue()

            class Client(asyncio.DatagramProtocol):
                def datagram_received(self, data: bytes, addr: object) -> None:
                    replies.put_nowait(data)

            transport, _ = await loop.create_datagram_endpoint(
                Client, remote_addr=("127.0.0.1", plugin.bound_port))
            transport.sendto(b"\0")
            async with asyncio.timeout(3):
                assert await replies.get() == b"\0"
            transport.close()
            assert plugin.counters()["heartbeats"] == 1

    run(scenario())


# -- configuration and monitoring ----------------------------------------------------------


def test_statistics_carry_the_wire_counters() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(message("t", T1, {"a": 1}))
            await router.wait_for(1)
            stats = plugin.statistics()
            assert stats["connections_open"] == 1
            assert stats["connections"] == 1 and stats["emit_records"] == 1
            assert stats["plugin_category"] == "input" and stats["type"] == "forward"

    run(scenario())


def test_stop_emits_what_was_already_received() -> None:
    async def scenario() -> None:
        router = GateRouter()
        plugin = configured(ForwardInput, "port 0\nbind 127.0.0.1", router, "source")
        await plugin.open()
        peer = await Peer.connect(plugin.bound_port)
        await peer.send(message("t", T1, {"n": 1}, {"chunk": "x"}))
        await eventually(lambda: router.started == 1)
        closing = asyncio.ensure_future(plugin.close())
        await asyncio.sleep(0.05)
        router.gate.set()
        await closing
        assert router.events == [("t", T1, {"n": 1})]
        assert await peer.read_object() == {"ack": "x"}

    run(scenario())


def test_msgpack_timestamp_ext_is_accepted() -> None:
    async def scenario() -> None:
        async with running() as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            ts = msgpack.Timestamp(1704164645, 5)
            await peer.send(msgpack.packb(["t", ts, {"a": 1}], datetime=False))
            await router.wait_for(1)
        assert router.events[0][1] == EventTime(1704164645, 5)

    run(scenario())
