"""``@type forward``: receive events from Fluentd-protocol peers.

Real clients send to it unchanged (reference doc, sections A and B): the
Python and Go loggers (Message mode), the Node logger (Message, PackedForward
and CompressedPackedForward with acks), Fluent Bit (Forward mode, EventTime
inside ``[time, metadata]``) and Fluentd's out_forward (PackedForward with
str32 entries, gzip, ``chunk`` acks). The bytes are decoded by the sans-IO
codec (``protocol/``); this module owns the sockets:

* a TCP listener whose connections are :class:`ForwardConnection`
  (forward/connection.py): one asyncio ``Protocol`` each, events emitted in
  arrival order, an ack sent only after the emit returned, reading paused
  while an emit is in flight;
* a UDP socket on the same port answering every datagram with ``\\0``
  (out_forward's ``heartbeat_type udp``);
* the ``<security>`` shared-key handshake, with Fluentd's ``<user>`` and
  ``<client>`` rules.

What goes wrong is counted per kind (:meth:`ForwardInput.counters`, shown by
the monitor and on ``/metrics``) and logged once per kind and peer; one bad
peer never affects another connection.

Bounded under any input (issue 10 B): an object larger than
``chunk_size_limit`` (default 16 MiB here, unlimited in Fluentd) closes the
connection instead of being read and dropped; a compressed payload inflates
at most ``decompression_size_limit`` (default: ``chunk_size_limit``; 256 MiB
in Fluentd); a message of more than ``chunk_entries_limit`` events is
refused unacked; at most ``max_connections`` connections are open, one
silent for ``idle_timeout`` is closed, and the unfinished objects of all
connections together hold at most ``connections_buffer_limit`` bytes (the
connection that would pass it is closed). And since a byte on the wire can
become an 80-byte Python object, a large object or payload is decoded by
slices and dropped once the agent's resident memory passes ``memory_limit``
(dplat.agent.memory). Fluentd has none of these six.

Other differences from Fluentd: invalid events are
always skipped (``skip_invalid_event false`` is accepted but cannot make an
event without a time or a map record usable); a tag that is not valid UTF-8
skips its message (counted, still acknowledged, as an invalid event is);
``<transport tls>`` is not supported.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from typing import Any

from dplat.agent.config.element import Element
from dplat.agent.core.base import Input
from dplat.agent.core.log import kv
from dplat.agent.core.params import Configurable, config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.memory import DEFAULT_MEMORY_LIMIT, MemoryGuard
from dplat.agent.plugins.forward.connection import COUNTER_NAMES, ForwardConnection
from dplat.agent.plugins.net_common import QuietLog, format_peer
from dplat.agent.protocol import DEFAULT_CHUNK_SIZE_LIMIT, DEFAULT_ENTRIES_LIMIT
from dplat.agent.protocol.handshake import PingResult, check_ping

HEARTBEAT_REPLY = b"\0"
PORT_ZERO_TRIES = 10
STOP_GRACE_SECONDS = 10.0
"""How long stopping waits for connections to finish emitting what they
already received, before their tasks are cancelled."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MiB = 1024 * 1024


class UserSection(Configurable):
    """``<user>`` inside ``<security>``: one account for user authentication."""

    username = config_param("string", desc="The user name a client sends in its PING.")
    password = config_param("string", secret=True, desc="That user's password.")


class ClientSection(Configurable):
    """``<client>`` inside ``<security>``: a known peer, by host or network."""

    host = config_param("string", default=None, desc="IP address or host name of the client.")
    network = config_param("string", default=None, desc="Network of clients, e.g. 10.0.0.0/8.")
    shared_key = config_param("string", default=None, secret=True,
                              desc="Shared key for this client (else the <security> one).")
    users = config_param("array", default=[], desc="Users allowed from this client.")


class SecuritySection(Configurable):
    """``<security>``: require the shared-key handshake before any event."""

    self_hostname = config_param("string", desc="Our name in PONG; must differ from the "
                                 "client's own hostname.")
    shared_key = config_param("string", secret=True, desc="Key both sides know.")
    user_auth = config_param("bool", default=False, desc="Also check <user> name/password.")
    allow_anonymous_source = config_param("bool", default=True,
                                          desc="Accept clients no <client> section lists.")
    users = config_section("user", multi=True, config_class=UserSection,
                           desc="Accounts for user_auth.")
    clients = config_section("client", multi=True, config_class=ClientSection,
                             desc="Known clients and their keys.")


class _Node:
    """A ``<client>`` resolved to a network, with its key and users."""

    def __init__(self, network: Network, shared_key: str, users: list[str]) -> None:
        self.network = network
        self.shared_key = shared_key
        self.users = users


