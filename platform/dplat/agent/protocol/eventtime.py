"""Event times on the wire, and the msgpack settings every reader shares.

Fluentd's ``EventTime`` travels as msgpack **ext type 0** with 8 bytes of data:
big-endian unsigned 32-bit seconds then nanoseconds (``fixext8``: ``d7 00``).
Peers also send plain integer seconds, floats (non-standard), the msgpack
Timestamp extension (type -1) and, from Fluent Bit v2, an array
``[time, metadata]``. :func:`coerce_time` turns all of them into
:class:`~dplat.agent.event.EventTime` and says ``None`` for anything else.

Packing needs care: ``EventTime`` is a NamedTuple, so a stock msgpack packer
writes it as a two-element *array*, which Fluentd would read as an invalid
time. Use :func:`pack_entry` / :func:`pack_entries` (or :func:`to_ext`), which
write the ext explicitly.

Strings are decoded with ``surrogateescape`` both ways: Fluentd's out_forward
puts binary entries inside a msgpack *str* and Fluent Bit sends 16 random
bytes as a str salt, so a strict UTF-8 decode would fail. A surrogate-escaped
``str`` re-encodes to exactly the bytes that arrived.
"""

from __future__ import annotations

import math
import struct
import threading
from collections.abc import Iterable
from typing import Any

import msgpack

from dplat.agent.event import EventTime, Record

EVENT_TIME_EXT = 0
"""msgpack ext type code of Fluentd's EventTime."""

MAX_SECONDS = 1 << 32
"""Seconds must fit the ext's unsigned 32 bits (until 2106); larger integers
(e.g. the Node logger's ``milliseconds: true`` quirk) are invalid times."""

_SEC_NSEC = struct.Struct(">II")
_tuple_new = tuple.__new__  # EventTime without its Python-level __new__: 3x cheaper
_ENTRY_HEAD = b"\x92\xd7\x00"  # fixarray(2), fixext8, type 0
_now = EventTime.now


def to_ext(time: EventTime) -> msgpack.ExtType:
    """The msgpack ext type 0 value for ``time`` (for callers building objects)."""
    return msgpack.ExtType(EVENT_TIME_EXT, _SEC_NSEC.pack(time.sec, time.nsec))


def ext_hook(
    code: int,
    data: bytes,
    _unpack: Any = _SEC_NSEC.unpack,
    _new: Any = _tuple_new,
    _cls: type = EventTime,
) -> Any:
    """``Unpacker(ext_hook=...)``: ext 0 of 8 bytes becomes an EventTime.

    Anything else stays an ``ExtType``: raising here would abort the whole
    stream, whereas an odd ext in a time position merely makes that event
    invalid, and elsewhere in a record it is harmless. Called once per event,
    hence the pre-bound defaults (locals are faster than globals).
    """
    if code == 0 and len(data) == 8:
        return _new(_cls, _unpack(data))
    return msgpack.ExtType(code, data)


def coerce_time(value: Any) -> EventTime | None:
    """Any time form a peer may send, as an EventTime; ``None`` if invalid.

    Zero and nil mean "now", as in Fluentd (a client that does not know the
    time sends 0). The decoder inlines the two common forms (int, EventTime)
    and calls this for the rest.
    """
    if type(value) is list:  # Fluent Bit v2 / spec v1.5: [time, metadata]
        value = value[0] if value else None
    if value is None:
        return _now()
    kind = type(value)
    if kind is EventTime:
        return value if value.sec else _now()
    if kind is int:
        if 0 < value < MAX_SECONDS:
            return _tuple_new(EventTime, (value, 0))
        return _now() if value == 0 else None
    if kind is float:
        if not (math.isfinite(value) and 0 <= value < MAX_SECONDS):
            return None
        return EventTime.from_float(value) if value >= 1 else _now()
    if kind is msgpack.Timestamp:
        if not 0 <= value.seconds < MAX_SECONDS:
            return None
        return (
            _tuple_new(EventTime, (value.seconds, value.nanoseconds)) if value.seconds else _now()
        )
    return None


def new_unpacker(max_buffer_size: int, max_items: int | None = None) -> msgpack.Unpacker:
    """A streaming Unpacker configured the way every forward peer needs.

    ``max_buffer_size`` also caps the length of any single str/bin/array/map
    header, so a 5-byte header announcing a 4 GiB string fails at once.
    ``max_items`` caps array and map headers further (a Forward-mode message
    announcing more entries than ``chunk_entries_limit``).
    """
    limits: dict[str, int] = {}
    if max_items is not None:
        cap = max(min(max_items, max_buffer_size), 1)
        limits = {"max_array_len": cap, "max_map_len": cap}
    return msgpack.Unpacker(
        **limits,
        # The buffer starts small and grows as an object needs it: an idle
        # connection should not sit on a megabyte (msgpack's default).
        read_size=min(max(max_buffer_size, 1), 64 * 1024),
        raw=False,
        unicode_errors="surrogateescape",
        strict_map_key=False,
        ext_hook=ext_hook,
        max_buffer_size=max(max_buffer_size, 1),
    )


def unpackb(data: bytes) -> Any:
    """Decode one whole msgpack object with the same settings (replies, tests)."""
    return msgpack.unpackb(
        data,
        raw=False,
        unicode_errors="surrogateescape",
        strict_map_key=False,
        ext_hook=ext_hook,
    )


_local = threading.local()


def packer() -> msgpack.Packer:
    """This thread's Packer (a Packer holds a buffer, so threads must not share
    one). ``use_bin_type`` keeps bytes as bin; surrogateescape restores the
    original bytes of strings that arrived as invalid UTF-8."""
    p = getattr(_local, "packer", None)
    if p is None:
        p = _local.packer = msgpack.Packer(use_bin_type=True, unicode_errors="surrogateescape")
    return p


def pack_entry(time: EventTime, record: Record, *, time_as_integer: bool = False) -> bytes:
    """One ``[time, record]`` entry as PackedForward wants it, time as ext 0
    (or as integer seconds, Fluent Bit's ``time_as_integer`` for old peers)."""
    if time_as_integer:
        return packer().pack([time.sec, record])
    return _ENTRY_HEAD + _SEC_NSEC.pack(time.sec, time.nsec) + packer().pack(record)


def pack_entries(
    stream: Iterable[tuple[EventTime, Record]], *, time_as_integer: bool = False
) -> bytes:
    """Concatenated entries: the payload of a PackedForward message and the
    layout of a msgpack buffer chunk."""
    if time_as_integer:
        pack = packer().pack
        return b"".join([pack([t.sec, record]) for t, record in stream])
    return b"".join(pack_entry_list(stream))


def pack_entry_list(stream: Iterable[tuple[EventTime, Record]]) -> list[bytes]:
    """:func:`pack_entry` of each event, in one call (a buffer's per-event hot path)."""
    pack, head, sec_nsec = packer().pack, _ENTRY_HEAD, _SEC_NSEC.pack
    return [head + sec_nsec(t.sec, t.nsec) + pack(record) for t, record in stream]
