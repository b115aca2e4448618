"""What one forward-protocol object means: the four event modes.

The server tells the modes apart by the type of the second element, as
Fluentd's in_forward does:

    Message                  [tag, time, record, option?]   time is not a list/str/bin
    Forward                  [tag, [[time, record], ...], option?]
    PackedForward            [tag, entries: bin|str, option?]   concatenated msgpack entries
    CompressedPackedForward  as PackedForward, option {"compressed": "gzip"}

:func:`interpret` turns a decoded object into a :class:`Message` (events
decoded, bad events counted), a :class:`MessageRejected` (unusable object,
see errors.py), or ``None`` for a ``nil`` heartbeat. It is the per-object hot
path, so the common cases are written inline rather than through helpers.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from dplat.agent.event import EventStream, EventTime
from dplat.agent.protocol.compression import gunzip
from dplat.agent.protocol.errors import (
    CorruptPayload,
    MalformedMessage,
    MessageOverMemory,
    MessageRejected,
    TooManyEntries,
    UnsupportedCompression,
)
from dplat.agent.protocol.eventtime import MAX_SECONDS, coerce_time, new_unpacker

_new = tuple.__new__  # EventTime without its Python-level __new__ (see eventtime)
_int_time: tuple[int, EventTime] = (0, EventTime(0, 0))
"""The last integer-seconds time made, reused for the next message of the same
second (the Python logger's default time): EventTimes are immutable, and not
allocating one per message keeps the garbage collector quieter."""


class EventMode(enum.Enum):
    """Which of the protocol's carrier forms a message used."""

    MESSAGE = "Message"
    FORWARD = "Forward"
    PACKED = "PackedForward"
    COMPRESSED = "CompressedPackedForward"


# Enum attribute access costs ~10x a global lookup on 3.11; the hot path uses these.
_MESSAGE, _FORWARD = EventMode.MESSAGE, EventMode.FORWARD
_PACKED, _COMPRESSED = EventMode.PACKED, EventMode.COMPRESSED


@dataclass(slots=True)
class Message:
    """One decoded forward message: the events of one tag.

    ``chunk`` is the option's ack id exactly as sent (reply with
    :func:`~dplat.agent.protocol.ack.encode_ack` whenever it is not None, even
    if every event was skipped). ``size_hint`` is the option's ``size``, which
    the Node logger fills with a *byte* count: never trust it as an event
    count. ``skipped`` counts dropped invalid events (record not a map, time
    not a time), or the payload of a non-log ``fluent_signal`` (its ``size``,
    else 1); ``skip_reason`` describes the first one, for a warning.
    ``nbytes`` is the object's size on the wire (chunk_size_warn_limit, metrics).

    A decoder made with ``coalesce=True`` folds consecutive Message-mode
    frames of one tag into one Message (see :func:`absorb`): ``frames`` counts
    them, ``nbytes`` is then the largest frame's size, and ``chunk`` and
    ``size_hint`` are the last frame's (only the last may carry a chunk).
    """

    tag: str
    entries: EventStream
    chunk: str | None
    mode: EventMode
    size_hint: int | None = None
    skipped: int = 0
    skip_reason: str | None = None
    nbytes: int = 0
    frames: int = 1


@dataclass(frozen=True, slots=True)
class Ping:
    """The first object of a ``<security>`` connection, left undecoded for
    :func:`~dplat.agent.protocol.handshake.check_ping`."""

    payload: Any
    nbytes: int = 0


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds the decoder enforces for one connection: bytes of one object
    as sent, bytes of a payload once inflated, events in one message."""

    chunk_size_limit: int
    decompression_size_limit: int
    entries_limit: int
    over_memory: Callable[[int], bool] | None = None
    """Asked between slices of a large payload: True stops decoding it."""


LARGE = 64 * 1024
"""Objects still arriving past this many bytes are decoded by slices of it,
with ``over_memory`` asked around each (one slice can cost ~80x its bytes);
payloads past it are weighed first."""
SLICED = 1024 * 1024
"""Payloads past this many bytes are decoded by LARGE slices, asking after
each; smaller ones (a 1000-event batch is ~100 KB) are asked once, for
EXPANSION times their size, which keeps the hot path free of the slicing."""
EXPANSION = 10
"""What decoding typical entries costs per byte (~100-byte records)."""


def absorb(run: Message, frame: Message) -> None:
    """Fold the Message-mode ``frame`` into ``run``, the message of the frames
    of the same tag just before it. ``run`` must carry no chunk yet: a Message
    holds one ack id."""
    run.entries.extend(frame.entries)
    run.frames += frame.frames
    run.nbytes = max(run.nbytes, frame.nbytes)
    if frame.skipped:
        run.skipped += frame.skipped
        run.skip_reason = run.skip_reason or frame.skip_reason
    run.chunk, run.size_hint = frame.chunk, frame.size_hint


def decode_entries(items: Iterable[Any]) -> tuple[EventStream, int, str | None]:
    """Valid ``(EventTime, record)`` pairs of ``[time, record]`` items, plus
    the number of invalid items dropped and why the first one was."""
    entries: EventStream = []
    append = entries.append
    skipped = 0
    reason: str | None = None
    for item in items:
        try:
            t, record = item
        except (TypeError, ValueError):
            # Fluentd destructures ``time, record = entry``: extras are ignored.
            if type(item) is not list or len(item) < 2:
                skipped += 1
                reason = reason or "entry is not a [time, record] array"
                continue
            t, record = item[0], item[1]
        if type(record) is not dict:
            skipped += 1
            reason = reason or f"record is {type(record).__name__}, not a map"
            continue
        kind = type(t)
        if kind is list and t:  # Fluent Bit v2 default: [[time, metadata], record]
            inner = type(t[0])
            if inner is EventTime or inner is int:  # the rest: coerce_time below
                t, kind = t[0], inner
        if kind is EventTime and t.sec:
            append((t, record))
        elif kind is int and 0 < t < MAX_SECONDS:
            append((_new(EventTime, (t, 0)), record))
        else:
            time = coerce_time(t)
            if time is None:
                skipped += 1
                reason = reason or f"invalid event time {t!r:.60}"
                continue
            append((time, record))
    return entries, skipped, reason


def interpret(msg: Any, nbytes: int, limits: Limits) -> Message | MessageRejected | None:
    """The meaning of one decoded object (see the module docstring)."""
    if type(msg) is not list:
        if msg is None:
            return None  # heartbeat (spec: "for future TCP heartbeat_request")
        return MalformedMessage(f"message is {type(msg).__name__}, not an array")
    size = len(msg)
    if size < 2:
        return MalformedMessage(f"message has {size} element(s)")
    tag = msg[0]
    if type(tag) is not str:
        if type(tag) is not bytes:
            return MalformedMessage(f"tag is {type(tag).__name__}, not a string")
        tag = tag.decode("utf-8", "surrogateescape")
    body = msg[1]
    kind = type(body)
    if kind is list or kind is str or kind is bytes:
        if size > 3:
            return MalformedMessage(f"{size} elements in a Forward message", tag)
        return _interpret_batch(tag, body, msg[2] if size == 3 else None, nbytes, limits)
    if size < 3 or size > 4:
        return MalformedMessage(f"{size} elements in a Message-mode message", tag)

    # Message mode: one event. The hot path for the Python and Go loggers.
    option = msg[3] if size == 4 else None
    record = msg[2]
    if kind is int and 0 < body < MAX_SECONDS:
        global _int_time
        cached = _int_time  # one read: another thread may replace it meanwhile
        if cached[0] == body:
            time: EventTime | None = cached[1]
        else:
            time = _new(EventTime, (body, 0))
            _int_time = (body, time)
    elif kind is EventTime and body.sec:
        time = body
    else:
        time = coerce_time(body)
    chunk = size_hint = None
    if option:  # golang always sends {}: skip the work for the empty map
        parsed = _parse_option(option, tag)
        if isinstance(parsed, MessageRejected):
            return parsed
        chunk, size_hint, _compressed, signal = parsed
        if signal:
            return _signal_skipped(tag, chunk, _MESSAGE, size_hint, signal, nbytes)
    elif option is not None and type(option) is not dict:
        return MalformedMessage(f"option is {type(option).__name__}, not a map", tag)
    if time is not None and type(record) is dict:
        return Message(tag, [(time, record)], chunk, _MESSAGE, size_hint, 0, None, nbytes)
    reason = "invalid event time" if time is None else "record is not a map"
    return Message(tag, [], chunk, _MESSAGE, size_hint, 1, reason, nbytes)


def _interpret_batch(
    tag: str, body: Any, option: Any, nbytes: int, limits: Limits
) -> Message | MessageRejected:
    """Forward, PackedForward and CompressedPackedForward."""
    chunk = size_hint = compressed = None
    if option is not None:
        parsed = _parse_option(option, tag)
        if isinstance(parsed, MessageRejected):
            return parsed
        chunk, size_hint, compressed, signal = parsed
        if signal:
            mode = _FORWARD if type(body) is list else _PACKED
            return _signal_skipped(tag, chunk, mode, size_hint, signal, nbytes)
    if type(body) is list:
        if len(body) > limits.entries_limit:  # the stream's unpacker caps it too
            return _too_many(tag, limits)
        entries, skipped, reason = decode_entries(body)
        return Message(tag, entries, chunk, _FORWARD, size_hint, skipped, reason, nbytes)

    # Fluentd's out_forward sends the blob as str32: recover the raw bytes.
    blob = body.encode("utf-8", "surrogateescape") if type(body) is str else body
    mode = _PACKED
    if compressed is not None and compressed != "text":
        if compressed != "gzip":
            return UnsupportedCompression(f"compressed {compressed!r:.40} is not supported", tag)
        mode = _COMPRESSED
        try:
            blob = gunzip(blob, limits.decompression_size_limit)
        except MessageRejected as exc:
            exc.tag = tag
            return exc
    unpacker = new_unpacker(len(blob) + 1)
    over_memory = limits.over_memory
    if over_memory is not None and len(blob) > SLICED:
        items: Iterable[Any] = _by_slices(unpacker, blob, over_memory)
    else:
        # Up to SLICED, one question before: what real entries typically cost.
        if over_memory is not None and len(blob) > LARGE and over_memory(EXPANSION * len(blob)):
            return _over_memory(tag)
        unpacker.feed(blob)
        items = unpacker
    del blob  # an inflated payload: let it go as soon as the entries are read
    try:
        # One entry past the limit at most is ever decoded.
        entries, skipped, reason = decode_entries(islice(items, limits.entries_limit + 1))
        if len(entries) + skipped > limits.entries_limit:
            return _too_many(tag, limits)
        # Did the blob end between entries? The unpacker swallows a cut-short
        # entry silently (and tell() moves into it), so probe with a nil: it
        # comes back as None only at an entry boundary.
        unpacker.feed(b"\xc0")
        whole = next(unpacker, unpacker) is None
    except _OverMemory:
        return _over_memory(tag)
    except Exception as exc:  # any msgpack failure: FormatError, StackError, TypeError...
        return CorruptPayload(f"packed entries do not decode: {exc!r:.80}", tag)
    if not whole:
        return CorruptPayload("packed entries end in the middle of an entry", tag)
    return Message(tag, entries, chunk, mode, size_hint, skipped, reason, nbytes)


def _over_memory(tag: str) -> MessageOverMemory:
    return MessageOverMemory("the agent's memory is past memory_limit for a payload this "
                             "size", tag)


class _OverMemory(Exception):
    """Raised out of :func:`_by_slices` to stop decoding a payload."""


def _by_slices(unpacker: Any, blob: bytes, over_memory: Callable[[int], bool]) -> Iterator[Any]:
    """The objects of ``blob``, fed to ``unpacker`` a slice at a time, with
    ``over_memory`` asked after each slice (an entry may span slices)."""
    view = memoryview(blob)
    for offset in range(0, len(view), LARGE):
        unpacker.feed(view[offset : offset + LARGE])
        yield from unpacker
        if over_memory(0):
            raise _OverMemory


def _too_many(tag: str, limits: Limits) -> TooManyEntries:
    return TooManyEntries(f"more than chunk_entries_limit {limits.entries_limit} events "
                          "in one message", tag)


def _parse_option(
    option: Any, tag: str
) -> tuple[str | None, int | None, Any, int] | MessageRejected:
    """``(chunk, size, compressed, fluent_signal)`` of an option map."""
    if type(option) is not dict:
        return MalformedMessage(f"option is {type(option).__name__}, not a map", tag)
    chunk = option.get("chunk")
    if chunk is not None and type(chunk) is not str:
        if type(chunk) is not bytes:
            # An ack we cannot echo in kind would only confuse the client.
            return MalformedMessage(f"option chunk is {type(chunk).__name__}", tag)
        chunk = chunk.decode("utf-8", "surrogateescape")  # echoed back as the same bytes
    size = option.get("size")
    if type(size) is not int or size < 0:
        size = None
    signal = option.get("fluent_signal")
    return chunk, size, option.get("compressed"), 0 if signal in (None, 0) else signal


def _signal_skipped(
    tag: str, chunk: str | None, mode: EventMode, size: int | None, signal: Any, nbytes: int
) -> Message:
    """A Fluent Bit metrics/traces payload: not events, so skipped, but still
    acknowledged, or Fluent Bit would resend it forever."""
    reason = f"fluent_signal {signal!r:.20} payload (metrics/traces) ignored"
    return Message(tag, [], chunk, mode, size, size or 1, reason, nbytes)
