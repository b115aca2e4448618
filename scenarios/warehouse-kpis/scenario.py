"""warehouse-kpis: daily KPIs (DAU, PU, conversion, ARPU, ARPPU) in BigQuery.

Read README.md first: it is the lesson. This file is what the runner executes,
one function per step: load the raw tables, build staging with SQL, then the
user dimension and the daily KPIs, and answer two questions, each checked
against the ground truth computed in Python from the generated data (truth.py).
"""

from __future__ import annotations

from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import Scenario, results, s3objects

# The lesson's own modules, beside this file (the runner loads the folder as a package).
from . import shop, truth, warehouse

scenario = Scenario(
    name="warehouse-kpis",
    title="Daily KPIs in the warehouse: staging, a user dimension, DAU to ARPPU",
    teaches=(
        "A shop's users, activity events and purchases are loaded into BigQuery as "
        "native (managed) tables; SQL builds a staging layer (deduplicated, typed), a "
        "user dimension and a daily KPI table (DAU, paying users, conversion, ARPU, "
        "ARPPU); Hive's managed vs external tables become BigQuery's native vs external "
        "tables: an external table over staged files, read at query time, that DROP "
        "leaves behind."
    ),
    services=("s3", "bigquery"),
    order=60,
    options={"events": 20_000},
)

DATASETS = ("raw", "staging", "mart")
RAW = ("raw.kpi_users", "raw.kpi_events", "raw.kpi_purchases")
STAGING = ("kpi_users", "kpi_events", "kpi_purchases", "kpi_activity")
EXTERNAL = "raw.kpi_purchases_external"
BUCKET = "datastaging"
PREFIX = "warehouse-kpis/kpi_purchases/"  # gs://datastaging/... in the SQL: this bucket
TABLES = (*RAW, EXTERNAL, *(f"staging.{t}" for t in STAGING), "mart.kpi_dim_users",
          "mart.kpi_daily")
LOOK = "`dplat sql bigquery 'SELECT * FROM {}'`"


def _truth(ctx: Any) -> dict[str, Any]:
    return ctx.state["truth"]


def _run_sql(ctx: Any, name: str) -> None:
    sql = ctx.file(f"sql/{name}.sql").read_text()
    ctx.explain("sql", f"sql/{name}.sql", sql)
    ctx.progress(f"running sql/{name}.sql")
    ctx.bigquery.query(sql).result()


# -- 1. load ------------------------------------------------------------------------------
@scenario.step("load", "Generate users, activity and purchases; load them into raw (NDJSON)")
def load(ctx: Any) -> None:
    data = shop.generate(ctx.options["events"])
    ctx.state["truth"] = expected = truth.ground_truth(data)
    for dataset in DATASETS:  # shared with other lessons: created if missing, never dropped
        ctx.bigquery.create_dataset(dataset, exists_ok=True)
    sources = {"raw.kpi_users": data.users, "raw.kpi_events": data.delivered_events,
               "raw.kpi_purchases": data.purchases}
    for table, rows in sources.items():
        ctx.explain("client call", f"load {table}",
                    f"load_table_from_file(<{len(rows)} JSON lines>, '{table}', "
                    f"NEWLINE_DELIMITED_JSON, WRITE_TRUNCATE, schema={warehouse.SCHEMAS[table]})")
        ctx.progress(f"loading {len(rows):,} rows into {table}")
        warehouse.load_ndjson(ctx.bigquery, table, shop.records(rows))
        ctx.wrote(table, [f"shop generator (seed {shop.SEED})"])
        ctx.check(f"rows in {table}", actual=warehouse.count(ctx.bigquery, table),
                  expected=expected["raw"][table.split(".")[1]], where=LOOK.format(table))
