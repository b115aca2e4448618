"""Cutting a JSON-framed forward stream into top-level values.

The Go logger's ``MarshalAsJSON`` sends ``["tag",time,{record},{option}]``
values back to back. ``json.JSONDecoder.raw_decode`` cannot tell a value that
is cut short by the end of a read from one that is broken, so instead we only
*find the end* of each top-level value (bracket depth, strings and escapes)
and leave parsing to ``json.loads``. A broken value is then a bad message
the connection can skip, not a stream that hangs or must close. The scan
resumes where it stopped, so a large value split over many reads costs
linear time. UTF-8 never puts ASCII bytes inside a multibyte character, so
scanning bytes for ``[]{}"\\`` is safe.
"""

from __future__ import annotations

import re

from dplat.agent.protocol.errors import FrameTooLarge

_STRUCTURAL = re.compile(rb'[\[\]{}"]')
_STRING_SPECIAL = re.compile(rb'["\\]')
_NOT_SPACE = re.compile(rb"\S")
_SCALAR_END = re.compile(rb'[\s\[\]{}"]')
_OPEN = b"[{"
_QUOTE = 0x22
_BACKSLASH = 0x5C


class JsonFramer:
    """Incremental splitter of a byte stream into top-level JSON texts.

    States: between values (``_start < 0``); inside a container
    (``_depth > 0``); inside a string (``_in_string``, at any depth); inside a
    top-level scalar such as ``null`` (``_depth == 0`` and ``_start >= 0``),
    which ends only at the next delimiter.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._buf = bytearray()
        self._pos = 0  # where scanning resumes
        self._start = -1  # start of the value being scanned, -1 between values
        self._depth = 0
        self._in_string = False

    @property
    def buffered(self) -> int:
        """Bytes held for the value still arriving."""
        return len(self._buf)

    def feed(
        self, data: bytes | bytearray | memoryview
    ) -> tuple[list[bytearray], FrameTooLarge | None]:
        """The values completed by ``data``, as raw bytes, in order, and the
        error that stopped the scan if a value exceeds the limit (the values
        before it are still returned; the framer is unusable afterwards)."""
        buf = self._buf
        buf += data
        frames: list[bytearray] = []
        limit = self._limit
        pos, start, depth, in_string = self._pos, self._start, self._depth, self._in_string
        end = len(buf)
        while pos < end:
            if in_string:
                m = _STRING_SPECIAL.search(buf, pos)
                if m is None:
                    pos = end
                    break
                at = m.start()
                if buf[at] == _BACKSLASH:
                    if at + 1 >= end:  # the escaped byte is in the next read
                        pos = at
                        break
                    pos = at + 2
                    continue
                in_string = False
                pos = at + 1
                if depth == 0:
                    if pos - start > limit:
                        return frames, self._too_large()
                    frames.append(buf[start:pos])
                    start = -1
            elif depth:
                m = _STRUCTURAL.search(buf, pos)
                if m is None:
                    pos = end
                    break
                byte = buf[m.start()]
                pos = m.end()
                if byte == _QUOTE:
                    in_string = True
                elif byte in _OPEN:
                    depth += 1
                else:
                    depth -= 1
                    if depth == 0:
                        if pos - start > limit:
                            return frames, self._too_large()
                        frames.append(buf[start:pos])
                        start = -1
            elif start >= 0:  # a top-level scalar: ends at a delimiter
                m = _SCALAR_END.search(buf, pos)
                if m is None:
                    pos = end
                    break
                pos = m.start()
                if pos - start > limit:
                    return frames, self._too_large()
                frames.append(buf[start:pos])
                start = -1
            else:  # between values
                m = _NOT_SPACE.search(buf, pos)
                if m is None:
                    pos = end
                    break
                start = m.start()
                byte = buf[start]
                pos = start + 1
                if byte in _OPEN:
                    depth = 1
                elif byte == _QUOTE:
                    in_string = True
                elif byte in b"]}":  # a stray closer: its own (invalid) value
                    frames.append(buf[start:pos])
                    start = -1
                else:
                    pos = start  # rescan it as a scalar
        keep = start if start >= 0 else pos
        del buf[:keep]
        self._pos, self._depth, self._in_string = pos - keep, depth, in_string
        self._start = start - keep if start >= 0 else -1
        if start >= 0 and len(buf) > limit:
            return frames, self._too_large()
        return frames, None

    def _too_large(self) -> FrameTooLarge:
        return FrameTooLarge(f"a JSON value is larger than chunk_size_limit {self._limit}")
