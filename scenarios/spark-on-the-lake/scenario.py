"""spark-on-the-lake: DataFrames on a real Spark cluster, from the lake and from MySQL.

Read README.md first: it is the lesson. This file is what the runner runs,
one function per step. The Spark code itself is frames.py (and sql/); the
inputs and their ground truth are inputs.py and truth.py; plumbing.py holds
the session and the read-backs; optimizer.py the transform step's "why not
row-by-row code" half. Every check compares what Spark (or the S3
API, or BigQuery) really answered with truth computed in plain Python.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dplat.errors import ScenarioError
from dplat.resources import scenarios_dir
from dplat.scenario import Scenario, catalog, s3objects

from . import inputs, optimizer, plumbing, truth
from .inputs import STAGING

scenario = Scenario(
    name="spark-on-the-lake",
    title="Spark on the lake: DataFrames on a real cluster, from Parquet, CSV and MySQL",
    teaches=(
        "A standalone Spark cluster driven from the host through Spark Connect: look at the "
        "schema and a few rows first (what inferSchema guesses wrong), transform with joins, "
        "aggregations and window functions as DataFrames and as Spark SQL (backquoted "
        "keywords), see why the optimizer beats row-by-row code in explain(); read MySQL over "
        "JDBC in splits (Sqoop's --split-by again, skew included); write Parquet partitioned "
        "by dt, idempotently; load the result into BigQuery."
    ),
    services=("mysql", "s3", "bigquery", "spark"),
    local_only_services=("spark",),  # only the local-only steps use the cluster
    order=80,
    options={"events": 3000},
)

LOCAL_ONLY = ("the cluster reads the S3 store's volume as files at /lake; the upstream "
              "set's MinIO keeps objects in its own format, not as plain files")
STORE = "datastore"
OUT_PREFIX = "spark-on-the-lake/daily_country/"
STATIC_DEMO = "spark-on-the-lake/daily_country_static_demo/"
TABLE = "mart.spark_daily_country"
SPLITS = 4


def _frames() -> Any:
    """frames.py needs the host's Spark client; imported only when a Spark step runs,
    so `dplat scenario list` works without it."""
    return catalog.lesson_module(scenario.folder, "frames")


def _shop(ctx: Any) -> inputs.Shop:
    return inputs.generate(ctx.state.get("options", ctx.options)["events"])


def _same(ctx: Any, name: str, found: Any, expected: Any, where: str) -> None:
    """A check of many rows (a list or a dict) that names the first
    differences instead of printing every row."""
    pairs = (list(zip(found, expected, strict=False)) if isinstance(found, list)
             else [(found.get(k), expected.get(k)) for k in sorted({*found, *expected}, key=str)])
    diff = [f"{a!r} != {b!r}" for a, b in pairs if a != b][:3]
    if len(found) != len(expected):
        diff.insert(0, f"{len(found)} rows, expected {len(expected)}")
    ctx.check_that(name, not diff, "; ".join(diff) or f"{len(found)} rows, all equal",
                   f"{len(expected)} rows as the ground truth", where=where)


# -- 0. seed ---------------------------------------------------------------------------------
@scenario.step("seed", "Generate the inputs: orders in MySQL, the same orders as Parquet "
               "partitions, users as a CSV export")
def seed(ctx: Any) -> None:
    data = _shop(ctx)
    ctx.explain("sql", "the operational table (inputs.py: SCHEMA)", inputs.SCHEMA)
    ctx.progress(f"inserting {len(data.orders):,} orders into MySQL {inputs.TABLE}")
    ctx.mysql.autocommit = True
    inputs.write_mysql(ctx.mysql, data)
    ctx.check(f"rows in MySQL {inputs.TABLE}", plumbing.count_where(ctx.mysql, inputs.TABLE, ""),
              len(data.orders), where=f"`dplat sql mysql \"SELECT COUNT(*) FROM {inputs.TABLE}\"`")
    s3objects.delete_prefix(ctx.s3, STAGING, inputs.PREFIX)
    written = inputs.write_lake(ctx.s3, data)
    ctx.check(f"the CSV export and {len(data.days)} Parquet partitions in s3://{STAGING}/",
              s3objects.keys(ctx.s3, STAGING, inputs.PREFIX), sorted(written),
              where=f"`dplat ls s3://{STAGING}/{inputs.PREFIX}`")
    database = ctx.credentials.mysql_database
    ctx.wrote(f"mysql {database}.{inputs.TABLE}", [f"inputs.py generator (seed {inputs.SEED})"])
    ctx.wrote(f"s3://{STAGING}/{inputs.ORDERS_PREFIX}", [f"mysql {database}.{inputs.TABLE}"])
    ctx.wrote(f"s3://{STAGING}/{inputs.USERS_CSV}", [f"inputs.py generator (seed {inputs.SEED})"])


# -- 1. look ---------------------------------------------------------------------------------
@scenario.step("look", "Look first: read the Parquet partitions and the CSV export; "
               "printSchema, show; where inferSchema goes wrong", local_only=LOCAL_ONLY)
def look(ctx: Any) -> None:
    frames, data = _frames(), _shop(ctx)
    ctx.explain("code", "frames.py: the reads", plumbing.source(frames.users_inferred, frames.users,
                                                         frames.orders))
    with plumbing.session(ctx) as spark:
        guessed, declared, orders = (frames.users_inferred(spark), frames.users(spark),
                                     frames.orders(spark))
        ctx.show("users.csv with inferSchema: printSchema()", guessed.schema.treeString())
        ctx.show("users.csv: show(5)", frames.shown(guessed, 5))
        ctx.show("orders (Parquet, dt=... folders): printSchema()", orders.schema.treeString())
        ctx.show("orders: show(5)", frames.shown(orders, 5))
        inferred = [(f.name, f.dataType.simpleString()) for f in guessed.schema.fields]
        ctx.check("the CSV's inferred schema", inferred, truth.fields(truth.USERS_INFERRED),
                  where="frames.users_inferred; inferSchema guesses each column's type from its text")
        wrong = [f"{n}: inferred {a}, meant {b}" for (n, a), (_, b)
                 in zip(inferred, truth.fields(truth.USERS_SCHEMA), strict=True) if a != b]
        ctx.check("where inference goes wrong", wrong, ["zip: inferred int, meant string"],
                  where="a zip code is text: read with the schema declared (frames.users)")
        leading_zero = sum(u.zip.startswith("0") for u in data.users)
        zips = {r["user_id"]: r["zip"] for r in guessed.select("user_id", "zip").collect()}
        lost = sum(str(zips[u.user_id]) != u.zip for u in data.users)
        ctx.check("zip codes that lost their leading 0 under inferSchema", lost, leading_zero,
                  where="users.csv: 02134 read as the number 2134")
        kept = {r["user_id"]: r["zip"] for r in declared.select("user_id", "zip").collect()}
        _same(ctx, "zip codes read with the declared schema equal the export", kept,
              {u.user_id: u.zip for u in data.users}, where="frames.users")
        ctx.check("the Parquet partitions' schema (dt from the folder names)",
                  [(f.name, f.dataType.simpleString()) for f in orders.schema.fields],
                  truth.fields(truth.ORDERS_SCHEMA), where="Parquet carries its types; "
                  "dt=2020-11-20 folders become a DATE column (partition discovery)")
        ctx.check("rows read: orders, users", [orders.count(), declared.count()],
                  [len(data.orders), len(data.users)], where="frames.orders, frames.users")


# -- 2. transform ----------------------------------------------------------------------------
@scenario.step("transform", "Joins, aggregations and window functions as DataFrames and as "
               "Spark SQL; why not row-by-row code (explain)", local_only=LOCAL_ONLY)
def transform(ctx: Any) -> None:
    frames, data = _frames(), _shop(ctx)
    ctx.explain("code", "frames.py: the transforms", plumbing.source(
        frames.daily_country, frames.top_buyers))
    with plumbing.session(ctx) as spark:
        users, orders = frames.users(spark), frames.orders(spark)
        users.createOrReplaceTempView("users")
        orders.createOrReplaceTempView("orders")
        for name, build in (("daily_country", frames.daily_country),
                            ("top_buyers", frames.top_buyers)):
            sql = ctx.file(f"sql/{name}.sql").read_text()
            ctx.explain("sql", f"sql/{name}.sql", sql)
            frame = build(users, orders)
            expected = getattr(truth, name)(data)
            as_frames = frames.plain_rows(frame)
            as_sql = frames.plain_rows(spark.sql(sql))
            _same(ctx, f"{name} with the DataFrame API = ground truth", as_frames, expected,
                  where=f"frames.{name}; truth.{name}")
            _same(ctx, f"{name} in Spark SQL = the DataFrame API", as_sql, as_frames,
                  where=f"sql/{name}.sql")
            plan = frames.plan(frame)
            ctx.explain("plan", f"frames.{name}: explain()", plan)
            _same_tree(ctx, name, plumbing.plan_tree(frames.plan(spark.sql(sql))),
                       plumbing.plan_tree(plan))
            if name == "top_buyers":
                ctx.show("top buyers per country (window: ROW_NUMBER)", _table(as_frames))
        _reserved_words(ctx, spark, data)
        optimizer.why_dataframes(ctx, spark, frames, orders, data)


def _same_tree(ctx: Any, name: str, as_sql: list[str], as_frames: list[str]) -> None:
    """Both ways of writing the query reach the same physical plan: the
    optimizer (Catalyst) starts from the same logical plan."""
    diff = next((f"{a!r} != {b!r}" for a, b in zip(as_sql, as_frames, strict=False) if a != b),
                f"{len(as_sql)} operators, expected {len(as_frames)}")
    same = as_sql == as_frames
    ctx.check_that(f"{name}: Spark SQL gets the DataFrame API's physical plan (operators)",
                   same, f"the same {len(as_sql)} operators, in the same tree" if same else diff,
                   "the DataFrame plan's operator tree",
                   where="explain() of both; the tree without the attribute ids")


def _table(rows: list[dict[str, Any]]) -> str:
    from dplat.scenario import results

    return results.text_table([{k: str(v) for k, v in r.items()} for r in rows])


def _reserved_words(ctx: Any, spark: Any, data: inputs.Shop) -> None:
    """`user` is a column here and SQL's CURRENT_USER elsewhere: with strict
    keywords a bare `user` silently becomes the session's user."""
    handles = [u.user for u in data.users[:3]]
    query = "SELECT {} AS value FROM users ORDER BY user_id LIMIT 3"
    spark.conf.set("spark.sql.ansi.enforceReservedKeywords", "true")
    try:
        bare = [r["value"] for r in spark.sql(query.format("user")).collect()]
        quoted = [r["value"] for r in spark.sql(query.format("`user`")).collect()]
    finally:
        spark.conf.unset("spark.sql.ansi.enforceReservedKeywords")
    ctx.explain("sql", "a keyword as a column name", query.format("user") + "\n"
                + query.format("`user`"))
    ctx.check("bare `user` with strict keywords is the session's user, not the column",
              bare, ["spark"] * 3, where="spark.sql.ansi.enforceReservedKeywords=true")
    ctx.check("backquoted `user` is the column", quoted, handles, where="sql/top_buyers.sql")


