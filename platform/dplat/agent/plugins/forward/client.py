"""One out_forward connection: connect, ``<security>`` handshake, send, ack.

A buffered chunk of out_forward already holds concatenated msgpack
``[time, record]`` entries, so it is sent as one PackedForward message the
way Fluentd's out_forward frames it (reference doc, sections B and J)::

    0x93                         array of 3
    <tag>                        msgpack str
    0xdb <uint32 length> <entries>   str32 holding the binary entries
    {"size": n, "compressed": "text"|"gzip", "chunk": "<base64 id>\\n"}

``chunk`` is only sent when an ack is wanted; the server answers
``{"ack": <the same string>}`` once the events are in its buffer. With
``<security>`` the server speaks first: HELO, our PING, its PONG
(protocol/handshake.py holds the digests).

Errors are :class:`ForwardError` (retry, maybe on another server), whose
``node_down`` says whether the server should be avoided for a while
(refused, unreachable, handshake failed) or was merely slow to ack.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import struct
from dataclasses import dataclass
from typing import Any

from dplat.agent.protocol.errors import HandshakeError
from dplat.agent.protocol.eventtime import new_unpacker, packer
from dplat.agent.protocol.handshake import check_pong, make_ping, new_salt, parse_helo

READ_SIZE = 64 * 1024
MAX_REPLY = 1024 * 1024
"""Replies (HELO, PONG, acks) are tiny; a peer sending more is not in step."""


class ForwardError(Exception):
    """Sending to one server failed."""

    def __init__(self, message: str, *, node_down: bool = True) -> None:
        super().__init__(message)
        self.node_down = node_down


@dataclass(frozen=True)
class Security:
    """What the handshake needs from ``<security>`` and ``<server>``."""

    self_hostname: str
    shared_key: str
    username: str = ""
    password: str = ""


def ack_id(unique_id: bytes) -> str:
    """Fluentd's ack id: Ruby's ``Base64.encode64``, trailing newline included."""
    return base64.b64encode(unique_id).decode("ascii") + "\n"


def packed_forward(tag: str, entries: bytes, *, size: int, compressed: str,
                   chunk: str | None = None) -> bytes:
    """The bytes of one PackedForward message (see the module docstring)."""
    option: dict[str, Any] = {"size": size, "compressed": compressed}
    if chunk is not None:
        option["chunk"] = chunk
    pack = packer().pack
    return b"".join([b"\x93", pack(tag), b"\xdb", struct.pack(">I", len(entries)), entries,
                     pack(option)])


class ForwardConnection:
    """An open, authenticated connection to one forward server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 name: str) -> None:
        self.reader = reader
        self.writer = writer
        self.name = name
        self._unpacker = new_unpacker(MAX_REPLY)
        self._replies: list[Any] = []

    @classmethod
    async def open(cls, host: str, port: int, *, timeout: float,
                   security: Security | None) -> ForwardConnection:
        name = f"{host}:{port}"
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            raise ForwardError(f"cannot connect to {name}: {exc or 'timed out'}") from exc
        connection = cls(reader, writer, name)
        if security is not None:
            try:
                async with asyncio.timeout(timeout):
                    await connection._handshake(security)
            except BaseException as exc:
                await connection.close()
                if isinstance(exc, TimeoutError):
                    raise ForwardError(f"handshake with {name} timed out") from exc
                raise
        return connection

    async def _handshake(self, security: Security) -> None:
        try:
            helo = parse_helo(await self._reply())
        except HandshakeError as exc:
            raise ForwardError(f"received an invalid HELO message from {self.name}") from exc
        salt = new_salt().hex()  # Fluentd's client salt: 32 hex characters
        self.writer.write(make_ping(security.self_hostname, salt, helo.nonce, security.shared_key,
                                    auth_salt=helo.auth_salt, username=security.username,
                                    password=security.password))
        await self._drain()
        ok, reason = check_pong(await self._reply(), security.self_hostname, salt, helo.nonce,
                                security.shared_key)
        if not ok:
            raise ForwardError(f"connection refused to {self.name}: {reason}")

    async def send(self, frame: bytes) -> None:
        self.writer.write(frame)
        await self._drain()

    async def wait_ack(self, chunk: str, timeout: float) -> None:
        """Wait for ``{"ack": chunk}``. A timeout or an ack for another chunk
        leaves the connection out of step: the caller must close it."""
        try:
            async with asyncio.timeout(timeout):
                reply = await self._reply()
        except TimeoutError as exc:
            raise ForwardError(f"no ack from {self.name} within {timeout}s",
                               node_down=False) from exc
        if not isinstance(reply, dict) or reply.get("ack") != chunk:
            raise ForwardError(f"unexpected reply from {self.name} instead of the ack: "
                               f"{str(reply)[:100]}", node_down=False)

    async def _drain(self) -> None:
        try:
            await self.writer.drain()
        except OSError as exc:
            raise ForwardError(f"connection to {self.name} broke: {exc}") from exc

    async def _reply(self) -> Any:
        """The next msgpack object the server sent."""
        while not self._replies:
            try:
                data = await self.reader.read(READ_SIZE)
            except OSError as exc:
                raise ForwardError(f"connection to {self.name} broke: {exc}") from exc
            if not data:
                raise ForwardError(f"{self.name} closed the connection")
            try:
                self._unpacker.feed(data)
                self._replies.extend(self._unpacker)
            except ValueError as exc:  # msgpack's errors are ValueErrors
                raise ForwardError(f"{self.name} sent something that is not msgpack: {exc}",
                                   node_down=False) from exc
        return self._replies.pop(0)

    @property
    def closed(self) -> bool:
        return self.writer.is_closing() or self.reader.at_eof()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()