@register("forward")
class ForwardInput(Input):
    port = config_param("integer", default=24224, desc="TCP and UDP (heartbeat) port.")
    bind = config_param("string", default="127.0.0.1", desc="Address to listen on (Fluentd: 0.0.0.0).")
    chunk_size_warn_limit = config_param("size", default=None,
                                         desc="Warn about messages larger than this.")
    chunk_size_limit = config_param("size", default=None,
                                    desc="Largest message as sent; a larger one closes the "
                                    "connection (default 16 MiB; Fluentd: unlimited).")
    decompression_size_limit = config_param("size", default=None,
                                            desc="Largest inflated gzip payload (default: "
                                            "chunk_size_limit; Fluentd: 256 MiB).")
    chunk_entries_limit = config_param("integer", default=DEFAULT_ENTRIES_LIMIT,
                                       desc="Most events in one message; more: refused, no "
                                       "ack (not in Fluentd).")
    max_connections = config_param("integer", default=1024,
                                   desc="Open connections at most; more are closed at once "
                                   "(not in Fluentd).")
    idle_timeout = config_param("time", default=3600.0,
                                desc="Close a connection silent this long (not in Fluentd).")
    connections_buffer_limit = config_param("size", default=128 * MiB,
                                            desc="Bytes of unfinished messages held across "
                                            "all connections; the connection that would pass "
                                            "it is closed (not in Fluentd).")
    memory_limit = config_param("size", default=DEFAULT_MEMORY_LIMIT,
                                desc="Stop decoding a large message (refused, no ack) while "
                                "the agent's resident memory is above this (not in Fluentd).")
    skip_invalid_event = config_param("bool", default=True,
                                      desc="Skip events whose time or record is invalid.")
    source_address_key = config_param("string", default=None,
                                      desc="Record field for the client's IP address.")
    source_hostname_key = config_param("string", default=None,
                                       desc="Record field for the client's host name.")
    resolve_hostname = config_param("bool", default=None,
                                    desc="Look up client host names (on with "
                                    "source_hostname_key).")
    tag = config_param("string", default=None, desc="Replace every incoming tag with this.")
    add_tag_prefix = config_param("string", default=None, desc="Prefix incoming tags.")
    deny_keepalive = config_param("bool", default=False,
                                  desc="Close each connection after its first message.")
    security = config_section("security", config_class=SecuritySection,
                              desc="Shared-key handshake (and user checks).")
    transport = config_section("transport", desc="Only tcp is supported.")

    def __init__(self) -> None:
        super().__init__()
        self.bound_port: int | None = None
        """The TCP port actually listened on (``port 0`` picks a free one)."""
        self.connections: set[ForwardConnection] = set()
        self.held_bytes = 0
        self.memory = MemoryGuard()
        """Asked while large objects decode (memory_limit)."""
        """Bytes of unfinished objects all connections hold (connections_buffer_limit)."""
        self.net_counters: dict[str, int] = dict.fromkeys(COUNTER_NAMES, 0)
        self.quiet = QuietLog(self.log)
        self._nodes: list[_Node] = []
        self._server: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None

    # -- configuration -------------------------------------------------------------
    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        origin = element.origin
        if self.source_hostname_key:
            if self.resolve_hostname is False:
                raise located(origin, "resolve_hostname must be true with source_hostname_key")
            self.resolve_hostname = True
        for name in ("tag", "add_tag_prefix"):
            if getattr(self, name) == "":
                raise located(origin, f"'{name}' parameter must not be empty")
        if self.transport is not None and (self.transport.arg or "tcp") != "tcp":
            raise located(self.transport.origin, f"<transport {self.transport.arg}> is not "
                          "supported; in_forward here speaks plain TCP",
                          "remove the <transport> section, or terminate TLS in front of "
                          "the agent")
        for name in ("chunk_entries_limit", "max_connections"):
            if getattr(self, name) < 1:
                raise located(origin, f"'{name}' must be at least 1")
        self.memory.limit = self.memory_limit
        if self.idle_timeout <= 0:
            raise located(origin, "'idle_timeout' must be positive")
        if not self.skip_invalid_event:
            self.log.warning("skip_invalid_event false: invalid events are still skipped "
                             "(counted as skipped_events); they cannot be routed")
        if self.security is not None:
            self._nodes = self._configure_security(self.security, element)

    @staticmethod
    def _configure_security(security: SecuritySection, element: Element) -> list[_Node]:
        origin = element.origin
        if security.user_auth and not security.users:
            raise located(origin, "<user> sections required if user_auth enabled")
        if not security.allow_anonymous_source and not security.clients:
            raise located(origin, "<client> sections required if allow_anonymous_source "
                          "disabled")
        nodes = []
        for client in security.clients:
            where = client.config_element.origin
            if (client.host is None) == (client.network is None):
                raise located(where, "<client> needs exactly one of 'host' and 'network'")
            spec = client.network
            if client.host is not None:
                try:
                    spec = socket.getaddrinfo(client.host, None)[0][4][0]
                except OSError as exc:
                    raise located(where, f"host '{client.host}' cannot be resolved") from exc
            try:
                network = ipaddress.ip_network(spec, strict=False)
            except ValueError as exc:
                raise located(where, f"network '{spec}' address format is invalid") from exc
            nodes.append(_Node(network, client.shared_key or security.shared_key,
                               list(client.users)))
        return nodes

    # -- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # Port 0 asks for any port, but the heartbeat needs the same number for
        # UDP, and the system's free TCP port may be taken for UDP: try again.
        tries = PORT_ZERO_TRIES if self.port == 0 else 1
        for attempt in range(1, tries + 1):
            self._server = await loop.create_server(lambda: ForwardConnection(self),
                                                    host=self.bind, port=self.port,
                                                    reuse_address=True)
            self.bound_port = self._server.sockets[0].getsockname()[1]
            try:
                self._udp, _ = await loop.create_datagram_endpoint(
                    lambda: _Heartbeat(self), local_addr=(self.bind, self.bound_port))
                break
            except OSError as exc:
                self._server.close()
                if attempt == tries or exc.errno != errno.EADDRINUSE:
                    raise
        self.log.info("listening port %s", kv(bind=self.bind, port=self.bound_port))
        self.every(min(self.idle_timeout / 4, 60.0), self._close_idle,
                   name="close idle connections")

    async def stop(self) -> None:
        """Stop accepting, let each connection emit (and ack) what it already
        received, then close them all."""
        if self._server is not None:
            self._server.close()
        if self._udp is not None:
            self._udp.close()
        try:
            async with asyncio.timeout(STOP_GRACE_SECONDS):
                await asyncio.gather(*(conn.finish() for conn in list(self.connections)))
        except TimeoutError:
            self.log.warning("connections still emitting at stop are cut %s",
                             kv(count=len(self.connections)))
        for conn in list(self.connections):
            conn.abort()
        self.memory.close()

    # -- what connections ask of the plugin ----------------------------------------------
    @property
    def effective_chunk_size_limit(self) -> int:
        return self.chunk_size_limit or DEFAULT_CHUNK_SIZE_LIMIT

    @property
    def effective_decompression_size_limit(self) -> int:
        return self.decompression_size_limit or self.effective_chunk_size_limit

    def _close_idle(self) -> None:
        """Close connections that sent nothing for ``idle_timeout`` and have
        nothing in progress (a busy one is waiting on the buffer, not idle)."""
        deadline = asyncio.get_running_loop().time() - self.idle_timeout
        for conn in list(self.connections):
            if conn.last_active < deadline and conn.is_idle():
                self.count("idle_closed")
                conn.close()

    def rewrite_tag(self, tag: str) -> str:
        """``tag`` and ``add_tag_prefix`` applied, as Fluentd does."""
        if self.tag is not None:
            tag = self.tag
        if self.add_tag_prefix is not None:
            tag = f"{self.add_tag_prefix}.{tag}"
        return tag

    def check_ping(self, ping: Any, address: str, nonce: bytes,
                   auth_salt: bytes) -> tuple[PingResult, str]:
        """Verify a PING from ``address``; also returns the shared key that
        applies to it (a ``<client>``'s own, else the ``<security>`` one)."""
        security = self.security
        assert security is not None, "BUG: a PING without <security>"
        node = self._node_for(address)
        if node is None and not security.allow_anonymous_source:
            return PingResult(False, f"anonymous source host '{address}' denied", b"", ""), ""
        shared_key = node.shared_key if node is not None else security.shared_key
        users = None
        if security.user_auth:
            allowed = node.users if node is not None and node.users else None
            users = {u.username: u.password for u in security.users
                     if allowed is None or u.username in allowed}
        return check_ping(ping, nonce, auth_salt, shared_key, users), shared_key

    def _node_for(self, address: str) -> _Node | None:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        for node in self._nodes:
            if ip.version == node.network.version and ip in node.network:
                return node
        return None

    async def resolve(self, address: str) -> str:
        """The host name of ``address`` (the address itself when unknown)."""
        try:
            host, _ = await asyncio.get_running_loop().getnameinfo((address, 0),
                                                                   socket.NI_NAMEREQD)
        except (OSError, UnicodeError):
            return address
        return host

    def count(self, name: str, amount: int = 1) -> None:
        self.net_counters[name] += amount

    # -- monitoring ------------------------------------------------------------------------
    def counters(self) -> dict[str, int]:
        """Monotonic counters of what happened on the wire (see forward/connection.py)."""
        return dict(self.net_counters)

    def gauges(self) -> dict[str, float]:
        return {"connections_open": len(self.connections), "held_bytes": self.held_bytes}

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), **self.counters(), **self.gauges()}


class _Heartbeat(asyncio.DatagramProtocol):
    """Answer every datagram with one NUL byte (Fluentd's UDP heartbeat)."""

    def __init__(self, plugin: ForwardInput) -> None:
        self._plugin = plugin
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        assert self._transport is not None
        self._plugin.count("heartbeats")
        try:
            self._transport.sendto(HEARTBEAT_REPLY, addr)
        except OSError as exc:  # the peer went away; nothing to tell it
            self._plugin.log.debug("heartbeat reply failed %s",
                                   kv(peer=format_peer(addr)[1], error=exc))

    def error_received(self, exc: Exception) -> None:
        self._plugin.log.debug("heartbeat socket error %s", kv(error=exc))
