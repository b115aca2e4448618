"""The lesson's own inputs, generated with a seed: the shop's users and orders.

The generator is the ground truth: truth.py computes every expected answer
from these rows in plain Python. Three copies land where a data engineer
finds such data on a real platform:

- the **orders** in MySQL (``spark_orders``), the operational database that
  step jdbc reads with splits;
- the same orders as **Parquet partitions** in the lake
  (``s3://datastaging/spark-on-the-lake/orders/dt=YYYY-MM-DD/part-00000.parquet``),
  as an earlier nightly extraction left them;
- the **users** as a **CSV export** (``.../users_csv/users.csv``), with a
  header line and zip codes that start with 0, which schema inference breaks.

Order ids are dense up to ``MIGRATED_FROM`` and then jump: the shop moved to a
new system whose ids start at 100001. A split by value over that key is uneven,
which step jdbc shows.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import astuple, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

SEED = 8
FIRST_DAY = date(2020, 11, 20)
DAYS = 5  # 20 to 24 November 2020
COUNTRIES = ("BR", "DE", "FR", "JP", "US")
HANDLES = ("anna", "bo", "chen", "dana", "emil", "fay", "gus", "hana", "ivo", "jun")
ORDERS_PER_USER = 10
MIGRATED_SHARE = 0.2  # the newest fifth of the orders have ids from the new system
MIGRATED_FROM = 100_001
STAGING = "datastaging"
PREFIX = "spark-on-the-lake/"
ORDERS_PREFIX = f"{PREFIX}orders/"
USERS_CSV = f"{PREFIX}users_csv/users.csv"
TABLE = "spark_orders"

SCHEMA = f"""\
CREATE TABLE {TABLE} (
  order_id    BIGINT        NOT NULL PRIMARY KEY,
  user_id     INT           NOT NULL,
  amount      DECIMAL(10,2) NOT NULL,
  status      VARCHAR(10)   NOT NULL,
  ordered_at  DATETIME      NOT NULL
)"""
ORDER_COLUMNS = ("order_id", "user_id", "amount", "status", "ordered_at")
USER_COLUMNS = ("user_id", "user", "country", "zip", "signup_date")


@dataclass(frozen=True)
class User:
    user_id: int
    user: str  # the login handle: a column named like SQL's `user` keyword, on purpose
    country: str
    zip: str  # text: "02134" is not the number 2134
    signup_date: date


@dataclass(frozen=True)
class Order:
    order_id: int
    user_id: int
    amount: Decimal
    status: str  # paid or refunded
    ordered_at: datetime

    @property
    def dt(self) -> str:
        return f"{self.ordered_at:%Y-%m-%d}"


@dataclass(frozen=True)
class Shop:
    users: tuple[User, ...]
    orders: tuple[Order, ...]

    @property
    def days(self) -> list[str]:
        return sorted({o.dt for o in self.orders})


def generate(orders: int, seed: int = SEED) -> Shop:
    """``orders`` orders of ``orders // 10`` users (at least 10) over five days."""
    rng = random.Random(seed)
    users = tuple(_user(rng, i) for i in range(1, max(10, orders // ORDERS_PER_USER) + 1))
    migrated = int(orders * MIGRATED_SHARE)
    ids = [*range(1, orders - migrated + 1), *range(MIGRATED_FROM, MIGRATED_FROM + migrated)]
    start = datetime.combine(FIRST_DAY, datetime.min.time())
    seconds = sorted(rng.randrange(DAYS * 86_400) for _ in ids)  # ids grow with time
    made = tuple(
        Order(order_id, rng.randint(1, len(users)), Decimal(rng.randint(500, 25_000)) / 100,
              "refunded" if rng.random() < 0.1 else "paid", start + timedelta(seconds=second))
        for order_id, second in zip(ids, seconds, strict=True))
    return Shop(users, made)


def _user(rng: random.Random, user_id: int) -> User:
    # About a third of the zip codes start with 0 (Boston's 02134, Dresden's 01067).
    zip_code = f"0{rng.randint(1000, 9999)}" if rng.random() < 0.33 else str(rng.randint(10000, 99999))
    handle = f"{rng.choice(HANDLES)}{user_id}"
    return User(user_id, handle, rng.choice(COUNTRIES), zip_code,
                FIRST_DAY - timedelta(days=rng.randint(1, 90)))


# -- writing the inputs ------------------------------------------------------------------
def users_csv(shop: Shop) -> bytes:
    """The users as a CSV export: a header line, then one line per user."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(USER_COLUMNS)
    writer.writerows((u.user_id, u.user, u.country, u.zip, u.signup_date.isoformat())
                     for u in shop.users)
    return out.getvalue().encode()


def orders_parquet(orders: list[Order]) -> bytes:
    """One day's orders as a Parquet file (no dt column: the folder name holds it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("order_id", pa.int64()), ("user_id", pa.int32()),
                        ("amount", pa.decimal128(10, 2)), ("status", pa.string()),
                        ("ordered_at", pa.timestamp("us"))])
    table = pa.Table.from_pylist([dict(zip(ORDER_COLUMNS, astuple(o), strict=True))
                                  for o in orders], schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def order_key(dt: str) -> str:
    return f"{ORDERS_PREFIX}dt={dt}/part-00000.parquet"


def write_lake(s3: Any, shop: Shop) -> list[str]:
    """Put the CSV export and one Parquet object per day; their keys."""
    s3.put_object(Bucket=STAGING, Key=USERS_CSV, Body=users_csv(shop))
    keys = [USERS_CSV]
    for dt in shop.days:
        key = order_key(dt)
        s3.put_object(Bucket=STAGING, Key=key,
                      Body=orders_parquet([o for o in shop.orders if o.dt == dt]))
        keys.append(key)
    return keys


def write_mysql(connection: Any, shop: Shop) -> None:
    """Drop and create ``spark_orders``, then bulk-insert the orders."""
    cursor = connection.cursor()
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cursor.execute(SCHEMA)
    sql = f"INSERT INTO {TABLE} ({', '.join(ORDER_COLUMNS)}) VALUES ({', '.join(['%s'] * 5)})"
    rows = [astuple(o) for o in shop.orders]
    for start in range(0, len(rows), 5_000):
        cursor.executemany(sql, rows[start:start + 5_000])
    connection.commit()
    cursor.close()
