"""What the steps share that is not the lesson's subject: a Spark Connect
session per step, MySQL's address as the cluster sees it, and Parquet read
back through the S3 API."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import s3objects, wait_until

START = "`dplat up --with spark`"
CLUSTER_PYTHON = (3, 11)
"""The executors' Python (images/spark): Connect runs a Python UDF only when
the client's minor version is the same."""

S3A_SETTINGS = """\
# What a real cluster would use to read s3a://datastaging/... (with hadoop-aws
# and the AWS SDK bundle on its classpath); here the store's volume is /lake.
spark.hadoop.fs.s3a.endpoint                 http://s3:9000
spark.hadoop.fs.s3a.path.style.access        true
spark.hadoop.fs.s3a.access.key               <AWS_ACCESS_KEY_ID>
spark.hadoop.fs.s3a.secret.key               <AWS_SECRET_ACCESS_KEY>
spark.hadoop.fs.s3a.connection.ssl.enabled   false
spark.hadoop.fs.s3a.committer.name           magic   # renames are copies on S3"""


@contextmanager
def session(ctx: Any) -> Iterator[Any]:
    """A Spark Connect session for one step, stopped at its end. A cluster
    that does not answer fails with the command that starts it."""
    from dplat.stack import catalogue

    spark_service = catalogue.by_name(ctx.settings, ctx.credentials, "spark")
    try:
        spark_service.probe()
    except Exception as exc:
        raise ScenarioError(
            f"spark, the cluster this lesson runs on, does not answer at {spark_service.url()} "
            f"({type(exc).__name__}: {str(exc)[:200]})",
            fix=f"Start it with {START} (it is not part of the everyday stack); "
                "`dplat status` shows it and `dplat logs spark` says why it stopped.") from exc
    spark = spark_service.client()
    try:
        yield spark
    finally:
        spark.stop()


def udf_refusal(version: tuple[int, int] | None = None) -> str | None:
    """Why this Python (``version``, by default the running one) cannot send a
    Python UDF to the cluster, or None when it can: Spark Connect refuses a
    UDF from a client whose Python minor version is not the executors'.
    dplat runs on 3.11 or newer, so only the lesson's UDF comparison depends
    on this; the rest of its steps run on any of them."""
    import sys

    here = version or tuple(sys.version_info[:2])
    if here == CLUSTER_PYTHON:
        return None
    return (f"the row-by-row comparison sends a Python function (a UDF) to the cluster, "
            f"whose Python is {'.'.join(map(str, CLUSTER_PYTHON))}; this runs on Python "
            f"{'.'.join(map(str, here))}, and Spark Connect refuses a UDF from another minor "
            f"version. Run dplat from a Python 3.11 environment to see it.")


def plan_tree(plan: str) -> list[str]:
    """The operator tree of a ``explain("formatted")`` text: its "== Physical
    Plan ==" section up to the first blank line. The details after it name
    attributes by ids (``user_id#32``) that differ between two plans of the
    same query; the tree (operators, their order and shape) does not."""
    lines = plan.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "== Physical Plan =="), None)
    if start is None:
        raise ValueError("not a formatted plan: no '== Physical Plan ==' line")
    tree = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        tree.append(line.rstrip())
    return tree


def source(*functions: Any) -> str:
    """The functions' source, for `--explain`."""
    import inspect

    return "\n\n".join(inspect.getsource(f) for f in functions)


def mysql_for_spark(ctx: Any) -> dict[str, str]:
    """JDBC settings as the executors see MySQL: by its compose name, in the
    stack's network. MySQL 9 logs users in with caching_sha2_password; without
    TLS the driver may fetch the server's RSA key only when allowed to."""
    c = ctx.credentials
    return {"url": f"jdbc:mysql://mysql:3306/{c.mysql_database}?allowPublicKeyRetrieval=true",
            "user": c.mysql_user, "password": c.mysql_password}


def listed(s3: Any, bucket: str, prefix: str, ready: Any, timeout: float = 10.0) -> list[str]:
    """The keys under ``prefix`` once ``ready(keys)`` holds (the store caches
    a folder's listing for a second, so files Spark just wrote may list late)."""
    found: list[str] = []

    def done() -> bool:
        nonlocal found
        found = s3objects.keys(s3, bucket, prefix)
        return bool(ready(found))

    wait_until(done, timeout, interval=0.25)
    return found


def read_parquet_rows(s3: Any, bucket: str, keys: list[str]) -> list[dict[str, Any]]:
    """Every row of these Parquet objects (read with boto3 and pyarrow), with
    the ``dt`` of its key's ``dt=YYYY-MM-DD`` folder added."""
    import pyarrow.parquet as pq

    rows = []
    for key, body in s3objects.read(s3, bucket, keys).items():
        dt = next(part.split("=", 1)[1] for part in key.split("/") if part.startswith("dt="))
        rows += [{"dt": dt, **row} for row in pq.read_table(io.BytesIO(body)).to_pylist()]
    return rows


def count_where(connection: Any, table: str, where: str) -> int:
    cursor = connection.cursor()
    cursor.execute(f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else ""))
    (count,) = cursor.fetchone()
    cursor.close()
    return int(count)
