"""The lesson tag-routing on the whole stack: through the runner, then the
files and objects read back with plain Python and boto3, and names worked
out here from Fluentd's rules again (not with the lesson's routes.py), so a
lesson that checks the wrong thing cannot pass this file."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from dplat.scenario import catalog, runner
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

LESSON = "tag-routing"


def _expected_names(sent: list[Any]) -> tuple[Counter[str], Counter[str]]:
    """Files and objects per name, by Fluentd's rules written out once more."""
    files: Counter[str] = Counter()
    objects: Counter[str] = Counter()
    for event in sent:
        record = event.record
        if event.tag.startswith("web.") and record.get("path") == "/healthz":
            continue
        if event.tag == "batch.job" and record["status"] not in ("succeeded", "failed"):
            continue
        at = datetime.fromtimestamp(event.seconds, UTC)
        first, _, rest = event.tag.partition(".")
        if event.tag == "web.error":
            files[f"web/{at:%Y%m%d}/error-{at:%Y%m%d.%H%M}_0.log"] += 1
            objects[f"tag-routing/alerts/dt={at:%Y%m%d}/{at:%Y%m%d}_0.gz"] += 1
        elif "." not in rest:
            files[f"{first}/{at:%Y%m%d}/part-{at:%Y%m%d.%H%M}_0.log"] += 1
            objects[f"tag-routing/{event.tag}/dt={at:%Y%m%d}/{at:%Y%m%d%H}_0.gz"] += 1
        else:
            files[f"unrouted/{event.tag}.{at:%Y%m%d%H}_0.log"] += 1
    return files, objects


def test_the_lesson_passes_and_every_name_and_line_is_really_there(stack: Stack) -> None:
    lesson = catalog.find(LESSON)
    report = runner.run(lesson, stack.settings, runner.SilentReporter(), options={"events": 400})
    assert report.failures() == []
    assert [s.status for s in report.steps] == ["passed"] * 5

    sent = catalog.lesson_module(lesson.folder, "events").generate(400)
    files, objects = _expected_names(sent)
    # the late event of the last step: 23:58:30, a second chunk of a flushed minute and hour
    files["web/20201122/part-20201122.2358_1.log"] += 1
    objects["tag-routing/web.access/dt=20201122/2020112223_1.gz"] += 1
    target = stack.settings.work_dir / "target"
    found_files = {p.relative_to(target).as_posix(): p.read_text().splitlines()
                   for p in target.rglob("*") if p.is_file()}
    assert {n: len(lines) for n, lines in found_files.items()} == dict(files)
    for lines in found_files.values():  # out_file: time TAB tag TAB json
        for line in lines:
            _, tag, record = line.split("\t")
            assert json.loads(record)["routed_tag"] == tag

    s3 = stack.service("s3").client()
    listed = s3.list_objects_v2(Bucket="datastaging", Prefix="tag-routing/").get("Contents", [])
    lines = {item["Key"]: gzip.decompress(s3.get_object(Bucket="datastaging", Key=item["Key"])
                                          ["Body"].read()).splitlines() for item in listed}
    assert {k: len(v) for k, v in lines.items()} == dict(objects)


def test_a_config_without_the_tag_chunk_key_fails_the_check_with_its_error(
        stack: Stack, tmp_path) -> None:
    """Negative: the lesson with a broken.conf that is not broken must fail its
    first step, and say what it expected."""
    import shutil

    lesson = catalog.find(LESSON)
    copy = tmp_path / LESSON
    shutil.copytree(lesson.folder, copy)
    broken = copy / "broken.conf"
    broken.write_text(broken.read_text().replace("<buffer time>", "<buffer time,tag>"))
    report = runner.run(catalog.load(copy), stack.settings, runner.SilentReporter(), up_to="check-config")
    failures = report.failures()
    assert report.steps[0].status == "failed"
    assert any("has tag placeholders, but chunk key 'tag' is not configured" in f
               for f in failures)
