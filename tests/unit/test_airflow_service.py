"""The airflow declaration: on demand, its admin from the stack's credentials,
and a probe that waits for the scheduler and the DAG processor, not only for
an open port.

The health answers below follow the shape of Airflow 3's
``GET /api/v2/monitor/health`` (HealthInfoResponse in
https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html:
one object per part with a ``status`` of "healthy", "unhealthy" or null).
The image itself is checked in tests/integration/test_airflow.py.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dplat.errors import StackNotRunning
from dplat.settings import resolve
from dplat.stack import catalogue
from dplat.stack.airflow import Airflow, unhealthy_parts, write_dag_file
from dplat.stack.credentials import Credentials, load_or_create


def test_tasks_find_the_stack_by_service_name_never_by_address() -> None:
    """A DAG's tasks run in the airflow container: they reach the other services
    by their compose names on the stack network, with the stack's credentials."""
    credentials = Credentials.generate()
    environment = Airflow.environment(credentials)
    assert environment["MYSQL_HOST"] == "mysql"
    assert environment["MYSQL_PASSWORD"] == credentials.mysql_password
    assert environment["AWS_ENDPOINT_URL_S3"] == "http://s3:9000"
    assert environment["AWS_SECRET_ACCESS_KEY"] == credentials.s3_secret_key
    assert environment["BIGQUERY_EMULATOR_HOST"] == "http://bigquery:9050"
    assert not any(value.startswith(("172.", "10.", "192.168.")) or "//172." in value
                   for value in environment.values())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


def test_the_admin_is_the_stacks_generated_one(tmp_path: Path) -> None:
    credentials = Credentials.generate()
    environment = Airflow.environment(credentials)
    assert environment["AIRFLOW_ADMIN_USER"] == "admin"
    assert environment["AIRFLOW_ADMIN_PASSWORD"] == credentials.airflow_password
    assert len(credentials.airflow_password) >= 24
    assert credentials.airflow_password != Credentials.generate().airflow_password


def test_an_older_credentials_file_gains_the_admin_and_keeps_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "credentials.env"
    old = {k: v for k, v in Credentials.generate().as_env().items() if "AIRFLOW" not in k}
    path.write_text("".join(f"{k}={v}\n" for k, v in old.items()))
    found = load_or_create(path)
    assert found.mysql_password == old["DPLAT_MYSQL_PASSWORD"]
    assert found.airflow_user == "admin" and found.airflow_password
    assert "DPLAT_AIRFLOW_PASSWORD=" in path.read_text()


def test_it_is_on_demand_and_shows_what_a_user_needs(tmp_path: Path) -> None:
    settings = resolve({"home": str(tmp_path), "port_offset": 3}, env={})
    assert "airflow" not in [s.name for s in catalogue.services(settings, Credentials.generate())]
    credentials = Credentials.generate()
    airflow = catalogue.by_name(settings, credentials, "airflow")
    assert airflow.url() == "http://127.0.0.1:8083"
    info = airflow.connection_info()
    assert (info["user"], info["password"]) == ("admin", credentials.airflow_password)
    assert info["dags"] == "DPLAT_HOME/work/airflow/dags"
    assert airflow.exports()["DPLAT_AIRFLOW_URL"] == "http://127.0.0.1:8083"


def test_healthy_only_when_the_database_scheduler_and_dag_processor_are() -> None:
    healthy = {"status": "healthy"}
    assert unhealthy_parts({
        "metadatabase": healthy,
        "scheduler": {**healthy, "latest_scheduler_heartbeat": "2026-12-04T15:42:01+00:00"},
        "triggerer": {"status": None, "latest_triggerer_heartbeat": None},  # none runs here
        "dag_processor": healthy,
    }) == []
    starting = {"metadatabase": healthy, "scheduler": {"status": "unhealthy"}, "dag_processor": {}}
    assert unhealthy_parts(starting) == ["scheduler: unhealthy", "dag_processor: None"]


def test_signing_in_to_nothing_says_it_does_not_answer() -> None:
    airflow = Airflow(Credentials.generate(), {"airflow": closed_port()})
    with pytest.raises(StackNotRunning) as caught:
        airflow.token()
    assert "does not answer" in caught.value.message
    assert "connection refused" in caught.value.message


def test_wait_ready_names_the_service_and_why_it_gave_up() -> None:
    airflow = Airflow(Credentials.generate(), {"airflow": closed_port()})
    with pytest.raises(TimeoutError) as caught:
        airflow.wait_ready(5, still_running=lambda: False)
    assert "airflow" in str(caught.value) and "its container stopped" in str(caught.value)
    assert isinstance(caught.value.__cause__, StackNotRunning)


@pytest.fixture
def strict_umask() -> Iterator[None]:
    """A host user whose umask hides new files from every other user."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def test_the_dag_folder_is_readable_by_the_containers_user_whatever_the_umask(
        tmp_path: Path, strict_umask: None) -> None:
    """The container's airflow user (uid 10001) is "other" to the files the
    host's user writes: the folder must be listable and the files readable."""
    from dplat.stack import lifecycle

    settings = resolve({"home": str(tmp_path)}, env={})
    lifecycle._prepare_work_dir(settings)
    folder = settings.work_dir / "airflow" / "dags"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    written = write_dag_file(tmp_path, "a_dag.py", "print('parsed')\n")
    assert written == tmp_path / "airflow" / "dags" / "a_dag.py"
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o755
    assert written.read_text() == "print('parsed')\n"
