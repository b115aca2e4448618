"""scheduled-pipeline: the same pipeline every day, handed to Airflow.

Read README.md first: it is the lesson. This file is what the runner executes,
one function per step; the DAG itself is dags/shop_daily.py (it runs inside the
airflow container), the shop and its ground truth are data.py, the KPI SQL is
rendered from warehouse-kpis' files by kpis.py, the REST calls are airflow_api.py
and the checks of what landed are lake.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import Scenario, s3objects
from dplat.stack import airflow as airflow_service

from . import airflow_api, data, kpis, lake

scenario = Scenario(
    name="scheduled-pipeline",
    title="The same pipeline every day: from cron to Airflow, backfill, retries, reruns",
    teaches=(
        "A daily pipeline (extract a day's changed rows from MySQL, stage them as Parquet in "
        "S3, load the day's partition into BigQuery, recompute the daily KPIs) runs as an "
        "Airflow DAG: deploy it, backfill five days explicitly, survive an unavailable store "
        "with retries, rerun a past day without doubling anything, and pick up late changes "
        "in the next run's incremental extract. Every task works on its data interval, "
        "never on now()."
    ),
    services=("mysql", "s3", "bigquery", "airflow"),
    order=70,
    options={"events": 10_000},
)

DAG_ID = "shop_daily"
DAG_FILE = "shop_daily.py"
SQL_FILE = "shop_daily_kpis.sql"
TASKS = ["extract", "stage", "load", "kpis"]
RETRY_DAY, RERUN_DAY = "20201122", "20201121"
RUN_TIMEOUT = 240.0
# ctx.state, kept between `--only` runs: whether the late step wrote its
# changes to MySQL, and the days whose run has read MySQL again since (their
# partitions hold the changed rows: see data.partition_truth).
LATE_APPLIED, READ_AFTER_LATE = "late_applied", "read_after_late"


def _shop(ctx: Any) -> data.Shop:
    return data.generate(ctx.state.get("options", ctx.options)["events"])


def _api(ctx: Any) -> airflow_api.Api:
    return airflow_api.Api(ctx.airflow, on_call=lambda line: ctx.explain(
        "client call", "Airflow REST API", line))


def _dags(ctx: Any) -> Any:
    return ctx.settings.work_dir / airflow_service.DAGS_FOLDER


def _run_of(runs: list[dict[str, Any]], day: str) -> dict[str, Any]:
    found = [r for r in runs if (r.get("data_interval_start") or "")[:10].replace("-", "") == day]
    if not found:
        raise ScenarioError(f"{DAG_ID} has no run for the data interval of {day}",
                            fix="Run the lesson from its first step (`dplat run scenario "
                                "scheduled-pipeline`).")
    return found[0]


# -- 1. seed ------------------------------------------------------------------------
@scenario.step("seed", "The shop's MySQL tables: users, activity, purchases of 20-24 Nov 2020")
def seed(ctx: Any) -> None:
    shop = _shop(ctx)
    ctx.explain("sql", "the lesson's tables (data.py: SCHEMA)", data.SCHEMA)
    connection = ctx.mysql
    data.seed(connection, shop)
    for table in data.TABLES:
        sql = f"SELECT COUNT(*) FROM shop_daily_{table}"
        ctx.check(f"rows in MySQL shop_daily_{table}", data.count(connection, table),
                  len(shop.rows[table]), where=f'`dplat sql mysql "{sql}"`')
        ctx.wrote(f"mysql {ctx.credentials.mysql_database}.shop_daily_{table}",
                  ["warehouse-kpis shop generator"])


# -- 2. deploy ----------------------------------------------------------------------
@scenario.step("deploy", "Deploy the DAG: the file appears, parses without errors, is unpaused")
def deploy(ctx: Any) -> None:
    api = _api(ctx)
    folder = _dags(ctx)
    earlier = api.dag(DAG_ID)  # deployed by an earlier run (`--only deploy` after a full run)
    source = ctx.file(f"dags/{DAG_FILE}").read_text()
    query = kpis.query()
    ctx.explain("command", f"deploy: copy dags/{DAG_FILE} and {SQL_FILE} into {folder}",
                f"tasks: {' >> '.join(TASKS)}")
    ctx.explain("sql", f"dags/{DAG_FILE}: every line with a template (Airflow renders them per "
                "run; extract_sql() puts START and END into each table's query)",
                "\n".join(line.strip() for line in source.splitlines() if "{{" in line))
    ctx.explain("sql", f"{SQL_FILE}: warehouse-kpis' KPI SQL on this pipeline's tables", query)
    airflow_service.write_dag_file(ctx.settings.work_dir, SQL_FILE, query)
    airflow_service.write_dag_file(ctx.settings.work_dir, DAG_FILE, source)
    ctx.progress("waiting for the DAG processor to parse the file (it lists the folder every 10 s)")
    dag = _wait(lambda: api.dag(DAG_ID), f"Airflow to parse {DAG_FILE}")
    # The code Airflow parsed must be this file, not an earlier deployment's.
    parsed = _wait(lambda: _parsed_source(api) == source,
                      f"Airflow to parse this version of {DAG_FILE}")
    ctx.check("the code Airflow parsed is the deployed file", parsed, True,
              where=f"{api.service.url()}/dags/{DAG_ID} (Code)")
    errors = api.import_errors(DAG_FILE)
    ctx.check(f"import errors of {DAG_FILE}", [e.get("stack_trace", "")[-300:] for e in errors],
              [], where=f"{api.service.url()}/dags (Import errors), `dplat logs airflow`")
    tasks = api.call("GET", f"/api/v2/dags/{DAG_ID}/tasks")["tasks"]
    chain = {t["task_id"]: t.get("downstream_task_ids", []) for t in tasks}
    ctx.check("the DAG's tasks and their order", chain,
              {a: ([b] if b else []) for a, b in zip(TASKS, [*TASKS[1:], None], strict=True)},
              where=f"{api.service.url()}/dags/{DAG_ID} (Graph)")
    if earlier is None:
        ctx.check("the DAG is paused when it appears (Airflow's default)", dag["is_paused"], True)
    else:
        ctx.progress(f"{DAG_ID} was deployed before, by an earlier run: Airflow keeps its runs "
                     "and whether it is paused (a new DAG would appear paused)")
        ctx.check("redeploying the file left the DAG's pause state as it was",
                  dag["is_paused"], earlier["is_paused"])
    ctx.check("the DAG is unpaused", api.unpause(DAG_ID)["is_paused"], False,
              where=f"{api.service.url()}/dags/{DAG_ID}")
    for task in TASKS:
        ctx.wrote(f"airflow task {DAG_ID}.{task}", [f"dags/{DAG_FILE}"])


def _parsed_source(api: airflow_api.Api) -> str | None:
    return (api.call("GET", f"/api/v2/dagSources/{DAG_ID}", quiet=True) or {}).get("content")


def _wait(condition: Any, what: str, timeout: float = 120.0) -> Any:
    from dplat.waiting import wait_until

    return wait_until(condition, timeout, interval=1.0, what=what)


# -- 3. backfill --------------------------------------------------------------------
@scenario.step("backfill", "Backfill 20-24 November: five runs, every task succeeds, exact rows")
def backfill(ctx: Any) -> None:
    api = _api(ctx)
    first, last = data.DAYS[0].isoformat(), data.DAYS[-1].isoformat()
    ctx.progress(f"POST /api/v2/backfills {first}..{last}")
    api.backfill(DAG_ID, f"{first}T00:00:00Z", f"{last}T00:00:00Z")
    runs = api.wait_finished(DAG_ID, len(data.DAYS), RUN_TIMEOUT)
    if not _check_runs(ctx, api, runs, [f"{d:%Y%m%d}" for d in data.DAYS]):
        return  # the data of failed runs says nothing more
    _explain_rendered(ctx, api, runs[0])
    _check_data(ctx, _shop(ctx))
    _lineage(ctx)


def _check_runs(ctx: Any, api: airflow_api.Api, runs: list[dict[str, Any]],
                days: list[str]) -> bool:
    """Every run of ``days`` succeeded, every task of it too; a failure names
    the task, where its log is and the error it ended with. Whether all did."""
    first = len(ctx.checks)
    by_day = {(r.get("data_interval_start") or "")[:10].replace("-", ""): r for r in runs}
    ctx.check("days without a run", [d for d in days if d not in by_day], [],
              where=f"{api.service.url()}/dags/{DAG_ID} (Grid)")
    for day in days:
        run = by_day.get(day)
        if run is None:
            continue
        failed = [t for t in api.task_instances(DAG_ID, run["dag_run_id"]) if t["state"] != "success"]
        where = "; ".join(f"{t['task_id']} ({t['state']}, try {t['try_number']}): log at "
                          + api.log_where(DAG_ID, run["dag_run_id"], t["task_id"], t["try_number"])
                          + " — " + api.log_error(DAG_ID, run["dag_run_id"], t["task_id"],
                                                  max(1, t["try_number"]))
                          for t in failed if t["state"] == "failed")
        ctx.check(f"run of {day}: state, and tasks not succeeded",
                  [run["state"], sorted(t["task_id"] for t in failed)], ["success", []],
                  where=where or f"{api.service.url()}/dags/{DAG_ID}/runs/{run['dag_run_id']}")
    return all(c.passed for c in ctx.checks[first:])


def _explain_rendered(ctx: Any, api: airflow_api.Api, run: dict[str, Any]) -> None:
    for instance in api.task_instances(DAG_ID, run["dag_run_id"]):
        if instance["task_id"] == "extract":
            queries = (instance.get("rendered_fields") or {}).get("op_kwargs", {}).get("queries")
            ctx.explain("sql", f"extract as Airflow rendered it for {run['dag_run_id']}",
                        "\n\n".join(queries.values()) if isinstance(queries, dict)
                        else str(queries))


def _check_data(ctx: Any, shop: data.Shop) -> None:
    """Each day's partition in S3 and in BigQuery holds exactly the truth's
    rows, every column, and mart.shop_daily_kpis equals warehouse-kpis' truth.

    The truth follows ctx.state: a partition holds what its day's latest run
    read, so it depends on whether the late changes were in MySQL then; the
    KPIs are of the changed shop once the late day's run has read them."""
    changes = data.late_payments(shop) if ctx.state.get(LATE_APPLIED) else []
    read_after = ctx.state.get(READ_AFTER_LATE, [])
    truth = data.partition_truth(shop, changes, read_after)
    for table in data.TABLES:
        expected = {day: truth[day][table] for day in truth}
        staged = {day: lake.staged_rows(ctx.s3, table, day) for day in truth}
        ctx.check(f"s3 shop-daily/{table}/dt=*: rows per partition = what the day's run read",
                  lake.summary(staged), lake.summary(expected),
                  where=f"`dplat ls s3://{lake.BUCKET}/{lake.PREFIX}/{table}/`")
        _check_rows(ctx, f"s3 shop-daily/{table}/dt=*: every row, every column", table,
                    staged, expected)
        loaded = lake.loaded_rows(ctx.bigquery, table)
        ctx.check(f"raw.shop_daily_{table}: rows per dt partition = what the day's run read",
                  lake.summary(loaded), lake.summary(expected),
                  where=f"`dplat sql bigquery 'SELECT dt, COUNT(*) FROM raw.shop_daily_{table} "
                        "GROUP BY dt'`")
        _check_rows(ctx, f"raw.shop_daily_{table}: every row, every column", table,
                    loaded, expected)
    found = lake.kpis(ctx.bigquery)
    late = bool(changes) and f"{data.LATE_DAY:%Y%m%d}" in read_after
    ctx.check("mart.shop_daily_kpis = warehouse-kpis' truth of the shop"
              + (" with the late payments" if late else ""), found,
              data.kpi_truth(data.after(shop, changes) if late else shop),
              where="dags/shop_daily_kpis.sql (warehouse-kpis' definitions); "
                    "`dplat sql bigquery 'SELECT * FROM mart.shop_daily_kpis ORDER BY day'`")
    ctx.state["kpis"] = found


