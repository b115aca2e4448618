"""airflow: Apache Airflow 3, the scheduler lessons hand their pipelines to.

Started on demand (`dplat up --with airflow`, or by a lesson that lists it),
so the everyday stack stays small. One container runs Airflow's API server
(web UI and REST API), its scheduler with the LocalExecutor and its DAG
processor (images/airflow/airflow-start); the metadata database is SQLite on
the service's volume. DAGs are files in ``DPLAT_HOME/work/airflow/dags``,
which the container reads as its DAG folder: a lesson deploys a DAG by
writing a file there.

The host speaks to it with Airflow's official REST client
(``apache-airflow-client``, the same version as the server). Its API wants a
bearer token, which Airflow 3's auth manager gives in exchange for a user's
name and password (``POST /auth/token``, documented in
https://airflow.apache.org/docs/apache-airflow/stable/security/api.html);
the user is the stack's generated admin (credentials.env).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from dplat.stack.base import Build, Endpoint, Service
from dplat.stack.bigquery import network_clients_environment
from dplat.stack.credentials import Credentials
from dplat.stack.faults import http_errors
from dplat.stack.mysql import MySQL

DAGS_FOLDER = "airflow/dags"
"""Where DAG files go, under DPLAT_HOME/work (mounted as the container's DAG folder)."""

FOLDER_MODE, FILE_MODE = 0o755, 0o644
"""The DAG folder's and its files' modes. The container's airflow user (uid
10001) is not the host user who writes them, so it reads them as "other":
set explicitly, since a umask such as 077 would otherwise hide them."""


def prepare_dags_folder(work_dir: Path) -> Path:
    """Make the DAG folder under ``work_dir`` (DPLAT_HOME/work) and let the
    container's user list and read it whatever the host's umask; the folder."""
    folder = work_dir / DAGS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(FOLDER_MODE)
    return folder


def write_dag_file(work_dir: Path, name: str, text: str) -> Path:
    """Write one file into the DAG folder, readable by the container's user."""
    path = prepare_dags_folder(work_dir) / name
    path.write_text(text)
    path.chmod(FILE_MODE)
    return path

HEALTHY_PARTS = ("metadatabase", "scheduler", "dag_processor")
"""What /api/v2/monitor/health must call healthy: the database and both
processes that turn DAG files into runs (no triggerer runs here)."""


def unhealthy_parts(health: dict[str, Any]) -> list[str]:
    """The parts of a /api/v2/monitor/health answer that are not "healthy", in
    words (``scheduler: unhealthy``); a part missing from the answer counts as
    not healthy (``scheduler: None``)."""
    statuses = {part: (health.get(part) or {}).get("status") for part in HEALTHY_PARTS}
    return [f"{part}: {status}" for part, status in statuses.items() if status != "healthy"]


class Airflow(Service):
    name = "airflow"
    build = Build("bookworm")
    endpoints = (Endpoint("airflow", 8080, 8080, "http", "Airflow web UI and REST API"),)
    memory = "1536m"
    on_demand = True
    probe_interval = 2.0  # a first start migrates the database: tens of seconds
    secret_info = frozenset({"password"})

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        # Besides the admin: the stack's services as a DAG's tasks reach them
        # (by compose service name on the stack's network, never by address),
        # in the variables the official clients read (AWS_*, as the agent's)
        # or a lesson's task reads (MYSQL_*, BIGQUERY_*). Tasks run in this
        # container, so a DAG file itself holds no address and no secret.
        return {
            "AIRFLOW_ADMIN_USER": credentials.airflow_user,
            "AIRFLOW_ADMIN_PASSWORD": credentials.airflow_password,
            "MYSQL_HOST": MySQL.name,
            "MYSQL_PORT": str(MySQL.endpoints[0].container_port),
            "MYSQL_DATABASE": credentials.mysql_database,
            "MYSQL_USER": credentials.mysql_user,
            "MYSQL_PASSWORD": credentials.mysql_password,
            **network_clients_environment(credentials),
        }

    def token(self) -> str:
        """A bearer token for the admin, from the auth manager's token endpoint."""
        body = json.dumps(
            {"username": self.credentials.airflow_user, "password": self.credentials.airflow_password}
        ).encode()
        request = urllib.request.Request(
            f"{self.url()}/auth/token",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with (
            http_errors("Airflow's API", self.name, self.url(), "POST", "/auth/token"),
            urllib.request.urlopen(request, timeout=10) as response,
        ):
            return str(json.loads(response.read())["access_token"])

    def client(self) -> Any:
        """An ``airflow_client.client.ApiClient`` signed in as the admin; pass it
        to the client's API classes (``DAGApi(client)``, ``DagRunApi(client)``...).

        Imported here: the generated client takes seconds to import.
        """
        import airflow_client.client as airflow_client

        configuration = airflow_client.Configuration(host=self.url(), access_token=self.token())
        return airflow_client.ApiClient(configuration)

    def probe(self) -> None:
        # Signing in proves the credentials; the health report proves the
        # scheduler and DAG processor heartbeat, not only that a port is open.
        from airflow_client.client import MonitorApi

        with self.client() as api:
            health = MonitorApi(api).get_health().to_dict()
        sick = unhealthy_parts(health)
        if sick:
            raise RuntimeError(f"Airflow is not healthy yet ({', '.join(sick)})")

    def connection_info(self) -> dict[str, str]:
        return {
            "url": self.url(),
            "user": self.credentials.airflow_user,
            "password": self.credentials.airflow_password,
            "dags": f"DPLAT_HOME/work/{DAGS_FOLDER}",
        }

    def exports(self) -> dict[str, str]:
        return {
            "DPLAT_AIRFLOW_URL": self.url(),
            "DPLAT_AIRFLOW_USER": self.credentials.airflow_user,
            "DPLAT_AIRFLOW_PASSWORD": self.credentials.airflow_password,
        }
