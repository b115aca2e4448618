"""The ``.meta`` file next to a chunk body, as Fluentd's buf_file writes it
(the names of both files: chunk_names.py).

    <body name>.meta                     b"\xc1\x00" + uint32 BE length + msgpack map

The map is Fluentd's ``{timekey, tag, variables, seq, id, s, c, m}``: the
chunk's metadata, ``seq`` (always 0 on disk), ``id`` the 16 raw id bytes,
``s`` the record count, ``c``/``m`` created/modified in Unix seconds. We add
``bytesize``, the committed body length, which lets a resume cut off an
interrupted append; Fluentd ignores keys it does not know, and a Fluentd
meta without it means "the whole body" (Fluentd's own reading).
"""


from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from dplat.agent.buffer.errors import BufferingError
from dplat.agent.buffer.metadata import Metadata, hashable
from dplat.agent.protocol.eventtime import packer, unpackb

META_HEADER = b"\xc1\x00"
"""0xc1 is the one byte msgpack never uses, so a meta with this header cannot
be mistaken for Fluentd's older header-less meta (the bare map)."""

_LENGTH = struct.Struct(">I")


class ChunkFileError(BufferingError):
    """A chunk's files cannot be resumed: unreadable meta, or a body shorter
    than what was committed. The buffer moves such files to its backup dir."""


@dataclass(frozen=True)
class ChunkMeta:
    """What a ``.meta`` file says about its body."""

    metadata: Metadata
    unique_id: bytes
    records: int
    created_at: int
    modified_at: int
    bytesize: int | None = None
    """Committed body length; None in chunks Fluentd wrote (the whole body counts)."""

    def encode(self) -> bytes:
        m = self.metadata
        body = packer().pack({
            "timekey": m.timekey,
            "tag": m.tag,
            "variables": dict(m.variables) if m.variables else None,
            "seq": 0,
            "id": self.unique_id,
            "s": self.records,
            "c": self.created_at,
            "m": self.modified_at,
            "bytesize": self.bytesize,
        })
        return META_HEADER + _LENGTH.pack(len(body)) + body

    @classmethod
    def decode(cls, data: bytes) -> ChunkMeta:
        """Fluentd's checks: an id, positive created/modified times; plus
        type checks, since the bytes come from a disk after a crash."""
        fields = _unpack_meta(data)
        unique_id = fields.get("id")
        if not isinstance(unique_id, bytes) or not unique_id:
            raise ChunkFileError("invalid unique_id in meta")
        created, modified = fields.get("c"), fields.get("m")
        if not _positive(created) or not _positive(modified):
            raise ChunkFileError("invalid created_at/modified_at in meta")
        timekey, tag = fields.get("timekey"), fields.get("tag")
        variables = fields.get("variables") or {}
        records, bytesize = fields.get("s") or 0, fields.get("bytesize")
        if (not isinstance(timekey, int | None) or not isinstance(tag, str | None)
                or not isinstance(variables, dict) or not isinstance(records, int)
                or not isinstance(bytesize, int | None) or records < 0
                or (bytesize is not None and bytesize < 0)):
            raise ChunkFileError("meta fields have unexpected types")
        metadata = Metadata(timekey, tag, tuple((str(k), hashable(v)) for k, v in variables.items()))
        return cls(metadata, unique_id, records, int(created), int(modified), bytesize)


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and value > 0


def _unpack_meta(data: bytes) -> dict[Any, Any]:
    if len(data) > 6 and data[:2] == META_HEADER:
        (length,) = _LENGTH.unpack_from(data, 2)
        body = data[6:6 + length]
        if len(body) < length:
            raise ChunkFileError(f"meta cut short: {len(body)} of {length} bytes")
    else:
        body = data  # Fluentd's older format: the map alone
    try:
        fields = unpackb(body)
    except Exception as exc:  # any msgpack failure means the same: unreadable
        raise ChunkFileError(f"meta is not readable msgpack ({type(exc).__name__}: {exc})") from exc
    if not isinstance(fields, dict):
        raise ChunkFileError("meta is not a map")
    return fields


def read_meta(meta_path: str) -> ChunkMeta | None:
    try:
        with open(meta_path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return None
    return ChunkMeta.decode(data)
