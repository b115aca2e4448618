"""The lesson staging-permissions on the whole stack: through the runner,
then checked again with fresh boto3 clients signed with the lesson's keys:
the staged rows, the shared data, and a denied write done once more here, so
a lesson that only reports denials cannot pass this file."""

from __future__ import annotations

import json
import time
from typing import Any

import docker
import pytest
from botocore.exceptions import ClientError

from dplat.scenario.context import load_state
from tests.e2e.conftest import PROJECT, Stack

pytestmark = pytest.mark.e2e

LESSON = "staging-permissions"


def _start_store(stack: Stack) -> None:
    result = stack.cli("up", "--with", "s3-iam")
    assert result.exit_code == 0, result.output


def _rows(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return [json.loads(line) for item in listed for line in
            s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().splitlines()]


def test_the_lesson_passes_and_the_store_really_enforces_it(stack: Stack) -> None:
    _start_store(stack)
    started = time.monotonic()
    report = stack.run_lesson(LESSON)
    assert report.failures() == []
    assert [s.status for s in report.steps] == ["passed"] * 4
    assert time.monotonic() - started < 60

    store = stack.service("s3-iam")
    keys = load_state(stack.settings, LESSON)["keys"]
    admin = store.client("s3", **keys["admin"])
    marketing = store.client("s3", **keys["marketing"])
    finance = store.client("s3", **keys["finance"])

    # What each team staged: 300 rows (the default) under its own prefix, nothing else.
    clicks = _rows(admin, "datastaging", "marketing/campaign_clicks/dt=20201124/")
    invoices = _rows(admin, "datastaging", "finance/invoices/dt=20201124/")
    assert len(clicks) == len({r["click_id"] for r in clicks}) == 300
    assert len(invoices) == len({r["invoice_id"] for r in invoices}) == 300
    every_key = [o["Key"] for o in admin.list_objects_v2(Bucket="datastaging")["Contents"]]
    assert {k.split("/")[0] for k in every_key} == {"marketing", "finance"}
    assert sum(k.endswith("/_SUCCESS") for k in every_key) == 2

    # The shared data, read with each team's key, adds up the same.
    revenue = [_rows(client, "datastore", "daily_revenue/") for client in (marketing, finance)]
    assert revenue[0] == revenue[1] and len(revenue[0]) == 15
    assert sum(r["revenue_cents"] for r in revenue[0]) > 0

    # A denied write, again: the server's AccessDenied, and nothing was written.
    stray = "finance/invoices/dt=20201124/e2e-from-marketing.json"
    with pytest.raises(ClientError) as denied:
        marketing.put_object(Bucket="datastaging", Key=stray, Body=b"{}")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as missing:
        admin.head_object(Bucket="datastaging", Key=stray)
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as overwrite:
        finance.delete_object(Bucket="datastore", Key="daily_revenue/dt=20201123/part-00000.json")
    assert overwrite.value.response["Error"]["Code"] == "AccessDenied"

    # The groups really carry the rights: IAM, read as the admin.
    iam = store.client("iam", **keys["admin"])
    groups = iam.list_groups_for_user(UserName="marketing")["Groups"]
    assert [g["GroupName"] for g in groups] == ["team-marketing"]


def test_with_the_store_stopped_the_first_step_names_it_and_the_fix(stack: Stack) -> None:
    """Negative: s3-iam stopped, the lesson fails at its first step with the
    service's name and the command that starts it; then the store is restarted."""
    engine = docker.from_env()
    found = engine.containers.list(filters={"label": [
        f"com.docker.compose.project={PROJECT}", "com.docker.compose.service=s3-iam"]})
    assert found, "s3-iam is not running in the e2e stack"
    found[0].stop(timeout=5)
    try:
        report = stack.run_lesson(LESSON)
        assert not report.passed
        first = report.steps[0]
        assert first.status == "error"
        assert "s3-iam" in (first.error or "")
        assert "dplat up --with s3-iam" in (first.fix or "")
        assert [s.status for s in report.steps[1:]] == ["skipped"] * 3
    finally:
        _start_store(stack)
