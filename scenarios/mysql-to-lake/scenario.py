"""mysql-to-lake: copy an operational MySQL database into the lake, as Sqoop did.

Read README.md first: it is the lesson. This file is what the runner executes,
one function per step. The extraction itself is sqoop.py (the "tool"); the
shop's data and its ground truth are shop.py; lake.py reads the objects back
for the checks.
"""

from __future__ import annotations

from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import Scenario, s3objects
from dplat.stack import catalogue

from . import lake, shop, sqoop

scenario = Scenario(
    name="mysql-to-lake",
    title="Extract an operational MySQL database into the lake, Sqoop-style",
    teaches=(
        "A shop's MySQL database (users, purchases) is copied into S3 as Parquet, the way "
        "Sqoop does it: look with list-tables and eval; import a table split by its primary "
        "key into parallel ranges, one Parquet part each, plus a _SUCCESS marker; see what "
        "READ UNCOMMITTED reads on a live database; import only new rows (append) and "
        "changed rows (lastmodified); backfill a past dt= partition idempotently."
    ),
    services=("mysql", "s3"),
    order=20,
    options={"events": 3000},
)

BUCKET = "datastaging"
TEAM = "marketing"
PREFIXES = {table: f"{TEAM}/{table}/" for table in ("users", "purchases")}
RELAXED_DEMO = f"{TEAM}/purchases_relaxed_demo/"  # deleted at the end of its step
MAPPERS = {"users": 2, "purchases": 4}
BACKFILL_MAPPERS = 2
BACKFILL_WHERE = f"purchased_at < '{shop.DAY_END:%Y-%m-%d %H:%M:%S}'"


def _db(ctx: Any) -> Any:
    """The lesson's own connection, in autocommit: under REPEATABLE READ a
    connection that keeps one transaction open would keep reading the snapshot
    of its first SELECT and never see what the other connections wrote."""
    connection = ctx.mysql
    connection.autocommit = True
    return connection


def _connect(ctx: Any) -> Any:
    """A function that opens a new connection: each mapper gets its own."""
    return catalogue.by_name(ctx.settings, ctx.credentials, "mysql").client


def _shop(ctx: Any) -> shop.Shop:
    return shop.generate(ctx.state.get("options", ctx.options)["events"])


def _where_mysql(sql: str) -> str:
    return f"`dplat sql mysql \"{sql}\"`"


# -- 1. seed ---------------------------------------------------------------------------------
@scenario.step("seed", "The shop's MySQL database: create users and purchases, bulk-insert them")
def seed(ctx: Any) -> None:
    data = _shop(ctx)
    ctx.explain("sql", "the operational schema (shop.py: SCHEMA)", shop.SCHEMA)
    ctx.explain("client call", "bulk insert with mysql-connector (shop.py: bulk_insert)",
                f"cursor.executemany({shop.insert_sql('purchases', shop.PURCHASE_COLUMNS)!r}, "
                f"rows)  # one multi-row INSERT per 5,000 rows\nconnection.commit()")
    ctx.progress(f"inserting {len(data.users):,} users and {len(data.purchases):,} purchases")
    shop.create_and_seed(_db(ctx), data)
    for table, expected in (("users", len(data.users)), ("purchases", len(data.purchases))):
        sql = f"SELECT COUNT(*) FROM {table}"
        ctx.check(f"rows in MySQL {table}", lake.scalar(_db(ctx), sql), expected,
                  where=_where_mysql(sql))
    ctx.wrote(f"mysql {ctx.credentials.mysql_database}.users", ["shop.py generator"])
    ctx.wrote(f"mysql {ctx.credentials.mysql_database}.purchases", ["shop.py generator"])