def _check_rows(ctx: Any, name: str, table: str, found: dict[str, list[data.Row]],
                expected: dict[str, list[data.Row]]) -> None:
    """Each partition's rows against the truth's; a failure lists the first
    differences, a pass just says how many rows matched."""
    diff = lake.differences(found, expected, data.KEYS[table])
    ctx.check_that(name, not diff, "; ".join(diff[:5]) or
                   f"{sum(map(len, expected.values()))} rows, all as expected",
                   "every row once, in its day's partition, with the values its run read")


def _ran_again(ctx: Any, day: str) -> None:
    """Record that the run of ``day`` has read MySQL again: once the late
    changes are there, its partitions hold the rows as changed."""
    if ctx.state.get(LATE_APPLIED):
        ctx.state[READ_AFTER_LATE] = sorted({*ctx.state.get(READ_AFTER_LATE, []), day})


def _lineage(ctx: Any) -> None:
    database = ctx.credentials.mysql_database
    task = f"airflow task {DAG_ID}."
    for table in data.TABLES:
        ctx.wrote(f"{task}extract", [f"mysql {database}.shop_daily_{table}"])
        ctx.wrote(f"s3://{lake.BUCKET}/{lake.PREFIX}/{table}/", [f"{task}stage"])
        ctx.wrote(f"{task}load", [f"s3://{lake.BUCKET}/{lake.PREFIX}/{table}/"])
        ctx.wrote(f"raw.shop_daily_{table}", [f"{task}load"])
    ctx.wrote(f"{task}stage", [f"{task}extract"])
    ctx.wrote(f"{task}kpis", ["raw.shop_daily_activity", "raw.shop_daily_purchases"])
    ctx.wrote("mart.shop_daily_kpis", [f"{task}kpis"])


