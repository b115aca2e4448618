"""One task of the scheduled-pipeline DAG run by Airflow against a real MySQL:
the airflow and mysql images on one network (the task finds ``mysql`` by name,
as in the stack), the lesson's tables seeded, and ``airflow tasks test
shop_daily extract 2020-11-22`` (Airflow's CLI: one task instance for one
logical date, no scheduler; https://airflow.apache.org/docs/apache-airflow/stable/cli-and-env-variables-ref.html#test)
must extract exactly the rows the ground truth puts in the partition of the
21st: with this DAG's interval timetable the run dated the 22nd owns the
interval [21 Nov, 22 Nov).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testcontainers.core.network import Network

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.stack.airflow import Airflow
from dplat.stack.mysql import MySQL

pytestmark = pytest.mark.integration

FOLDER = scenarios_dir() / "scheduled-pipeline"
EVENTS = 2000


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    with Network() as made:
        yield made


def test_extract_reads_exactly_its_days_rows_from_the_real_mysql(
        service_factory: Any, network: Network, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = catalog.lesson_module(FOLDER, "data")
    shop = data.generate(EVENTS)
    mysql = service_factory(MySQL, network=network, aliases=("mysql",))
    airflow = None
    connection = mysql.service.client()
    data.seed(connection, shop)
    connection.close()
    dags: Path = tmp_path_factory.mktemp("dags")
    shutil.copy(FOLDER / "dags" / "shop_daily.py", dags)
    dags.chmod(0o755)
    (dags / "shop_daily.py").chmod(0o644)
    try:
        airflow = service_factory(Airflow, timeout=300, network=network, aliases=("airflow",),
                                  volumes={str(dags): "/opt/airflow/dags"})
        result = airflow.container.get_wrapped_container().exec_run(
            ["airflow", "tasks", "test", "shop_daily", "extract", "2020-11-22"])
        output = result.output.decode(errors="replace")
    finally:  # before the module's network goes (the session's factory stops them later)
        for running in (airflow, mysql):
            if running is not None:
                running.container.stop()
    assert result.exit_code == 0, output[-3000:]
    where = re.findall(r"WHERE updated_at >= .*", output)
    assert where and set(where) == {
        "WHERE updated_at >= '2020-11-21 00:00:00' AND updated_at < '2020-11-22 00:00:00'"}, where
    extracted = re.search(r"extracted \{'users': (\d+), 'activity': (\d+), 'purchases': (\d+)\}",
                          output)
    assert extracted, output[-3000:]
    truth = data.partition_truth(shop)["20201121"]
    assert [int(n) for n in extracted.groups()] == [
        len(truth["users"]), len(truth["activity"]), len(truth["purchases"])]
