"""The spark image: a standalone cluster that the host drives through Spark Connect.

What the Spark lesson stands on, checked with real parts: the image starts a
master, a worker and a Connect server; a session from the host (the
``dplat[spark]`` extra, pyspark-client) runs a job whose tasks ran in the
worker's executor; MariaDB Connector/J reads a table from our MySQL 9 image;
and Parquet written to ``file:///lake`` is what boto3 lists and reads from
the S3 image sharing the volume.

The containers share one network, as compose's does: the worker finds the
master as ``spark``, the executors MySQL as ``mysql``.

Sources for the behaviour checked (the tests' cases are our own):
- the master's JSON and the application REST API:
  https://spark.apache.org/docs/latest/monitoring.html#rest-api
- JDBC options (partitionColumn, lowerBound, upperBound, numPartitions):
  https://spark.apache.org/docs/latest/sql-data-sources-jdbc.html
- caching_sha2_password needs TLS or the server's RSA key
  (allowPublicKeyRetrieval): https://dev.mysql.com/doc/refman/9.4/en/caching-sha2-pluggable-authentication.html
  and MariaDB Connector/J's option list: https://mariadb.com/kb/en/about-mariadb-connector-j/
"""

from __future__ import annotations

import io
import json
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from dplat.stack.credentials import Credentials
from dplat.stack.mysql import MySQL
from dplat.stack.s3 import S3
from dplat.stack.spark import Spark, client_installed
from dplat.waiting import wait_until
from tests.integration.conftest import TEST_LABEL, RunningService, start

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not client_installed(), reason="needs the host client: pip install 'dplat[spark]'"),
]

STARTUP_TIMEOUT = 420  # JVMs start slowly on a busy 2-core machine (seen: 40 s idle, 220 s loaded)


@pytest.fixture(scope="module")
def network() -> Iterator[Any]:
    from testcontainers.core.network import Network

    with Network() as made:
        yield made


@pytest.fixture(scope="module")
def lake_volume() -> Iterator[str]:
    """The S3 store's data volume, which the cluster mounts at /lake."""
    import docker

    engine = docker.from_env()
    volume = engine.volumes.create(f"dplat-test-lake-{uuid.uuid4().hex[:8]}", labels={"dplat.test": "1"})
    yield volume.name
    volume.remove(force=True)


def started(running: RunningService) -> Iterator[Any]:
    """Yield the service; remove its container when the module is done (before
    the network and the volume it uses, which the session's factory would not)."""
    try:
        yield running.service
    finally:
        running.container.stop()


@pytest.fixture(scope="module")
def store(credentials: Credentials, lake_volume: str) -> Iterator[S3]:
    yield from started(start(S3, credentials, volumes={lake_volume: "/data"}))


@pytest.fixture(scope="module")
def mysql_container(credentials: Credentials, network: Any) -> Iterator[RunningService]:
    running = start(MySQL, credentials, network=network, aliases=("mysql",))
    yield running
    running.container.stop()


@pytest.fixture(scope="module")
def mysql(mysql_container: RunningService) -> MySQL:
    service = mysql_container.service
    assert isinstance(service, MySQL)
    return service


@pytest.fixture(scope="module")
def worker(
    network: Any, lake_volume: str, credentials: Credentials, store: S3
) -> Iterator[Any]:
    """The `spark-worker` companion, as compose declares it; started before the
    master (it retries registering), because the master's probe waits for it."""
    from testcontainers.core.container import DockerContainer

    (companion,) = Spark.companions
    container = DockerContainer(Spark.image())
    container.with_kwargs(labels=TEST_LABEL, mem_limit=companion.memory)
    container.with_command(list(companion.command))
    for key, value in Spark.environment(credentials).items():
        container.with_env(key, value)
    container.with_volume_mapping(lake_volume, "/lake", "rw")
    container.with_network(network)
    container.start()
    yield container
    container.stop()


@pytest.fixture(scope="module")
def spark(credentials: Credentials, network: Any, lake_volume: str, worker: Any) -> Iterator[Spark]:
    yield from started(start(
        Spark, credentials, network=network, aliases=("spark",), volumes={lake_volume: "/lake"},
        timeout=STARTUP_TIMEOUT,
    ))


@pytest.fixture(scope="module")
def session(spark: Spark) -> Iterator[Any]:
    made = spark.client()
    yield made
    made.stop()


def worker_ip(worker: Any, network: Any) -> str:
    wrapped = worker.get_wrapped_container()
    wrapped.reload()
    return wrapped.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_a_connect_session_runs_its_job_in_the_workers_executor(
    spark: Spark, session: Any, worker: Any, network: Any
) -> None:
    total = session.range(0, 1000, 1, 4).selectExpr("sum(id) AS total").collect()[0]["total"]
    assert total == 499500
    # The master lists our worker alive and the Connect server holding its cores.
    state = spark.master_state()
    (registered,) = [w for w in state["workers"] if w["state"] == "ALIVE"]
    assert registered["host"] == worker_ip(worker, network)
    assert registered["coresused"] > 0
    app_id = spark.application()["id"]
    # The driver's REST API: the tasks ran in an executor on the worker, not in the driver.
    executors = get_json(f"{spark.url('spark_app_ui')}/api/v1/applications/{app_id}/executors")
    on_worker = [e for e in executors if e["id"] != "driver"]
    assert on_worker and all(e["hostPort"].startswith(registered["host"] + ":") for e in on_worker)
    assert sum(e["completedTasks"] for e in on_worker) >= 4
    driver = next(e for e in executors if e["id"] == "driver")
    assert driver["completedTasks"] == 0


