"""Spark figures: the cluster's start time and idle memory, and the image's cold build.

Run: PYTHONPATH=platform .venv/bin/python benchmarks/spark_cluster.py [--cold-build]

Goal (issue 15): the cluster idle under 1.5 GiB in total. It starts the
`spark` service and its `spark-worker` as compose would (one network, the
declared memory limits, ports on 127.0.0.1 picked by the engine), waits for
the service's probe (a Connect job when pyspark-client is installed), lets the
cluster settle, reads each container's memory, and removes everything it made.
`--cold-build` first rebuilds the image without cache (downloads the ~450 MB
pyspark sdist again).
"""

from __future__ import annotations

import argparse
import subprocess
import time
import uuid

import docker
from stack import container_memory, timed

from dplat.settings import resolve
from dplat.stack import images
from dplat.stack.credentials import Credentials
from dplat.stack.spark import Spark

SETTLE_SECONDS = 60


def cold_build() -> None:
    argv = images.build_command(images.spec(Spark.name), resolve({}, env={}))
    argv.insert(3, "--no-cache")
    timed("cold build spark", lambda: subprocess.run(argv, check=True, capture_output=True))


def start_cluster(engine: docker.DockerClient, network: str) -> list:
    env = Spark.environment(Credentials.generate())
    (worker,) = Spark.companions
    started = [engine.containers.run(
        Spark.image(), list(worker.command), detach=True, environment=env,
        mem_limit=worker.memory, network=network, labels={"dplat.bench": "1"},
    )]
    ports = {f"{e.container_port}/tcp": ("127.0.0.1",) for e in Spark.endpoints}
    started.append(engine.containers.run(
        Spark.image(), detach=True, environment=env, mem_limit=Spark.memory, ports=ports,
        network=network, labels={"dplat.bench": "1"}, name=f"spark-bench-{uuid.uuid4().hex[:6]}",
    ))
    # The worker finds the master as `spark`, as on compose's network.
    engine.networks.get(network).disconnect(started[1])
    engine.networks.get(network).connect(started[1], aliases=["spark"])
    return started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-build", action="store_true")
    args = parser.parse_args()
    if args.cold_build:
        cold_build()
    engine = docker.from_env()
    network = engine.networks.create(f"spark-bench-{uuid.uuid4().hex[:6]}")
    containers = []
    try:
        began = time.perf_counter()
        containers = start_cluster(engine, network.name)
        master = containers[1]
        master.reload()
        bound = master.attrs["NetworkSettings"]["Ports"]
        ports = {e.name: int(bound[f"{e.container_port}/tcp"][0]["HostPort"]) for e in Spark.endpoints}
        Spark(Credentials.generate(), ports).wait_ready(600)
        print(f"{'cluster start to probe passed':<40} {time.perf_counter() - began:8.2f} s")
        time.sleep(SETTLE_SECONDS)
        total = 0.0
        for label, container in (("spark-worker", containers[0]), ("spark", master)):
            usage, limit = container_memory(container)
            total += usage
            print(f"idle memory {label:<28} {usage / 2**20:8.1f} MiB (limit {limit / 2**20:.0f} MiB)")
        print(f"{'idle memory total':<40} {total / 2**20:8.1f} MiB (goal < 1536)")
    finally:
        for container in containers:
            container.remove(force=True)
        network.remove()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