# -- 2. stage -----------------------------------------------------------------------------
@scenario.step("stage", "SQL: the staging layer (deduplicated events, typed users, activity)")
def stage(ctx: Any) -> None:
    expected = _truth(ctx)
    for name in STAGING:
        _run_sql(ctx, f"staging_{name}")
    ctx.wrote("staging.kpi_users", ["raw.kpi_users"])
    ctx.wrote("staging.kpi_events", ["raw.kpi_events"])
    ctx.wrote("staging.kpi_purchases", ["raw.kpi_purchases"])
    ctx.wrote("staging.kpi_activity", ["staging.kpi_events", "staging.kpi_purchases"])
    for name in STAGING:
        table = f"staging.{name}"
        ctx.check(f"rows in {table}", actual=warehouse.count(ctx.bigquery, table),
                  expected=expected["staging"][name], where=f"sql/staging_{name}.sql; "
                  + LOOK.format(table))
    distinct = results.rows(ctx.bigquery, "SELECT COUNT(DISTINCT event_id) AS n "
                                            "FROM staging.kpi_events")[0]["n"]
    ctx.check("staging.kpi_events holds each event once", actual=distinct,
              expected=expected["staging"]["kpi_events"], where="sql/staging_kpi_events.sql")
    ctx.figure("duplicate events removed",
               expected["raw"]["kpi_events"] - expected["staging"]["kpi_events"])


# -- 3. dimension -------------------------------------------------------------------------
@scenario.step("dimension", "SQL: the user dimension mart.kpi_dim_users")
def dimension(ctx: Any) -> None:
    expected = _truth(ctx)["dim_users"]
    _run_sql(ctx, "mart_kpi_dim_users")
    ctx.wrote("mart.kpi_dim_users", ["staging.kpi_users", "staging.kpi_activity",
                                     "staging.kpi_purchases"])
    found = results.rows(ctx.bigquery, "SELECT * FROM mart.kpi_dim_users")
    diff = truth.differences(expected, found, "user_id")
    ctx.check_that("mart.kpi_dim_users equals the ground truth", not diff,
                   actual="; ".join(diff[:5]) or f"{len(found)} users, all equal",
                   expected=f"{len(expected)} users as generated",
                   where="sql/mart_kpi_dim_users.sql; " + LOOK.format("mart.kpi_dim_users"))
    ctx.figure("payers", sum(r["is_payer"] for r in expected))


# -- 4. kpis ------------------------------------------------------------------------------
@scenario.step("kpis", "SQL: daily KPIs in mart.kpi_daily (DAU, PU, conversion, ARPU, ARPPU)")
def kpis(ctx: Any) -> None:
    expected = _truth(ctx)["daily"]
    _run_sql(ctx, "mart_kpi_daily")
    ctx.wrote("mart.kpi_daily", ["staging.kpi_activity", "staging.kpi_purchases"])
    found = results.rows(ctx.bigquery, "SELECT * FROM mart.kpi_daily ORDER BY day")
    ctx.check("days in mart.kpi_daily", actual=[r["day"] for r in found],
              expected=[r["day"] for r in expected], where=LOOK.format("mart.kpi_daily"))
    for column in ("dau", "pu", "revenue_cents", "conversion", "arpu", "arppu"):
        ctx.check(f"{column} per day", actual={r["day"]: r.get(column) for r in found},
                  expected={r["day"]: r[column] for r in expected},
                  where="sql/mart_kpi_daily.sql (definitions: truth.py); "
                  + LOOK.format("mart.kpi_daily"))
    ctx.show("mart.kpi_daily", results.text_table(found))


# -- 5. questions -------------------------------------------------------------------------
@scenario.step("questions", "Answer: which day converted best? where do payers spend most?")
def questions(ctx: Any) -> None:
    expected = _truth(ctx)
    answers = {}
    for name, title in (("question_best_conversion_day", "Which day converted best?"),
                        ("question_arppu_by_country", "Where do payers spend most (ARPPU)?")):
        sql = ctx.file(f"sql/{name}.sql").read_text()
        ctx.explain("sql", f"sql/{name}.sql", sql)
        answers[name] = results.rows(ctx.bigquery, sql)
        ctx.show(title, results.text_table(answers[name]))
    best = answers["question_best_conversion_day"]
    ctx.check("the day with the best conversion", actual=best[0]["day"] if best else None,
              expected=expected["best_conversion_day"], where="sql/question_best_conversion_day.sql")
    ctx.check("ARPPU per country, best first", actual=answers["question_arppu_by_country"],
              expected=expected["arppu_by_country"], where="sql/question_arppu_by_country.sql")


# -- 6. external --------------------------------------------------------------------------
@scenario.step("external", "An external table over staged files: read at query time, "
               "DROP leaves the files", local_only="external tables over the S3 store are "
               "dplat's BigQuery emulator's; the upstream emulator has none")
