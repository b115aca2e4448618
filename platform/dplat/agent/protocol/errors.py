"""Errors of the forward-protocol codec.

The codec sees two kinds of trouble, and the difference decides what the
connection does next:

- the *byte stream* cannot be read any further (bytes that are not msgpack,
  one object larger than ``chunk_size_limit``): there is no way to find where
  the next object starts, so :meth:`ForwardDecoder.feed` **raises** and the
  connection must be closed (after handling ``exc.decoded``, the items the
  same call completed before the break);
- one *object* was read completely but is unusable (not an array, a tag that
  is not a string, a corrupt gzip payload, a gzip bomb): the stream is still
  in step, so ``feed()`` **returns** the error in its list, in order with the
  good messages, and the connection carries on. No ack is sent for it (there
  is no usable message to acknowledge), so a client that asked for one retries.

A bad *event* inside a good message (a record that is not a map, a time that
is not a time) is neither: it is dropped and counted in ``Message.skipped``,
and the message is still acknowledged (Fluentd's ``skip_invalid_event``).

    ProtocolError                 anything the codec refuses; ``reason`` says what
    ├── StreamError               raised by feed(): close the connection
    │   ├── FrameTooLarge         one object bigger than chunk_size_limit
    │   ├── StreamOverMemory      memory passed the limit while an object arrived
    │   └── UndecodableStream     bytes that are not msgpack / JSON framing
    ├── MessageRejected           returned by feed(): drop this object, go on
    │   ├── MalformedMessage      not an array, wrong arity, tag/option types
    │   ├── CorruptPayload        packed entries or gzip data that do not decode
    │   ├── DecompressionLimit    gzip inflates past decompression_size_limit
    │   ├── TooManyEntries        more events than chunk_entries_limit in one message
    │   ├── MessageOverMemory     memory passed the limit while its entries decoded
    │   └── UnsupportedCompression  ``compressed`` other than text/gzip (zstd)
    └── HandshakeError            a peer's HELO or PONG cannot be used (client side)
"""

from __future__ import annotations

from typing import Any


class ProtocolError(Exception):
    """Something the forward codec refuses; ``reason`` is a short sentence for
    the log, ``tag`` the message's tag when it was known."""

    def __init__(self, reason: str, tag: str | None = None) -> None:
        self.reason = reason
        self.tag = tag
        super().__init__(reason if tag is None else f"{reason} (tag {tag!r})")


class StreamError(ProtocolError):
    """The byte stream cannot be decoded any further: close the connection.

    ``decoded`` holds what the same ``feed()`` call completed *before* the
    break (messages, rejections), in order: handle them, then close. Events
    that arrived intact are not lost because later bytes were garbage.
    """

    def __init__(self, reason: str, tag: str | None = None) -> None:
        super().__init__(reason, tag)
        self.decoded: list[Any] = []


class FrameTooLarge(StreamError):
    """One object is (or announces itself as) larger than ``chunk_size_limit``.

    The decoder refuses before buffering it: reading on would mean holding an
    unbounded amount of memory for one peer.
    """


class StreamOverMemory(StreamError):
    """The process passed its memory limit while a large object was still
    arriving (and being decoded): the object is dropped with the connection."""


class UndecodableStream(StreamError):
    """Bytes that are not a msgpack (or JSON) stream; resynchronising is
    impossible, so the connection is done."""


class MessageRejected(ProtocolError):
    """One complete object that cannot be used; the stream stays in step."""


class MalformedMessage(MessageRejected):
    """Not a forward-protocol message: not an array, wrong number of elements,
    a tag that is not a string, an option that is not a map."""


class CorruptPayload(MessageRejected):
    """A PackedForward blob or its gzip data does not decode (or is cut short)."""


class DecompressionLimit(MessageRejected):
    """A compressed payload would inflate past ``decompression_size_limit``
    (a gzip bomb, or a peer sending chunks larger than we accept)."""


class TooManyEntries(MessageRejected):
    """One message carries more events than ``chunk_entries_limit``.

    Bytes alone do not bound memory: a tiny msgpack entry (7 bytes) becomes a
    Python event of about 230 bytes, so a 16 MiB payload of them would take
    over 500 MiB once decoded. Decoding stops one entry past the limit.
    """


class MessageOverMemory(MessageRejected):
    """The process passed its memory limit while a large payload's entries
    were decoded: the message is refused, the stream goes on."""


class UnsupportedCompression(MessageRejected):
    """``compressed`` names an algorithm we do not implement (Fluentd's
    experimental ``zstd``)."""


class HandshakeError(ProtocolError):
    """A HELO or PONG from the server that a client cannot continue with."""
