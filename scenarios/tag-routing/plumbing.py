"""What the steps need around the official clients: reading the routed files
and objects back, and running `dplat agent check`.
None of it is the lesson; scenario.py reads better without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dplat.scenario import s3objects


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
    return {key: [json.loads(line) for line in s3objects.lines(body)]
            for key, body in s3objects.read_prefix(s3, bucket, prefix, gunzip=True).items()}


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
