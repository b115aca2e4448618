"""Lessons' S3 work under a prefix: list it, read it back, clear it.

Every lesson that stages data checks what *really* landed in the store, and
each had its own paginated listing loop. These few functions are that loop,
once, for any boto3 S3 client (a lesson's own, or one acting as a role whose
policy the store enforces: nothing here swallows a denial).

Reads and deletes run a few requests at a time (the stores answer small
requests in about a millisecond each, so a lesson with hundreds of objects
waits on round trips, not on the server). Deletes are one DeleteObject per
key: the one delete every S3 store implements alike (DeleteObjects needs
Content-MD5 or checksum headers that stand-ins treat differently).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

PARALLEL = 8
"""Requests in flight at once for reads and deletes."""


def listing(s3: Any, bucket: str, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every object under ``prefix``, by key (sorted): ListObjectsV2's entry
    (``ETag``, ``Size``, ``LastModified``...), across all pages."""
    found: dict[str, dict[str, Any]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.update({item["Key"]: item for item in page.get("Contents", [])})
    return dict(sorted(found.items()))


def keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    """The keys under ``prefix``, sorted."""
    return list(listing(s3, bucket, prefix))


def etags(s3: Any, bucket: str, prefix: str = "") -> dict[str, str]:
    """Key -> ETag without quotes (the MD5 of a single-part object's bytes)."""
    return {key: item["ETag"].strip('"') for key, item in listing(s3, bucket, prefix).items()}


def _each(work: Callable[[str], T], names: Iterable[str]) -> dict[str, T]:
    names = list(names)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(zip(names, pool.map(work, names), strict=True))


def read(s3: Any, bucket: str, names: Iterable[str], *, gunzip: bool = False) -> dict[str, bytes]:
    """Each key's bytes, in the order given (GetObject alone: no listing needed).
    With ``gunzip``, keys ending in ``.gz`` are decompressed."""

    def fetch(key: str) -> bytes:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return gzip.decompress(body) if gunzip and key.endswith(".gz") else body

    return _each(fetch, names)


def read_prefix(s3: Any, bucket: str, prefix: str = "", *,
                gunzip: bool = False) -> dict[str, bytes]:
    """Every object under ``prefix`` -> its bytes, by sorted key (needs
    ListBucket and GetObject)."""
    return read(s3, bucket, keys(s3, bucket, prefix), gunzip=gunzip)


def lines(body: bytes) -> list[bytes]:
    """The non-blank lines of a JSON-lines (or any line-based) object."""
    return [line for line in body.splitlines() if line.strip()]


def delete(s3: Any, bucket: str, names: Iterable[str]) -> list[str]:
    """Delete these keys; return them. Several at once, so when the order
    matters (a marker first), call once per group."""
    done = _each(lambda key: s3.delete_object(Bucket=bucket, Key=key), names)
    return list(done)


def delete_prefix(s3: Any, bucket: str, prefix: str) -> list[str]:
    """Delete every object under ``prefix``; return their keys, sorted. An
    empty prefix is refused: clearing a whole bucket is never a lesson's reset."""
    if not prefix:
        raise ValueError(f"refusing to delete everything in bucket {bucket!r}: give a prefix")
    return delete(s3, bucket, keys(s3, bucket, prefix))
