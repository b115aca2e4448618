"""out_forward: framing read back by our own decoder, acks, the shared-key
handshake, failover and keepalive, against fake servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from dplat.agent.buffer.metadata import Metadata
from dplat.agent.config import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.buf_memory import MemoryChunk
from dplat.agent.plugins.forward.client import ForwardError, ack_id
from dplat.agent.plugins.out_forward import ForwardOutput
from dplat.agent.protocol import EventMode, ForwardDecoder, Message, Ping, encode_ack, pack_entry
from dplat.agent.protocol.handshake import check_ping, make_helo, make_pong, new_salt
from dplat.agent.testing import configured

T = EventTime(1704164645, 123456789)
KEY = "s3cr3t"


class FakeServer:
    """A forward server: decodes with ForwardDecoder, acks as told
    (``ack``: "ack", "wrong" or "silent"), checks PINGs when ``shared_key``."""

    def __init__(self, *, ack: str = "ack", shared_key: str | None = None) -> None:
        self.ack = ack
        self.shared_key = shared_key
        self.messages: list[Message] = []
        self.raw = bytearray()
        self.connections = 0
        self.refused: list[str] = []
        self.port = 0
        self._arrived = asyncio.Event()

    async def received(self, count: int) -> list[Message]:
        """The messages, once ``count`` arrived (a write without ack returns
        as soon as the bytes are sent, before the server read them)."""
        while len(self.messages) < count:
            self._arrived.clear()
            await self._arrived.wait()
        return self.messages

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        decoder = ForwardDecoder(expect_ping=self.shared_key is not None)
        nonce, auth = new_salt(), new_salt()
        if self.shared_key is not None:
            writer.write(make_helo(nonce, auth))
        try:
            while data := await reader.read(65536):
                self.raw += data
                for item in decoder.feed(data):
                    if isinstance(item, Ping):
                        assert self.shared_key is not None
                        result = check_ping(item.payload, nonce, auth, self.shared_key)
                        writer.write(make_pong(result.ok, result.reason, "server-host",
                                               result.shared_key_salt, nonce, self.shared_key))
                        if not result.ok:
                            self.refused.append(result.reason)
                            return
                    elif isinstance(item, Message):
                        self.messages.append(item)
                        self._arrived.set()
                        if item.chunk is not None and self.ack != "silent":
                            writer.write(encode_ack(item.chunk if self.ack == "ack" else "x"))
                await writer.drain()
        finally:
            writer.close()


@asynccontextmanager
async def servers(*fakes: FakeServer) -> AsyncIterator[list[FakeServer]]:
    for fake in fakes:
        await fake.start()
    try:
        yield list(fakes)
    finally:
        for fake in fakes:
            await fake.stop()


def chunk(tag: str, records: list[dict[str, Any]]) -> MemoryChunk:
    c = MemoryChunk(Metadata(None, tag, ()))
    c.append([pack_entry(T, record) for record in records])
    c.commit()
    return c


def server_conf(*ports: int, standby: tuple[int, ...] = (), extra: str = "") -> str:
    sections = [f"<server>\nhost 127.0.0.1\nport {p}\n</server>" for p in ports]
    sections += [f"<server>\nhost 127.0.0.1\nport {p}\nstandby true\n</server>" for p in standby]
    return extra + "\n" + "\n".join(sections)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 10))


# -- framing --------------------------------------------------------------------------


@pytest.mark.parametrize(("compress", "mode"), [("text", EventMode.PACKED),
                                                ("gzip", EventMode.COMPRESSED)])
def test_a_chunk_is_one_packed_forward_message_like_fluentds(compress: str,
                                                             mode: EventMode) -> None:
    async def test() -> None:
        async with servers(FakeServer()) as (fake,):
            plugin = configured(ForwardOutput, server_conf(fake.port, extra=(
                f"compress {compress}\nrequire_ack_response true")))
            sent = chunk("app.web", [{"n": 1}, {"s": "é"}])
            await plugin.write(sent)
            await plugin.shutdown()
        (message,) = fake.messages
        assert (message.tag, message.entries, message.mode) == (
            "app.web", [(T, {"n": 1}), (T, {"s": "é"})], mode)
        assert message.chunk == base64.encodebytes(sent.unique_id).decode() == ack_id(
            sent.unique_id)
        assert message.chunk.endswith("\n") and message.size_hint == 2
        assert fake.raw[:10] == b"\x93\xa7app.web\xdb"  # fixarray 3, tag, str32 entries

    run(test)


def test_without_ack_no_chunk_id_is_sent_and_time_as_integer() -> None:
    async def test() -> None:
        async with servers(FakeServer(ack="silent")) as (fake,):
            plugin = configured(ForwardOutput, server_conf(fake.port, extra="time_as_integer true"))
            await plugin.write(chunk("t", [{"n": 1}]))
            (message,) = await fake.received(1)
        assert message.chunk is None
        assert message.entries == [(EventTime(T.sec, 0), {"n": 1})]

    run(test)


# -- acks -----------------------------------------------------------------------------


@pytest.mark.parametrize(("ack", "error"), [("silent", "no ack from"),
                                            ("wrong", "unexpected reply")])
def test_a_missing_or_wrong_ack_fails_the_write(ack: str, error: str) -> None:
    async def test() -> None:
        async with servers(FakeServer(ack=ack)) as (fake,):
            plugin = configured(ForwardOutput, server_conf(fake.port, extra=(
                "require_ack_response true\nack_response_timeout 0.2")))
            with pytest.raises(ForwardError, match=error) as caught:
                await plugin.write(chunk("t", [{"n": 1}]))
            assert not caught.value.node_down  # the server is fine, the chunk is retried
            assert plugin.nodes[0].available(plugin.clock())

    run(test)


def test_through_the_buffer_an_acked_chunk_is_purged() -> None:
    async def test() -> None:
        async with servers(FakeServer()) as (fake,):
            plugin = configured(ForwardOutput, server_conf(fake.port, extra=(
                "require_ack_response true")))
            await plugin.open()
            await plugin.emit("a", [(T, {"n": 1})])
            await plugin.emit("b", [(T, {"n": 2})])
            await plugin.flush()
            await plugin.close()
        assert sorted((m.tag, m.entries[0][1]["n"]) for m in fake.messages) == [("a", 1),
                                                                               ("b", 2)]
        assert plugin.statistics()["retry_count"] == 0
        assert plugin.buffering.buffer.queue_size == 0  # type: ignore[union-attr]

    run(test)


# -- security ---------------------------------------------------------------------------


def test_shared_key_handshake() -> None:
    async def test() -> None:
        async with servers(FakeServer(shared_key=KEY), FakeServer(shared_key="other")) as (
                good, bad):
            security = f"<security>\nself_hostname client-host\nshared_key {KEY}\n</security>"
            plugin = configured(ForwardOutput, server_conf(good.port, extra=security))
            await plugin.write(chunk("t", [{"n": 1}]))
            assert [m.entries for m in await good.received(1)] == [[(T, {"n": 1})]]
            plugin = configured(ForwardOutput, server_conf(bad.port, extra=security))
            with pytest.raises(ForwardError, match="shared_key mismatch"):
                await plugin.write(chunk("t", [{"n": 1}]))
            assert bad.refused == ["shared_key mismatch"] and not bad.messages

    run(test)


# -- choosing servers -----------------------------------------------------------------------


def test_failover_to_standby_and_the_down_server_is_avoided() -> None:
    async def test() -> None:
        async with servers(FakeServer(), FakeServer()) as (gone, standby):
            await gone.stop()  # nothing listens on its port any more
            plugin = configured(ForwardOutput, server_conf(gone.port, standby=(standby.port,),
                                                           extra="recover_wait 30"))
            await plugin.write(chunk("t", [{"n": 1}]))
            await plugin.write(chunk("t", [{"n": 2}]))
            assert [m.entries[0][1]["n"] for m in await standby.received(2)] == [1, 2]
            down, _ = plugin.nodes
            assert not down.available(plugin.clock())
            plugin.clock = lambda: down.down_until + 1  # recover_wait later: tried again
            assert plugin.candidates()[0] is down

    run(test)


def test_all_servers_down_fails_the_write() -> None:
    async def test() -> None:
        async with servers(FakeServer()) as (gone,):
            await gone.stop()
            plugin = configured(ForwardOutput, server_conf(gone.port))
            with pytest.raises(ForwardError, match="cannot connect"):
                await plugin.write(chunk("t", [{"n": 1}]))

    run(test)


def test_weighted_round_robin_then_standbys() -> None:
    conf = ("<server>\nhost a\nweight 2\n</server>\n<server>\nhost b\nweight 1\n</server>\n"
            "<server>\nhost s\nstandby true\n</server>")
    plugin = configured(ForwardOutput, conf)
    firsts = [plugin.candidates()[0].server.host for _ in range(6)]
    assert firsts.count("a") == 4 and firsts.count("b") == 2
    assert [n.server.host for n in plugin.candidates()][-1] == "s"  # the last resort
    plugin.nodes[1].down_until = plugin.clock() + 60
    assert [n.server.host for n in plugin.candidates()] == ["a", "s"]
    for node in plugin.nodes:
        node.down_until = plugin.clock() + 60
    assert [n.server.host for n in plugin.candidates()] == ["a", "b", "s"]  # try anyway


def test_keepalive_reuses_one_connection() -> None:
    async def test() -> None:
        async with servers(FakeServer()) as (fake,):
            plugin = configured(ForwardOutput, server_conf(fake.port, extra=(
                "keepalive true\nrequire_ack_response true")))
            for n in range(3):
                await plugin.write(chunk("t", [{"n": n}]))
            await plugin.shutdown()
            assert fake.connections == 1 and len(fake.messages) == 3

    run(test)


@pytest.mark.parametrize(("conf", "message"), [
    ("<buffer time>\ntimekey 60\n</buffer>\n<server>\nhost a\n</server>",
     "buffer chunk key must include 'tag'"),
    ("", "requires at least one node"),
    ("transport tls\n<server>\nhost a\n</server>", "transport tls is not supported"),
])
def test_config_errors(conf: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configured(ForwardOutput, conf)


def test_shared_keys_are_masked() -> None:
    plugin = configured(ForwardOutput, server_conf(1, extra=(
        "<security>\nself_hostname me\nshared_key topsecret\n</security>")))
    assert "topsecret" not in repr(plugin.masked_config())
