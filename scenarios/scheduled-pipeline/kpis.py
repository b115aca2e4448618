"""The pipeline's KPI query: warehouse-kpis' SQL, pointed at this pipeline's tables.

warehouse-kpis defines DAU, paying users, revenue, conversion, ARPU and ARPPU
in two files: sql/staging_kpi_activity.sql (who was active on a day) and
sql/mart_kpi_daily.sql (the KPIs from activity and purchases). This module
reads those files and swaps their source tables for the current version of
this pipeline's rows, limited to the days a run recomputes, so the two lessons
cannot disagree on a definition. The result is deployed beside the DAG as
``shop_daily_kpis.sql``; its ``{days}`` is filled in by the kpis task.
"""

from __future__ import annotations

import re

from . import data

DAYS_PLACEHOLDER = "{days}"


def _select(sql: str, table: str) -> str:
    """The SELECT of a ``CREATE OR REPLACE TABLE <table> AS`` file, without
    its comment lines."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    head = re.compile(rf"CREATE OR REPLACE TABLE {re.escape(table)} AS\s*", re.IGNORECASE)
    if not head.search(body):
        raise ValueError(f"warehouse-kpis' SQL for {table} no longer starts with "
                         f"CREATE OR REPLACE TABLE {table} AS: update kpis.py")
    return head.split(body, maxsplit=1)[1].strip().rstrip(";")


def current(table: str, day_column: str) -> str:
    """The latest version of each row of raw.shop_daily_<table> (a row changed
    late is in two dt= partitions), on the days being recomputed."""
    key = data.KEYS[table]
    return (f"(SELECT * EXCEPT (version, dt) FROM (SELECT *, ROW_NUMBER() OVER "
            f"(PARTITION BY {key} ORDER BY updated_at DESC, dt DESC) AS version "
            f"FROM raw.shop_daily_{table}) WHERE version = 1 "
            f"AND DATE({day_column}) IN ({DAYS_PLACEHOLDER}))")


def query() -> str:
    """The KPI rows of the days in ``{days}``, as mart.kpi_daily defines them."""
    folder = data.warehouse_kpis_folder() / "sql"
    activity = _select((folder / "staging_kpi_activity.sql").read_text(), "staging.kpi_activity")
    mart = _select((folder / "mart_kpi_daily.sql").read_text(), "mart.kpi_daily")
    purchases = current("purchases", "purchased_at")
    activity = (activity.replace("staging.kpi_events", current("activity", "event_at"))
                .replace("staging.kpi_purchases", purchases))
    rendered = (mart.replace("staging.kpi_activity", f"(\n{activity}\n)")
                .replace("staging.kpi_purchases", purchases))
    return rendered + "\n"