# -- 4. retry -----------------------------------------------------------------------
@scenario.step("retry", f"The store goes away during the run of {RETRY_DAY}: the task retries")
def retry(ctx: Any) -> None:
    api = _api(ctx)
    run = _run_of(api.runs(DAG_ID), RETRY_DAY)
    before = _tries(api, run["dag_run_id"])
    ctx.explain("command", "make the store unavailable", "docker pause <project>-s3-1  "
                "(then docker unpause once the stage task waits for its retry)")
    with lake.paused(ctx.settings, "s3"):
        ctx.progress(f"s3 paused; clearing the run of {RETRY_DAY}")
        api.clear(DAG_ID, run["dag_run_id"])
        waiting = _wait(lambda: _up_for_retry(api, run["dag_run_id"]),
                           "the stage task to fail and wait for its retry", RUN_TIMEOUT)
        ctx.progress(f"{waiting['task_id']} is up for retry; unpausing s3")
    runs = api.wait_finished(DAG_ID, len(data.DAYS), RUN_TIMEOUT)
    _ran_again(ctx, RETRY_DAY)
    if not _check_runs(ctx, api, runs, [RETRY_DAY]):
        return
    # Clearing starts a new try of each task (Airflow counts every try), so
    # the retry shows as stage's tries growing by two (three, if the retry
    # came before the store was back: retries=2 allows it), the others' by one.
    tries = {task: n - before[task] for task, n in _tries(api, run["dag_run_id"]).items()}
    ctx.check_that("tries this run took: stage more than one, the others one",
                   tries.get("stage", 0) >= 2 and all(
                       n == 1 for task, n in tries.items() if task != "stage"), tries,
                   "{'extract': 1, 'stage': 2 or 3, 'load': 1, 'kpis': 1}",
                   where=api.log_where(DAG_ID, run["dag_run_id"], "stage", before["stage"] + 1))
    _check_data(ctx, _shop(ctx))


