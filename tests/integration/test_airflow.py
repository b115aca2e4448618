"""The airflow image: the stack's admin signs in, a DAG file dropped into the
mounted folder is parsed, and a run triggered through the REST API succeeds.

Spoken to only with Airflow's official client (apache-airflow-client), as the
scheduled-pipeline lesson will. The calls follow Airflow 3's REST API
reference (https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html:
``GET /api/v2/importErrors``, ``PATCH /api/v2/dags/{dag_id}``,
``POST /api/v2/dags/{dag_id}/dagRuns``, ``GET .../taskInstances``,
``GET .../xcomEntries/{key}``) and its token endpoint
(https://airflow.apache.org/docs/apache-airflow/stable/security/api.html).
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dplat.errors import RequestRefused
from dplat.stack.airflow import Airflow
from dplat.stack.credentials import Credentials
from dplat.waiting import wait_until

pytestmark = pytest.mark.integration

DAG_ID = "dplat_smoke"

# Our own two-task DAG: ``count`` returns a number (an XCom), ``double``
# receives it through the TaskFlow API and returns twice it. Both run as
# LocalExecutor task processes that report back over the execution API.
SMOKE_DAG = textwrap.dedent(
    f'''
    """A two-task DAG for dplat's image test."""
    import pendulum
    from airflow.sdk import dag, task


    @dag(dag_id="{DAG_ID}", schedule=None, start_date=pendulum.datetime(2020, 11, 20, tz="UTC"),
         catchup=False, tags=["dplat-test"])
    def smoke():
        @task
        def count() -> int:
            return 21

        @task
        def double(n: int) -> int:
            return 2 * n

        double(count())


    smoke()
    '''
)


@pytest.fixture(scope="module")
def dags(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dags")
    folder.chmod(0o755)  # read by the container's airflow user (uid 10001)
    return folder


@pytest.fixture(scope="module")
def airflow(service_factory: Any, dags: Path) -> Airflow:
    # A first start creates the SQLite database: allow for a busy 2-core host.
    running = service_factory(Airflow, timeout=300, volumes={str(dags): "/opt/airflow/dags"})
    return running.service


@pytest.fixture()
def api(airflow: Airflow) -> Iterator[Any]:
    with airflow.client() as client:
        yield client


def deploy(dags: Path, name: str, source: str) -> None:
    path = dags / name
    path.write_text(source)
    path.chmod(0o644)


def test_the_generated_admin_signs_in_and_a_wrong_password_is_refused(
    airflow: Airflow, api: Any, credentials: Credentials
) -> None:
    from airflow_client.client import VersionApi

    assert VersionApi(api).get_version().version == "3.3.2"
    wrong = Airflow(
        Credentials(**{**credentials.__dict__, "airflow_password": "not-the-password"}),
        airflow.host_ports,
    )
    with pytest.raises(RequestRefused) as refused:
        wrong.token()
    assert "401" in refused.value.message


def test_a_dag_file_in_the_folder_is_parsed_and_one_run_succeeds(dags: Path, api: Any) -> None:
    from airflow_client.client import (
        DAGApi,
        DAGPatchBody,
        DagRunApi,
        ImportErrorApi,
        TaskInstanceApi,
        TriggerDAGRunPostBody,
        XComApi,
    )
    from airflow_client.client.exceptions import NotFoundException

    deploy(dags, "dplat_smoke.py", SMOKE_DAG)
    # The folder is listed every 10 s (the image's refresh interval).
    dag = wait_until(lambda: DAGApi(api).get_dag(DAG_ID), 120, interval=2,
                     ignore=(NotFoundException,), what=f"DAG {DAG_ID} to be parsed")
    assert {t.name for t in dag.tags} == {"dplat-test"}
    assert dag.is_paused  # Airflow's default for a new DAG: the lesson unpauses explicitly
    assert ImportErrorApi(api).get_import_errors().total_entries == 0

    DAGApi(api).patch_dag(DAG_ID, DAGPatchBody(is_paused=False))
    started = time.monotonic()
    run = DagRunApi(api).trigger_dag_run(DAG_ID, TriggerDAGRunPostBody(logical_date=None))

    def finished() -> Any:
        current = DagRunApi(api).get_dag_run(DAG_ID, run.dag_run_id)
        return current if current.state.value in ("success", "failed") else None

    done = wait_until(finished, 180, interval=2, what=f"run {run.dag_run_id} to finish")
    print(f"dag run took {time.monotonic() - started:.1f} s")
    tasks = TaskInstanceApi(api).get_task_instances(DAG_ID, run.dag_run_id).task_instances
    states = {(t.task_id, t.state.value if t.state else None) for t in tasks}
    assert states == {("count", "success"), ("double", "success")}
    assert done.state.value == "success"
    # The tasks ran our code: double's return value went through XCom.
    entry = XComApi(api).get_xcom_entry(DAG_ID, "double", run.dag_run_id, "return_value")
    assert str(entry.actual_instance.value) == "42"


def test_a_broken_dag_file_is_reported_as_an_import_error_naming_it(
    dags: Path, api: Any
) -> None:
    from airflow_client.client import ImportErrorApi

    deploy(dags, "broken.py", "from airflow.sdk import dag\nraise ValueError('dplat: broken on purpose')\n")

    def reported() -> list[Any]:
        return ImportErrorApi(api).get_import_errors().import_errors

    errors = wait_until(reported, 120, interval=2, what="broken.py's import error")
    assert [Path(e.filename).name for e in errors] == ["broken.py"]
    assert "broken on purpose" in errors[0].stack_trace
