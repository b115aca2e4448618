"""The head of an S3 object, read without reading the object: `dplat head s3://...`.

A data engineer opening a file in the lake wants to know what is in it:
its columns and first rows. The object may be gigabytes, so nothing here
reads it whole, and what is read is bounded up front:

- **Parquet** (``PAR1`` at both ends): pyarrow reads the footer (schema, row
  groups) and the first row group's column chunks through ranged GETs
  (:class:`RangedObject`), nothing else. A first row group over
  :data:`MAX_ROW_GROUP_BYTES` compressed is not read: the schema is shown
  with a note saying why the rows are not.
- **CSV, NDJSON, text**: the first :data:`HEAD_BYTES` bytes (one ranged
  GET); a gzip object is inflated as far as that bound, no further. A last
  line cut by the bound is left out. CSV's first line is its header (RFC
  4180); NDJSON is one JSON object per line (https://github.com/ndjson/ndjson-spec).
- Anything else is **binary**: its size and first bytes in hex, never
  decoded as text.

pyarrow is imported only for a Parquet object (it weighs ~25 MiB).
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

from dplat.errors import DplatError
from dplat.settings import Settings
from dplat.stack import faults
from dplat.stack.browse import jsonable, object_url, ready

HEAD_BYTES = 64 * 1024
"""Bytes of a text object read (or inflated, for gzip) for its head."""
MAX_ROW_GROUP_BYTES = 16 * 1024**2
"""A Parquet head reads the first row group only when it is at most this big."""
HEX_BYTES = 64
PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Column:
    name: str
    type: str
    detail: str = ""
    """Mode (NULLABLE, REQUIRED, REPEATED), nullability or key: what the engine says."""


@dataclass
class Head:
    """What the first rows of something look like, and how much was read for it."""

    target: str
    kind: str  # parquet, csv, ndjson, text, binary, mysql table, bigquery table
    schema: list[Column] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    """A text object's first lines (kind ``text``), or hex for ``binary``."""
    properties: dict[str, str] = field(default_factory=dict)
    """Size, row count, partitioning and the like, in words."""
    note: str = ""
    """What was read, and what was left out."""

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "schema": [asdict(c) for c in self.schema],
            "columns": self.columns,
            "rows": [[jsonable(v) for v in row] for row in self.rows],
            "lines": self.lines,
            "properties": self.properties,
            "note": self.note,
        }


def size_words(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


class RangedObject(io.RawIOBase):
    """An S3 object as a seekable file that reads with ranged GETs, counting
    the bytes fetched: pyarrow reads the footer and the chunks it needs."""

    def __init__(self, s3: Any, bucket: str, key: str, size: int) -> None:
        self.s3, self.bucket, self.key, self.size = s3, bucket, key, size
        self.position = 0
        self.fetched = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self.size - self.position)
        if wanted <= 0:
            return 0
        end = self.position + wanted - 1
        body = self.s3.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={self.position}-{end}")
        data = body["Body"].read()
        buffer[: len(data)] = data
        self.position += len(data)
        self.fetched += len(data)
        return len(data)


def head(settings: Settings, url: str, rows: int = 20) -> Head:
    """The head of the object at ``url``: Parquet, CSV, NDJSON, text or binary."""
    bucket, key = object_url(url)
    service = ready(settings, "s3")
    # Only ranged GETs here, and the S3 stand-in answers one with the whole
    # object's checksum, which a part cannot match ("Expected checksum ... did
    # not match"): validate checksums only where the API requires it.
    s3 = service.client(response_checksum_validation="when_required")
    with faults.s3_errors(bucket, key, service.url()):
        size = int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
        first = b""
        if size:
            ranged = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{min(size, HEAD_BYTES) - 1}")
            first = ranged["Body"].read()
        properties = {"size": size_words(size)}
        if first.startswith(PARQUET_MAGIC) and size >= 12:
            return _parquet(RangedObject(s3, bucket, key, size), url, rows, properties)
    return _text_head(url, first, size, rows, properties)


