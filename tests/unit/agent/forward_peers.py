"""Peers for the in_forward tests: message bytes and a small asyncio client.

Builders return the bytes a real peer puts on the wire (reference doc,
sections A and B); :class:`Peer` is a raw TCP client that reads the server's
replies (acks, HELO, PONG) as msgpack or JSON objects. :func:`running` starts
an in_forward plugin on 127.0.0.1 with an ephemeral port and a router that
records what it emits; :class:`GateRouter` holds every emit until released.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import msgpack

from dplat.agent.event import EventStream, EventTime
from dplat.agent.plugins.in_forward import ForwardInput
from dplat.agent.protocol import pack_entries, to_ext, unpackb
from dplat.agent.testing import CollectingRouter, configured
from dplat.waiting import wait_until_async

T1 = EventTime(1704164645, 123456789)
T2 = EventTime(1704164646, 0)


def pack(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def message(tag: str, time: int | EventTime, record: Any, option: dict[str, Any] | None = None
            ) -> bytes:
    """Message mode ``[tag, time, record, option?]``."""
    wire_time = to_ext(time) if isinstance(time, EventTime) else time
    return pack([tag, wire_time, record] + ([option] if option is not None else []))


def forward(tag: str, entries: list[list[Any]], option: dict[str, Any] | None = None) -> bytes:
    """Forward mode ``[tag, [[time, record], ...], option?]``; times as given
    (use :func:`to_ext` for EventTime)."""
    return pack([tag, entries] + ([option] if option is not None else []))


def blob(stream: EventStream) -> bytes:
    """Concatenated ``[EventTime, record]`` entries."""
    return pack_entries(stream)


def packed(tag: str, entries: bytes, option: dict[str, Any] | None = None, *,
           str32: bool = False) -> bytes:
    """PackedForward; ``str32`` writes the entries as Fluentd's out_forward
    does (a msgpack str32 holding binary), else as bin."""
    if not str32:
        return pack([tag, entries] + ([option] if option is not None else []))
    head = b"\x93" if option is not None else b"\x92"
    body = head + pack(tag) + b"\xdb" + len(entries).to_bytes(4, "big") + entries
    return body + (pack(option) if option is not None else b"")


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


class Peer:
    """A raw TCP client of in_forward."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)

    @classmethod
    async def connect(cls, port: int) -> Peer:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_object(self, timeout: float = 3.0) -> Any:
        """The next msgpack object the server sent."""
        async with asyncio.timeout(timeout):
            while True:
                for obj in self._unpacker:
                    return obj
                data = await self.reader.read(65536)
                if not data:
                    raise EOFError("the server closed the connection")
                self._unpacker.feed(data)

    async def read_raw(self, timeout: float = 3.0) -> bytes:
        async with asyncio.timeout(timeout):
            return await self.reader.read(65536)

    async def read_json(self, timeout: float = 3.0) -> Any:
        return json.loads(await self.read_raw(timeout))

    async def closed_by_server(self, timeout: float = 3.0) -> bool:
        """True once the server closed (EOF); False if it stays open."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
            return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    async def silent_for(self, seconds: float) -> bool:
        """True when nothing arrives (and the connection stays open) for ``seconds``."""
        try:
            async with asyncio.timeout(seconds):
                await self.reader.read(1)
        except TimeoutError:
            return True
        return False  # bytes arrived, or the server closed

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


@dataclass
class GateRouter(CollectingRouter):
    """A CollectingRouter whose emits wait for ``gate`` (set it to release);
    ``started`` counts emits that began."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    started: int = 0

    async def emit_stream(self, tag: str, stream: EventStream) -> None:
        self.started += 1
        await self.gate.wait()
        await super().emit_stream(tag, stream)


def with_memory_room(conf: str) -> str:
    """The plugin in this process weighs the whole test session's memory
    (dplat.agent.memory reads this process's RSS), which passes the default
    memory_limit late in a full run: tests give it room unless they test it."""
    return conf if "memory_limit" in conf else f"memory_limit 64g\n{conf}"


@contextlib.asynccontextmanager
async def running(conf: str = "", router: CollectingRouter | None = None
                  ) -> AsyncIterator[tuple[ForwardInput, CollectingRouter]]:
    """An opened in_forward on 127.0.0.1, port 0, closed afterwards."""
    router = router if router is not None else CollectingRouter()
    plugin = configured(ForwardInput, f"port 0\nbind 127.0.0.1\n{with_memory_room(conf)}", router, "source")
    await plugin.open()
    try:
        yield plugin, router
    finally:
        await plugin.close()


async def eventually(check: Any, timeout: float = 10.0) -> None:
    """Wait until ``check()`` is true (state changed by another task)."""
    await wait_until_async(check, timeout, interval=0.01, what=repr(check))


__all__ = [
    "T1",
    "T2",
    "GateRouter",
    "Peer",
    "blob",
    "eventually",
    "forward",
    "gz",
    "message",
    "pack",
    "packed",
    "running",
    "to_ext",
    "unpackb",
    "with_memory_room",
]
