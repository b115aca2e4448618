"""The s3-iam image: IAM policies enforced by the server, spoken to with boto3.

These are the guarantees the staging-permissions lesson stands on: no call
goes through without a known user's key, a policy's prefix really limits
writes (the denial is the server's AccessDenied), and the set-up window
closes again even when the set-up fails.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dplat.stack.s3_iam import S3Iam

pytestmark = pytest.mark.integration


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def store(service_factory: Any) -> S3Iam:
    return service_factory(S3Iam).service


@pytest.fixture()
def team_key(store: S3Iam) -> dict[str, str]:
    """A fresh store with bucket ``staging`` and a user who may write only under ``team-a/``."""
    store.forget()
    with store.account_root() as root:
        root("s3").create_bucket(Bucket="staging")
        iam = root("iam")
        iam.create_user(UserName="team-a")
        statement = {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": "arn:aws:s3:::staging/team-a/*",
        }
        iam.put_user_policy(UserName="team-a", PolicyName="own-prefix", PolicyDocument=policy(statement))
        key = iam.create_access_key(UserName="team-a")["AccessKey"]
    return {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def test_a_policy_allows_its_prefix_and_the_server_denies_the_rest(
    store: S3Iam, team_key: dict[str, str]
) -> None:
    s3 = store.client("s3", **team_key)
    s3.put_object(Bucket="staging", Key="team-a/t/dt=20201124/part-0.json", Body=b"{}")
    assert s3.get_object(Bucket="staging", Key="team-a/t/dt=20201124/part-0.json")["Body"].read() == b"{}"
    denied = error_code(lambda: s3.put_object(Bucket="staging", Key="team-b/t/x.json", Body=b"{}"))
    assert denied == "AccessDenied"
    # Not allowed to read what it may not write, either (no statement grants it).
    assert error_code(lambda: s3.list_buckets()) == "AccessDenied"


def test_unknown_keys_and_unsigned_set_up_calls_are_refused_outside_the_window(
    store: S3Iam, team_key: dict[str, str]
) -> None:
    assert error_code(lambda: store.client("s3").list_buckets()) == "InvalidAccessKeyId"
    assert error_code(lambda: store.client("iam").create_user(UserName="intruder")) in {
        "InvalidClientTokenId",
        "AccessDenied",
    }


def test_the_window_closes_when_the_set_up_fails(store: S3Iam, team_key: dict[str, str]) -> None:
    with pytest.raises(RuntimeError), store.account_root():
        raise RuntimeError("a failing set-up")
    assert error_code(lambda: store.client("s3").list_buckets()) == "InvalidAccessKeyId"


def test_forget_drops_users_and_their_keys(store: S3Iam, team_key: dict[str, str]) -> None:
    store.forget()
    s3 = store.client("s3", **team_key)
    assert error_code(lambda: s3.put_object(Bucket="staging", Key="team-a/x", Body=b"")) == (
        "InvalidAccessKeyId"
    )
