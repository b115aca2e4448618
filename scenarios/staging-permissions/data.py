"""The lesson's data, generated from a seed so every byte is known in advance.

Two kinds of data, as in a real lake:

- **processed** data in the shared bucket ``datastore``: a campaign dimension
  and yesterday's revenue per country and channel, written by the platform
  (here: the admin) and read by every team;
- **staged** data in ``datastaging``: each team's raw extract for one day,
  under its own prefix ``<team>/<table>/dt=YYYYMMDD/``, in parts of at most
  ``PART_ROWS`` JSON lines, then an empty ``_SUCCESS`` marker (written last,
  so a reader that sees it knows the partition is complete).

Objects are ``{key: bytes}`` dictionaries: a check compares what the store
returns with these bytes exactly.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

SEED = 20201124
DT = "20201124"
"""The day each team stages (dt= of the staging convention)."""
STORE_DT = "20201123"
"""The processed day in the datastore (yesterday, from the teams' point of view)."""
PART_ROWS = 100
TEAM_TABLES = {"marketing": "campaign_clicks", "finance": "invoices"}
"""Each team's table: the one it stages under its own prefix."""

COUNTRIES = ("DE", "FR", "JP", "KR", "US")
CHANNELS = ("search", "social", "email")
CAMPAIGNS = tuple(f"cmp-{n:03d}" for n in range(1, 9))


def json_lines(rows: list[dict[str, Any]]) -> bytes:
    """One JSON object per line, keys sorted: the same rows give the same bytes."""
    return b"".join(json.dumps(r, sort_keys=True, separators=(",", ":")).encode() + b"\n"
                    for r in rows)


def read_lines(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


# -- the shared, processed data ---------------------------------------------------------
def datastore_objects(seed: int = SEED) -> dict[str, bytes]:
    """The processed tables every team may read (keys inside bucket datastore)."""
    rng = random.Random(seed)
    campaigns = [{"campaign_id": c, "channel": CHANNELS[i % len(CHANNELS)],
                  "budget_cents": rng.randrange(50_000, 500_000, 100)}
                 for i, c in enumerate(CAMPAIGNS)]
    revenue = [{"dt": STORE_DT, "country": country, "channel": channel,
                "orders": (orders := rng.randint(20, 400)),
                "revenue_cents": orders * rng.randint(900, 6000)}
               for country in COUNTRIES for channel in CHANNELS]
    return {
        f"dim_campaigns/dt={STORE_DT}/part-00000.json": json_lines(campaigns),
        f"daily_revenue/dt={STORE_DT}/part-00000.json": json_lines(revenue),
    }


def revenue_by_country(objects: dict[str, bytes]) -> dict[str, int]:
    """What a team computes from the shared data: revenue per country (cents)."""
    total: dict[str, int] = {}
    for key, body in objects.items():
        if key.startswith("daily_revenue/"):
            for row in read_lines(body):
                total[row["country"]] = total.get(row["country"], 0) + row["revenue_cents"]
    return dict(sorted(total.items()))


# -- each team's staged partition --------------------------------------------------------
def _rows(team: str, count: int, rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2020, 11, 24, tzinfo=UTC)
    at = [start + timedelta(seconds=rng.randrange(86_400)) for _ in range(count)]
    if team == "marketing":
        return [{"click_id": f"clk-{n:06d}", "campaign_id": rng.choice(CAMPAIGNS),
                 "user_id": rng.randint(1, 5000), "clicked_at": t.isoformat()}
                for n, t in enumerate(sorted(at), start=1)]
    return [{"invoice_id": f"inv-{n:06d}", "customer_id": rng.randint(1, 800),
             "amount_cents": rng.randrange(500, 250_000, 5), "issued_at": t.isoformat()}
            for n, t in enumerate(sorted(at), start=1)]


def partition_prefix(team: str) -> str:
    """``<team>/<table>/dt=YYYYMMDD/``: the staging convention, inside bucket datastaging."""
    return f"{team}/{TEAM_TABLES[team]}/dt={DT}/"


def team_partition(team: str, rows: int, seed: int = SEED) -> dict[str, bytes]:
    """A team's day of its table: parts of PART_ROWS lines, then ``_SUCCESS``."""
    generated = _rows(team, rows, random.Random(f"{seed}-{team}"))
    prefix = partition_prefix(team)
    parts = {f"{prefix}part-{n:05d}.json": json_lines(generated[i:i + PART_ROWS])
             for n, i in enumerate(range(0, len(generated), PART_ROWS))}
    return {**parts, f"{prefix}_SUCCESS": b""}
