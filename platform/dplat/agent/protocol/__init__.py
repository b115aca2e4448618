"""Fluentd's forward protocol as a sans-IO codec.

Nothing here touches a socket: in_forward feeds received bytes to a
:class:`ForwardDecoder` and writes back the bytes of :func:`encode_ack` and of
the handshake helpers; out_forward uses :func:`pack_entries` and the client
half of the handshake. Modules:

    eventtime    EventTime <-> msgpack ext 0, time coercion, packing entries
    decoder      ForwardDecoder: stream framing (msgpack / JSON), size bounds
    message      Message, EventMode, Ping; what one object means (4 modes)
    jsonframes   splitting a JSON-framed stream into values
    packed_frames  PackedForward frames off the stream, entries kept as bytes
    compression  bounded multi-member gunzip
    ack          {"ack": chunk} replies
    handshake    <security> HELO / PING / PONG, server and client side
    errors       the error tree and the raise-or-return policy
"""

from dplat.agent.protocol.ack import encode_ack
from dplat.agent.protocol.decoder import (
    DEFAULT_CHUNK_SIZE_LIMIT,
    DEFAULT_DECOMPRESSION_SIZE_LIMIT,
    DEFAULT_ENTRIES_LIMIT,
    Decoded,
    ForwardDecoder,
)
from dplat.agent.protocol.errors import (
    CorruptPayload,
    DecompressionLimit,
    FrameTooLarge,
    HandshakeError,
    MalformedMessage,
    MessageOverMemory,
    MessageRejected,
    ProtocolError,
    StreamError,
    StreamOverMemory,
    TooManyEntries,
    UndecodableStream,
    UnsupportedCompression,
)
from dplat.agent.protocol.eventtime import (
    coerce_time,
    ext_hook,
    new_unpacker,
    pack_entries,
    pack_entry,
    to_ext,
    unpackb,
)
from dplat.agent.protocol.message import EventMode, Message, Ping

__all__ = [
    "DEFAULT_CHUNK_SIZE_LIMIT",
    "DEFAULT_DECOMPRESSION_SIZE_LIMIT",
    "DEFAULT_ENTRIES_LIMIT",
    "CorruptPayload",
    "Decoded",
    "DecompressionLimit",
    "EventMode",
    "ForwardDecoder",
    "FrameTooLarge",
    "HandshakeError",
    "MalformedMessage",
    "Message",
    "MessageOverMemory",
    "MessageRejected",
    "Ping",
    "ProtocolError",
    "StreamError",
    "StreamOverMemory",
    "TooManyEntries",
    "UndecodableStream",
    "UnsupportedCompression",
    "coerce_time",
    "encode_ack",
    "ext_hook",
    "new_unpacker",
    "pack_entries",
    "pack_entry",
    "to_ext",
    "unpackb",
]
