"""The lesson's plumbing: what its steps need around the official clients.

Reading the staged objects back from S3 and the agent config's BigQuery
schema (rows as plain values and text tables are dplat.scenario.results).
None of it is the lesson; scenario.py reads better without it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# -- S3 -----------------------------------------------------------------------------
DT = re.compile(r"/dt=(\d{8})/")


def list_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def read_lines(s3: Any, bucket: str, keys: Iterable[str]) -> dict[str, list[bytes]]:
    """Each object's JSON lines, gunzipped (objects are fetched in parallel)."""
    keys = list(keys)

    def fetch(key: str) -> list[bytes]:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        data = gzip.decompress(body) if key.endswith(".gz") else body
        return [line for line in data.splitlines() if line.strip()]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(keys, pool.map(fetch, keys), strict=True))


def partition_of(key: str) -> str | None:
    """The ``dt=YYYYMMDD`` of an object key, or None."""
    found = DT.search(key)
    return found.group(1) if found else None


def delete_keys(s3: Any, bucket: str, keys: Sequence[str]) -> None:
    # One DeleteObject per key: the only delete both stores do the same way.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda key: s3.delete_object(Bucket=bucket, Key=key), keys))


# -- BigQuery -----------------------------------------------------------------------
def schema_from_config(agent_conf: str) -> list[dict[str, str]]:
    """The ``schema [...]`` JSON of the agent's bigquery output: the batch load
    uses the same columns as the streaming inserts, written down once."""
    found = re.search(r"^\s*schema\s+(\[.*?\])\s*$", agent_conf, re.S | re.M)
    if found is None:
        raise ValueError("agent.conf has no `schema [...]` for its bigquery output")
    return json.loads(found.group(1))


# -- printing -------------------------------------------------------------------------
