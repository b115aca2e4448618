"""The ground truth: the KPIs, the user dimension and the answers, computed in
plain Python from what the generator made, with the definitions the SQL uses.

Definitions shared with sql/*.sql (all days are UTC dates):

* a user is **active** on a day if they have an activity event (login,
  session, page view) or a purchase attempt that day; **DAU** counts them;
* a **paying user** (PU) has at least one *paid* purchase that day (failed
  payments bring no money and do not count);
* **revenue** is the sum of paid ``amount_cents``: an integer, exact on both sides;
* **conversion** = PU / DAU, **ARPU** = revenue / DAU, **ARPPU** = revenue / PU,
  the last two in currency units (cents / 100);
* every ratio is rounded **once, half away from zero, to 4 decimals**. The SQL
  computes ``ROUND(numerator * 10000 / denominator) / 10000`` in FLOAT64: a tie
  (x.5) is exact in binary, so it rounds the same way as the integer
  arithmetic below, to the last digit. ARPPU of a day without payers is NULL.

Everything returned is plain JSON: the runner keeps it in the lesson's state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

Row = dict[str, Any]


def ratio4(numerator: int, denominator: int, scale: int = 10_000) -> float | None:
    """``numerator * scale / denominator`` rounded half up to an integer, in
    ten-thousandths: ratio4(1, 3) == 0.3333; ratio4(cents, n, 100) is a
    currency amount per head. None when the denominator is 0."""
    if denominator == 0:
        return None
    return (2 * numerator * scale + denominator) // (2 * denominator) / 10_000


def ground_truth(shop: Any) -> dict[str, Any]:
    """Counts per raw and staging table, mart.kpi_daily, mart.kpi_dim_users,
    and the answers to the lesson's questions."""
    active: dict[str, set[int]] = defaultdict(set)
    for event in shop.events:
        active[event.event_at[:10]].add(event.user_id)
    for purchase in shop.purchases:
        active[purchase.purchased_at[:10]].add(purchase.user_id)
    paid = [p for p in shop.purchases if p.status == "paid"]
    payers: dict[str, set[int]] = defaultdict(set)
    revenue: dict[str, int] = defaultdict(int)
    for purchase in paid:
        payers[purchase.purchased_at[:10]].add(purchase.user_id)
        revenue[purchase.purchased_at[:10]] += purchase.amount_cents
    daily = [_day(day, len(users), len(payers[day]), revenue[day])
             for day, users in sorted(active.items())]
    dimension = _dimension(shop, active, paid)
    return {
        "raw": {"kpi_users": len(shop.users), "kpi_events": len(shop.delivered_events),
                "kpi_purchases": len(shop.purchases)},
        "staging": {"kpi_users": len(shop.users), "kpi_events": len(shop.events),
                    "kpi_purchases": len(shop.purchases),
                    "kpi_activity": sum(len(u) for u in active.values())},
        "paid_purchases": len(paid),
        "daily": daily,
        "dim_users": dimension,
        "best_conversion_day": min(daily, key=lambda r: (-r["conversion"], r["day"]))["day"],
        "arppu_by_country": _per_country(dimension),
    }


def _day(day: str, dau: int, pu: int, revenue_cents: int) -> Row:
    return {"day": day, "dau": dau, "pu": pu, "revenue_cents": revenue_cents,
            "conversion": ratio4(pu, dau), "arpu": ratio4(revenue_cents, dau, 100),
            "arppu": ratio4(revenue_cents, pu, 100)}


def _dimension(shop: Any, active: dict[str, set[int]], paid: Sequence[Any]) -> list[Row]:
    days: dict[int, int] = defaultdict(int)
    for users in active.values():
        for user_id in users:
            days[user_id] += 1
    bought: dict[int, list[Any]] = defaultdict(list)
    for purchase in paid:
        bought[purchase.user_id].append(purchase)
    return [{
        "user_id": u.user_id, "country": u.country, "channel": u.channel,
        "signup_on": u.signup_at[:10], "active_days": days[u.user_id],
        "paid_purchases": len(bought[u.user_id]),
        "revenue_cents": sum(p.amount_cents for p in bought[u.user_id]),
        "first_paid_on": min((p.purchased_at[:10] for p in bought[u.user_id]), default=None),
        "is_payer": bool(bought[u.user_id]),
    } for u in shop.users]


def _per_country(dimension: Iterable[Row]) -> list[Row]:
    """Payers, revenue and ARPPU over the whole window, best ARPPU first."""
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in dimension:
        cells[row["country"]][0] += row["is_payer"]
        cells[row["country"]][1] += row["revenue_cents"]
    rows = [{"country": c, "payers": n, "revenue_cents": cents, "arppu": ratio4(cents, n, 100)}
            for c, (n, cents) in cells.items()]
    return sorted(rows, key=lambda r: (-(r["arppu"] or 0), r["country"]))


def differences(expected: Sequence[Row], found: Sequence[Row], key: str) -> list[str]:
    """Rows that differ, in words (an empty list when the tables are equal)."""
    want = {row[key]: row for row in expected}
    have = {row[key]: row for row in found}
    lines = [f"{key}={k}: missing" for k in sorted(set(want) - set(have), key=str)]
    lines += [f"{key}={k}: not expected" for k in sorted(set(have) - set(want), key=str)]
    for k in sorted(set(want) & set(have), key=str):
        for column, value in want[k].items():
            if have[k].get(column) != value:
                lines.append(f"{key}={k}: {column} is {have[k].get(column)!r}, expected {value!r}")
    return lines