# -- 2. explore -----------------------------------------------------------------------------
@scenario.step("explore", "Look before copying: list databases and tables, evaluate a query")
def explore(ctx: Any) -> None:
    db = _db(ctx)
    database = ctx.credentials.mysql_database
    databases, tables = sqoop.list_databases(db), sqoop.list_tables(db)
    ctx.explain("command", "sqoop list-databases / list-tables", "SHOW DATABASES\nSHOW TABLES")
    ctx.show("sqoop list-databases", "\n".join(databases))
    ctx.show(f"sqoop list-tables ({database})", "\n".join(tables))
    ctx.check_that(f"database {database} is listed", database in databases, databases,
                   f"a list with {database}", where=_where_mysql("SHOW DATABASES"))
    ctx.check_that("users and purchases are listed", {"users", "purchases"} <= set(tables),
                   tables, "users and purchases among them", where=_where_mysql("SHOW TABLES"))
    query = ("SELECT DATE(purchased_at) AS day, COUNT(*) AS purchases, SUM(amount) AS revenue "
             "FROM purchases GROUP BY day ORDER BY day")
    ctx.explain("sql", "sqoop eval --query", query)
    columns, rows = sqoop.eval_query(db, query)
    ctx.show("sqoop eval: purchases per day", lake.text_table(columns, rows))
    per_day: dict[str, list[Any]] = {}
    for p in _shop(ctx).purchases:
        day = per_day.setdefault(f"{p.purchased_at:%Y-%m-%d}", [0, 0])
        day[0], day[1] = day[0] + 1, day[1] + p.amount
    ctx.check("purchases and revenue per day (eval)", {str(r[0]): [r[1], r[2]] for r in rows},
              per_day, where=_where_mysql(query))
    for table in ("users", "purchases"):
        schema = sqoop.table_schema(db, table)
        ctx.explain("sql", f"{table}: MySQL columns → Parquet types (sqoop.py: arrow_type)",
                    "\n".join(f"{f.name:<14} {f.type}{'' if f.nullable else ' not null'}"
                              for f in schema))


# -- 3. import ------------------------------------------------------------------------------
@scenario.step("import", "Full import, split by primary key into parallel ranges, to Parquet")
def import_(ctx: Any) -> None:
    data = _shop(ctx)
    expected = {"users": len(data.users), "purchases": len(data.purchases)}
    for table, prefix in PREFIXES.items():
        mappers = MAPPERS[table]
        ctx.progress(f"sqoop import --table {table} --split-by id -m {mappers}")
        result = sqoop.import_table(_connect(ctx), ctx.s3, table, bucket=BUCKET, prefix=prefix,
                                    dt=shop.IMPORT_DT, split_by="id", mappers=mappers)
        _explain_import(ctx, result, f"sqoop import --table {table} --split-by id -m {mappers}")
        for part in result.parts:
            ctx.figure(f"{table} split {part.split.index} rows/s",
                       round(part.rows / max(part.seconds, 1e-9)))
        _check_partition(ctx, table, result.partition, mappers, expected[table])
        ctx.wrote(f"s3://{BUCKET}/{result.partition}",
                  [f"mysql {ctx.credentials.mysql_database}.{table}"])
    ctx.state["purchases_last_value"] = max(p.id for p in data.purchases)
    ctx.state["users_last_value"] = f"{shop.DAY_END:%Y-%m-%d %H:%M:%S}"


def _explain_import(ctx: Any, result: sqoop.ImportResult, command: str) -> None:
    queries = "\n".join(f"mapper {p.split.index}: {p.query}" for p in result.parts)
    ctx.explain("sql", f"{command}: the boundary query, then one query per mapper",
                f"{result.boundary_query}\n{queries}")
    ctx.explain("s3 keys", f"s3://{BUCKET}/{result.partition} (put_object of each part's "
                "Parquet bytes)", "\n".join(f"{p.key}  ({p.rows} rows)" for p in result.parts)
                + f"\n{result.partition}{sqoop.SUCCESS}  (written last)")


def _check_partition(ctx: Any, table: str, partition: str, mappers: int, expected: int,
                     where: str | None = None) -> dict[str, str]:
    """The checks every import shares: what is really in S3 against MySQL."""
    found = s3objects.etags(ctx.s3, BUCKET, partition)
    parts = lake.read_parts(ctx.s3, BUCKET, partition)
    look = f"`dplat ls s3://{BUCKET}/{partition}`"
    filtered = f" WHERE {where}" if where else ""
    count_sql = f"SELECT COUNT(*) FROM {table}{filtered}"
    ctx.check(f"{table}: Parquet parts and marker in dt={partition.split('dt=')[1][:8]}",
              sorted(found), sorted([sqoop.part_key(partition, i) for i in range(mappers)]
                                    + [partition + sqoop.SUCCESS]), where=look)
    rows = sum(t.num_rows for t in parts.values())
    ctx.check(f"{table}: rows in the partition = rows in MySQL", rows,
              lake.scalar(_db(ctx), count_sql), where=f"{look}; {_where_mysql(count_sql)}")
    ctx.check(f"{table}: rows in the partition = rows generated", rows, expected, where=look)
    occurrences = lake.ids(parts)
    ids_sql = f"SELECT id FROM {table}{filtered} ORDER BY id"
    mysql_ids = lake.column(_db(ctx), ids_sql)
    doubled = sorted(i for i, n in occurrences.items() if n > 1)
    missing = sorted(set(mysql_ids) - set(occurrences))
    ctx.check(f"{table}: ids doubled across splits", doubled[:10], [], where=look)
    ctx.check(f"{table}: ids missing from every split", missing[:10], [],
              where=f"the split conditions under --explain; {_where_mysql(ids_sql)}")
    mysql_schema = sqoop.table_schema(_db(ctx), table)
    schemas = sorted({str(lake.parquet_schema(ctx.s3, BUCKET, key)) for key in parts})
    ctx.check(f"{table}: every part's Parquet schema = MySQL's columns, mapped", schemas,
              [str(mysql_schema)], where="`--explain` of explore (the mapping); "
              "information_schema.COLUMNS; sqoop.py: arrow_type")
    return found


