"""The lesson tail-and-rotate on the whole stack: through the runner, checked
again with our own reads of the files and of BigQuery, and broken on purpose.

The expectations are rebuilt here from the generated lines' text with plain
regular expressions (not from the lesson's Line fields), and BigQuery is read
with google-cloud-bigquery directly, so a lesson that checks the wrong thing
cannot pass this file.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.scenario.runner import RunReport
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

LESSON = "tail-and-rotate"
EVENTS = 3000
ACCESS = re.compile(r'^\S+ - \S+ \[[^\]]+\] "GET \S+\?rid=(\S+) HTTP/1\.1" \d{3} \S+ ".*" ".*"$')
POS_LINE = re.compile(r"^(/dplat/work/tail-and-rotate/access\.log)\t([0-9a-f]{16})\t([0-9a-f]{16})$")


def _run(stack: Stack, folder: Path | None = None, **kwargs: Any) -> RunReport:
    return stack.run_lesson(LESSON, folder, **kwargs)


def test_every_line_lands_once_through_two_rotations_and_a_restart(stack: Stack) -> None:
    report = _run(stack)
    assert report.failures() == []
    assert [s.status for s in report.steps] == ["passed"] * 5

    texts = [line.text for line in catalog.lesson_module(scenarios_dir() / LESSON, "app")
             .generate(EVENTS)]
    ids = [m.group(1) for m in map(ACCESS.match, texts) if m]
    others = [t for t in texts if not ACCESS.match(t)]
    assert len(ids) == EVENTS and len(others) > 0

    # The files: the two rotated ones and the live one hold every line once, in order.
    folder = stack.settings.work_dir / LESSON
    on_disk = "".join((folder / name).read_text()
                      for name in ("access.log.2", "access.log.1", "access.log"))
    assert on_disk.splitlines() == texts
    (entry,) = (folder / "access.log.pos").read_text().splitlines()
    found = POS_LINE.match(entry)
    assert found is not None, entry
    log = folder / "access.log"
    assert (int(found[2], 16), int(found[3], 16)) == (log.stat().st_size, log.stat().st_ino)

    bq = stack.service("bigquery").client()

    def column(sql: str) -> list[Any]:
        return [next(iter(row.values())) for row in bq.query(sql).result()]

    assert column("SELECT COUNT(*) FROM raw.access_log") == [EVENTS]  # graceful: no duplicate
    assert Counter(column("SELECT request_id FROM staging.access_log")) == Counter(ids)
    raw_ids = column(r"SELECT REGEXP_EXTRACT(path, r'rid=(.+)$') FROM raw.access_log")
    assert sorted(raw_ids) == sorted(ids)
    assert Counter(column("SELECT unmatched_line FROM raw.access_log_backfill")) == Counter(others)
    assert report.figures["lines the restarted tail resumed with"] > 0
    assert report.lineage["staging.access_log"] == ["raw.access_log"]


def test_dropping_unmatched_lines_fails_the_tail_step_and_reset_empties_it(
        stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / LESSON
    shutil.copytree(scenarios_dir() / LESSON, folder)
    conf = folder / "agent.conf"
    assert "emit_unmatched_lines true" in conf.read_text()
    conf.write_text(conf.read_text().replace("emit_unmatched_lines true",
                                             "emit_unmatched_lines false"))
    report = _run(stack, folder, up_to="tail", options={"events": 400})
    (step,) = report.steps
    assert step.status == "failed"
    failed = [c for c in step.checks if not c.passed]
    assert [c.name for c in failed] == ["records the tail emitted (access_tail emit_records "
                                        "since its start)"]
    texts = [line.text for line in catalog.lesson_module(folder, "app").generate(400)]
    quarter = catalog.lesson_module(folder, "app").segments(texts, 4)[0]
    dropped = sum(not ACCESS.match(t) for t in quarter)
    assert dropped > 0
    assert f"expected {len(quarter)}, found {len(quarter) - dropped}" in failed[0].message
    assert "dplat logs agent" in failed[0].message

    result = stack.cli("reset", LESSON)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (stack.settings.work_dir / LESSON).iterdir()) == []
    assert "access_tail" not in (stack.settings.work_dir / "agent" / "agent.conf").read_text()
    bq = stack.service("bigquery").client()
    assert [t.table_id for t in bq.list_tables("raw")
            if t.table_id.startswith("access_log")] == []
