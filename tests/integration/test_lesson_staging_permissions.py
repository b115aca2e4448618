"""The lesson's roles (roles.py) applied to a real s3-iam, without the rest of
the stack: IAM reads back what was written, and the store's answers agree
with the who-may-do-what matrix the unit tests check on paper."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.stack.s3_iam import S3Iam
from tests.unit.test_lesson_staging_permissions import MATRIX

pytestmark = pytest.mark.integration

FOLDER = scenarios_dir() / "staging-permissions"
roles = catalog.lesson_module(FOLDER, "roles")


@pytest.fixture(scope="module")
def keys(service_factory: Any) -> tuple[S3Iam, dict[str, dict[str, str]]]:
    store = service_factory(S3Iam).service
    store.forget()
    with store.account_root() as root:
        for bucket in roles.BUCKETS:
            root("s3").create_bucket(Bucket=bucket)
        made = roles.create(root("iam"))
        root("s3").put_object(Bucket="datastore", Key="daily_revenue/dt=1/p", Body=b"{}\n")
    return store, made


def test_iam_reads_back_what_the_lesson_wrote(keys: tuple[S3Iam, dict[str, Any]]) -> None:
    store, made = keys
    assert roles.read_back(store.client("iam", **made["admin"])) == roles.described(made)


S3_CALLS = {"s3:PutObject": "put_object", "s3:GetObject": "get_object",
            "s3:DeleteObject": "delete_object"}


@pytest.mark.parametrize(("user", "action", "resource", "allowed"),
                         [row for row in MATRIX if row[1] in S3_CALLS])
def test_the_store_answers_as_the_matrix_says(keys: tuple[S3Iam, dict[str, Any]], user: str,
                                              action: str, resource: str, allowed: bool) -> None:
    store, made = keys
    bucket, _, key = resource.removeprefix("arn:aws:s3:::").partition("/")
    s3 = store.client("s3", **made[user])
    if action == "s3:GetObject":  # something to read, written by the admin
        store.client("s3", **made["admin"]).put_object(Bucket=bucket, Key=key, Body=b"{}\n")
    extra = {"Body": b"{}\n"} if action == "s3:PutObject" else {}
    try:
        getattr(s3, S3_CALLS[action])(Bucket=bucket, Key=key, **extra)
        answer = "OK"
    except ClientError as exc:
        answer = exc.response["Error"]["Code"]
    assert answer == ("OK" if allowed else "AccessDenied")