# -- 4. isolation ---------------------------------------------------------------------------
@scenario.step("isolation", "READ UNCOMMITTED against REPEATABLE READ, on a live database")
def isolation(ctx: Any) -> None:
    data = _shop(ctx)
    dirty_id = max(p.id for p in data.purchases + data.new_purchases) + 1_000
    insert = (f"INSERT INTO purchases (id, user_id, item, quantity, amount, purchased_at) "
              f"VALUES ({dirty_id}, 1, 'lamp', 1, 24.50, '2020-11-24 12:00:00')")
    count = "SELECT COUNT(*) FROM purchases"
    levels = ("REPEATABLE READ", sqoop.SQOOP_DEFAULT_ISOLATION, sqoop.RELAXED_ISOLATION)
    ctx.explain("sql", "two connections", f"writer: START TRANSACTION; {insert};  -- no commit\n"
                + "\n".join(f"reader: SET SESSION TRANSACTION ISOLATION LEVEL {level}; {count}"
                            for level in levels) + "\nwriter: ROLLBACK")
    connect = _connect(ctx)
    writer, reader = connect(), connect()
    try:
        ctx.show("the server's default isolation level",
                 str(lake.scalar(reader, "SELECT @@transaction_isolation")))
        before = lake.scalar(_db(ctx), count)
        writer.start_transaction()
        writer.cursor().execute(insert)
        seen = {}
        for level in levels:
            reader.rollback()  # each read in a fresh transaction, at the new level
            reader.cursor().execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {level}")
            seen[level] = lake.scalar(reader, count)
        dirty = lake.column(reader, f"SELECT id FROM purchases WHERE id = {dirty_id}")
        ctx.progress("sqoop import --relaxed-isolation while the insert is uncommitted")
        relaxed = sqoop.import_table(connect, ctx.s3, "purchases", bucket=BUCKET,
                                     prefix=RELAXED_DEMO, dt=shop.IMPORT_DT, split_by="id",
                                     mappers=2, relaxed_isolation=True)
        exported = lake.ids(lake.read_parts(ctx.s3, BUCKET, relaxed.partition))
        writer.rollback()
        reader.rollback()
        after = lake.scalar(reader, count)
    finally:
        writer.close()
        reader.close()
    ctx.show("rows each isolation level counts while the insert is uncommitted",
             lake.text_table(["isolation", "COUNT(*)"], list(seen.items())))
    ctx.check("what each isolation level sees during the uncommitted insert", seen,
              {levels[0]: before, levels[1]: before, levels[2]: before + 1},
              where="two mysql sessions by hand: the README's isolation section")
    ctx.check("READ UNCOMMITTED reads the uncommitted row itself", dirty, [dirty_id],
              where=_where_mysql(f"SELECT * FROM purchases WHERE id = {dirty_id}"))
    ctx.check("after the rollback, that row never existed", after, before,
              where=_where_mysql(count))
    ctx.check("...but the relaxed import put it into the lake", [
        sum(exported.values()), exported.get(dirty_id)], [before + 1, 1],
              where=f"`dplat ls s3://{BUCKET}/{relaxed.partition}` (before the step deletes it)")
    ctx.explain("s3 keys", "the relaxed import, deleted again: a lake must not keep phantom rows",
                "\n".join(relaxed.keys))
    sqoop.clear_partition(ctx.s3, BUCKET, RELAXED_DEMO)


# -- 5. incremental --------------------------------------------------------------------------
@scenario.step("incremental", "Next day: import only new purchases (append) and changed users "
                              "(lastmodified)")
