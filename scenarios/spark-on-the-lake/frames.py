"""The lesson's Spark code: reads, the transforms, the JDBC read and the write.

Every function takes DataFrames (or the session) and returns a DataFrame
without running anything: Spark is lazy, a DataFrame is a plan until an
action (``collect``, ``count``, ``write``) sends it to the cluster. Through
Spark Connect the plan is built here, on the host, and the Connect server
(the driver) optimizes it and runs it on the workers' executors. `--explain`
prints these functions' source.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from . import truth
from .inputs import ORDERS_PREFIX, STAGING, USERS_CSV

LAKE = "file:///lake"
"""The S3 store's volume inside the cluster: s3://bucket/key is LAKE/bucket/key."""


def lake(bucket: str, key: str) -> str:
    return f"{LAKE}/{bucket}/{key}"


# -- 1. look ---------------------------------------------------------------------------------
def users_inferred(spark: SparkSession) -> DataFrame:
    """The CSV export with a header line and types guessed from the text."""
    return (spark.read.option("header", True).option("inferSchema", True)
            .csv(lake(STAGING, USERS_CSV)))


def users(spark: SparkSession) -> DataFrame:
    """The CSV export with the schema declared: zip stays text."""
    return spark.read.option("header", True).schema(truth.USERS_SCHEMA).csv(lake(STAGING, USERS_CSV))


def orders(spark: SparkSession) -> DataFrame:
    """The Parquet partitions: the types come from the files, dt from the folder names."""
    return spark.read.parquet(lake(STAGING, ORDERS_PREFIX))


# -- 2. transform ----------------------------------------------------------------------------
def daily_country(users: DataFrame, orders: DataFrame) -> DataFrame:
    """Paid orders per day and country, with each country's revenue to date."""
    paid = orders.filter(F.col("status") == "paid")
    per_day = (
        paid.join(users, on="user_id", how="inner")
        .groupBy("dt", "country")
        .agg(F.count("*").alias("orders"),
             F.countDistinct("user_id").alias("buyers"),
             F.sum("amount").cast("decimal(12,2)").alias("revenue"))
    )
    so_far = (Window.partitionBy("country").orderBy("dt")
              .rowsBetween(Window.unboundedPreceding, Window.currentRow))
    return (per_day.withColumn("revenue_to_date", F.sum("revenue").over(so_far)
                               .cast("decimal(12,2)"))
            .orderBy("dt", "country"))


def top_buyers(users: DataFrame, orders: DataFrame) -> DataFrame:
    """The three users per country who spent most on paid orders."""
    spent = (orders.filter(F.col("status") == "paid")
             .groupBy("user_id").agg(F.sum("amount").alias("spent")))
    best_first = Window.partitionBy("country").orderBy(F.desc("spent"), "user_id")
    return (spent.join(users, on="user_id")
            .withColumn("rank", F.row_number().over(best_first))
            .filter(F.col("rank") <= truth.TOP)
            .select("country", "rank", "user_id", "user", "spent")
            .orderBy("country", "rank"))


def paid_per_day(orders: DataFrame) -> DataFrame:
    """Revenue of paid orders per day, in Spark's own expressions."""
    return (orders.filter(F.col("status") == "paid")
            .groupBy("dt").agg(F.sum("amount").alias("revenue")).orderBy("dt"))


def paid_per_day_row_by_row(orders: DataFrame) -> DataFrame:
    """The same, with the filter as a Python function of each row, as RDD
    code (``rdd.filter(lambda row: ...)``) would have it: Spark cannot see inside.

    ``useArrow=False``: rows go to Python pickled in batches, as RDD rows do.
    (Spark 4.2 sends UDF input as Arrow by default; on this cluster a filter
    by an Arrow UDF under an aggregation once hung with both tasks waiting
    on the Python workers, so the lesson does not depend on it.)"""

    @F.udf(returnType="boolean", useArrow=False)
    def is_paid(status):  # no hints: Spark reads a UDF's hints as its types
        return status == "paid"

    return (orders.filter(is_paid("status"))
            .groupBy("dt").agg(F.sum("amount").alias("revenue")).orderBy("dt"))


def every_tenth(spark: SparkSession, rows: int, row_by_row: bool) -> DataFrame:
    """A measurable job: sum the ids divisible by 10 among ``rows``, with a
    Spark expression or with a Python function per row."""

    @F.udf(returnType="boolean", useArrow=False)
    def divisible(value):
        return value % 10 == 0

    keep = divisible("id") if row_by_row else F.col("id") % 10 == 0
    return spark.range(rows).filter(keep).agg(F.sum("id").alias("total"))


def plan(frame: DataFrame, mode: str = "formatted") -> str:
    """``frame.explain(mode)`` as text (it prints, so its output is captured)."""
    return _printed(lambda: frame.explain(mode=mode))


def shown(frame: DataFrame, rows: int) -> str:
    """``frame.show(rows)`` as text."""
    return _printed(lambda: frame.show(rows))


def _printed(action: Any) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        action()
    return out.getvalue().rstrip()


# -- 3. JDBC -------------------------------------------------------------------------------------
def jdbc_orders(spark: SparkSession, mysql: dict[str, str], column: str, lower: int,
                upper: int, splits: int) -> DataFrame:
    """``spark_orders`` read over JDBC in ``splits`` parallel queries on ``column``."""
    return (spark.read.format("jdbc")
            .option("url", mysql["url"])
            .option("driver", "org.mariadb.jdbc.Driver")
            .option("user", mysql["user"])
            .option("password", mysql["password"])
            .option("dbtable", "spark_orders")
            .option("partitionColumn", column)
            .option("lowerBound", lower)
            .option("upperBound", upper)
            .option("numPartitions", splits)
            .load())


def rows_per_partition(frame: DataFrame, partitions: int) -> list[int]:
    """How many rows each partition of ``frame`` holds (0 for an empty one)."""
    counted = frame.groupBy(F.spark_partition_id().alias("split")).count().collect()
    found = {row["split"]: row["count"] for row in counted}
    return [found.get(index, 0) for index in range(partitions)]


# -- 4. write --------------------------------------------------------------------------------
def write_by_day(frame: DataFrame, path: str) -> None:
    """One Parquet file per day under ``path``/dt=YYYY-MM-DD/, replacing only
    the days ``frame`` holds when the session's partitionOverwriteMode is dynamic."""
    (frame.repartition("dt").write.mode("overwrite").partitionBy("dt").parquet(path))


def plain_rows(frame: DataFrame) -> list[dict[str, Any]]:
    """The rows as dicts, days as ``YYYY-MM-DD`` text (as truth.py writes them)."""
    return [{k: (v.isoformat() if k == "dt" else v) for k, v in row.asDict().items()}
            for row in frame.collect()]
