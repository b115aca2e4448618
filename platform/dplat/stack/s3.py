"""S3: the object store that stands in for HDFS (staging and lake buckets).

Locally it is `rclone serve s3` behind a guard that refuses the operations
rclone would mishandle (images/s3/nginx.conf); upstream it is MinIO. Both are
spoken to the same way: SigV4, path-style URLs, region us-east-1.
"""

from __future__ import annotations

from typing import Any

from dplat.stack.base import Build, Endpoint, Service
from dplat.stack.credentials import Credentials

REGION = "us-east-1"
BUCKETS = ("datastaging", "datastore")
"""Created by the local image at start; scenarios may rely on them."""


class S3(Service):
    name = "s3"
    build = Build("bookworm")
    endpoints = (Endpoint("s3", 9000, 9000, "http", "S3 API"),)
    memory = "256m"
    secret_info = frozenset({"access_key", "secret_key"})

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        return {"S3_ACCESS_KEY": credentials.s3_access_key, "S3_SECRET_KEY": credentials.s3_secret_key}

    def client(self, **config: Any) -> Any:
        """A boto3 S3 client on this endpoint.

        Path-style, because a local endpoint has no per-bucket host names;
        SigV4 always, because boto3 would presign URLs with SigV2 in
        us-east-1 and neither store accepts that. ``config`` adds botocore
        Config options (e.g. ``max_pool_connections``).
        """
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.url(),
            region_name=REGION,
            aws_access_key_id=self.credentials.s3_access_key,
            aws_secret_access_key=self.credentials.s3_secret_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                retries={"max_attempts": 2, "mode": "standard"},
                **config,
            ),
        )

    def probe(self) -> None:
        # A signed request: it proves the keys work, not only that a port answers.
        self.client(read_timeout=5).list_buckets()

    def connection_info(self) -> dict[str, str]:
        return {
            "url": self.url(),
            "access_key": self.credentials.s3_access_key,
            "secret_key": self.credentials.s3_secret_key,
            "region": REGION,
            "buckets": ", ".join(BUCKETS),
        }

    def exports(self) -> dict[str, str]:
        # The variables every AWS SDK and the aws CLI read. The checksum one is
        # for pyarrow: its SDK otherwise uploads parts without Content-Length
        # (streamed checksums), which rclone refuses with 411; MinIO does not mind.
        return {
            "AWS_ACCESS_KEY_ID": self.credentials.s3_access_key,
            "AWS_SECRET_ACCESS_KEY": self.credentials.s3_secret_key,
            "AWS_ENDPOINT_URL_S3": self.url(),
            "AWS_REGION": REGION,
            "AWS_REQUEST_CHECKSUM_CALCULATION": "WHEN_REQUIRED",
        }
