"""The ground truth: every answer the lesson expects, computed from the
generator's rows in plain Python (no Spark, no SQL), and how Spark cuts a
JDBC read into splits.

Money stays ``Decimal`` throughout, as Spark's DECIMAL does.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from typing import Any

from .inputs import Order, Shop

TOP = 3  # buyers per country in top_buyers

# What each input *should* be read as (DDL, Spark's type names)...
USERS_SCHEMA = "user_id INT, user STRING, country STRING, zip STRING, signup_date DATE"
ORDERS_SCHEMA = ("order_id BIGINT, user_id INT, amount DECIMAL(10,2), status STRING, "
                 "ordered_at TIMESTAMP_NTZ, dt DATE")
# ...and what `inferSchema` guesses for the CSV from its text: every zip looks
# like a number, so the column becomes INT and "02134" becomes 2134.
USERS_INFERRED = "user_id INT, user STRING, country STRING, zip INT, signup_date DATE"


def fields(ddl: str) -> list[tuple[str, str]]:
    """``"a INT, b STRING"`` -> ``[("a", "int"), ("b", "string")]`` (Spark's simple names)."""
    pairs = [part.strip().split(" ", 1) for part in ddl.split(", ")]
    return [(name, kind.lower()) for name, kind in pairs]


def paid(shop: Shop) -> list[Order]:
    return [o for o in shop.orders if o.status == "paid"]


def daily_country(shop: Shop) -> list[dict[str, Any]]:
    """Paid orders per day and country: orders, distinct buyers, revenue, and
    the country's revenue to date (a running sum over the days), ordered by
    (dt, country)."""
    country = {u.user_id: u.country for u in shop.users}
    groups: dict[tuple[str, str], list[Order]] = defaultdict(list)
    for order in paid(shop):
        groups[(order.dt, country[order.user_id])].append(order)
    rows = []
    to_date: dict[str, Decimal] = defaultdict(Decimal)
    for (dt, where), orders in sorted(groups.items()):
        revenue = sum((o.amount for o in orders), Decimal("0.00"))
        to_date[where] += revenue
        rows.append({"dt": dt, "country": where, "orders": len(orders),
                     "buyers": len({o.user_id for o in orders}), "revenue": revenue,
                     "revenue_to_date": to_date[where]})
    return rows


def top_buyers(shop: Shop) -> list[dict[str, Any]]:
    """The ``TOP`` users per country by paid amount (ties: the smaller user_id
    first), ordered by (country, rank)."""
    spent: dict[int, Decimal] = defaultdict(Decimal)
    for order in paid(shop):
        spent[order.user_id] += order.amount
    users = {u.user_id: u for u in shop.users}
    rows = []
    for where in sorted({u.country for u in shop.users}):
        ranked = sorted((uid for uid in spent if users[uid].country == where),
                        key=lambda uid: (-spent[uid], uid))
        rows += [{"country": where, "rank": rank, "user_id": uid, "user": users[uid].user,
                  "spent": spent[uid]} for rank, uid in enumerate(ranked[:TOP], start=1)]
    return rows


def paid_per_day(shop: Shop) -> dict[str, Decimal]:
    """Revenue of paid orders per day (what the DataFrame-vs-UDF comparison computes)."""
    found: dict[str, Decimal] = defaultdict(Decimal)
    for order in paid(shop):
        found[order.dt] += order.amount
    return dict(sorted(found.items()))


# -- JDBC splits ---------------------------------------------------------------------------
def spark_where_clauses(column: str, lower: int, upper: int, partitions: int) -> list[str]:
    """The WHERE clause of each split of a JDBC read with ``partitionColumn``,
    ``lowerBound``, ``upperBound`` and ``numPartitions``, as Spark makes them.

    Written from Spark's JDBCRelation.columnPartition (apache/spark,
    sql/core/.../datasources/jdbc/JDBCRelation.scala): a stride of
    upper/n - lower/n in 18-digit decimals, truncated to a whole number; the
    first split has no lower limit (and takes NULLs), the last no upper one,
    so the bounds decide only where the cuts are and filter nothing. Fewer
    splits when the bounds are closer together than ``partitions``.
    """
    if partitions <= 1:
        return [""]
    count = partitions if upper - lower >= partitions else max(1, upper - lower)
    math = Context(prec=34)  # Scala's BigDecimal division (MathContext.DECIMAL128)
    step = Decimal("1e-18")
    precise = (math.divide(Decimal(upper), count).quantize(step, ROUND_HALF_EVEN)
               - math.divide(Decimal(lower), count).quantize(step, ROUND_HALF_EVEN))
    stride = int(precise)
    lost = math.divide((precise - stride) * count, stride)
    current = lower + int((math.divide(lost, 2) * stride).quantize(Decimal(1), ROUND_HALF_UP))
    clauses = []
    for index in range(count):
        low = f"{column} >= {current}" if index else None
        current += stride
        high = f"{column} < {current}" if index != count - 1 else None
        if high is None:
            clauses.append(low or "")
        elif low is None:
            clauses.append(f"{high} or {column} is null")
        else:
            clauses.append(f"{low} AND {high}")
    return clauses


def rows_per_split(values: list[int], clauses: list[str]) -> list[int]:
    """How many of ``values`` each clause selects (evaluated here, in Python)."""
    counts = []
    for clause in clauses:
        tests = [part.split(" or ")[0].strip() for part in clause.split(" AND ")] if clause else []
        counts.append(sum(all(_holds(v, test) for test in tests) for v in values))
    return counts


def _holds(value: int, test: str) -> bool:
    _, operator, limit = test.split(" ")
    return value >= int(limit) if operator == ">=" else value < int(limit)