# -- 3. jdbc ---------------------------------------------------------------------------------
@scenario.step("jdbc", "Read MySQL over JDBC in splits (partitionColumn, bounds, "
               "numPartitions) and compare with Sqoop's --split-by", local_only=LOCAL_ONLY)
def jdbc(ctx: Any) -> None:
    frames, data = _frames(), _shop(ctx)
    ctx.explain("code", "frames.py: the JDBC read", plumbing.source(frames.jdbc_orders,
                                                           frames.rows_per_partition))
    mysql = plumbing.mysql_for_spark(ctx)
    ctx.mysql.autocommit = True
    cursor = ctx.mysql.cursor()
    cursor.execute(f"SELECT MIN(order_id), MAX(order_id) FROM {inputs.TABLE}")
    low, high = (int(v) for v in cursor.fetchone())
    cursor.close()
    ids = [o.order_id for o in data.orders]
    with plumbing.session(ctx) as spark:
        before_migration = max(i for i in ids if i < inputs.MIGRATED_FROM)
        read = [("order_id", low, high + 1, ids, "bounds from MIN/MAX, ids jump at 100001"),
                ("order_id", low, before_migration + 1, ids, "stale bounds from before the migration"),
                ("user_id", 1, len(data.users) + 1, [o.user_id for o in data.orders],
                 "an evenly spread column")]
        counts = {}
        for column, lower, upper, values, why in read:
            frame = frames.jdbc_orders(spark, mysql, column, lower, upper, SPLITS)
            clauses = truth.spark_where_clauses(f"`{column}`", lower, upper, SPLITS)
            found = frames.rows_per_partition(frame, len(clauses))
            counts[(column, upper)] = found
            label = f"{column} in [{lower}, {upper}) ({why})"
            ctx.explain("sql", f"the query per split: {label}", "\n".join(
                f"split {i}: SELECT `order_id`,`user_id`,`amount`,`status`,`ordered_at`\n"
                f"         FROM {inputs.TABLE} WHERE {c}" for i, c in enumerate(clauses)))
            ctx.check(f"rows per split, {label}", found, truth.rows_per_split(values, clauses),
                      where="truth.spark_where_clauses (Spark's JDBCRelation.columnPartition)")
            ctx.check(f"each split's query in MySQL counts what Spark's partition holds, {label}",
                      [plumbing.count_where(ctx.mysql, inputs.TABLE, c) for c in clauses], found,
                      where="`dplat sql mysql` with the WHERE clauses under --explain")
            ctx.show(f"rows per split: {label}", "\n".join(
                f"split {i}: {n:>6,} rows   WHERE {c}"
                for i, (n, c) in enumerate(zip(found, clauses, strict=True))))
        ctx.explain("plan", "the JDBC read: explain()", frames.plan(frame))
        total = frame.selectExpr("count(*) AS n", "sum(amount) AS revenue").collect()[0]
        ctx.check("every order read once over JDBC (rows, revenue)",
                  [total["n"], total["revenue"]],
                  [len(data.orders), sum(o.amount for o in data.orders)], where="frames.jdbc_orders")
    sqoop = catalog.lesson_module(scenarios_dir() / "mysql-to-lake", "sqoop")
    sqoop_where = [s.condition("order_id") for s in sqoop.split_ranges(low, high, SPLITS)]
    spark_where = truth.spark_where_clauses("`order_id`", low, high + 1, SPLITS)
    ctx.explain("sql", f"the WHERE per split, Spark (bounds {low} and {high + 1}) beside Sqoop "
                f"(MIN {low}, MAX {high})", "\n".join(
                    f"split {i}: Spark  WHERE {a}\n         Sqoop  WHERE {b}"
                    for i, (a, b) in enumerate(zip(spark_where, sqoop_where, strict=True))))
    sqoop_counts = [plumbing.count_where(ctx.mysql, inputs.TABLE, c) for c in sqoop_where]
    ctx.check("Sqoop's --split-by order_id -m 4 cuts the same ranges (rows per split)",
              sqoop_counts, counts[("order_id", high + 1)],
              where="scenarios/mysql-to-lake/sqoop.py: split_ranges")
    skew = counts[("order_id", high + 1)]
    ctx.figure("largest split / even share, order_id", round(max(skew) / (len(ids) / SPLITS), 2))
    even = counts[("user_id", len(data.users) + 1)]
    ctx.figure("largest split / even share, user_id", round(max(even) / (len(ids) / SPLITS), 2))
    ctx.wrote("spark jdbc read of spark_orders", [f"mysql {ctx.credentials.mysql_database}."
                                                  f"{inputs.TABLE}"])


