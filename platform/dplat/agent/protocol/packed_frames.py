"""PackedForward frames taken off the byte stream without decoding their
entries as text.

Fluentd's out_forward sends a chunk as ``[tag, <str32 entries>, option]``:
the entries, themselves msgpack, travel as a *string*. A msgpack Unpacker
with ``raw=False`` (which Message mode needs, for its records' strings)
decodes that string as UTF-8, and since binary msgpack is mostly not valid
UTF-8, ``surrogateescape`` handles one byte in five (the event times, the
integers) on a slow path; the message then encodes it back to bytes. For a
1000-event chunk of ~100-byte records that round trip took ~230 us, a tenth
of the agent's whole cost per event (benchmarks/agent_forward.py, Dec 2026).

So at a frame boundary the decoder looks at the next bytes itself: when
they start ``[tag, <str or bin>`` (a fixarray of 2 or 3, a fixstr or str8
tag, a str/bin header), :class:`PackedFrame` copies the entries as bytes,
reads the small option map with an Unpacker of its own, and hands
``[tag, entries, option]`` to ``interpret``: the same object the stream's
Unpacker would have made, with the entries as bytes (which ``interpret``
takes as they are). Any other shape, or a header split across reads, takes
the Unpacker's way; limits are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dplat.agent.protocol.eventtime import new_unpacker

_BLOB_LENGTH_BYTES = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}
"""str8/16/32 and bin8/16/32 headers: how many length bytes follow."""
OPTION_SLICE = 4096
"""The option map is fed to its Unpacker this many bytes at a time, so the
frames behind it stay on the fast path instead of being copied into it."""


@dataclass(frozen=True)
class Head:
    """``[tag, <blob header>`` as read from the stream."""

    tag: str
    items: int
    """2 (no option) or 3."""
    length: int
    """Bytes of the header: array, tag, blob header."""
    blob_length: int


def parse_head(view: memoryview, offset: int) -> Head | None:
    """The head of a PackedForward frame at ``view[offset:]``; None when the
    bytes there are something else or the head is not all there yet."""
    end = len(view)
    if end - offset < 4 or view[offset] not in (0x92, 0x93):
        return None
    position = offset + 1
    kind = view[position]
    if 0xA0 <= kind <= 0xBF:  # fixstr
        tag_length, position = kind - 0xA0, position + 1
    elif kind == 0xD9 and position + 1 < end:  # str8
        tag_length, position = view[position + 1], position + 2
    else:
        return None
    tag_start, position = position, position + tag_length
    if position >= end:
        return None
    size = _BLOB_LENGTH_BYTES.get(view[position])
    if size is None or position + 1 + size > end:
        return None
    blob_length = int.from_bytes(view[position + 1 : position + 1 + size], "big")
    tag = bytes(view[tag_start : tag_start + tag_length]).decode("utf-8", "surrogateescape")
    return Head(tag, view[offset] - 0x90, position + 1 + size - offset, blob_length)


class PackedFrame:
    """One PackedForward frame being taken off the stream, its head read."""

    def __init__(self, head: Head, limit: int, entries_limit: int) -> None:
        self.head = head
        self._whole: bytes | None = b"" if head.blob_length == 0 else None
        self._parts = bytearray()
        self._options: Any = None
        self._option_room = max(limit - head.length - head.blob_length, 1)
        self._entries_limit = entries_limit
        self.option_bytes = 0
        """Bytes given to the option's Unpacker so far."""

    @property
    def buffered(self) -> int:
        """Bytes of the frame held so far."""
        blob = len(self._whole) if self._whole is not None else len(self._parts)
        return self.head.length + blob + self.option_bytes

    @property
    def blob_missing(self) -> int:
        return 0 if self._whole is not None else self.head.blob_length - len(self._parts)

    def take(self, view: memoryview, offset: int) -> tuple[int, list[Any] | None, int]:
        """Take this frame's bytes from ``view[offset:]`` (after its head):
        how many were taken and, once the frame is complete, the object and
        its size as sent. Raises ValueError (msgpack's) for a bad option and
        OverflowError for one past the frame's room under the limit."""
        used = 0
        missing = self.blob_missing
        if missing:
            if not self._parts and len(view) - offset >= missing:
                self._whole = bytes(view[offset : offset + missing])  # one copy
            else:
                self._parts += view[offset : offset + missing]
            used = min(missing, len(view) - offset)
            if self.blob_missing:
                return used, None, 0
            if self._whole is None:
                self._whole, self._parts = bytes(self._parts), bytearray()
        head = self.head
        frame: list[Any] = [head.tag, self._whole]
        size = head.length + head.blob_length
        if head.items == 2:
            return used, frame, size
        if self._options is None:
            self._options = new_unpacker(self._option_room, self._entries_limit)
        while offset + used < len(view):
            room = self._option_room - self.option_bytes
            if room <= 0:  # as the Unpacker's way: the frame reached chunk_size_limit
                raise OverflowError("the option map passes chunk_size_limit")
            piece = view[offset + used : offset + used + min(OPTION_SLICE, room)]
            before = self.option_bytes
            self._options.feed(piece)
            self.option_bytes += len(piece)
            for option in self._options:
                taken = self._options.tell()
                return used + taken - before, [*frame, option], size + taken
            used += len(piece)
        return used, None, 0
