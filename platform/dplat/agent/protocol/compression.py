"""Bounded gzip decompression for CompressedPackedForward.

``gzip.decompress`` would inflate a few kilobytes of hostile input into
gigabytes before we could object, so this inflates incrementally with
``zlib.decompressobj(max_length=...)`` and stops one byte past the limit.
Fluentd's out_forward may concatenate several gzip *members* (one per
buffered write), so members are read one after another until the input ends;
trailing zero padding is ignored as the gzip tool does.
"""

from __future__ import annotations

import zlib

from dplat.agent.protocol.errors import CorruptPayload, DecompressionLimit

_GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip header and trailer, not raw deflate
_SLICE = 256 * 1024


def gunzip(data: bytes, limit: int) -> bytes:
    """All gzip members of ``data`` inflated, at most ``limit`` bytes.

    Raises :class:`DecompressionLimit` past ``limit`` and
    :class:`CorruptPayload` for data that is not gzip or is cut short.
    Input goes in by slices: zlib copies whatever follows a member's end into
    ``unused_data``, which would make many small members cost quadratic time.
    """
    out: list[bytes] = []
    total = 0
    view = memoryview(data)
    pos = 0
    while pos < len(view) and any(view[pos:]):  # any(): stops at the next magic byte
        inflater = zlib.decompressobj(_GZIP_WBITS)
        while not inflater.eof:
            feed: bytes | memoryview = inflater.unconsumed_tail
            if not feed and pos < len(view):
                feed = view[pos : pos + _SLICE]
                pos += len(feed)
            try:
                # max_length=0 would mean "unlimited", hence the + 1.
                piece = inflater.decompress(feed, limit - total + 1)
            except zlib.error as exc:
                raise CorruptPayload(f"gzip data does not decode: {exc}") from exc
            total += len(piece)
            if total > limit:
                raise DecompressionLimit(f"gzip payload inflates past {limit} bytes")
            out.append(piece)
            if not feed and not piece and not inflater.eof:
                raise CorruptPayload("gzip data is cut short")
        pos -= len(inflater.unused_data)
    return b"".join(out)
