"""One in_forward connection: bytes in, events emitted, acks out.

An asyncio ``Protocol`` (cheaper than a StreamReader per peer) feeds what it
receives to the connection's :class:`~dplat.agent.protocol.ForwardDecoder`
and hands the decoded items to one worker task, which emits them in arrival
order. While the worker has items, reading is paused, so a peer cannot make
us hold more than one read's worth of decoded messages, and a slow buffer
slows the peer down through TCP instead of growing our memory.

The order of things for a message, which is the at-least-once promise:

    decode -> emit (returns once every output buffered the events) -> ack

Consecutive messages with the same tag are emitted as one stream (the Python
logger sends one event per message; routing each alone would dominate the
cost), and their acks go out, in order, once that emit returned. The decoder
already folds the Message-mode frames of one read into one Message
(``coalesce``), each chunk-carrying frame ending one, so that holds per frame. If an emit
raises (a full buffer: ``BufferOverflowError``), nothing of it is acked, the
rest of what this connection sent is dropped unread, and the connection is
closed, so clients that wait for acks resend at once instead of after their
ack timeout (Fluentd closes the connection too).

Trouble with one object (malformed, corrupt gzip, a gzip bomb) skips that
object and the connection goes on; a stream that cannot be read any further
(not msgpack, an object over ``chunk_size_limit``) is closed after what
arrived intact before the break was emitted. Either way it is counted and
logged once per kind and peer.

The plugin bounds what all connections hold together: a connection past
``max_connections`` is closed as it arrives, one silent for
``idle_timeout`` is closed by the plugin's sweep, and a read that makes the
unfinished objects of all connections pass ``connections_buffer_limit``
closes the connection it arrived on (``over_buffer_limit``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from dplat.agent.core.log import kv
from dplat.agent.event import EventStream
from dplat.agent.plugins.net_common import format_peer
from dplat.agent.protocol import (
    CorruptPayload,
    Decoded,
    DecompressionLimit,
    ForwardDecoder,
    FrameTooLarge,
    MalformedMessage,
    Message,
    MessageOverMemory,
    MessageRejected,
    Ping,
    StreamError,
    StreamOverMemory,
    TooManyEntries,
    UndecodableStream,
    UnsupportedCompression,
    encode_ack,
)
from dplat.agent.protocol.handshake import make_helo, make_pong, new_salt

if TYPE_CHECKING:
    from dplat.agent.plugins.in_forward import ForwardInput

_REJECTIONS: dict[type[Exception], str] = {
    MalformedMessage: "malformed_messages",
    CorruptPayload: "corrupt_payloads",
    DecompressionLimit: "decompression_limit_exceeded",
    TooManyEntries: "entries_limit_exceeded",
    MessageOverMemory: "memory_limit_exceeded",
    StreamOverMemory: "memory_limit_exceeded",
    UnsupportedCompression: "unsupported_compression",
    FrameTooLarge: "frames_too_large",
    UndecodableStream: "undecodable_streams",
}

COUNTER_NAMES = (
    "connections",  # accepted TCP connections
    "connections_refused",  # closed on arrival: max_connections were open
    "idle_closed",  # closed after idle_timeout without a byte
    "over_buffer_limit",  # closed: all connections' unfinished objects passed the limit
    "messages",  # forward messages decoded (any mode)
    "acks",  # acks sent
    "skipped_events",  # invalid events inside good messages (bad time, record not a map)
    "invalid_tags",  # messages skipped because their tag is not UTF-8
    *dict.fromkeys(_REJECTIONS.values()),
    "handshake_failures",  # PINGs that failed (the connection is closed)
    "refused_messages",  # messages not acked because the emit raised (buffer full)
    "refused_events",
    "heartbeats",  # UDP heartbeat datagrams answered
)
"""Names of :meth:`ForwardInput.counters`; the monitor exports each one."""


class ForwardConnection(asyncio.Protocol):
    """The state of one peer's connection (see the module docstring)."""

    def __init__(self, plugin: ForwardInput) -> None:
        self.plugin = plugin
        self.transport: asyncio.Transport | None = None
        self.address = ""
        self.peer = "unknown"
        self.hostname: str | None = None
        self._decoder = ForwardDecoder(
            chunk_size_limit=plugin.effective_chunk_size_limit,
            decompression_size_limit=plugin.effective_decompression_size_limit,
            entries_limit=plugin.chunk_entries_limit,
            over_memory=plugin.memory.over,
            expect_ping=plugin.security is not None,
            coalesce=not plugin.deny_keepalive,  # there, one message per connection
        )
        self._pending: deque[Decoded] = deque()
        self._wake = asyncio.Event()
        self._broken: StreamError | None = None
        self._lost = False
        self._closing = False
        self._finishing = False
        self._nonce = self._auth_salt = b""
        self._task: asyncio.Task[None] | None = None
        self._held = 0  # this connection's share of plugin.held_bytes
        self._busy = False  # the worker is handling an item (an emit may wait long)
        self.last_active = 0.0
        """Loop time of the last read (the idle sweep compares it)."""

    # -- asyncio callbacks -----------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.address, self.peer = format_peer(transport.get_extra_info("peername"))
        plugin = self.plugin
        self.last_active = asyncio.get_running_loop().time()
        if len(plugin.connections) >= plugin.max_connections:
            plugin.count("connections_refused")
            plugin.quiet.warning("max_connections", "max_connections reached, connection "
                                 "closed %s", kv(peer=self.peer, limit=plugin.max_connections))
            self._closing = True
            self.transport.abort()
            return
        plugin.connections.add(self)
        plugin.count("connections")
        if plugin.security is not None:
            self._nonce, self._auth_salt = new_salt(), new_salt()
            # One write: the Node logger decodes its first 'data' event whole.
            self.transport.write(make_helo(self._nonce, self._auth_salt,
                                           keepalive=not plugin.deny_keepalive))
        self._task = plugin.spawn(self._run(), name=f"connection {self.peer}")

    def data_received(self, data: bytes) -> None:
        if self._broken is not None or self._closing:
            return
        try:
            items = self._decoder.feed(data)
        except StreamError as exc:
            items = exc.decoded
            self._broken = _without_tracebacks(exc)
        self._account()
        if self._closing:
            return
        if items or self._broken is not None:
            self._pending.extend(items)
            assert self.transport is not None
            self.transport.pause_reading()  # resumed once the worker caught up
            self._wake.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._decoder.release()
        self.plugin.connections.discard(self)
        self.plugin.held_bytes -= self._held
        self._held = 0
        self._wake.set()

    def _account(self) -> None:
        """Update the plugin's total of unfinished bytes after a read; close
        this connection when it pushes the total past the limit."""
        plugin = self.plugin
        self.last_active = asyncio.get_running_loop().time()
        held = 0 if self._broken is not None else self._decoder.buffered
        plugin.held_bytes += held - self._held
        self._held = held
        if held and plugin.held_bytes > plugin.connections_buffer_limit:
            plugin.count("over_buffer_limit")
            plugin.quiet.warning(f"over_buffer_limit {self.address}", "connections hold more "
                                 "than connections_buffer_limit; closing the one that passed "
                                 "it %s", kv(peer=self.peer, held=held,
                                             limit=plugin.connections_buffer_limit))
            plugin.held_bytes -= held
            self._held = 0
            self.close()  # nothing of this read is acked: the client sends again

    def is_idle(self) -> bool:
        """Nothing received but not yet emitted, no emit waiting on the
        buffer, no unfinished object: closing loses nothing."""
        return not (self._pending or self._held or self._busy or self._wake.is_set())

    # -- stopping ---------------------------------------------------------------------
    async def finish(self) -> None:
        """Read nothing more; return once what was received is emitted."""
        self._finishing = True
        if self.transport is not None:
            self.transport.pause_reading()
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        """Close after what was written (acks, PONG) went out; drop the rest."""
        self._closing = True
        self._pending.clear()
        self._decoder.release()
        if self.transport is not None:
            self.transport.close()

    # -- the worker ------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            if self.plugin.resolve_hostname:
                self.hostname = await self.plugin.resolve(self.address)
            while not self._closing:
                await self._wake.wait()
                self._wake.clear()
                self._busy = True
                while self._pending and not self._closing:
                    await self._handle_next()
                self._busy = False
                if self._broken is not None and not self._closing:
                    self._stream_broken(self._broken)
                if self._lost or self._finishing or self._closing:
                    break
                assert self.transport is not None
                self.transport.resume_reading()
        finally:
            self.plugin.connections.discard(self)
            if not self._lost and self.transport is not None:
                self.transport.close()

    async def _handle_next(self) -> None:
        item = self._pending.popleft()
        if type(item) is Message:
            await self._emit_messages(item)
        elif isinstance(item, Ping):
            self._handshake(item)
        else:
            assert isinstance(item, MessageRejected)
            self._rejected(item)

    def _handshake(self, ping: Ping) -> None:
        plugin = self.plugin
        assert plugin.security is not None and self.transport is not None
        result, shared_key = plugin.check_ping(ping.payload, self.address, self._nonce,
                                               self._auth_salt)
        if not result.ok:  # counted before the PONG goes out: the peer may look at once
            plugin.count("handshake_failures")
        self.transport.write(make_pong(result.ok, result.reason, plugin.security.self_hostname,
                                       result.shared_key_salt, self._nonce, shared_key,
                                       json_mode=self._decoder.is_json))
        if not result.ok:
            plugin.quiet.warning(f"handshake {self.address}", "handshake failed, connection "
                                 "closed %s", kv(peer=self.peer, hostname=result.client_hostname,
                                                 reason=result.reason))
            self.close()

    async def _emit_messages(self, first: Message) -> None:
        """Emit ``first`` and the same-tag messages queued right behind it,
        then ack them; see the module docstring for a refused emit."""
        plugin = self.plugin
        tag = plugin.rewrite_tag(first.tag)
        group = [first]
        if not plugin.deny_keepalive:
            pending, raw_tag = self._pending, first.tag
            while pending and type(pending[0]) is Message and pending[0].tag == raw_tag:  # type: ignore[union-attr]
                group.append(pending.popleft())  # type: ignore[arg-type]
        frames = sum([m.frames for m in group])
        plugin.count("messages", frames)
        stream = self._events_of(tag, group)
        try:
            await plugin.emit_stream(tag, stream)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            plugin.count("refused_messages", frames)
            plugin.count("refused_events", len(stream))
            plugin.quiet.warning("refused", "emit refused, not acknowledged; closing the "
                                 "connection so the client resends %s",
                                 kv(peer=self.peer, tag=tag, records=len(stream),
                                    dropped_messages=len(self._pending), error=exc))
            self.close()
            return
        plugin.quiet.reset("refused")
        self._ack(group)
        if plugin.deny_keepalive:
            self.close()

    def _events_of(self, tag: str, group: list[Message]) -> EventStream:
        """The valid events of ``group``, with source fields injected;
        invalid ones counted and warned about."""
        plugin = self.plugin
        tag_ok = _is_utf8(tag)
        stream: EventStream = []
        warn_limit = plugin.chunk_size_warn_limit
        for message in group:
            if warn_limit is not None and message.nbytes > warn_limit:
                plugin.quiet.warning(f"large {self.address}", "message larger than "
                                     "chunk_size_warn_limit %s", kv(peer=self.peer, tag=tag,
                                     size=message.nbytes, limit=warn_limit))
            if message.skipped:
                plugin.count("skipped_events", message.skipped)
                plugin.quiet.warning(f"skipped {self.address}", "skip invalid events %s",
                                     kv(peer=self.peer, tag=tag, count=message.skipped,
                                        reason=message.skip_reason or ""))
            if message.entries and not tag_ok:
                plugin.count("invalid_tags", message.frames)
                plugin.count("skipped_events", len(message.entries))
                plugin.quiet.warning(f"tag {self.address}", "skip a message whose tag is not "
                                     "valid UTF-8 %s", kv(peer=self.peer, tag=_shown(tag)))
                continue
            stream.extend(message.entries)
        address_key, hostname_key = plugin.source_address_key, plugin.source_hostname_key
        if address_key or hostname_key:
            for _, record in stream:
                if address_key:
                    record[address_key] = self.address
                if hostname_key:
                    record[hostname_key] = self.hostname or self.address
        return stream

    def _ack(self, group: list[Message]) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        json_mode = self._decoder.is_json
        acks = [encode_ack(m.chunk, json_mode) for m in group if m.chunk is not None]
        if acks:
            self.plugin.count("acks", len(acks))
            transport.write(b"".join(acks))

    def _rejected(self, error: MessageRejected) -> None:
        name = _counter_of(error)
        self.plugin.count(name)
        self.plugin.quiet.warning(f"{name} {self.address}", "skip an unusable message %s",
                                  kv(peer=self.peer, reason=error.reason, tag=error.tag or ""))

    def _stream_broken(self, error: StreamError) -> None:
        name = _counter_of(error)
        self.plugin.count(name)
        self.plugin.quiet.warning(f"{name} {self.address}", "close a connection whose stream "
                                  "cannot be read on %s", kv(peer=self.peer, reason=error.reason,
                                                             received=self._decoder.buffered))
        self.close()


def _without_tracebacks(error: StreamError) -> StreamError:
    """``error`` with its tracebacks (and its causes') dropped: they hold the
    decoder's frames, whose locals hold the half-decoded object, which would
    otherwise stay in memory until a full garbage collection."""
    seen: BaseException | None = error
    while seen is not None:
        seen.__traceback__ = None
        seen = seen.__cause__ or seen.__context__
    return error


def _counter_of(error: Exception) -> str:
    for cls in type(error).__mro__:
        if cls in _REJECTIONS:
            return _REJECTIONS[cls]
    return "malformed_messages"


def _shown(text: str) -> str:
    """A surrogate-escaped string with its bad bytes as ``\\xNN``, for a log line."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_utf8(text: str) -> bool:
    """False for a string holding surrogate-escaped bytes (invalid UTF-8)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
