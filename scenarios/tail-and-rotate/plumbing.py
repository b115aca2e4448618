"""The lesson's plumbing: what its steps need around the official clients.

Restarting the agent's container through the Docker SDK, counting a
table's rows, comparing what arrived with what was written. None of it is the lesson; scenario.py
reads better without it.
"""

from __future__ import annotations

from typing import Any

from dplat.scenario import results


# -- the agent ------------------------------------------------------------------------
def agent_container(project: str) -> Any:
    """The stack's agent container, found by the labels docker compose sets."""
    import docker

    labels = [f"com.docker.compose.project={project}", "com.docker.compose.service=agent"]
    found = docker.from_env().containers.list(all=True, filters={"label": labels})
    if not found:
        raise RuntimeError(f"no container labelled {' and '.join(labels)}: is the stack up?")
    return found[0]


# -- BigQuery -------------------------------------------------------------------------
def count(client: Any, table: str) -> int:
    """Rows in ``table``; 0 while it does not exist (the agent creates it
    with its first insert)."""
    from google.api_core.exceptions import NotFound

    try:
        return int(results.rows(client, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])
    except NotFound:
        return 0


def differences(found: list[str], expected: list[str], shown: int = 5) -> dict[str, Any]:
    """What is missing from ``found`` and what it holds too often, as a small
    dict a failed check can print ({} when the two are equal as multisets)."""
    from collections import Counter

    have, want = Counter(found), Counter(expected)
    missing = sorted((want - have).elements())
    extra = sorted((have - want).elements())
    diff: dict[str, Any] = {}
    if missing:
        diff["missing"] = f"{len(missing)}: {missing[:shown]}"
    if extra:
        diff["extra"] = f"{len(extra)}: {extra[:shown]}"
    return diff
