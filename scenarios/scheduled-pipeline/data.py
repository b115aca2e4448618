"""The lesson's shop in MySQL, its late changes, and the ground truth of every run.

The shop is warehouse-kpis' generator (users, activity, purchases over 20-24
November 2020, seeded), imported from that lesson rather than copied, so the
KPIs this pipeline computes can be checked with warehouse-kpis' own
definitions (its truth.py). In MySQL it lives in three tables of the stack's
database, prefixed ``shop_daily_`` (the app user may create no other
database): the lesson creates and drops only those.

Each row carries ``updated_at``, the column a daily incremental extract reads:
an event or purchase is written when it happens; some users changed their
profile during the window. Ground truth per run is "the rows whose updated_at
falls in that day, as MySQL held them when that day's latest run read it"
(before or after the late changes), computed here from the generated rows,
never read back from MySQL.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from dplat import resources
from dplat.scenario import catalog

Row = dict[str, Any]
SEED = 20201120
DAYS = [date(2020, 11, 20) + timedelta(days=n) for n in range(5)]
LATE_DAY = DAYS[-1]  # late changes happen on the last day of the schedule
PROFILE_CHANGE_CHANCE = 0.1
LATE_PAYMENTS = 6  # failed purchases whose payment goes through on LATE_DAY

SCHEMA = """\
CREATE TABLE shop_daily_users (
  user_id INT NOT NULL PRIMARY KEY, email VARCHAR(120) NOT NULL, country CHAR(2) NOT NULL,
  channel VARCHAR(20) NOT NULL, signup_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,
  KEY shop_daily_users_updated_at (updated_at));
CREATE TABLE shop_daily_activity (
  event_id VARCHAR(20) NOT NULL PRIMARY KEY, user_id INT NOT NULL,
  event_type VARCHAR(20) NOT NULL, event_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,
  KEY shop_daily_activity_updated_at (updated_at));
CREATE TABLE shop_daily_purchases (
  purchase_id INT NOT NULL PRIMARY KEY, user_id INT NOT NULL, item VARCHAR(40) NOT NULL,
  quantity SMALLINT NOT NULL, amount_cents INT NOT NULL, status VARCHAR(10) NOT NULL,
  purchased_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,
  KEY shop_daily_purchases_updated_at (updated_at))"""
TABLES = ("users", "activity", "purchases")
COLUMNS = {
    "users": ("user_id", "email", "country", "channel", "signup_at", "updated_at"),
    "activity": ("event_id", "user_id", "event_type", "event_at", "updated_at"),
    "purchases": ("purchase_id", "user_id", "item", "quantity", "amount_cents", "status",
                  "purchased_at", "updated_at"),
}
KEYS = {"users": "user_id", "activity": "event_id", "purchases": "purchase_id"}


def warehouse_kpis_folder() -> Path:
    return resources.scenarios_dir() / "warehouse-kpis"


def lesson(name: str, module: str) -> ModuleType:
    """A module of another lesson (this one builds on them), imported, not copied."""
    return catalog.lesson_module(resources.scenarios_dir() / name, module)


def warehouse_kpis(module: str) -> ModuleType:
    """A module of the warehouse-kpis lesson (``shop``, ``truth``)."""
    return lesson("warehouse-kpis", module)


@dataclasses.dataclass(frozen=True)
class Shop:
    """What MySQL holds: each table's rows as dicts (ISO UTC times, with
    ``updated_at``), and warehouse-kpis' own objects for its truth."""

    rows: dict[str, list[dict[str, Any]]]
    generated: Any  # warehouse-kpis' shop.Shop


@cache
def generate(events: int) -> Shop:
    """The seeded shop; the same ``events`` always give the same rows."""
    made = warehouse_kpis("shop").generate(events)
    rng = random.Random(f"{SEED}:{events}")
    window = len(DAYS) * 86_400
    start = datetime.combine(DAYS[0], datetime.min.time(), UTC)
    users = []
    for user in made.users:
        changed = rng.random() < PROFILE_CHANGE_CHANCE
        at = _iso(start + timedelta(seconds=rng.randrange(window))) if changed else user.signup_at
        users.append({**dataclasses.asdict(user), "updated_at": at})
    activity = [{**dataclasses.asdict(e), "updated_at": e.event_at} for e in made.events]
    purchases = [{**dataclasses.asdict(p), "updated_at": p.purchased_at} for p in made.purchases]
    return Shop({"users": users, "activity": activity, "purchases": purchases}, made)


