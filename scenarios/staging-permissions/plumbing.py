"""What the steps need around boto3: one attempted call and its outcome as the
server answered it, and reading objects back. None of it decides a permission:
every allow and deny in this lesson is the store's answer. (Reading a whole
prefix back is dplat.scenario.s3objects.read_prefix.)"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

DENIED = ("AccessDenied", 403)
"""S3's answer to a signed request its policies do not allow: code and HTTP status."""


@dataclass(frozen=True)
class Attempt:
    """A call as the server answered it: an error code and HTTP status, or success."""

    code: str
    status: int
    message: str = ""
    request_id: str = ""

    @property
    def answer(self) -> tuple[str, int]:
        return self.code, self.status

    def __str__(self) -> str:
        said = f": {self.message}" if self.message else ""
        return f"{self.code} (HTTP {self.status}){said} [request {self.request_id or '-'}]"


def attempt(call: Callable[[], Any]) -> Attempt:
    """Make one call and keep the server's answer instead of raising it.

    A ClientError is an HTTP response the server sent (with its request id);
    a connection error is not, and is raised, so it is never mistaken for a
    denial.
    """
    try:
        response = call()
    except ClientError as exc:
        meta = exc.response.get("ResponseMetadata", {})
        error = exc.response.get("Error", {})
        return Attempt(str(error.get("Code")), int(meta.get("HTTPStatusCode", 0)),
                       str(error.get("Message") or ""), str(meta.get("RequestId") or ""))
    meta = response.get("ResponseMetadata", {}) if isinstance(response, dict) else {}
    return Attempt("OK", int(meta.get("HTTPStatusCode", 200)), "",
                   str(meta.get("RequestId") or ""))


def read_keys(s3: Any, bucket: str, keys: list[str]) -> dict[str, bytes | str]:
    """Each key's bytes by GetObject alone (a team may not list the staging
    bucket), or the server's error code when it cannot be read."""
    found: dict[str, bytes | str] = {}
    for key in keys:
        try:
            found[key] = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            found[key] = str(exc.response.get("Error", {}).get("Code"))
    return found


def exists(s3: Any, bucket: str, key: str) -> bool:
    """Whether the key exists (HeadObject: 404 means no such object)."""
    answer = attempt(lambda: s3.head_object(Bucket=bucket, Key=key))
    if answer.status == 404:
        return False
    if answer.code != "OK":
        raise RuntimeError(f"HeadObject s3://{bucket}/{key}: {answer}")
    return True


def table(rows: list[tuple[Any, ...]]) -> str:
    """Rows as aligned text columns, for ``ctx.show``."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def fingerprint(objects: dict[str, bytes | str]) -> dict[str, str]:
    """Per key, its size and SHA-256 (or the error code it was read with):
    a check can compare bytes exactly without printing them."""
    return {key: (f"{len(body)} bytes sha256:{hashlib.sha256(body).hexdigest()[:16]}"
                  if isinstance(body, bytes) else body) for key, body in objects.items()}
