"""``gs://BUCKET/key`` read from the sandbox's S3 store, bucket of the same name.

The sandbox has no Cloud Storage; its lake is the S3 stand-in. So a
``gs://datastaging/events/*.parquet`` URI (load jobs, external tables) is
read as ``s3://datastaging/events/*.parquet`` by DuckDB's httpfs extension,
at the endpoint and with the keys the container gets from compose
(``AWS_ENDPOINT_URL_S3``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_REGION``; the variables every AWS SDK reads). Chosen over reading via
boto3: DuckDB lists wildcards, reads only the row groups and columns a query
needs, and a view over ``read_parquet('s3://...')`` reads the objects that
exist at query time.

httpfs is loaded on first use only (:func:`configure`), not at start, so the
emulator starts as fast and as small as before.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

from bqemulator.domain.errors import InvalidQueryError

_configured = threading.Lock()
_done = False


def endpoint() -> str | None:
    """The S3 endpoint URL from the environment, or None when none is set."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


def to_s3(uri: str) -> str:
    """``gs://b/k`` as ``s3://b/k``; refused in BigQuery's words when no store is configured."""
    if not uri.startswith("gs://"):
        raise InvalidQueryError(f"Invalid source URI {uri!r}: this sandbox reads only gs://BUCKET/... URIs "
                                "(from the S3 store's bucket of the same name).", location=uri)
    if endpoint() is None:
        raise InvalidQueryError(
            "gs:// URIs are read from the sandbox's S3 store, but this emulator was started without one: "
            "set AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (dplat's compose file does).",
            location=uri)
    return "s3://" + uri[len("gs://"):]


def configure(connection: object) -> None:
    """Create DuckDB's S3 secret from the environment, once per process (loads httpfs)."""
    global _done
    with _configured:
        if _done:
            return
        url = urlsplit(endpoint() or "")
        if not url.netloc:
            raise InvalidQueryError("AWS_ENDPOINT_URL_S3 is not set; gs:// URIs cannot be read.")
        options = {
            "KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", ""),
            "SECRET": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
            "REGION": os.environ.get("AWS_REGION", "us-east-1"),
            "ENDPOINT": url.netloc,
            "URL_STYLE": "path",
            "USE_SSL": "true" if url.scheme == "https" else "false",
        }
        settings = ", ".join(f"{k} '{_quote(v)}'" if k != "USE_SSL" else f"{k} {v}" for k, v in options.items())
        connection.execute(f"CREATE OR REPLACE SECRET dplat_s3 (TYPE s3, {settings})")  # type: ignore[attr-defined]
        _done = True


def _quote(value: str) -> str:
    return value.replace("'", "''")
