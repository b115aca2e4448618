"""Look at data without writing client code: `dplat sql`, `dplat ls`, `dplat cat`.

Each function returns a typed result (a dataclass with ``to_json``) that the
CLI prints as a table, JSON or CSV; each client call runs under its mapping in
:mod:`dplat.stack.faults`, so a missing table, bucket or key reaches the user
as a cause and a fix, never as the client library's exception.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from dplat.errors import DplatError
from dplat.settings import Settings
from dplat.stack import catalogue, faults
from dplat.stack.base import Service
from dplat.stack.lifecycle import stack_credentials


def jsonable(value: Any) -> Any:
    """A database value as JSON can carry it without loss: times as ISO 8601
    text, NUMERIC/DECIMAL as text (a float would round it), bytes as UTF-8
    text when they are, else base64."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode()
        except UnicodeDecodeError:
            return base64.b64encode(value).decode()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@dataclass
class Rows:
    """A query's answer: column names and rows in the database's order."""

    engine: str
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def to_json(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "columns": self.columns,
            "rows": [
                {c: jsonable(v) for c, v in zip(self.columns, row, strict=True)}
                for row in self.rows
            ],
        }


@dataclass
class Entry:
    """One line of `dplat ls`: a bucket, a common prefix or an object."""

    url: str
    kind: str  # bucket, prefix or object
    bytes: int | None = None
    modified: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "bytes": self.bytes,
            "modified": self.modified.isoformat() if self.modified else None,
        }


@dataclass
class Listing:
    url: str
    entries: list[Entry]

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "entries": [e.to_json() for e in self.entries]}


def ready(settings: Settings, name: str) -> Service:
    """The service ``name``, once its probe passes; StackNotRunning otherwise."""
    service = catalogue.by_name(settings, stack_credentials(settings), name)
    try:
        service.probe()
    except Exception as exc:  # any failed probe means the service does not answer
        raise faults.not_answering(name, service.url(), exc) from exc
    return service


@contextlib.contextmanager
def mysql_connection(settings: Settings) -> Iterator[Any]:
    """A connection to the stack's MySQL, closed after; its errors in words."""
    service = ready(settings, "mysql")
    with faults.mysql_errors(service.url()):
        connection = service.client()
        try:
            yield connection
        finally:
            connection.close()


def sql(settings: Settings, engine: str, query: str) -> Rows:
    if engine == "mysql":
        with mysql_connection(settings) as connection:
            cursor = connection.cursor()
            cursor.execute(query)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall() if cursor.description else []
            connection.commit()
        return Rows(engine, columns, [tuple(r) for r in rows])
    if engine == "bigquery":
        service = ready(settings, "bigquery")
        with faults.bigquery_errors(service.url()):
            result = service.client().query(query).result()
            return Rows(
                engine, [f.name for f in result.schema], [tuple(r.values()) for r in result]
            )
    raise DplatError(
        f"unknown engine {engine!r}", fix="Use `dplat sql mysql ...` or `dplat sql bigquery ...`."
    )


def split_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise DplatError(f"{url!r} is not an s3:// URL", fix="Write it as s3://bucket/prefix.")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def ls(settings: Settings, url: str, recursive: bool = False) -> Listing:
    """Objects and common prefixes under ``url``, like `hdfs dfs -ls`."""
    bucket, prefix = split_url(url)
    service = ready(settings, "s3")
    s3 = service.client()
    with faults.s3_errors(bucket, prefix, service.url()):
        if not bucket:
            names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
            return Listing(url, [Entry(f"s3://{name}", "bucket") for name in names])
        kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if not recursive:
            kwargs["Delimiter"] = "/"
        entries: list[Entry] = []
        for page in s3.get_paginator("list_objects_v2").paginate(**kwargs):
            entries += [
                Entry(f"s3://{bucket}/{p['Prefix']}", "prefix")
                for p in page.get("CommonPrefixes", [])
            ]
            entries += [
                Entry(f"s3://{bucket}/{o['Key']}", "object", o["Size"], o["LastModified"])
                for o in page.get("Contents", [])
            ]
    return Listing(url, entries)


def object_url(url: str) -> tuple[str, str]:
    """The bucket and key of an s3:// URL that must name one object."""
    bucket, key = split_url(url)
    if not bucket or not key or key.endswith("/"):
        raise DplatError(
            f"{url} names no object",
            fix=f"`dplat ls {url if bucket else 's3://'}` lists the keys to give.",
        )
    return bucket, key


def cat(settings: Settings, url: str) -> bytes:
    """An object's content, gunzipped when it is gzip."""
    bucket, key = object_url(url)
    service = ready(settings, "s3")
    with faults.s3_errors(bucket, key, service.url()):
        body = service.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
