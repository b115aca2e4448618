"""The lesson's calls to Airflow's REST API, in plain HTTP so each call can be
shown as it is sent (``--explain`` lists them: method, path, body).

The paths follow Airflow 3's REST API reference
(https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html):
``GET /api/v2/importErrors``, ``PATCH /api/v2/dags/{dag_id}``,
``POST /api/v2/backfills``, ``GET /api/v2/dags/{dag_id}/dagRuns``,
``GET .../dagRuns/{run_id}/taskInstances``,
``POST /api/v2/dags/{dag_id}/clearTaskInstances``, ``DELETE /api/v2/dags/{dag_id}``.
The bearer token comes from the auth manager (dplat.stack.airflow.Airflow.token).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dplat.errors import RequestRefused, StackNotRunning
from dplat.stack.faults import http_errors
from dplat.waiting import wait_until

FINISHED = ("success", "failed")
ACTIVE = ("scheduled", "queued", "running", "up_for_retry", "up_for_reschedule", "restarting",
          "deferred")
"""Task instance states in which the scheduler or a worker still acts on a task."""
TIMEOUT = 120.0
"""Seconds one request may take. Airflow's metadata database is SQLite: while
the scheduler writes, the API server waits for the lock, and on a busy 2-core
machine a POST that creates five runs has taken over 30 s."""


@dataclass
class Api:
    """Airflow's REST API as the stack's admin; ``on_call`` hears every call."""

    service: Any  # dplat.stack.airflow.Airflow
    on_call: Callable[[str], None] = lambda line: None
    token: str = ""
    calls: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             quiet: bool = False) -> Any:
        """One request; its JSON answer (None for an empty one). ``quiet``
        keeps a polling call out of the list shown under --explain."""
        if not self.token:
            self.token = self.service.token()
        line = f"{method} {path}" + (f"  {json.dumps(body)}" if body is not None else "")
        if not quiet and line not in self.calls:
            self.calls.append(line)
            self.on_call(line)
        request = urllib.request.Request(
            self.service.url() + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with (http_errors("Airflow's API", "airflow", self.service.url(), method, path),
              urllib.request.urlopen(request, timeout=TIMEOUT) as response):
            text = response.read()
        return json.loads(text) if text else None

    # -- DAGs -----------------------------------------------------------------------
    def dag(self, dag_id: str) -> dict[str, Any] | None:
        """The DAG as Airflow knows it, or None before its file is parsed."""
        try:
            return self.call("GET", f"/api/v2/dags/{dag_id}", quiet=True)
        except RequestRefused as exc:
            if " 404 " in exc.message:
                return None
            raise

    def import_errors(self, filename: str) -> list[dict[str, Any]]:
        """The import errors Airflow recorded for DAG files ending in ``filename``."""
        found = self.call("GET", "/api/v2/importErrors?limit=100")["import_errors"]
        return [e for e in found if str(e.get("filename", "")).endswith(filename)]

    def unpause(self, dag_id: str) -> dict[str, Any]:
        return self.call("PATCH", f"/api/v2/dags/{dag_id}?update_mask=is_paused",
                         {"is_paused": False})

    def task(self, dag_id: str, task_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v2/dags/{dag_id}/tasks/{task_id}", quiet=True)

    def delete_dag(self, dag_id: str, timeout: float = 120.0) -> None:
        """Forget the DAG, its runs and task instances (its file must be gone
        first, or the DAG processor brings it back). Airflow refuses (409)
        while tasks run, so first: pause it, cancel its backfills, fail its
        unfinished runs; then delete once the running tasks have stopped."""
        if self.dag(dag_id) is None:
            return
        self.call("PATCH", f"/api/v2/dags/{dag_id}?update_mask=is_paused", {"is_paused": True})
        for backfill in self.call("GET", f"/api/v2/backfills?dag_id={dag_id}")["backfills"]:
            if not backfill.get("completed_at"):
                self.call("PUT", f"/api/v2/backfills/{backfill['id']}/cancel")
        for run in self.runs(dag_id):
            if run["state"] not in FINISHED:
                self.call("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/"
                          f"{urllib.parse.quote(run['dag_run_id'])}", {"state": "failed"})
        # Deleting runs the scheduler still works on makes it crash
        # (StaleDataError on dag_run, the container restarts): wait until no
        # task of the DAG is waiting or running.
        busy = "&".join(f"state={s}" for s in ACTIVE)
        wait_until(lambda: self.call(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/~/taskInstances?{busy}",
            quiet=True)["total_entries"] == 0, timeout, interval=2.0, ignore=(StackNotRunning,),
            what=f"the tasks of {dag_id} to stop")

        def deleted() -> bool:
            try:
                self.call("DELETE", f"/api/v2/dags/{dag_id}")
            except RequestRefused as exc:
                if " 404 " in exc.message:
                    return True
                if " 409 " in exc.message:
                    return False
                raise
            return True

        wait_until(deleted, timeout, interval=2.0, what=f"Airflow to delete {dag_id}")

    # -- runs -------------------------------------------------------------------
    def backfill(self, dag_id: str, from_date: str, to_date: str) -> dict[str, Any]:
        """Ask for runs of every interval from ``from_date`` to ``to_date``.

        On SQLite Airflow refuses a backfill while another process writes
        (503 "Database is locked. Backfill creation is not supported on SQLite
        under concurrent access"): asked again every 2 s, for up to 2 minutes."""
        body = {"dag_id": dag_id, "from_date": from_date, "to_date": to_date,
                "max_active_runs": 1, "reprocess_behavior": "none", "run_backwards": False}

        def created() -> dict[str, Any] | None:
            try:
                return self.call("POST", "/api/v2/backfills", body)
            except RequestRefused as exc:
                if " 503 " in exc.message and "locked" in exc.message:
                    return None
                raise

        return wait_until(created, TIMEOUT, interval=2.0,
                          what=f"Airflow to accept the backfill of {dag_id} (SQLite locked)")

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        """Every run of the DAG, oldest data interval first."""
        return self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=logical_date",
                         quiet=True)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances"
        return self.call("GET", path, quiet=True)["task_instances"]

    def clear(self, dag_id: str, run_id: str, task_ids: list[str] | None = None) -> None:
        """Clear a run's task instances (all, or ``task_ids``) so they run again."""
        body: dict[str, Any] = {"dry_run": False, "dag_run_id": run_id, "only_failed": False,
                                "reset_dag_runs": True}
        if task_ids:
            body["task_ids"] = task_ids
        self.call("POST", f"/api/v2/dags/{dag_id}/clearTaskInstances", body)

    def wait_finished(self, dag_id: str, count: int, timeout: float,
                      since: str | None = None) -> list[dict[str, Any]]:
        """The DAG's runs once ``count`` of them exist and none is still
        queued or running (``since``: only runs that ended after that time)."""
        def finished() -> list[dict[str, Any]] | None:
            runs = self.runs(dag_id)
            done = [r for r in runs if r["state"] in FINISHED
                    and (since is None or (r.get("end_date") or "") > since)]
            busy = [r for r in runs if r["state"] not in FINISHED]
            return runs if len(done) >= count and not busy else None

        # A poll that times out (the API waiting for SQLite) is tried again.
        return wait_until(finished, timeout, interval=1.0, ignore=(StackNotRunning,),
                          what=f"{count} run(s) of {dag_id} to finish")

    def log_where(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """Where a task's log is: the UI page and the API path."""
        run = urllib.parse.quote(run_id)
        return (f"{self.service.url()}/dags/{dag_id}/runs/{run}/tasks/{task_id}"
                f"?try_number={try_number} (web UI), or GET /api/v2/dags/{dag_id}/dagRuns/"
                f"{run}/taskInstances/{task_id}/logs/{try_number}")

    def log_error(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """The exception a task's try ended with, from its structured log: the
        last event logged at level error, with its exception type and value."""
        path = (f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances/"
                f"{task_id}/logs/{try_number}?full_content=true")
        content = self.call("GET", path, quiet=True).get("content") or []
        errors = [c for c in content if isinstance(c, dict) and c.get("level") == "error"]
        if not errors:
            return "no error in the log"
        last = errors[-1]
        details = [f"{d.get('exc_type')}: {d.get('exc_value')}" for d in last.get("error_detail") or []]
        return "; ".join([str(last.get("event", "")), *details])[:400]