def external(ctx: Any) -> None:
    """Hive's EXTERNAL TABLE in BigQuery: stage four days of purchases, define
    the table over them, count; stage the fifth, count again (read at query
    time, no load); compare its PU and revenue with the managed mart and the
    truth; DROP it and find every staged object still there."""
    expected = _truth(ctx)
    s3objects.delete_prefix(ctx.s3, BUCKET, PREFIX)  # `--only external` starts clean too
    data = shop.generate(ctx.options["events"])  # seeded: the rows the load step loaded
    days = warehouse.by_day(shop.records(data.purchases), "purchased_at")
    *first, last = sorted(days)
    staged = [_stage(ctx, day, days[day]) for day in first]
    ddl = ctx.file("sql/external_kpi_purchases.sql").read_text()
    ctx.explain("sql", "sql/external_kpi_purchases.sql", ddl)
    ctx.bigquery.query(warehouse.statement(ddl)).result()
    ctx.wrote(EXTERNAL, [f"s3://{BUCKET}/{PREFIX}"])
    before = sum(len(days[day]) for day in first)
    ctx.check(f"rows in {EXTERNAL} with {len(first)} days staged",
              actual=warehouse.count(ctx.bigquery, EXTERNAL), expected=before,
              where=LOOK.format(EXTERNAL))
    staged.append(_stage(ctx, last, days[last]))
    ctx.check(f"rows in {EXTERNAL} after staging {last}, without a load",
              actual=warehouse.count(ctx.bigquery, EXTERNAL),
              expected=expected["raw"]["kpi_purchases"], where=LOOK.format(EXTERNAL))
    sql = ctx.file("sql/external_paid_per_day.sql").read_text()
    ctx.explain("sql", "sql/external_paid_per_day.sql", sql)
    outside = {r["day"]: (r["pu"], r["revenue_cents"]) for r in results.rows(ctx.bigquery, sql)}
    managed = {r["day"]: (r["pu"], r["revenue_cents"]) for r in results.rows(
        ctx.bigquery, "SELECT day, pu, revenue_cents FROM mart.kpi_daily WHERE pu > 0")}
    ctx.check("PU and revenue per day: external table = managed mart.kpi_daily",
              actual=outside, expected=managed, where="sql/external_paid_per_day.sql")
    ctx.check("PU and revenue per day from the external table = ground truth",
              actual=outside, expected={r["day"]: (r["pu"], r["revenue_cents"])
                                        for r in expected["daily"] if r["pu"]},
              where="truth.py")
    ctx.explain("sql", f"DROP TABLE {EXTERNAL}", f"DROP TABLE {EXTERNAL}")
    ctx.bigquery.query(f"DROP TABLE {EXTERNAL}").result()
    ctx.check(f"{EXTERNAL} is gone after DROP TABLE",
              actual=[t.table_id for t in ctx.bigquery.list_tables("raw")
                      if t.table_id == EXTERNAL.split(".")[1]], expected=[])
    ctx.check(f"the staged files are still in s3://{BUCKET}/{PREFIX} after DROP TABLE",
              actual=s3objects.keys(ctx.s3, BUCKET, PREFIX), expected=sorted(staged),
              where=f"`dplat ls s3://{BUCKET}/{PREFIX}`")


def _stage(ctx: Any, day: str, rows: list[dict[str, Any]]) -> str:
    """Write one day's purchases as an NDJSON object under PREFIX; its key."""
    key = f"{PREFIX}{day.replace('-', '')}.json"
    ctx.progress(f"staging {len(rows)} purchases as s3://{BUCKET}/{key}")
    ctx.s3.put_object(Bucket=BUCKET, Key=key, Body=warehouse.ndjson(rows))
    return key


# -- reset --------------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Drop the lesson's own tables; a dataset goes only when no lesson has a
    table left in it (logging-to-bq uses the same three)."""
    from google.api_core.exceptions import NotFound

    try:
        for table in TABLES:
            ctx.bigquery.delete_table(table, not_found_ok=True)
        s3objects.delete_prefix(ctx.s3, BUCKET, PREFIX)  # the files DROP TABLE left
        for dataset in DATASETS:
            try:
                if not list(ctx.bigquery.list_tables(dataset)):
                    ctx.bigquery.delete_dataset(dataset, not_found_ok=True)
            except NotFound:
                pass
    except Exception as exc:
        raise ScenarioError(
            f"could not reset warehouse-kpis' tables: {type(exc).__name__}: {str(exc)[:200]}",
            fix="Check the stack with `dplat status` (`dplat up` repairs it), then run again.",
        ) from exc
