"""shop_daily: the shop's day, every day: MySQL -> Parquet in S3 -> BigQuery -> KPIs.

The DAG of the scheduled-pipeline lesson (read its README first). The lesson
copies this file into the stack's DAG folder (DPLAT_HOME/work/airflow/dags),
with ``shop_daily_kpis.sql`` beside it: warehouse-kpis' KPI SQL, rendered for
this pipeline's tables when the lesson deploys.

One run per day from 2020-11-20 to 2020-11-24. Each run owns its *data
interval* [data_interval_start, data_interval_end), one UTC day, and every
task does the same work however often it runs for that interval:

  extract  rows of shop_daily_{users,activity,purchases} whose updated_at falls
           in the interval (Sqoop's ``--incremental lastmodified``, bounded by
           the interval's end, never by the clock), to Parquet in a scratch folder
  stage    those files to s3://datastaging/shop-daily/<table>/dt=<ds_nodash>/,
           replacing the partition (marker _SUCCESS written last)
  load     the staged Parquet into BigQuery raw.shop_daily_<table>, replacing
           the rows of dt = ds (the run's day partition)
  kpis     mart.shop_daily_kpis: recompute the run's day and every day whose
           rows this run's extract brought in late

Dates come only from Airflow's templates ({{ ds }}, {{ data_interval_start }}):
never ``now()``, so a run for 2020-11-21 does the same thing today, tomorrow
and in a backfill. Addresses and credentials come from the container's
environment (the stack's services by name), never from this file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, CronDataIntervalTimetable, task

DAG_ID = "shop_daily"
RETRIES = 2
RETRY_DELAY = timedelta(seconds=5)
BUCKET = "datastaging"
PREFIX = "shop-daily"
SCRATCH = Path(os.environ.get("AIRFLOW_HOME", "/opt/airflow")) / "scratch" / DAG_ID
KPI_SQL = Path(__file__).with_name("shop_daily_kpis.sql")
KPI_TABLE = "mart.shop_daily_kpis"

# Each table: its key and its columns, as BigQuery types (MySQL's DATETIME is UTC).
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "users": ("user_id", {"user_id": "INT64", "email": "STRING", "country": "STRING",
                          "channel": "STRING", "signup_at": "TIMESTAMP",
                          "updated_at": "TIMESTAMP"}),
    "activity": ("event_id", {"event_id": "STRING", "user_id": "INT64", "event_type": "STRING",
                              "event_at": "TIMESTAMP", "updated_at": "TIMESTAMP"}),
    "purchases": ("purchase_id", {"purchase_id": "INT64", "user_id": "INT64", "item": "STRING",
                                  "quantity": "INT64", "amount_cents": "INT64",
                                  "status": "STRING", "purchased_at": "TIMESTAMP",
                                  "updated_at": "TIMESTAMP"}),
}
KPI_COLUMNS = {"day": "DATE", "dau": "INT64", "pu": "INT64", "revenue_cents": "INT64",
               "conversion": "FLOAT64", "arpu": "FLOAT64", "arppu": "FLOAT64"}

# The interval's bounds as MySQL DATETIME literals, rendered by Airflow per run.
START = "{{ data_interval_start.strftime('%Y-%m-%d %H:%M:%S') }}"
END = "{{ data_interval_end.strftime('%Y-%m-%d %H:%M:%S') }}"


def extract_sql(table: str) -> str:
    """The extract query of ``table``: the rows changed in the run's interval."""
    key, columns = TABLES[table]
    return (f"SELECT {', '.join(columns)}\nFROM shop_daily_{table}\n"
            f"WHERE updated_at >= '{START}' AND updated_at < '{END}'\nORDER BY {key}")


def partition(table: str, ds_nodash: str) -> str:
    return f"{PREFIX}/{table}/dt={ds_nodash}/"