def incremental(ctx: Any) -> None:
    data = _shop(ctx)
    ctx.progress("the shop's next day: new users, changed users, new purchases")
    shop.apply_next_day(_db(ctx), data)
    runs = (
        ("purchases", "append", "id", ctx.state["purchases_last_value"], None,
         sorted(p.id for p in data.new_purchases)),
        ("users", "lastmodified", "updated_at", ctx.state["users_last_value"],
         f"{shop.NEXT_DAY_END:%Y-%m-%d %H:%M:%S}",
         sorted(u.id for u in data.new_users + data.updated_users)),
    )
    for table, mode, column, last_value, until, expected_ids in runs:
        imported_day = sqoop.partition_prefix(PREFIXES[table], shop.IMPORT_DT)
        untouched = s3objects.etags(ctx.s3, BUCKET, imported_day)
        command = (f"sqoop import --table {table} --incremental {mode} --check-column {column} "
                   f"--last-value '{last_value}'")
        ctx.progress(command)
        result = sqoop.incremental(_connect(ctx), ctx.s3, table, bucket=BUCKET,
                                   prefix=PREFIXES[table], dt=shop.NEXT_DT, mode=mode,
                                   check_column=column, last_value=last_value, split_by="id",
                                   until=until)
        _explain_import(ctx, result, command)
        where = sqoop.incremental_where(mode, column, last_value, result.next_last_value)
        _check_partition(ctx, table, result.partition, 1, len(expected_ids), where)
        imported = sorted(lake.ids(lake.read_parts(ctx.s3, BUCKET, result.partition)))
        ctx.check(f"{table} ({mode}): exactly the new/changed ids", imported, expected_ids,
                  where=f"the WHERE of --explain: {where}")
        ctx.show(f"{command}: next --last-value", str(result.next_last_value))
        ctx.state[f"{table}_next_last_value"] = str(result.next_last_value)
        ctx.figure(f"{table} {mode} rows", result.rows)
        ctx.check(f"{table}: the dt={shop.IMPORT_DT} partition is untouched",
                  s3objects.etags(ctx.s3, BUCKET, imported_day), untouched,
                  where=f"`dplat ls s3://{BUCKET}/{imported_day}`")
        ctx.wrote(f"s3://{BUCKET}/{result.partition}",
                  [f"mysql {ctx.credentials.mysql_database}.{table}"])


# -- 6. backfill -----------------------------------------------------------------------------
@scenario.step("backfill", "Re-import a past dt= partition: twice, with the same result")
def backfill(ctx: Any) -> None:
    data = _shop(ctx)
    table, prefix = "purchases", PREFIXES["purchases"]
    partition = sqoop.partition_prefix(prefix, shop.IMPORT_DT)
    next_day = s3objects.etags(ctx.s3, BUCKET, sqoop.partition_prefix(prefix, shop.NEXT_DT))
    command = (f"sqoop import --table {table} --split-by id -m {BACKFILL_MAPPERS} "
               f"--where \"{BACKFILL_WHERE}\"  # into dt={shop.IMPORT_DT}")
    runs = []
    for attempt in (1, 2):
        ctx.progress(f"backfill dt={shop.IMPORT_DT}, run {attempt}")
        result = sqoop.import_table(_connect(ctx), ctx.s3, table, bucket=BUCKET, prefix=prefix,
                                    dt=shop.IMPORT_DT, split_by="id", mappers=BACKFILL_MAPPERS,
                                    where=BACKFILL_WHERE)
        runs.append(s3objects.etags(ctx.s3, BUCKET, partition))
    _explain_import(ctx, result, command)
    look = f"`dplat ls s3://{BUCKET}/{partition}`"
    ctx.check("the second run left the same objects (keys and ETags)", runs[1], runs[0],
              where=look)
    _check_partition(ctx, table, partition, BACKFILL_MAPPERS, len(data.purchases),
                     BACKFILL_WHERE)
    ctx.check(f"dt={shop.NEXT_DT} was not touched by the backfill",
              s3objects.etags(ctx.s3, BUCKET, sqoop.partition_prefix(prefix, shop.NEXT_DT)),
              next_day, where=f"`dplat ls s3://{BUCKET}/{prefix}`")
    ctx.wrote(f"s3://{BUCKET}/{partition}", [f"mysql {ctx.credentials.mysql_database}.{table}"])


# -- reset -----------------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Drop the lesson's MySQL tables and delete its objects; nothing else."""
    try:
        cursor = _db(ctx).cursor()
        for table in shop.TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.close()
        for prefix in (*PREFIXES.values(), RELAXED_DEMO):
            sqoop.clear_partition(ctx.s3, BUCKET, prefix)
    except Exception as exc:
        raise ScenarioError(
            f"could not reset mysql-to-lake's data: {type(exc).__name__}: {str(exc)[:200]}",
            fix="Check the stack with `dplat status` (`dplat up` repairs it), then run again.",
        ) from exc