def jdbc_reader(session: Any, mysql: MySQL, parameters: str) -> Any:
    """A JDBC read of ``spark_orders`` through MariaDB Connector/J, as the app user."""
    c = mysql.credentials
    return (
        session.read.format("jdbc")
        .option("url", f"jdbc:mysql://mysql:3306/{c.mysql_database}{parameters}")
        .option("driver", "org.mariadb.jdbc.Driver")
        .option("dbtable", "spark_orders")
        .option("user", c.mysql_user)
        .option("password", c.mysql_password)
    )


@pytest.fixture(scope="module")
def orders(mysql: MySQL) -> str:
    """Table ``spark_orders`` in MySQL: ids 1..100, amount = 1.5 * id."""
    connection = mysql.client()
    try:
        cursor = connection.cursor()
        cursor.execute("DROP TABLE IF EXISTS spark_orders")
        cursor.execute("CREATE TABLE spark_orders (id INT PRIMARY KEY, amount DECIMAL(10,2))")
        cursor.executemany(
            "INSERT INTO spark_orders VALUES (%s, %s)", [(i, i * 1.5) for i in range(1, 101)]
        )
        connection.commit()
    finally:
        connection.close()
    return "spark_orders"


def test_mariadb_connector_j_reads_a_mysql_9_table_in_splits(
    session: Any, mysql: MySQL, orders: str
) -> None:
    frame = (
        jdbc_reader(session, mysql, "?allowPublicKeyRetrieval=true")
        .option("partitionColumn", "id")
        .option("lowerBound", "1")
        .option("upperBound", "101")
        .option("numPartitions", "4")
        .load()
    )
    from pyspark.sql import functions as F

    counts = frame.groupBy(F.spark_partition_id().alias("split")).count().collect()
    assert sorted(row["count"] for row in counts) == [25, 25, 25, 25]
    row = frame.agg(F.count("*").alias("n"), F.sum("amount").alias("total")).collect()[0]
    assert row["n"] == 100
    assert float(row["total"]) == pytest.approx(sum(i * 1.5 for i in range(1, 101)))


def test_parquet_written_to_the_lake_is_what_s3_lists_and_serves(
    session: Any, store: S3
) -> None:
    import pyarrow.parquet as pq

    rows = [(i, f"user-{i}", "2020-11-24" if i % 2 else "2020-11-25") for i in range(10)]
    frame = session.createDataFrame(rows, "id INT, name STRING, dt STRING")
    frame.coalesce(1).write.mode("overwrite").partitionBy("dt").parquet(
        "file:///lake/datastore/spark_test/users"
    )
    s3 = store.client()

    def listed() -> list[str]:
        answer = s3.list_objects_v2(Bucket="datastore", Prefix="spark_test/users/")
        return sorted(o["Key"] for o in answer.get("Contents", []))

    # The store caches a folder's listing for a second (images/s3/entrypoint.sh).
    wait_until(lambda: len(listed()) >= 2, 10, interval=0.25)
    keys = listed()
    # Only data: no .crc checksums, no _SUCCESS marker, one file per partition.
    assert [k.split("/")[2] for k in keys] == ["dt=2020-11-24", "dt=2020-11-25"]
    assert all(k.endswith(".parquet") and "/." not in k for k in keys)
    read_back = []
    for key in keys:
        body = s3.get_object(Bucket="datastore", Key=key)["Body"].read()
        table = pq.read_table(io.BytesIO(body))
        read_back += [(r["id"], r["name"]) for r in table.to_pylist()]
    assert sorted(read_back) == [(i, f"user-{i}") for i in range(10)]


def test_caching_sha2_password_without_tls_needs_the_servers_rsa_key(
    session: Any, mysql: MySQL, mysql_container: RunningService, orders: str
) -> None:
    """MySQL 9 has no mysql_native_password; its users log in with
    caching_sha2_password. Once the server has cached a user's verified
    password, a login is a quick hash exchange; the first one (and any after
    FLUSH PRIVILEGES) must send the password itself, over TLS or encrypted with
    the server's RSA key, which the driver fetches only when allowed to."""
    flushed = mysql_container.container.get_wrapped_container().exec_run(
        ["mysql", "-uroot", "-e", "FLUSH PRIVILEGES"],
        environment={"MYSQL_PWD": mysql.credentials.mysql_root_password},
    )
    assert flushed.exit_code == 0, flushed.output
    with pytest.raises(Exception, match=r"(?i)RSA public key"):
        jdbc_reader(session, mysql, "").load().count()
    assert jdbc_reader(session, mysql, "?allowPublicKeyRetrieval=true").load().count() == 100


def test_a_python_udf_runs_in_the_executors_python(session: Any, worker: Any) -> None:
    """Python code sent from the host runs in the worker's Python (3.11, as the
    host's: Connect refuses a different minor version for UDFs), which needs
    pyarrow in the image."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    @F.udf(returnType=StringType())
    def where_am_i(value):  # no hints: with postponed annotations Spark cannot read them
        import platform
        import sys

        return f"{platform.node()}:{sys.version_info.major}.{sys.version_info.minor}:{value}"

    rows = session.range(3).select(where_am_i("id").alias("seen")).collect()
    seen = sorted(row["seen"] for row in rows)
    assert [s.rsplit(":", 1)[1] for s in seen] == ["0", "1", "2"]
    assert {s.split(":")[1] for s in seen} == {"3.11"}
    # The container's host name is its short id: the worker's, not the driver's.
    assert {s.split(":")[0] for s in seen} == {worker.get_wrapped_container().id[:12]}