def _tries(api: airflow_api.Api, run_id: str) -> dict[str, int]:
    return {t["task_id"]: t["try_number"] for t in api.task_instances(DAG_ID, run_id)}


def _up_for_retry(api: airflow_api.Api, run_id: str) -> dict[str, Any] | None:
    for instance in api.task_instances(DAG_ID, run_id):
        if instance["state"] == "up_for_retry":
            return instance
        if instance["state"] == "failed":
            raise ScenarioError(f"{instance['task_id']} failed instead of waiting for a retry",
                                fix=f"Read its log: {api.log_where(DAG_ID, run_id, instance['task_id'], instance['try_number'])}")
    return None


def _clear_and_wait(api: airflow_api.Api, run: dict[str, Any]) -> list[dict[str, Any]]:
    """Clear every task of ``run``, then wait until it has run again."""
    cleared = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    api.clear(DAG_ID, run["dag_run_id"])
    return api.wait_finished(DAG_ID, 1, RUN_TIMEOUT, since=cleared)


# -- 5. rerun -----------------------------------------------------------------------
@scenario.step("rerun", f"Clear the run of {RERUN_DAY} and run it again: nothing changes")
def rerun(ctx: Any) -> None:
    api = _api(ctx)
    run = _run_of(api.runs(DAG_ID), RERUN_DAY)
    before = s3objects.keys(ctx.s3, lake.BUCKET, f"{lake.PREFIX}/")
    runs = _clear_and_wait(api, run)
    _ran_again(ctx, RERUN_DAY)
    if not _check_runs(ctx, api, runs, [RERUN_DAY]):
        return
    ctx.check("objects under s3 shop-daily/ after the rerun", s3objects.keys(
        ctx.s3, lake.BUCKET, f"{lake.PREFIX}/"), before,
        where=f"`dplat ls s3://{lake.BUCKET}/{lake.PREFIX}/`")
    _check_data(ctx, _shop(ctx))


