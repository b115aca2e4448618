"""Airflow figures: cold image build, first start to ready, idle memory, one DAG run.

Run: .venv/bin/python benchmarks/airflow.py [--cold-build]

Goals (issue 14): idle memory of the airflow service under 1 GiB. It starts its
own container from dplat/airflow:local on a port the engine picks on
127.0.0.1 (not the stack's), with a fresh volume and its own DAG folder, and
removes both. `--cold-build` first rebuilds the image without cache (minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

BENCH_DAG = '''
import pendulum
from airflow.sdk import dag, task


@dag(dag_id="dplat_bench", schedule=None, start_date=pendulum.datetime(2020, 11, 20, tz="UTC"))
def bench():
    @task
    def one() -> int:
        return 1

    one()


bench()
'''


def timed(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s")
    return value


def memory_mib(container: Any) -> float:
    """What the cgroup charges the container, less reclaimable file cache
    (as `docker stats` shows it)."""
    stats = container.stats(stream=False)["memory_stats"]
    return (stats.get("usage", 0) - stats.get("stats", {}).get("inactive_file", 0)) / 2**20


def run_once(service: Any) -> None:
    from airflow_client.client import DAGApi, DAGPatchBody, DagRunApi, TriggerDAGRunPostBody
    from airflow_client.client.exceptions import NotFoundException

    from dplat.waiting import wait_until

    with service.client() as api:
        timed("DAG file to parsed", lambda: wait_until(
            lambda: DAGApi(api).get_dag("dplat_bench"), 120, interval=1,
            ignore=(NotFoundException,), what="the DAG"))
        DAGApi(api).patch_dag("dplat_bench", DAGPatchBody(is_paused=False))

        def one_run() -> str:
            run = DagRunApi(api).trigger_dag_run("dplat_bench", TriggerDAGRunPostBody(logical_date=None))
            done = wait_until(lambda: (state := DagRunApi(api).get_dag_run(
                "dplat_bench", run.dag_run_id).state.value) in ("success", "failed") and state,
                180, interval=0.5, what="the run")
            return str(done)

        print(f"{'run state':<44} {timed('one triggered run (1 task) to finished', one_run)}")


def main() -> int:
    import docker

    from dplat.engine import daemon
    from dplat.settings import resolve
    from dplat.stack import images
    from dplat.stack.airflow import Airflow
    from dplat.stack.credentials import Credentials

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-build", action="store_true")
    args = parser.parse_args()
    engine = daemon.ensure()
    with tempfile.TemporaryDirectory() as home:
        settings = resolve({"home": home}, env={})
        spec = images.spec("airflow")
        if args.cold_build:
            argv = images.build_command(spec, settings)
            argv.insert(3, "--no-cache")
            timed("cold build airflow", lambda: subprocess.run(argv, check=True, capture_output=True))
        else:
            images.build(engine, settings, ["airflow"])
        size = engine.images.get(spec.tag).attrs["Size"] / 1e6
        print(f"{'image size':<44} {size:8.0f} MB")
        dags = Path(home) / "dags"
        dags.mkdir(mode=0o755)
        dags.chmod(0o755)
        Path(home).chmod(0o755)
        credentials = Credentials.generate()
        container = engine.containers.run(
            Airflow.image(), detach=True, mem_limit=Airflow.memory,
            environment=Airflow.environment(credentials),
            ports={"8080/tcp": ("127.0.0.1", None)},
            volumes={str(dags): {"bind": "/opt/airflow/dags", "mode": "ro"}},
            labels={"dplat.bench": "airflow"},
        )
        try:
            container.reload()
            port = int(container.ports["8080/tcp"][0]["HostPort"])
            service = Airflow(credentials, {"airflow": port})
            timed("first start (new database) to ready", lambda: service.wait_ready(300))
            time.sleep(30)  # let start-up work settle
            print(f"{'idle memory':<44} {memory_mib(container):8.1f} MiB (goal < 1024, limit {Airflow.memory})")
            (dags / "dplat_bench.py").write_text(BENCH_DAG)
            (dags / "dplat_bench.py").chmod(0o644)
            run_once(service)
            print(f"{'memory after a run':<44} {memory_mib(container):8.1f} MiB")
            container.restart(timeout=30)
            container.reload()  # the engine picks a new host port at a restart
            port = int(container.ports["8080/tcp"][0]["HostPort"])
            service = Airflow(credentials, {"airflow": port})
            timed("restart (database exists) to ready", lambda: service.wait_ready(300))
        finally:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
    sys.exit(main())