# -- 4. write --------------------------------------------------------------------------------
@scenario.step("write", "Write the lake: Parquet partitioned by dt into datastore, "
               "idempotent on rerun (dynamic partition overwrite)", local_only=LOCAL_ONLY)
def write(ctx: Any) -> None:
    frames, data = _frames(), _shop(ctx)
    expected = truth.daily_country(data)
    last = data.days[-1]
    ctx.explain("code", "frames.py: the write", plumbing.source(frames.write_by_day))
    ctx.explain("config", "s3a:// instead of file:///lake on a real cluster", plumbing.S3A_SETTINGS)
    target = frames.lake(STORE, OUT_PREFIX)
    one_file_per_day = lambda keys: len(keys) == len(data.days)  # noqa: E731
    with plumbing.session(ctx) as spark:
        spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
        daily = frames.daily_country(frames.users(spark), frames.orders(spark))
        frames.write_by_day(daily, target)
        first = plumbing.listed(ctx.s3, STORE, OUT_PREFIX, one_file_per_day)
        ctx.check("one Parquet object per dt, nothing else (no _SUCCESS, no .crc)",
                  [k.split("/")[2] for k in first if k.endswith(".parquet")],
                  [f"dt={d}" for d in data.days], where=f"`dplat ls s3://{STORE}/{OUT_PREFIX}`")
        ctx.check("objects listed", len(first), len(data.days), where=OUT_PREFIX)
        before = s3objects.etags(ctx.s3, STORE, OUT_PREFIX)
        ctx.progress(f"rerun for {last} only (partitionOverwriteMode=dynamic)")
        frames.write_by_day(daily.filter(f"dt = DATE'{last}'"), target)
        again = plumbing.listed(ctx.s3, STORE, OUT_PREFIX,
                                lambda keys: one_file_per_day(keys) and keys != first)
        after = s3objects.etags(ctx.s3, STORE, OUT_PREFIX)
        kept = {k: v for k, v in before.items() if f"dt={last}/" not in k}
        ctx.check("the rerun left the other days' objects as they were",
                  {k: after.get(k) for k in kept}, kept, where="partitionOverwriteMode=dynamic")
        ctx.check(f"dt={last} was replaced by one new object",
                  sorted(k.split("/")[2] for k in set(again) - set(first)), [f"dt={last}"],
                  where="write.mode('overwrite') replaces only the partitions written")
        rows = plumbing.read_parquet_rows(ctx.s3, STORE, again)
        _same(ctx, "rows read back with boto3 and pyarrow = ground truth",
              sorted(rows, key=lambda r: (r["dt"], r["country"])), expected,
              where="plumbing.read_parquet_rows; truth.daily_country")
        spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
        demo = frames.lake(STORE, STATIC_DEMO)
        frames.write_by_day(daily, demo)
        frames.write_by_day(daily.filter(f"dt = DATE'{last}'"), demo)
        left = plumbing.listed(ctx.s3, STORE, STATIC_DEMO, lambda keys: len(keys) == 1)
        ctx.check("the same rerun with static overwrite deletes every other day",
                  [k.split("/")[2] for k in left], [f"dt={last}"],
                  where="spark.sql.sources.partitionOverwriteMode=static (Spark's default)")
        s3objects.delete_prefix(ctx.s3, STORE, STATIC_DEMO)
    ctx.wrote(f"s3://{STORE}/{OUT_PREFIX}", [f"s3://{STAGING}/{inputs.ORDERS_PREFIX}",
                                             f"s3://{STAGING}/{inputs.USERS_CSV}"])


