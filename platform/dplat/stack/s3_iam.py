"""s3-iam: an S3 that enforces IAM policies, for the lessons on permissions.

The main store (rclone locally) accepts any request signed with the stack's
one key and cannot deny by prefix, so per-team permissions are taught against
this second service, started on demand (`dplat up --with s3-iam`, or by a
lesson that lists it): moto's S3 and IAM behind one endpoint, with IAM
enforcement on from the first request. Every call must be signed by an IAM
user's access key and allowed by that user's policies; a denial is the
server's ``AccessDenied``, not a check in our code. Its policy language is
AWS's, which MinIO also speaks.

There is no root key: users are created inside moto's set-up window
(``POST /moto-api/reset-auth`` lets the next N calls through unsigned), which
:meth:`S3Iam.account_root` opens and always closes. State lives in memory
only: a restart forgets users, policies and objects, and :meth:`S3Iam.forget`
does the same on purpose.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dplat.stack.base import Build, Endpoint, Service
from dplat.stack.credentials import Credentials
from dplat.stack.faults import http_errors
from dplat.stack.s3 import REGION

SETUP_ROOT_KEY = "account-root"
"""Any key is accepted inside the set-up window; this one names the role in logs."""


class S3Iam(Service):
    name = "s3-iam"
    build = Build("bookworm")
    endpoints = (Endpoint("s3_iam", 5000, 9010, "http", "S3 + IAM API, policies enforced"),)
    memory = "256m"
    on_demand = True

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        return {"INITIAL_NO_AUTH_ACTION_COUNT": "0"}

    def client(
        self, service: str = "s3", access_key: str = SETUP_ROOT_KEY, secret_key: str = "-"
    ) -> Any:
        """A boto3 client for ``service`` ("s3" or "iam") signed with a user's key.

        Without a key it is only useful inside :meth:`account_root`.
        """
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.url(),
            region_name=REGION,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )

    def _moto_api(self, path: str, body: bytes | None = None) -> dict[str, Any]:
        # text/plain: with urllib's default (a form), moto would find no body.
        request = urllib.request.Request(
            f"{self.url()}/moto-api/{path}",
            data=body,
            method="POST" if body is not None else "GET",
            headers={"Content-Type": "text/plain"},
        )
        with (
            http_errors("moto's API", self.name, self.url(), request.method, f"/moto-api/{path}"),
            urllib.request.urlopen(request, timeout=10) as response,
        ):
            return json.loads(response.read() or b"{}")

    def probe(self) -> None:
        # moto's own API: it answers once the server is up and does not count
        # as an AWS action, so probing never uses up a set-up window.
        self._moto_api("data.json")

    @contextmanager
    def account_root(self, actions: int = 1000) -> Iterator[Callable[[str], Any]]:
        """Let the next ``actions`` calls through unsigned, as an account's root
        user would be allowed, and yield ``client(service)`` for them.

        The window is closed again (enforcement from the next call) even when
        the set-up fails, so no lesson can leave the store open.
        """
        self._moto_api("reset-auth", str(actions).encode())
        try:
            yield lambda service: self.client(service)
        finally:
            self._moto_api("reset-auth", b"0")

    def forget(self) -> None:
        """Drop every user, policy, bucket and object (moto's reset)."""
        self._moto_api("reset", b"")

    def exports(self) -> dict[str, str]:
        # Only the URL: the AWS_* variables stay the main store's, and the
        # keys are per user.
        return {"DPLAT_S3_IAM_URL": self.url()}

    def connection_info(self) -> dict[str, str]:
        return {
            "url": self.url(),
            "keys": "per IAM user (made by the lesson)",
            "state": "memory only",
        }