def _parquet(source: RangedObject, url: str, rows: int, properties: dict[str, str]) -> Head:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BufferedReader(source, 64 * 1024))
    except Exception as exc:  # pyarrow's ArrowInvalid and kin: a broken footer
        raise DplatError(
            f"{url} starts like Parquet but its footer cannot be read: {exc}",
            fix=f"`dplat cat {url} | head -c 256 | xxd` shows its first bytes.",
        ) from exc
    meta = parquet.metadata
    schema = parquet.schema_arrow
    properties |= {"rows": str(meta.num_rows), "row groups": str(meta.num_row_groups)}
    found = Head(url, "parquet", [Column(f.name, str(f.type), "" if f.nullable else "REQUIRED") for f in schema],
                 properties=properties)
    if not meta.num_row_groups:
        found.note = "no row group: the file holds no rows"
        return found
    group = meta.row_group(0)
    group_bytes = sum(group.column(i).total_compressed_size for i in range(group.num_columns))
    if group_bytes > MAX_ROW_GROUP_BYTES:
        found.note = (
            f"rows not shown: the first row group is {size_words(group_bytes)} compressed, over the "
            f"{size_words(MAX_ROW_GROUP_BYTES)} a head reads; `dplat sql` or pyarrow with columns= reads less"
        )
        return found
    batch = next(parquet.iter_batches(batch_size=rows, row_groups=[0]), None)
    found.columns = schema.names
    found.rows = [tuple(r.values()) for r in batch.to_pylist()] if batch is not None else []
    found.note = (
        f"the first {len(found.rows)} of {meta.num_rows} rows; read {size_words(source.fetched)} "
        f"of {properties['size']} (the footer and the first row group)"
    )
    return found


def _inflate(first: bytes) -> tuple[bytes, bool]:
    """Inflate a gzip head as far as HEAD_BYTES; (data, whether that is all of it)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(first, HEAD_BYTES)
    except zlib.error:
        return first, False  # not really gzip: shown as binary below
    return data, inflater.eof and not inflater.unconsumed_tail


def _text_head(url: str, first: bytes, size: int, rows: int, properties: dict[str, str]) -> Head:
    whole = len(first) == size
    if first.startswith(GZIP_MAGIC):
        first, whole = _inflate(first)
        properties["compression"] = "gzip"
    try:
        text = first.decode()
    except UnicodeDecodeError as exc:
        # The bound may cut a character in two: up to the cut it is still text.
        if whole or exc.reason != "unexpected end of data":
            return _binary(url, first, properties)
        text = first[: exc.start].decode()
    if "\x00" in text:
        return _binary(url, first, properties)
    lines = text.splitlines()
    if not whole and lines:
        lines = lines[:-1]  # the bound may have cut the last line
    read = "the whole object" if whole else f"the first {size_words(len(first))}"
    name = url.removesuffix(".gz").lower()
    if name.endswith(".csv"):
        table = list(csv.reader(lines[: rows + 1]))
        found = Head(url, "csv", columns=table[0] if table else [], rows=[tuple(r) for r in table[1:]],
                     properties=properties)
        found.note = f"the first {len(found.rows)} rows (the first line is the header), from {read}"
        return found
    records = _json_lines(lines[:rows])
    if records is not None:
        columns = list(dict.fromkeys(k for record in records for k in record))
        found = Head(url, "ndjson", columns=columns, rows=[tuple(r.get(c) for c in columns) for r in records],
                     properties=properties)
        found.note = f"the first {len(records)} lines, one JSON object each, from {read}"
        return found
    found = Head(url, "text", lines=lines[:rows], properties=properties)
    found.note = f"the first {len(found.lines)} lines, from {read}"
    return found


def _json_lines(lines: list[str]) -> list[dict[str, Any]] | None:
    """The lines as JSON objects, or None when one is not (then it is text)."""
    records = []
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        records.append(record)
    return records or None


def _binary(url: str, first: bytes, properties: dict[str, str]) -> Head:
    shown = first[:HEX_BYTES]
    hexed = [shown[i : i + 16].hex(" ") for i in range(0, len(shown), 16)]
    return Head(url, "binary", lines=hexed, properties=properties,
                note=f"binary: not text, so its first {len(shown)} bytes in hex")
