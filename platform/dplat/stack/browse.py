"""Look at data without writing client code: `dplat sql`, `dplat ls`, `dplat cat`."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Any

from dplat.errors import DplatError, StackNotRunning
from dplat.settings import Settings
from dplat.stack import catalogue
from dplat.stack.lifecycle import stack_credentials


@dataclass
class Rows:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def _service(settings: Settings, name: str) -> Any:
    service = catalogue.by_name(settings, stack_credentials(settings), name)
    try:
        service.probe()
    except Exception as exc:
        raise StackNotRunning(f"{name} does not answer on {service.url()}: {exc}") from exc
    return service


def sql(settings: Settings, engine: str, query: str) -> Rows:
    if engine == "mysql":
        connection = _service(settings, "mysql").client()
        try:
            cursor = connection.cursor()
            cursor.execute(query)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall() if cursor.description else []
            connection.commit()
            return Rows(columns, [tuple(r) for r in rows])
        finally:
            connection.close()
    if engine == "bigquery":
        from google.api_core import exceptions

        client = _service(settings, "bigquery").client()
        try:
            result = client.query(query).result()
        except exceptions.GoogleAPICallError as exc:
            raise DplatError(
                f"BigQuery refused the query: {exc.message}", fix="Check the SQL."
            ) from exc
        return Rows([f.name for f in result.schema], [tuple(r.values()) for r in result])
    raise DplatError(
        f"unknown engine {engine!r}", fix="Use `dplat sql mysql ...` or `dplat sql bigquery ...`."
    )


def split_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise DplatError(f"{url!r} is not an s3:// URL", fix="Write it as s3://bucket/prefix.")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def ls(settings: Settings, url: str, recursive: bool = False) -> Rows:
    """Objects and common prefixes under ``url``, like `hdfs dfs -ls`."""
    bucket, prefix = split_url(url)
    s3 = _service(settings, "s3").client()
    if not bucket:
        return Rows(["bucket"], [(b["Name"],) for b in s3.list_buckets()["Buckets"]])
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if not recursive:
        kwargs["Delimiter"] = "/"
    rows: list[tuple[Any, ...]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(**kwargs):
        rows += [(f"s3://{bucket}/{p['Prefix']}", "", "") for p in page.get("CommonPrefixes", [])]
        rows += [
            (
                f"s3://{bucket}/{o['Key']}",
                o["Size"],
                o["LastModified"].strftime("%Y-%m-%d %H:%M:%S"),
            )
            for o in page.get("Contents", [])
        ]
    return Rows(["object", "bytes", "modified (UTC)"], rows)


def cat(settings: Settings, url: str) -> bytes:
    """An object's content, gunzipped when it is gzip."""
    bucket, key = split_url(url)
    s3 = _service(settings, "s3").client()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
