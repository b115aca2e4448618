"""The lesson's plumbing: what its steps need around the official clients.

Asking the agent's monitor API, restarting the agent's container through the
Docker SDK, polling until something is true, and reading BigQuery results as
plain values. None of it is the lesson; scenario.py reads better without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


# -- the agent ------------------------------------------------------------------------
def monitor(agent: Any, path: str = "/api/plugins.json", method: str = "GET",
            timeout: float = 5.0) -> Any:
    """Call the agent's monitor API (dplat.stack.agent.Agent.monitor)."""
    return agent.monitor(path, method, timeout=timeout)


def plugins(agent: Any) -> dict[str, dict[str, Any]]:
    """The running plugins by id ({} while the monitor does not answer)."""
    return agent.plugins()


def emitted(agent: Any, plugin_id: str) -> int | None:
    """Records a plugin has emitted since its pipeline started (None: not running)."""
    row = plugins(agent).get(plugin_id)
    return None if row is None else int(row.get("emit_records") or 0)


def output_health(agent: Any, plugin_id: str) -> str:
    """One line about an output, for a failed check's "look at" hint."""
    row = plugins(agent).get(plugin_id)
    if row is None:
        return f"the agent does not run {plugin_id} (is the lesson's config loaded?)"
    retries, errors = row.get("retry_count") or 0, row.get("num_errors") or 0
    health = (f"output {plugin_id}: {row.get('emit_records', 0)} records in, "
              f"{retries} retries, {errors} errors")
    return health + (" - it cannot write to its destination" if retries or errors else "")


def agent_container(project: str) -> Any:
    """The stack's agent container, found by the labels docker compose sets."""
    import docker

    labels = [f"com.docker.compose.project={project}", "com.docker.compose.service=agent"]
    found = docker.from_env().containers.list(all=True, filters={"label": labels})
    if not found:
        raise RuntimeError(f"no container labelled {' and '.join(labels)}: is the stack up?")
    return found[0]


# -- waiting --------------------------------------------------------------------------
def wait_until(condition: Callable[[], T | None], timeout: float,
               interval: float = 0.1) -> T | None:
    """Poll ``condition`` until it returns something truthy, or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# -- BigQuery -------------------------------------------------------------------------
def rows(client: Any, sql: str) -> list[dict[str, Any]]:
    return [dict(row.items()) for row in client.query(sql).result()]


def count(client: Any, table: str) -> int:
    """Rows in ``table``; 0 while it does not exist (the agent creates it
    with its first insert)."""
    from google.api_core.exceptions import NotFound

    try:
        return int(rows(client, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])
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
