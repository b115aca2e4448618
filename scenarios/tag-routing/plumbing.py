"""What the steps need around the official clients: the agent's monitor API,
reading the routed files and objects back, and running `dplat agent check`.
None of it is the lesson; scenario.py reads better without it."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


# -- the agent ---------------------------------------------------------------------------
def monitor(agent: Any, path: str = "/api/plugins.json", method: str = "GET",
            timeout: float = 5.0) -> Any:
    """Call the agent's monitor API (dplat.stack.agent.Agent.monitor)."""
    return agent.monitor(path, method, timeout=timeout)


def plugins(agent: Any) -> dict[str, dict[str, Any]]:
    """The running plugins by id ({} while the monitor does not answer)."""
    return agent.plugins()


def buffered(row: dict[str, Any]) -> int:
    """Chunks an output still holds, staged or queued."""
    return int(row.get("buffer_stage_length") or 0) + int(row.get("buffer_queue_length") or 0)


def flush(agent: Any, plugin_ids: tuple[str, ...], timeout: float) -> str | None:
    """POST /api/flush (Fluentd's SIGUSR1), then wait until those outputs hold
    nothing; the error in words, or None."""
    problem = None
    try:
        monitor(agent, "/api/flush", "POST", timeout=timeout)
    except Exception as exc:  # the checks say what did not arrive
        problem = f"flush: {type(exc).__name__}: {exc}"
    rows = wait_until(lambda: _all_empty(agent, plugin_ids), timeout)
    return problem or (None if rows else f"outputs still buffering: {_holding(agent, plugin_ids)}")


def _all_empty(agent: Any, plugin_ids: tuple[str, ...]) -> bool:
    rows = plugins(agent)
    return all(i in rows and buffered(rows[i]) == 0 for i in plugin_ids)


def _holding(agent: Any, plugin_ids: tuple[str, ...]) -> str:
    rows = plugins(agent)
    return ", ".join(f"{i}: {buffered(rows[i]) if i in rows else 'not running'}"
                     for i in plugin_ids)


def output_health(agent: Any, plugin_id: str) -> str:
    """One line about an output for a failed check's "look at" hint."""
    row = plugins(agent).get(plugin_id)
    if row is None:
        return f"the agent runs no output {plugin_id} (is the lesson's config loaded?)"
    return (f"output {plugin_id}: {row.get('emit_records', 0)} records in, {buffered(row)} "
            f"chunks buffered, {row.get('retry_count') or 0} retries; `dplat logs agent`")


def wait_until(condition: Callable[[], T], timeout: float, interval: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# -- what landed ---------------------------------------------------------------------------
def file_lines(root: Path) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Every file under ``root`` (relative name) -> its (tag, record) lines.
    out_file's default format is ``<time>\\t<tag>\\t<record JSON>``."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        lines = [line.split("\t", 2) for line in path.read_text().splitlines() if line]
        found[path.relative_to(root).as_posix()] = [(tag, json.loads(record))
                                                    for _, tag, record in lines]
    return found


def object_records(s3: Any, bucket: str, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Every object under the prefix -> its JSON-lines records (gunzipped)."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            data = gzip.decompress(body) if item["Key"].endswith(".gz") else body
            found[item["Key"]] = [json.loads(line) for line in data.splitlines() if line.strip()]
    return dict(sorted(found.items()))


def delete_prefix(s3: Any, bucket: str, prefix: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])


# -- `dplat agent check` ------------------------------------------------------------------
@dataclass
class Checked:
    command: str
    exit_code: int
    output: str


def agent_check(config: Path) -> Checked:
    """Run `dplat agent check -c CONFIG` as a newcomer would (wide lines, no colour)."""
    argv = [sys.executable, "-m", "dplat.cli", "agent", "check", "-c", str(config)]
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    return Checked(f"dplat agent check -c {config}", done.returncode,
                   " ".join((done.stdout + done.stderr).split()))
