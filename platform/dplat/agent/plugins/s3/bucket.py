"""The few S3 calls out_s3 makes, with botocore's errors mapped to ours.

boto3 is blocking, so every method here runs in a worker thread
(``asyncio.to_thread``); a boto3 client is thread-safe, a ``Bucket`` holds
only the client and the bucket name.

Errors (the boundary where botocore's exceptions become dplat's)::

    Exception
     ├── S3Error               retry later: connection refused or reset, timeouts,
     │    │                    5xx, SlowDown, bad credentials (they may be fixed),
     │    │                    NoSuchBucket (someone may create it) - Fluentd's
     │    │                    out_s3 retries every failed upload the same way
     │    └── S3SetupError     credentials or bucket unusable: at start the agent
     │                         does not start (Fluentd's out_s3 raises in #start);
     │                         a bucket that vanished later is retried
     └── UnrecoverableError    S3 refuses this request for good (invalid key or
                               bucket name, object too large): no retry; the
                               chunk goes to <secondary> or is discarded, logged

Object tagging is never sent: dplat's S3 stand-in (rclone) overwrites the
object's data when asked to tag it (DESIGN, "Measured limits").
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dplat.agent.buffer.errors import UnrecoverableError

PERMANENT_CODES = frozenset({
    "InvalidBucketName", "KeyTooLongError", "EntityTooLarge", "InvalidArgument",
    "InvalidObjectName", "InvalidStorageClass", "MetadataTooLarge", "InvalidEncryptionAlgorithmError",
})
"""Error codes that mean "this exact request can never succeed"."""

MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


class S3Error(Exception):
    """An S3 call failed in a way a later retry may fix. ``code`` is S3's
    error code (or botocore's exception name), ``status`` the HTTP status
    (0 when no answer came)."""

    def __init__(self, message: str, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    @property
    def refused(self) -> bool:
        """S3 answered and said no (4xx), rather than not answering or failing."""
        return 400 <= self.status < 500


class S3SetupError(S3Error):
    """Wrong credentials or region, or a missing bucket we may not create."""


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def mapped(exc: Exception, action: str) -> Exception:
    """Our error for a botocore exception raised while doing ``action``."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", "") or str(exc)
        text = f"S3 {action} failed: {code}: {message}"
        if code in PERMANENT_CODES:
            return UnrecoverableError(text)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return S3Error(text, code, int(status or 0))
    if isinstance(exc, BotoCoreError):
        return S3Error(f"S3 {action} failed: {exc}", type(exc).__name__)
    return exc


class Bucket:
    """One bucket through a boto3 S3 client."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def object_exists(self, key: str) -> bool:
        """HEAD the key (``check_object``)."""
        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise mapped(exc, f"HEAD {key}") from exc
        except BotoCoreError as exc:
            raise mapped(exc, f"HEAD {key}") from exc
        return True

    def exists(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.name)
        except ClientError as exc:
            if error_code(exc) in MISSING_CODES:
                return False
            raise mapped(exc, f"HEAD bucket {self.name}") from exc
        except BotoCoreError as exc:
            raise mapped(exc, f"HEAD bucket {self.name}") from exc
        return True

    def create(self, region: str) -> None:
        """Create the bucket; one that already exists (a race with another
        writer) is fine."""
        options: dict[str, Any] = {"Bucket": self.name}
        if region and region != "us-east-1":  # us-east-1 refuses an explicit constraint
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(**options)
        except ClientError as exc:
            if error_code(exc) in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                return
            raise mapped(exc, f"create bucket {self.name}") from exc
        except BotoCoreError as exc:
            raise mapped(exc, f"create bucket {self.name}") from exc

    def check_access(self, prefix: str) -> None:
        """List at most one key: proves credentials and region work (Fluentd's
        ``check_apikey_on_start``). A missing bucket is left to ``ensure``."""
        try:
            self.client.list_objects_v2(Bucket=self.name, Prefix=prefix, MaxKeys=1)
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucket":
                return
            raise mapped(exc, "ListObjects") from exc
        except BotoCoreError as exc:
            raise mapped(exc, "ListObjects") from exc

    def put(self, key: str, body: bytes, content_type: str, **options: Any) -> None:
        if "Tagging" in options:
            raise UnrecoverableError("BUG: object tagging must never be sent to S3 (it "
                                     "overwrites the object's data on dplat's stand-in)")
        try:
            self.client.put_object(Bucket=self.name, Key=key, Body=body,
                                   ContentType=content_type, **options)
        except (ClientError, BotoCoreError) as exc:
            raise mapped(exc, f"PUT {key}") from exc
