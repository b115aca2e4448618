"""The lesson mysql-to-lake on the whole stack: through the runner and the CLI,
checked again with our own client calls, and broken on purpose.

The expectations are recomputed here from the generator's rows with plain
Python and read back with boto3, pyarrow and mysql-connector directly, so a
lesson that checks the wrong thing cannot pass this file.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.scenario.runner import RunReport
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

LESSON = "mysql-to-lake"
BUCKET, PREFIX = "datastaging", "marketing/"
LESSON_PREFIXES = tuple(f"{PREFIX}{name}/" for name in ("users", "purchases",
                                                         "purchases_relaxed_demo"))


def _run(stack: Stack, folder: Path | None = None, **kwargs: Any) -> RunReport:
    return stack.run_lesson(LESSON, folder, **kwargs)


def _lake(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    """Every Parquet object under the lesson's prefix, read with boto3 and pyarrow:
    key → its rows; markers as empty lists."""
    s3 = stack.service("s3").client()
    found: dict[str, list[dict[str, Any]]] = {}
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX)
    for item in (i for page in pages for i in page.get("Contents", [])
                 if i["Key"].startswith(LESSON_PREFIXES)):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        found[item["Key"]] = pq.read_table(io.BytesIO(body)).to_pylist() if body else []
    return found


def _rows(lake: dict[str, list[dict[str, Any]]], partition: str) -> list[dict[str, Any]]:
    return sorted((r for k, rows in lake.items() if k.startswith(PREFIX + partition)
                   for r in rows), key=lambda r: r["id"])


def test_the_lesson_passes_through_the_runner_and_the_data_is_really_there(stack: Stack) -> None:
    report = _run(stack)
    assert report.failures() == []
    assert [s.status for s in report.steps] == ["passed"] * 6
    shop = catalog.lesson_module(scenarios_dir() / LESSON, "shop").generate(3000)
    lake = _lake(stack)

    def keys(partition: str) -> list[str]:
        return sorted(k.removeprefix(PREFIX + partition) for k in lake
                      if k.startswith(PREFIX + partition))

    # the backfill replaced 4 parts by 2; users kept the 2 parts of the import
    assert keys("purchases/dt=20201124/") == ["_SUCCESS", "part-00000.parquet",
                                              "part-00001.parquet"]
    assert keys("users/dt=20201124/") == ["_SUCCESS", "part-00000.parquet", "part-00001.parquet"]
    assert keys("purchases/dt=20201125/") == ["_SUCCESS", "part-00000.parquet"]
    assert keys("purchases_relaxed_demo/") == []  # the phantom row's export is deleted
    assert _rows(lake, "purchases/dt=20201124/") == [
        {"id": p.id, "user_id": p.user_id, "item": p.item, "quantity": p.quantity,
         "amount": p.amount, "purchased_at": p.purchased_at} for p in shop.purchases]
    assert [r["id"] for r in _rows(lake, "purchases/dt=20201125/")] == list(range(3001, 3151))
    assert [r["id"] for r in _rows(lake, "users/dt=20201124/")] == list(range(1, 501))
    changed = {u.id: u for u in shop.new_users + shop.updated_users}
    assert {r["id"]: (r["country"], r["updated_at"]) for r in _rows(lake, "users/dt=20201125/")
            } == {i: (u.country, u.updated_at) for i, u in changed.items()}

    connection = stack.service("mysql").client()
    cursor = connection.cursor()
    cursor.execute("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM purchases)")
    assert cursor.fetchone() == (510, 3150)  # the uncommitted insert was rolled back
    connection.close()
    assert report.lineage["s3://datastaging/marketing/purchases/dt=20201124/"] == [
        "mysql dplat.purchases"]


def test_the_lesson_runs_through_the_cli_and_reset_empties_it(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = stack.cli("run", "scenario", LESSON, "--events", "600", "--report", str(path))
    assert result.exit_code == 0, result.output
    report = json.loads(path.read_text())
    assert report["passed"] is True
    assert all(c["passed"] for s in report["steps"] for c in s["checks"])
    assert "READ UNCOMMITTED" in result.output and "sqoop list-tables" in result.output

    result = stack.cli("reset", LESSON)
    assert result.exit_code == 0, result.output
    listing = stack.service("s3").client().list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)
    assert [k["Key"] for k in listing.get("Contents", [])
            if k["Key"].startswith(LESSON_PREFIXES)] == []
    connection = stack.service("mysql").client()
    cursor = connection.cursor()
    cursor.execute("SHOW TABLES")
    assert {"users", "purchases"}.isdisjoint(row[0] for row in cursor.fetchall())
    connection.close()


def test_a_split_that_loses_its_last_key_fails_import_and_names_the_ids(
        stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "mysql-to-lake-broken"  # its own package name: no cached modules
    shutil.copytree(scenarios_dir() / LESSON, folder)
    tool = folder / "sqoop.py"
    right = 'upper = "<=" if self.last else "<"'
    assert right in tool.read_text()
    tool.write_text(tool.read_text().replace(right, 'upper = "<"'))  # the classic off-by-one
    report = _run(stack, folder, up_to="import", options={"events": 600})
    assert [s.status for s in report.steps] == ["passed", "passed", "failed"]
    failed = {c.name: c.message for c in report.steps[2].checks if not c.passed}
    assert sorted(failed) == [
        "purchases: ids missing from every split", "purchases: rows in the partition = rows "
        "generated", "purchases: rows in the partition = rows in MySQL",
        "users: ids missing from every split", "users: rows in the partition = rows generated",
        "users: rows in the partition = rows in MySQL"]
    assert "found [600]" in failed["purchases: ids missing from every split"]
    assert "found [100]" in failed["users: ids missing from every split"]
    assert "split conditions under --explain" in failed["users: ids missing from every split"]