# -- 5. warehouse ----------------------------------------------------------------------------
@scenario.step("warehouse", "Load the partitions into BigQuery; totals against the truth",
               local_only="it loads what the Spark steps wrote to the lake")
def warehouse(ctx: Any) -> None:
    from . import loading

    data = _shop(ctx)
    keys = [k for k in s3objects.keys(ctx.s3, STORE, OUT_PREFIX) if k.endswith(".parquet")]
    if not keys:
        raise ScenarioError(f"nothing under s3://{STORE}/{OUT_PREFIX} to load",
                            fix="Run the whole lesson: `dplat run scenario spark-on-the-lake`.")
    ctx.explain("client call", f"load {TABLE}", loading.DESCRIPTION)
    loaded = loading.load(ctx.bigquery, TABLE, plumbing.read_parquet_rows(ctx.s3, STORE, keys))
    ctx.check(f"rows in {TABLE}", loaded, len(truth.daily_country(data)),
              where=f"`dplat sql bigquery 'SELECT * FROM {TABLE}'`")
    found = loading.totals(ctx.bigquery, TABLE)
    ctx.show(f"{TABLE}: totals per day", _table(found))
    expected = [{"dt": dt, "orders": sum(r["orders"] for r in rows), "revenue": sum(
        (r["revenue"] for r in rows), start=Decimal("0.00"))}
        for dt, rows in loading.by_day(truth.daily_country(data)).items()]
    ctx.check("orders and revenue per day in BigQuery = ground truth", found, expected,
              where="loading.TOTALS; truth.daily_country")
    ctx.wrote(TABLE, [f"s3://{STORE}/{OUT_PREFIX}"])


# -- reset -----------------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Drop the lesson's MySQL table, its objects in both buckets and its
    BigQuery table (the `mart` dataset only when no lesson has a table left)."""
    from . import loading

    cursor = ctx.mysql.cursor()
    cursor.execute(f"DROP TABLE IF EXISTS {inputs.TABLE}")
    cursor.close()
    s3objects.delete_prefix(ctx.s3, STAGING, inputs.PREFIX)
    s3objects.delete_prefix(ctx.s3, STORE, inputs.PREFIX)
    loading.drop(ctx.bigquery, TABLE)