# -- clients, made inside the task process from the container's environment -----
def _mysql() -> Any:
    import mysql.connector

    return mysql.connector.connect(
        host=os.environ["MYSQL_HOST"], port=int(os.environ["MYSQL_PORT"]),
        user=os.environ["MYSQL_USER"], password=os.environ["MYSQL_PASSWORD"],
        database=os.environ["MYSQL_DATABASE"], time_zone="+00:00", connection_timeout=10)


def _s3() -> Any:
    """boto3 reads AWS_* (endpoint, keys, region) itself. Short timeouts and
    two attempts: an unavailable store fails the task in seconds, and
    Airflow's retry (not the client's) is what waits for it to come back."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(
        signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=3,
        read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}))


def _bigquery() -> Any:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(project=os.environ["BIGQUERY_PROJECT"],
                           credentials=AnonymousCredentials(),
                           client_options=ClientOptions(
                               api_endpoint=os.environ["BIGQUERY_EMULATOR_HOST"]))


def _schema(columns: dict[str, str]) -> list[Any]:
    from google.cloud import bigquery

    return [bigquery.SchemaField(name, kind) for name, kind in columns.items()]


def _arrow_schema(columns: dict[str, str]) -> Any:
    import pyarrow as pa

    types = {"INT64": pa.int64(), "STRING": pa.string(), "TIMESTAMP": pa.timestamp("s")}
    return pa.schema([(name, types[kind]) for name, kind in columns.items()])


# -- the tasks ----------------------------------------------------------------------
@task(task_id="extract")
def extract(queries: dict[str, str], ds_nodash: str) -> dict[str, int]:
    """Run each table's rendered query; write its rows to the scratch folder
    (replaced whole: a rerun writes the same files)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = SCRATCH / f"dt={ds_nodash}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counts = {}
    connection = _mysql()
    try:
        for table, sql in queries.items():
            print(f"extract {table}:\n{sql}")
            cursor = connection.cursor()
            cursor.execute(sql)
            rows = cursor.fetchall()
            cursor.close()
            schema = _arrow_schema(TABLES[table][1])
            columns = list(zip(*rows, strict=True)) or [[] for _ in schema]
            arrays = [pa.array(list(values), type=field.type)
                      for values, field in zip(columns, schema, strict=True)]
            pq.write_table(pa.Table.from_arrays(arrays, schema=schema), folder / f"{table}.parquet")
            counts[table] = len(rows)
    finally:
        connection.close()
    print(f"extracted {counts}")
    return counts


@task(task_id="stage")
def stage(ds_nodash: str) -> dict[str, str]:
    """Put each table's file into its dt= partition in S3, replacing what a
    previous try left there: delete the partition (marker first), put the
    part, then the _SUCCESS marker that says the partition is complete."""
    s3 = _s3()
    folder = SCRATCH / f"dt={ds_nodash}"
    written = {}
    for table in TABLES:
        prefix = partition(table, ds_nodash)
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        old = sorted((o["Key"] for o in listed), key=lambda k: not k.endswith("_SUCCESS"))
        for key in old:
            s3.delete_object(Bucket=BUCKET, Key=key)
        key = f"{prefix}part-00000.parquet"
        s3.put_object(Bucket=BUCKET, Key=key, Body=(folder / f"{table}.parquet").read_bytes())
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}_SUCCESS", Body=b"")
        written[table] = f"s3://{BUCKET}/{key}"
        print(f"staged {written[table]} (replaced {len(old)} objects)")
    return written


