"""The scheduled-pipeline DAG inside the real airflow image: Airflow loads the
file, its tasks are in order, its schedule gives one UTC day per run, and the
extract SQL rendered for one data interval reads exactly that interval (the
script that asks Airflow is airflow_dag/inspect_shop_daily.py). Airflow's
template variables (data_interval_start, ds_nodash) are those of
https://airflow.apache.org/docs/apache-airflow/stable/templates-ref.html.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docker
import pytest

from dplat.resources import scenarios_dir

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent / "airflow_dag"


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("dags")
    shutil.copy(scenarios_dir() / "scheduled-pipeline" / "dags" / "shop_daily.py", folder)
    shutil.copy(HERE / "inspect_shop_daily.py", folder)
    folder.chmod(0o755)  # read by the image's airflow user (uid 10001)
    for file in folder.iterdir():
        file.chmod(0o644)
    output = docker.from_env().containers.run(
        "dplat/airflow:local", ["/opt/airflow/dags/inspect_shop_daily.py"], entrypoint="python3",
        volumes={str(folder): {"bind": "/opt/airflow/dags", "mode": "ro"}}, remove=True,
        network_disabled=True)
    return json.loads(output.decode().strip().splitlines()[-1])


def test_the_tasks_run_in_order_with_retries(inspected: dict) -> None:
    assert inspected["tasks"] == {"extract": ["stage"], "stage": ["load"], "load": ["kpis"],
                                  "kpis": []}
    assert inspected["retries"] == dict.fromkeys(["extract", "stage", "load", "kpis"], 2)
    assert inspected["catchup"] is False and inspected["max_active_runs"] == 1


def test_five_daily_runs_each_owning_one_utc_day(inspected: dict) -> None:
    assert inspected["start_date"] == "2020-11-20T00:00:00+00:00"
    assert inspected["end_date"] == "2020-11-24T00:00:00+00:00"
    # The run scheduled at 22 Nov 00:00 handles the 21st, the day that just ended.
    assert inspected["interval"] == ["2020-11-21T00:00:00+00:00", "2020-11-22T00:00:00+00:00"]


def test_extract_reads_exactly_its_interval_never_the_clock(inspected: dict) -> None:
    rendered = inspected["rendered"]
    assert rendered["ds_nodash"] == "20201121"
    assert set(rendered["queries"]) == {"users", "activity", "purchases"}
    for table, sql in rendered["queries"].items():
        assert f"FROM shop_daily_{table}\n" in sql
        assert ("WHERE updated_at >= '2020-11-21 00:00:00' "
                "AND updated_at < '2020-11-22 00:00:00'") in sql
        assert "{{" not in sql and "now" not in sql.lower()