def late_payments(shop: Shop) -> list[dict[str, Any]]:
    """Failed purchases of earlier days whose payment goes through on LATE_DAY:
    status becomes paid, updated_at a time on LATE_DAY (the rows as changed)."""
    failed = [p for p in shop.rows["purchases"]
              if p["status"] == "failed" and p["purchased_at"][:10] < LATE_DAY.isoformat()]
    chosen = random.Random(SEED).sample(failed, min(LATE_PAYMENTS, len(failed)))
    late = datetime.combine(LATE_DAY, datetime.min.time(), UTC) + timedelta(hours=22)
    return sorted(({**p, "status": "paid", "updated_at": _iso(late + timedelta(seconds=i))}
                   for i, p in enumerate(chosen)), key=lambda p: p["purchase_id"])


def after(shop: Shop, changes: list[dict[str, Any]]) -> Shop:
    """The shop once ``changes`` (changed purchases) are applied."""
    by_id = {p["purchase_id"]: p for p in changes}
    purchases = [by_id.get(p["purchase_id"], p) for p in shop.rows["purchases"]]
    statuses = {p["purchase_id"]: p["status"] for p in changes}
    generated = dataclasses.replace(shop.generated, purchases=[
        dataclasses.replace(p, status=statuses.get(p.purchase_id, p.status))
        for p in shop.generated.purchases])
    return Shop({**shop.rows, "purchases": purchases}, generated)


# -- ground truth -------------------------------------------------------------------
def partition_truth(shop: Shop, changes: Sequence[dict[str, Any]] = (),
                    read_after: Collection[str] = ()) -> dict[str, dict[str, list[Row]]]:
    """For each day (YYYYMMDD) and table: the rows its latest run extracted,
    each as MySQL held it (the table's columns), sorted by key.

    A partition is a record of what its day's latest run read, not a current
    table. A run that ran before ``changes`` were written to MySQL read the
    rows as generated (a late-paid purchase is still ``failed`` in the
    partition of the day it was bought); a day in ``read_after`` ran again
    after them and read the changed rows, whose new updated_at moves a
    late-paid purchase out of its purchase day and into the late day."""
    changed = after(shop, changes) if changes else shop
    found: dict[str, dict[str, list[Row]]] = {}
    for day in DAYS:
        name = f"{day:%Y%m%d}"
        source = changed if name in read_after else shop
        found[name] = {
            table: sorted(({c: r[c] for c in COLUMNS[table]} for r in rows
                           if r["updated_at"].startswith(day.isoformat())),
                          key=lambda r, k=KEYS[table]: r[k])
            for table, rows in source.rows.items()}
    return found


def kpi_truth(shop: Shop) -> list[dict[str, Any]]:
    """mart.shop_daily_kpis as it must be: warehouse-kpis' truth of the shop."""
    return warehouse_kpis("truth").ground_truth(shop.generated)["daily"]


# -- MySQL -----------------------------------------------------------------------
def count(connection: Any, table: str) -> int:
    """Rows in one of the lesson's MySQL tables (mysql-to-lake's lake.scalar)."""
    return int(lesson("mysql-to-lake", "lake").scalar(
        connection, f"SELECT COUNT(*) FROM shop_daily_{table}"))


def seed(connection: Any, shop: Shop) -> None:
    """Drop and create the lesson's three tables, then insert every row."""
    drop(connection)
    cursor = connection.cursor()
    for statement in SCHEMA.split(";"):
        cursor.execute(statement)
    cursor.close()
    for table in TABLES:
        _write(connection, table, shop.rows[table])


def apply(connection: Any, changes: list[dict[str, Any]]) -> None:
    """Write changed purchases (REPLACE: applying them twice changes nothing)."""
    _write(connection, "purchases", changes, replace=True)


def drop(connection: Any) -> None:
    cursor = connection.cursor()
    for table in TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS shop_daily_{table}")
    cursor.close()


def _write(connection: Any, table: str, rows: list[dict[str, Any]], replace: bool = False) -> None:
    """mysql-to-lake's bulk insert (multi-row INSERTs), into shop_daily_<table>."""
    values = [tuple(_mysql_value(r[c]) for c in COLUMNS[table]) for r in rows]
    lesson("mysql-to-lake", "shop").bulk_insert(connection, f"shop_daily_{table}",
                                                 COLUMNS[table], values, replace=replace)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _mysql_value(value: Any) -> Any:
    """ISO UTC text as MySQL's DATETIME text; anything else as it is."""
    if isinstance(value, str) and len(value) == 20 and value.endswith("Z") and value[10] == "T":
        return value[:10] + " " + value[11:19]
    return value