# -- 6. late ------------------------------------------------------------------------
@scenario.step("late", "Late data: payments of earlier days go through on the 24th; the "
                       "next run picks them up and recomputes those KPI days")
def late(ctx: Any) -> None:
    api = _api(ctx)
    shop = _shop(ctx)
    changes = data.late_payments(shop)
    # The real table before the changes, to compare with after the run.
    before = {r["day"]: r for r in lake.kpis(ctx.bigquery)}
    again = bool(ctx.state.get(LATE_APPLIED))  # `--only late` after a full run
    ctx.explain("sql", "the late changes (data.py: late_payments)",
                "\n".join(f"UPDATE shop_daily_purchases SET status = 'paid', updated_at = "
                          f"'{c['updated_at']}' WHERE purchase_id = {c['purchase_id']}  "
                          f"-- bought {c['purchased_at'][:10]}" for c in changes))
    data.apply(ctx.mysql, changes)
    ctx.state[LATE_APPLIED] = True
    day = f"{data.LATE_DAY:%Y%m%d}"
    run = _run_of(api.runs(DAG_ID), day)
    ctx.progress(f"the run of {day} (its interval holds the changes) runs again")
    runs = _clear_and_wait(api, run)
    _ran_again(ctx, day)
    if not _check_runs(ctx, api, runs, [day]):
        return
    _check_data(ctx, shop)
    after = {r["day"]: r for r in ctx.state["kpis"]}
    changed = sorted(d for d in after.keys() | before.keys() if after.get(d) != before.get(d))
    ctx.check("days of mart.shop_daily_kpis that changed in this step, read before and after "
              + ("(none: an earlier run had applied the late payments)" if again
                 else "(the days the late payments were made, and only those)"),
              changed, [] if again else sorted({c["purchased_at"][:10] for c in changes}),
              where="`dplat sql bigquery 'SELECT * FROM mart.shop_daily_kpis ORDER BY day'`")
    ctx.show("mart.shop_daily_kpis after the late payments", lake.kpi_table(ctx.bigquery))


# -- reset --------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Remove only the lesson's own things: its DAG file and Airflow's record
    of it (runs, task instances, task logs, the tasks' scratch folder), its
    S3 prefix, its BigQuery tables, its MySQL tables. `dplat reset` starts no
    on-demand service: with airflow not running, its record stays (the next
    full run, which starts airflow, resets first and removes it)."""
    folder = _dags(ctx)
    for name in (DAG_FILE, SQL_FILE):
        (folder / name).unlink(missing_ok=True)
    if lake.running(ctx.settings, "airflow"):
        _api(ctx).delete_dag(DAG_ID)
        lake.remove_in_container(ctx.settings, "airflow", [f"/opt/airflow/logs/dag_id={DAG_ID}",
                                                           f"/opt/airflow/scratch/{DAG_ID}"])
    else:
        ctx.progress(f"airflow is not running: its record of {DAG_ID} (runs, task logs) is "
                     "kept; the lesson's next full run removes it first, or run "
                     "`dplat up --with airflow` and reset again")
    s3objects.delete_prefix(ctx.s3, lake.BUCKET, f"{lake.PREFIX}/")
    lake.drop_tables(ctx.bigquery)
    data.drop(ctx.mysql)
