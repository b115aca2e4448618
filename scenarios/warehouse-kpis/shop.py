"""The shop's raw data, generated with a seed: users, their activity, their purchases.

The generator is the lesson's own (it does not need mysql-to-lake to have run),
shaped like that lesson's shop: users with a country, purchases with an amount.
It adds what a DAU needs, activity events (logins, sessions, page views), and
two things a real export has and a staging layer must handle: some events are
delivered twice (at-least-once), and some purchases failed (no money came in).

Money is in integer cents from the start, so revenue is an exact integer on
both sides of every check.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SEED = 20201124
WINDOW_START = datetime(2020, 11, 20, tzinfo=UTC)
DAYS = 5  # activity on 20..24 November 2020 (UTC)
COUNTRIES = ("DE", "FR", "JP", "US", "BR", "IN")
CHANNELS = ("organic", "ads", "referral")
EVENT_TYPES = ("login", "session_start", "page_view")
ITEMS = {"coffee": 350, "sandwich": 690, "book": 1499, "headphones": 7900,
         "keyboard": 4990, "lamp": 2450}  # price in cents
EVENTS_PER_USER = 25  # --events N makes N // 25 users (at least 40)
PURCHASE_CHANCE = 0.12  # of a session_start
FAILED_CHANCE = 0.1  # of a purchase
DUPLICATE_CHANCE = 0.02  # of an event, delivered a second time


@dataclass(frozen=True)
class User:
    user_id: int
    email: str
    country: str
    channel: str
    signup_at: str  # ISO UTC, always before the window


@dataclass(frozen=True)
class Event:
    event_id: str
    user_id: int
    event_type: str
    event_at: str


@dataclass(frozen=True)
class Purchase:
    purchase_id: int
    user_id: int
    item: str
    quantity: int
    amount_cents: int
    status: str  # "paid" or "failed"
    purchased_at: str


@dataclass(frozen=True)
class Shop:
    """Everything generated; ``delivered_events`` is what raw receives
    (the events, some of them twice), ``events`` what really happened."""

    users: list[User]
    events: list[Event]
    delivered_events: list[Event]
    purchases: list[Purchase]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(events: int, seed: int = SEED) -> Shop:
    """``events`` activity events of ``events // 25`` users over five days."""
    rng = random.Random(f"{seed}:{events}")
    users = [_user(rng, i) for i in range(1, max(40, events // EVENTS_PER_USER) + 1)]
    # a few heavy users, many light ones: activity is skewed, as in real shops
    weights = [rng.paretovariate(1.5) for _ in users]
    window = DAYS * 86_400
    happened: list[Event] = []
    purchases: list[Purchase] = []
    draws = sorted((rng.randrange(window), rng.choices(users, weights)[0].user_id)
                   for _ in range(events))
    for second, user_id in draws:
        user = users[user_id - 1]
        at = WINDOW_START + timedelta(seconds=second)
        kind = rng.choices(EVENT_TYPES, (3, 2, 5))[0]
        happened.append(Event(f"e{len(happened) + 1:07d}", user.user_id, kind, iso(at)))
        if kind == "session_start" and rng.random() < PURCHASE_CHANCE:
            purchases.append(_purchase(rng, len(purchases) + 1, user, at))
    happened.sort(key=lambda e: (e.event_at, e.event_id))
    delivered = list(happened)
    for event in happened:
        if rng.random() < DUPLICATE_CHANCE:
            delivered.insert(rng.randrange(len(delivered) + 1), event)
    purchases.sort(key=lambda p: (p.purchased_at, p.purchase_id))
    return Shop(users, happened, delivered, purchases)


def _user(rng: random.Random, user_id: int) -> User:
    signup = WINDOW_START - timedelta(seconds=rng.randrange(1, 90 * 86_400))
    return User(user_id, f"user{user_id}@example.com", rng.choice(COUNTRIES),
                rng.choice(CHANNELS), iso(signup))


def _purchase(rng: random.Random, purchase_id: int, user: User, session: datetime) -> Purchase:
    """A purchase a few minutes into a session, on the session's (UTC) day."""
    day_end = session.replace(hour=23, minute=59, second=59)
    at = min(session + timedelta(seconds=rng.randrange(30, 900)), day_end)
    item = rng.choice(sorted(ITEMS))
    quantity = rng.choices((1, 2, 3), (8, 3, 1))[0]
    status = "failed" if rng.random() < FAILED_CHANCE else "paid"
    return Purchase(purchase_id, user.user_id, item, quantity, ITEMS[item] * quantity,
                    status, iso(at))


def records(rows: list[Any]) -> list[dict[str, Any]]:
    """Rows as the JSON objects a load job reads, one per line."""
    return [asdict(row) for row in rows]
