"""The lesson's plumbing: what its steps need around the official clients.

Reading the staged JSON lines back from S3 (listing and reading are
dplat.scenario.s3objects) and the agent config's BigQuery schema (rows as
plain values and text tables are dplat.scenario.results).
None of it is the lesson; scenario.py reads better without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from dplat.scenario import s3objects

# -- S3 -----------------------------------------------------------------------------
DT = re.compile(r"/dt=(\d{8})/")


def read_lines(s3: Any, bucket: str, keys: Iterable[str]) -> dict[str, list[bytes]]:
    """Each object's JSON lines, gunzipped."""
    return {key: s3objects.lines(body)
            for key, body in s3objects.read(s3, bucket, keys, gunzip=True).items()}


def partition_of(key: str) -> str | None:
    """The ``dt=YYYYMMDD`` of an object key, or None."""
    found = DT.search(key)
    return found.group(1) if found else None


# -- BigQuery -----------------------------------------------------------------------
def schema_from_config(agent_conf: str) -> list[dict[str, str]]:
    """The ``schema [...]`` JSON of the agent's bigquery output: the batch load
    uses the same columns as the streaming inserts, written down once."""
    found = re.search(r"^\s*schema\s+(\[.*?\])\s*$", agent_conf, re.S | re.M)
    if found is None:
        raise ValueError("agent.conf has no `schema [...]` for its bigquery output")
    return json.loads(found.group(1))


# -- printing -------------------------------------------------------------------------
