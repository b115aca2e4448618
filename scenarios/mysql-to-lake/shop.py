"""The shop's operational database: users and their purchases, generated with a seed.

The generator is the ground truth: it knows every row it puts into MySQL, and
which rows the "next day" (2020-11-25) adds and changes, so the lesson can
check that an import copied exactly those rows. Ids are given explicitly
(not AUTO_INCREMENT), so a rolled-back insert in the isolation step cannot
shift the ids of later rows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

SEED = 20201124
IMPORT_DT = "20201124"  # the day of the full import: the data as of its end
NEXT_DT = "20201125"  # the day the incremental run imports
WINDOW_START = datetime(2020, 11, 22)  # purchases span three days: 22, 23, 24 November
DAY_END = datetime(2020, 11, 25)  # the end of IMPORT_DT: the full import's "as of"
NEXT_DAY_END = datetime(2020, 11, 26)
COUNTRIES = ("DE", "FR", "JP", "US", "BR", "IN")
ITEMS = {"coffee": Decimal("3.50"), "sandwich": Decimal("6.90"), "book": Decimal("14.99"),
         "headphones": Decimal("79.00"), "keyboard": Decimal("49.90"), "lamp": Decimal("24.50")}

SCHEMA = """\
CREATE TABLE users (
  id          INT          NOT NULL PRIMARY KEY,
  email       VARCHAR(120) NOT NULL,
  country     CHAR(2)      NOT NULL,
  signup_at   DATETIME     NOT NULL,
  updated_at  DATETIME     NOT NULL,
  KEY users_updated_at (updated_at)
);
CREATE TABLE purchases (
  id            BIGINT        NOT NULL PRIMARY KEY,
  user_id       INT           NOT NULL,
  item          VARCHAR(40)   NOT NULL,
  quantity      SMALLINT      NOT NULL,
  amount        DECIMAL(10,2) NOT NULL,
  purchased_at  DATETIME      NOT NULL,
  KEY purchases_purchased_at (purchased_at)
)"""
TABLES = ("purchases", "users")  # in the order they are dropped
USER_COLUMNS = ("id", "email", "country", "signup_at", "updated_at")
PURCHASE_COLUMNS = ("id", "user_id", "item", "quantity", "amount", "purchased_at")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    country: str
    signup_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Purchase:
    id: int
    user_id: int
    item: str
    quantity: int
    amount: Decimal
    purchased_at: datetime


@dataclass(frozen=True)
class Shop:
    """What the database holds after the seed (``users``, ``purchases``) and
    what the next day adds (``new_purchases``, ``new_users``) and changes
    (``updated_users``: the same ids as some ``users``, with new values)."""

    users: list[User]
    purchases: list[Purchase]
    new_users: list[User]
    updated_users: list[User]
    new_purchases: list[Purchase]


def users_for(purchases: int) -> int:
    return max(10, purchases // 6)


def generate(purchases: int, seed: int = SEED) -> Shop:
    """``purchases`` purchases by ``purchases // 6`` users, plus the next day's changes."""
    rng = random.Random(f"{seed}:{purchases}")
    count = users_for(purchases)
    users = [_user(rng, i, WINDOW_START - timedelta(days=60), WINDOW_START + timedelta(days=3))
             for i in range(1, count + 1)]
    bought = _purchases(rng, 1, purchases, count, WINDOW_START, 3)
    extra = max(1, count // 50)
    new_users = [_user(rng, i, DAY_END, NEXT_DAY_END) for i in range(count + 1, count + extra + 1)]
    changed = sorted(rng.sample(range(1, count + 1), max(1, count // 20)))
    updated = [User(u.id, u.email, rng.choice(COUNTRIES), u.signup_at,
                    DAY_END + timedelta(seconds=rng.randrange(86_400)))
               for u in (users[i - 1] for i in changed)]
    later = _purchases(rng, purchases + 1, max(1, purchases // 20), count + extra, DAY_END, 1)
    return Shop(users, bought, new_users, updated, later)


def _user(rng: random.Random, user_id: int, start: datetime, end: datetime) -> User:
    """A user who signed up between ``start`` and ``end`` (and may have changed
    their profile since, but before ``end``)."""
    seconds = int((end - start).total_seconds())
    signup = start + timedelta(seconds=rng.randrange(seconds))
    left = int((end - signup).total_seconds())
    updated = signup + timedelta(seconds=rng.randrange(left)) if rng.random() < 0.3 else signup
    return User(user_id, f"user{user_id:06d}@example.com", rng.choice(COUNTRIES), signup, updated)


def _purchases(rng: random.Random, first_id: int, count: int, users: int, start: datetime,
               days: int) -> list[Purchase]:
    """``count`` purchases in time order (a later purchase gets a larger id, as
    AUTO_INCREMENT would give it) spread over ``days`` days from ``start``."""
    seconds = sorted(rng.randrange(days * 86_400) for _ in range(count))
    found = []
    for offset, second in enumerate(seconds):
        item = rng.choice(sorted(ITEMS))
        quantity = rng.choice((1, 1, 1, 2, 3))
        found.append(Purchase(first_id + offset, rng.randrange(1, users + 1), item, quantity,
                              ITEMS[item] * quantity, start + timedelta(seconds=second)))
    return found


# -- writing it into MySQL ----------------------------------------------------------------
def insert_sql(table: str, columns: Sequence[str], replace: bool = False) -> str:
    verb = "REPLACE" if replace else "INSERT"
    return (f"{verb} INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})")


def bulk_insert(connection: Any, table: str, columns: Sequence[str], rows: Sequence[Any],
                replace: bool = False, batch: int = 5_000) -> None:
    """Insert many rows fast: mysql-connector's ``executemany`` turns an INSERT
    into one multi-row ``INSERT ... VALUES (...), (...), ...`` per batch, one
    round trip instead of one per row."""
    cursor = connection.cursor()
    sql = insert_sql(table, columns, replace)
    for start in range(0, len(rows), batch):
        cursor.executemany(sql, [astuple(r) if not isinstance(r, tuple) else r
                                 for r in rows[start:start + batch]])
    cursor.close()
    connection.commit()


def create_and_seed(connection: Any, shop: Shop) -> None:
    """Drop and create the tables, then load the seed (not the next day's rows)."""
    cursor = connection.cursor()
    for table in TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in SCHEMA.split(";"):
        cursor.execute(statement)
    cursor.close()
    bulk_insert(connection, "users", USER_COLUMNS, shop.users)
    bulk_insert(connection, "purchases", PURCHASE_COLUMNS, shop.purchases)


def apply_next_day(connection: Any, shop: Shop) -> None:
    """What happens in the shop on 2020-11-25: new users sign up, some users
    change their country, new purchases come in. REPLACE makes it safe to
    apply twice (`--only incremental` after a full run)."""
    bulk_insert(connection, "users", USER_COLUMNS, shop.new_users + shop.updated_users,
                replace=True)
    bulk_insert(connection, "purchases", PURCHASE_COLUMNS, shop.new_purchases, replace=True)
