"""The lesson warehouse-kpis without containers: its generator, its ground
truth (recomputed here by brute force, another way), and its files."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from types import ModuleType
from typing import Any

import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog

FOLDER = scenarios_dir() / "warehouse-kpis"


def _module(name: str) -> ModuleType:
    """A module of the lesson's folder, imported as the runner imports it."""
    return catalog.lesson_module(FOLDER, name)


shop, truth = _module("shop"), _module("truth")


@pytest.fixture(scope="module")
def data() -> Any:
    return shop.generate(4000)


def _half_up(value: Fraction) -> float:
    """Round to 4 decimals, half away from zero, with exact fractions."""
    scaled = value * 10_000
    whole = scaled.numerator // scaled.denominator
    return (whole + (scaled - whole >= Fraction(1, 2))) / 10_000


# -- the generator --------------------------------------------------------------------
def test_same_seed_same_data_other_seed_other_data() -> None:
    assert shop.generate(500) == shop.generate(500)
    assert shop.generate(500, seed=1) != shop.generate(500)


def test_shape_of_the_data(data) -> None:
    assert len(data.users) == 4000 // shop.EVENTS_PER_USER
    assert len(data.events) == 4000
    assert len({e.event_id for e in data.events}) == 4000
    extra = Counter(data.delivered_events) - Counter(data.events)
    assert 0 < sum(extra.values()) < 200 and set(extra) <= set(data.events)
    assert Counter(data.events) - Counter(data.delivered_events) == Counter()  # none lost
    days = {e.event_at[:10] for e in data.events}
    assert days == {f"2020-11-{d}" for d in range(20, 25)}
    assert {p.status for p in data.purchases} == {"paid", "failed"}
    assert all(u.signup_at < "2020-11-20" for u in data.users)


def test_a_purchase_falls_on_the_day_of_a_session_of_its_user(data) -> None:
    sessions = {(e.user_id, e.event_at[:10]) for e in data.events if e.event_type == "session_start"}
    for p in data.purchases:
        assert (p.user_id, p.purchased_at[:10]) in sessions
        assert p.amount_cents == shop.ITEMS[p.item] * p.quantity


# -- the ground truth -----------------------------------------------------------------
@pytest.mark.parametrize(("numerator", "denominator", "scale", "expected"), [
    (1, 3, 10_000, 0.3333), (2, 3, 10_000, 0.6667), (1, 8, 10_000, 0.125),
    (1, 20_000, 10_000, 0.0001),  # 0.00005: a tie, rounded away from zero
    (12345, 100, 100, 1.2345), (0, 7, 10_000, 0.0), (5, 0, 10_000, None),
])
def test_ratio4_rounds_half_away_from_zero(numerator, denominator, scale, expected) -> None:
    assert truth.ratio4(numerator, denominator, scale) == expected


def test_daily_kpis_equal_a_brute_force_count(data) -> None:
    expected = truth.ground_truth(data)
    for row in expected["daily"]:
        day = row["day"]
        active = ({e.user_id for e in data.events if e.event_at[:10] == day}
                  | {p.user_id for p in data.purchases if p.purchased_at[:10] == day})
        paid = [p for p in data.purchases if p.purchased_at[:10] == day and p.status == "paid"]
        revenue = sum(p.amount_cents for p in paid)
        pu = len({p.user_id for p in paid})
        assert (row["dau"], row["pu"], row["revenue_cents"]) == (len(active), pu, revenue)
        assert row["conversion"] == _half_up(Fraction(pu, len(active)))
        assert row["arpu"] == _half_up(Fraction(revenue, 100 * len(active)))
        assert row["arppu"] == (_half_up(Fraction(revenue, 100 * pu)) if pu else None)
    assert [r["day"] for r in expected["daily"]] == [f"2020-11-{d}" for d in range(20, 25)]


def test_staging_counts_remove_duplicates_only(data) -> None:
    expected = truth.ground_truth(data)
    assert expected["raw"]["kpi_events"] == len(data.delivered_events) > 4000
    assert expected["staging"]["kpi_events"] == 4000
    assert expected["paid_purchases"] == sum(p.status == "paid" for p in data.purchases)


def test_dimension_and_answers_agree_with_the_daily_figures(data) -> None:
    expected = truth.ground_truth(data)
    dim = expected["dim_users"]
    assert len(dim) == len(data.users)
    assert sum(r["revenue_cents"] for r in dim) == sum(r["revenue_cents"] for r in expected["daily"])
    assert sum(r["active_days"] for r in dim) == sum(r["dau"] for r in expected["daily"])
    assert all(r["is_payer"] == (r["paid_purchases"] > 0) == (r["first_paid_on"] is not None)
               for r in dim)
    best = max(expected["daily"], key=lambda r: r["conversion"])
    assert expected["best_conversion_day"] == best["day"]
    arppu = [r["arppu"] for r in expected["arppu_by_country"]]
    assert arppu == sorted(arppu, reverse=True)
    assert sum(r["payers"] for r in expected["arppu_by_country"]) == sum(r["is_payer"] for r in dim)


def test_differences_say_what_differs() -> None:
    want = [{"day": "d1", "dau": 3}, {"day": "d2", "dau": 4}]
    assert truth.differences(want, want, "day") == []
    found = [{"day": "d1", "dau": 5}, {"day": "d3", "dau": 4}]
    assert truth.differences(want, found, "day") == [
        "day=d2: missing", "day=d3: not expected", "day=d1: dau is 5, expected 3"]


# -- the lesson's files ---------------------------------------------------------------
def test_the_lesson_declares_its_steps_order_and_sql() -> None:
    lesson = catalog.load(FOLDER)
    assert lesson.order == 60 and lesson.services == ("s3", "bigquery")
    assert [s.name for s in lesson.steps] == ["load", "stage", "dimension", "kpis", "questions",
                                              "external"]
    # only the external table needs the local emulator's extras (docs/differences.md)
    assert [s.name for s in lesson.steps if s.local_only] == ["external"]
    assert "upstream" in lesson.steps[-1].skipped_because("upstream")
    assert lesson.steps[-1].skipped_because("local") is None
    sql = {p.stem for p in (FOLDER / "sql").glob("*.sql")}
    assert {"staging_kpi_users", "staging_kpi_events", "staging_kpi_purchases",
            "staging_kpi_activity", "mart_kpi_dim_users", "mart_kpi_daily"} <= sql
    for path in (FOLDER / "sql").glob("*.sql"):
        text = path.read_text()
        assert " DIV(" not in text.upper() and "$20" not in text  # emulator gaps sidestepped
    ddl = (FOLDER / "sql" / "external_kpi_purchases.sql").read_text()
    assert "CREATE OR REPLACE EXTERNAL TABLE raw.kpi_purchases_external" in ddl
    assert "uris = ['gs://datastaging/warehouse-kpis/kpi_purchases/*.json']" in ddl
    readme = (FOLDER / "README.md").read_text()
    assert readme.rstrip().endswith("`dplat scenario list`.")


def test_the_default_data_has_an_exact_tie_that_rounds_up() -> None:
    # 360891 cents / 72 payers = 50.12375: the rounding rule is not academic
    day = truth.ground_truth(shop.generate(20_000))["daily"][0]
    assert (day["day"], day["pu"], day["revenue_cents"]) == ("2020-11-20", 72, 360891)
    assert day["arppu"] == 50.1238
