"""``@type forward``: send chunks to other agents (Fluentd, Fluent Bit, dplat).

    <match app.**>
      @type forward
      require_ack_response true          # at-least-once: wait for the server's ack
      compress gzip                      # CompressedPackedForward
      <security>
        self_hostname edge-1
        shared_key s3cr3t
      </security>
      <server>
        host 127.0.0.1
        port 24224
        weight 60
      </server>
      <server>
        host backup.local
        standby true                     # used only while a regular server is down
      </server>
    </match>

Each chunk (one per tag: ``tag`` is a required chunk key, as in Fluentd) goes
to one server, chosen by weighted round robin among the regular servers that
are up; standby servers take the chunks that no regular server takes. A
server that refuses the connection or the handshake is avoided for
``recover_wait`` seconds and the chunk goes to the next one; when none takes
it, the write fails and the buffer retries it with backoff.

Deviations from Fluentd: no heartbeats (no UDP, no phi accrual detector):
a server is judged by whether connecting to it works. TLS transport is not
supported. The ack is awaited inside ``write`` (Fluentd commits the chunk
later from an ack thread); an ack that does not come within
``ack_response_timeout`` fails the write, so the chunk is sent again.
"""

from __future__ import annotations

import asyncio
import gzip
import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.config.element import Element
from dplat.agent.core.log import kv
from dplat.agent.core.params import Configurable, config_param, config_section, describe, located
from dplat.agent.core.registry import register
from dplat.agent.output import Output
from dplat.agent.plugins.forward.client import (
    ForwardConnection,
    ForwardError,
    Security,
    ack_id,
    packed_forward,
)
from dplat.agent.protocol.eventtime import pack_entries

DEFAULT_PORT = 24224


class ServerSection(Configurable):
    """``<server>``: one destination."""

    host = config_param("string", desc="Host name or address.")
    name = config_param("string", default=None, desc="Name in logs (default host:port).")
    port = config_param("integer", default=DEFAULT_PORT, desc="Forward port.")
    shared_key = config_param("string", default=None, secret=True,
                              desc="This server's shared key (default: <security>'s).")
    username = config_param("string", default="", desc="User for the server's user auth.")
    password = config_param("string", default="", secret=True, desc="Its password.")
    standby = config_param("bool", default=False, desc="Only used when a server is down.")
    weight = config_param("integer", default=60, desc="Share of the chunks.")


class SecuritySection(Configurable):
    """``<security>``: the shared-key handshake."""

    self_hostname = config_param("string", desc="Our name in the handshake.")
    shared_key = config_param("string", secret=True, desc="Key shared with the servers.")


@dataclass
class Node:
    """A server and what we know about its health."""

    server: ServerSection
    security: Security | None
    down_until: float = 0.0
    connection: ForwardConnection | None = None
    connected_at: float = 0.0

    @property
    def name(self) -> str:
        return self.server.name or f"{self.server.host}:{self.server.port}"

    def available(self, now: float) -> bool:
        return now >= self.down_until


