"""spark: a standalone Spark cluster with Spark Connect, on demand.

Data engineers meet Spark as the transform engine, so the lessons run on a
real cluster rather than Spark's local mode: a master, a worker that runs the
executors, and a Spark Connect server, the cluster's one long-running driver.
Lesson code runs on the host with the thin client (PyPI's ``pyspark-client``,
the ``dplat[spark]`` extra) and sends plans to the Connect server; the work
runs in the worker's executor. The driver's application UI (jobs, stages,
SQL plans) is published next to the master's.

Two compose services of one image (images/spark): ``spark`` runs the master
and the Connect server, ``spark-worker`` (a :class:`Companion`) a worker.
Both mount the S3 store's volume at ``/lake``: Hadoop's S3A connector is not
in pyspark and cannot be had here, so Spark reads and writes the store's
buckets as files (``file:///lake/<bucket>/<key>``), as the store's user, and
the S3 API serves exactly those files (docs/differences.md).

Started with ``dplat up --with spark`` or by a lesson that lists it. The
probe asks the master's JSON for a live worker and the Connect server's
application, then, when the host client is installed, runs a one-row job
through Connect.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from dplat.errors import SettingsError
from dplat.stack.base import Build, Companion, Endpoint, Service
from dplat.stack.credentials import Credentials
from dplat.stack.faults import http_errors

CONNECT_APP_NAME = "Spark Connect server"
"""The application name the Connect server registers with the master (images/spark/spark-node)."""

LAKE = "/lake"
"""Where the cluster mounts the S3 store's volume: ``file:///lake/<bucket>/<key>``."""

CLIENT_MISSING_FIX = "Install the host client: pip install 'dplat[spark]' (pyspark-client 4.2)."


def client_installed() -> bool:
    """Whether the host has the Spark Connect client (the ``spark`` extra)."""
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None


class Spark(Service):
    name = "spark"
    build = Build("bookworm")
    endpoints = (
        Endpoint("spark_connect", 15002, 15002, "sc", "Spark Connect (the host's thin client)"),
        Endpoint("spark_ui", 8080, 9080, "http", "Spark master UI (workers, applications)"),
        Endpoint("spark_app_ui", 4040, 4040, "http", "Connect driver's UI (jobs, stages, SQL)"),
    )
    # Measured idle: ~560 MiB (master 192m heap + driver 512m heap); the
    # limit leaves room for a driver collecting results.
    memory = "1280m"
    companions = (
        # Measured idle: ~360 MiB (worker daemon + one 512m executor).
        Companion("spark-worker", ("worker",), "1280m"),
    )
    on_demand = True
    probe_interval = 2.0  # a probe may run a Spark job

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        # Workers find the master by its compose name; the cluster needs no
        # credentials (the lake is a mounted volume, MySQL's user is the lesson's).
        return {"SPARK_MASTER_URL": f"spark://{cls.name}:7077"}

    def master_state(self) -> dict[str, Any]:
        """The master's JSON (the UI's /json/): workers, applications, status."""
        url = f"{self.url('spark_ui')}/json/"
        with (
            http_errors("the Spark master", self.name, url, "GET", "/json/"),
            urllib.request.urlopen(url, timeout=5) as response,
        ):
            return json.loads(response.read())

    def application(self) -> dict[str, Any]:
        """The Connect server's running application, as the master lists it."""
        state = self.master_state()
        for app in state.get("activeapps", []):
            if app.get("name") == CONNECT_APP_NAME and app.get("state") == "RUNNING":
                return app
        raise RuntimeError(f"the master lists no running {CONNECT_APP_NAME!r} application")

    def client(self) -> Any:
        """A new Spark Connect session (``pyspark.sql.SparkSession``); stop it when done."""
        if not client_installed():
            raise SettingsError("the Spark Connect client (pyspark-client) is not installed",
                                fix=CLIENT_MISSING_FIX)
        from pyspark.sql import SparkSession
        from pyspark.sql.connect.client.retries import DefaultPolicy

        session = SparkSession.builder.remote(self.url()).create()
        # The client's own policy retries a failed call for 10 minutes; a
        # stopped cluster should be an error within seconds (a probe, a lesson).
        session.client.set_retry_policies([DefaultPolicy(max_retries=4, max_backoff=4000)])
        return session

    def probe(self) -> None:
        state = self.master_state()
        if state.get("status") != "ALIVE":
            raise RuntimeError(f"the master is {state.get('status')}, not ALIVE")
        if state.get("aliveworkers", 0) < 1:
            raise RuntimeError("no worker has registered with the master")
        self.application()
        if not client_installed():
            return  # the master's view is all the host can check without the client
        self._connect_listens()
        session = self.client()
        try:
            if session.range(1).count() != 1:
                raise RuntimeError("spark.range(1).count() did not return 1")
        finally:
            session.stop()

    def _connect_listens(self, timeout: float = 3.0) -> None:
        """Raise unless the Connect server completes a gRPC handshake.

        A plain TCP check is not enough: the engine's port proxy accepts
        connections before the server in the container listens (it starts
        some 20 s after the master lists its application).
        """
        import grpc

        channel = grpc.insecure_channel(f"{self.host}:{self.port()}")
        try:
            grpc.channel_ready_future(channel).result(timeout=timeout)
        except grpc.FutureTimeoutError as exc:
            raise RuntimeError("the Spark Connect server does not answer yet") from exc
        finally:
            channel.close()

    def exports(self) -> dict[str, str]:
        # SPARK_REMOTE: `SparkSession.builder.getOrCreate()` connects there.
        return {"SPARK_REMOTE": self.url(), "DPLAT_SPARK_UI_URL": self.url("spark_ui")}

    def connection_info(self) -> dict[str, str]:
        return {
            "url": self.url(),
            "master UI": self.url("spark_ui"),
            "driver UI": self.url("spark_app_ui"),
            "lake": f"file://{LAKE}/BUCKET/KEY inside the cluster (files of the S3 store)",
            "client": "installed" if client_installed() else CLIENT_MISSING_FIX,
        }
