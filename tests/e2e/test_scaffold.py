"""A lesson made by `dplat scenario new` passes as created, on the real stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from dplat.scenario import catalog, runner, scaffold
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def test_a_new_lesson_passes_as_created_and_records_lineage(stack: Stack, tmp_path: Path) -> None:
    folder = scaffold.create("fresh-lesson", tmp_path)
    report = runner.run(catalog.load(folder), stack.settings, runner.SilentReporter())
    assert report.passed, [c.message for s in report.steps for c in s.checks]
    assert report.lineage == {
        "s3://datastaging/fresh-lesson/hello/dt=20201124/hello.txt": ["this lesson"]
    }
    body = stack.service("s3").client().get_object(
        Bucket="datastaging", Key="fresh-lesson/hello/dt=20201124/hello.txt"
    )["Body"].read()
    assert body == b"hello from fresh-lesson\n"