@register("forward")
class ForwardOutput(Output):
    buffer_defaults: ClassVar[dict[str, Any]] = {"chunk_keys": "tag"}

    require_ack_response = config_param("bool", default=False,
                                        desc="Wait for the server's ack of each chunk.")
    ack_response_timeout = config_param("time", default=190.0,
                                        desc="How long to wait for an ack.")
    compress = config_param("enum", default="text", choices=("text", "gzip"),
                            desc="gzip sends CompressedPackedForward.")
    keepalive = config_param("bool", default=False, desc="Reuse connections between chunks.")
    keepalive_timeout = config_param("time", default=None,
                                     desc="Reconnect after this long (default: never).")
    send_timeout = config_param("time", default=60.0,
                                desc="Limit for connecting, the handshake and sending.")
    connect_timeout = config_param("time", default=None, desc="Limit for connecting alone.")
    recover_wait = config_param("time", default=10.0,
                                desc="How long a failed server is avoided.")
    time_as_integer = config_param("bool", default=False,
                                   desc="Send times as integer seconds (very old peers).")
    heartbeat_type = config_param("enum", default="transport",
                                  choices=("transport", "tcp", "udp", "none"),
                                  desc="Accepted; no heartbeats are sent (see the docs).")
    verify_connection_at_startup = config_param("bool", default=False,
                                                desc="Connect to every server at start.")
    transport = config_param("enum", default="tcp", choices=("tcp", "tls"), desc="Only tcp.")
    servers = config_section("server", multi=True, config_class=ServerSection,
                             desc="Destinations.")
    security = config_section("security", config_class=SecuritySection,
                              desc="Shared-key handshake.")

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[Node] = []
        self._ring: list[Node] = []
        self._turn = 0
        self.clock = time.monotonic

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if not self.placeholders.keys.tag:
            raise located(element.origin, "buffer chunk key must include 'tag' for forward "
                          "output")
        if self.transport == "tls":
            raise located(element.params["transport"].origin, "transport tls is not supported")
        if not self.servers:
            raise located(element.origin, f"{describe(element)}: forward output plugin "
                          "requires at least one node; add a <server> section")
        if self.ack_response_timeout <= 0:
            raise located(element.origin, "ack_response_timeout must be positive")
        for server in self.servers:
            if server.weight < 0:
                raise located(server.config_element.origin, "weight must not be negative")
        self.nodes = [Node(server, self._security(server)) for server in self.servers]
        self._ring = self._weighted_ring()

    def _security(self, server: ServerSection) -> Security | None:
        if self.security is None:
            return None
        return Security(self.security.self_hostname, server.shared_key or self.security.shared_key,
                        server.username, server.password)

    # -- choosing a server -------------------------------------------------------------
    def _weighted_ring(self) -> list[Node]:
        """Regular nodes repeated by weight (divided by their gcd), interleaved."""
        regular = [n for n in self.nodes if not n.server.standby and n.server.weight > 0]
        if not regular:
            return []
        unit = math.gcd(*(n.server.weight for n in regular))
        counts = {id(n): n.server.weight // unit for n in regular}
        ring: list[Node] = []
        while any(counts.values()):
            for node in regular:
                if counts[id(node)]:
                    ring.append(node)
                    counts[id(node)] -= 1
        return ring

    def candidates(self) -> list[Node]:
        """Servers to try for the next chunk, in order: the regular ones that
        are up, by weighted round robin, then the standbys that are up (so a
        standby takes chunks only while no regular server does); with nobody
        up, everyone (a down mark is only a guess)."""
        now = self.clock()
        ring = self._ring
        start = self._turn % len(ring) if ring else 0
        self._turn += 1
        order: list[Node] = []
        for node in ring[start:] + ring[:start]:
            if node not in order and node.available(now):
                order.append(node)
        order += [n for n in self.nodes if n.server.standby and n.server.weight > 0
                  and n.available(now)]
        return order or [n for n in self.nodes if n.server.weight > 0]

    # -- life cycle -------------------------------------------------------------------
    async def start(self) -> None:
        if not self.verify_connection_at_startup:
            return
        for node in self.nodes:
            connection = await self._connect(node)
            await connection.close()

    async def shutdown(self) -> None:
        for node in self.nodes:
            await self._disconnect(node)

    # -- writing ------------------------------------------------------------------------
    async def write(self, chunk: Chunk) -> None:
        if chunk.empty:
            return
        tag = chunk.metadata.tag or ""
        entries = chunk.read()
        if self.time_as_integer:
            entries = pack_entries(chunk.events(), time_as_integer=True)
        if self.compress == "gzip":
            entries = gzip.compress(entries)
        chunk_id = ack_id(chunk.unique_id) if self.require_ack_response else None
        frame = packed_forward(tag, entries, size=chunk.size, compressed=self.compress,
                               chunk=chunk_id)
        last: ForwardError | None = None
        for node in self.candidates():
            try:
                await self._send(node, frame, chunk_id)
            except ForwardError as exc:
                self._failed(node, exc)
                if not exc.node_down:  # sent but not acked: retry later, maybe elsewhere
                    raise
                last = exc
                continue
            self.log.debug("sent chunk %s", kv(chunk_id=chunk.dump_id, records=chunk.size,
                                               server=node.name))
            return
        raise last or ForwardError("no nodes are available")

    async def _send(self, node: Node, frame: bytes, chunk_id: str | None) -> None:
        connection = await self._connection(node)
        try:
            async with asyncio.timeout(self.send_timeout):
                await connection.send(frame)
        except TimeoutError as exc:
            await self._disconnect(node, connection)
            raise ForwardError(f"sending to {node.name} timed out") from exc
        except ForwardError:
            await self._disconnect(node, connection)
            raise
        try:
            if chunk_id is not None:
                await connection.wait_ack(chunk_id, self.ack_response_timeout)
        except ForwardError:
            await self._disconnect(node, connection)  # out of step: never reuse
            raise
        if not self.keepalive:
            await self._disconnect(node, connection)

    async def _connection(self, node: Node) -> ForwardConnection:
        """A kept-alive connection if it is still good, else a new one."""
        connection = node.connection
        if connection is not None:
            expired = (self.keepalive_timeout is not None
                       and self.clock() - node.connected_at > self.keepalive_timeout)
            if not expired and not connection.closed:
                return connection
            await self._disconnect(node, connection)
        connection = await self._connect(node)
        if self.keepalive:
            node.connection, node.connected_at = connection, self.clock()
        return connection

    async def _connect(self, node: Node) -> ForwardConnection:
        server = node.server
        timeout = min(self.connect_timeout or self.send_timeout, self.send_timeout)
        return await ForwardConnection.open(server.host, server.port, timeout=timeout,
                                            security=node.security)

    async def _disconnect(self, node: Node, connection: ForwardConnection | None = None) -> None:
        connection = connection or node.connection
        if node.connection is connection:
            node.connection = None
        if connection is not None:
            await connection.close()

    def _failed(self, node: Node, exc: ForwardError) -> None:
        if exc.node_down:
            node.down_until = self.clock() + self.recover_wait
        self.log.warning("failed to send to a server %s", kv(server=node.name, error=exc,
                                                              avoided_for=self.recover_wait
                                                              if exc.node_down else 0))