@task(task_id="load")
def load(ds: str, ds_nodash: str) -> dict[str, int]:
    """Load each staged partition into BigQuery's day partition dt = ds:
    delete that day's rows, then append the staged ones (a rerun replaces,
    never doubles). On real BigQuery one load job with WRITE_TRUNCATE into
    ``table$YYYYMMDD`` does both atomically; the local emulator has no
    partition decorators (docs/differences.md)."""
    import pyarrow.parquet as pq
    from google.cloud import bigquery

    s3, client = _s3(), _bigquery()
    client.create_dataset("raw", exists_ok=True)
    loaded = {}
    for table, (_, columns) in TABLES.items():
        target = f"raw.shop_daily_{table}"
        schema = _schema({**columns, "dt": "DATE"})
        definition = bigquery.Table(f"{client.project}.{target}", schema=schema)
        definition.time_partitioning = bigquery.TimePartitioning(field="dt")
        client.create_table(definition, exists_ok=True)
        body = s3.get_object(Bucket=BUCKET, Key=f"{partition(table, ds_nodash)}part-00000.parquet")
        rows = pq.read_table(io.BytesIO(body["Body"].read())).to_pylist()
        lines = "".join(json.dumps({**row, "dt": ds}, default=_json_value) + "\n" for row in rows)
        client.query(f"DELETE FROM {target} WHERE dt = '{ds}'").result()
        job = bigquery.LoadJobConfig(source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
                                     schema=schema,
                                     write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
        client.load_table_from_file(io.BytesIO(lines.encode()), target, job_config=job).result()
        loaded[table] = len(rows)
        print(f"loaded {len(rows)} rows into {target} (dt = {ds})")
    return loaded


def _json_value(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")  # a datetime read from Parquet, UTC


@task(task_id="kpis")
def kpis(ds: str) -> list[str]:
    """Recompute mart.shop_daily_kpis for the run's day and for every day
    whose activity or purchases arrived in this run's partition (late rows),
    in one transaction: delete those days, insert them anew."""
    from google.cloud import bigquery

    client = _bigquery()
    client.create_dataset("mart", exists_ok=True)
    client.create_table(bigquery.Table(f"{client.project}.{KPI_TABLE}",
                                       schema=_schema(KPI_COLUMNS)), exists_ok=True)
    touched = client.query(
        f"SELECT DISTINCT DATE(purchased_at) AS day FROM raw.shop_daily_purchases "
        f"WHERE dt = '{ds}' UNION DISTINCT SELECT DATE(event_at) AS day "
        f"FROM raw.shop_daily_activity WHERE dt = '{ds}'").result()
    days = sorted({ds, *(row["day"].isoformat() for row in touched)})
    listed = ", ".join(f"DATE '{day}'" for day in days)
    select = KPI_SQL.read_text().replace("{days}", listed)
    client.query(f"BEGIN TRANSACTION;\nDELETE FROM {KPI_TABLE} WHERE day IN ({listed});\n"
                 f"INSERT INTO {KPI_TABLE} ({', '.join(KPI_COLUMNS)})\n{select};\n"
                 "COMMIT TRANSACTION;").result()
    print(f"recomputed {KPI_TABLE} for {days}")
    return days


with DAG(
    dag_id=DAG_ID,
    description="The shop's day: MySQL -> Parquet in S3 -> BigQuery -> daily KPIs",
    # Daily, each run owning the day before it: [00:00, next 00:00) UTC. Airflow 3
    # reads a bare cron string as a trigger with no interval (its
    # create_cron_data_intervals is False by default), so the interval is explicit.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2020, 11, 20, tz="UTC"),
    end_date=pendulum.datetime(2020, 11, 24, tz="UTC"),
    catchup=False,  # history is run by an explicit backfill, never by surprise
    max_active_runs=1,  # kpis rewrite one table: runs take turns
    dagrun_timeout=timedelta(minutes=10),
    default_args={"retries": RETRIES, "retry_delay": RETRY_DELAY,
                  "execution_timeout": timedelta(minutes=3)},
    tags=["dplat", "scheduled-pipeline"],
) as dag:
    extracted = extract(queries={table: extract_sql(table) for table in TABLES},
                        ds_nodash="{{ ds_nodash }}")
    staged = stage(ds_nodash="{{ ds_nodash }}")
    loaded = load(ds="{{ ds }}", ds_nodash="{{ ds_nodash }}")
    extracted >> staged >> loaded >> kpis(ds="{{ ds }}")
