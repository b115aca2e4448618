"""insertId de-duplication's window (images/bigquery/dplat_bq/insert_ids.py), with a fake clock.

BigQuery drops repeated insertIds "on a best-effort basis" for at least one
minute (https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency);
docs/differences.md promises 60 to 120 s here, with or without traffic in between.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "images" / "bigquery"))

from dplat_bq.insert_ids import InsertIdWindow


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_an_id_is_remembered_for_at_least_the_span_whenever_it_came() -> None:
    for offset in (0.0, 30.0, 59.9):  # early, middle and late in a generation
        clock = Clock(1020.0 + offset)  # generations start at multiples of 60: 1020, 1080, ...
        window = InsertIdWindow(span=60.0, clock=clock)
        window.remember("t", ["a"])
        clock.now += 59.9
        assert window.seen("t", "a"), offset


def test_an_id_is_forgotten_after_twice_the_span_without_any_traffic() -> None:
    """The bug: rotation happened only on remember(), so a quiet table kept ids for ever."""
    clock = Clock(1020.0)
    window = InsertIdWindow(span=60.0, clock=clock)
    window.remember("t", ["a"])
    clock.now += 500.0
    assert not window.seen("t", "a")


def test_an_id_is_forgotten_by_twice_the_span_under_steady_traffic() -> None:
    clock = Clock(1020.0)
    window = InsertIdWindow(span=60.0, clock=clock)
    window.remember("t", ["a"])
    for _ in range(12):  # another table streams every 10 s
        clock.now += 10.0
        window.remember("u", [str(clock.now)])
    assert clock.now - 1020.0 == 120.0
    assert not window.seen("t", "a")


def test_ids_are_per_table() -> None:
    window = InsertIdWindow(span=60.0, clock=Clock())
    window.remember("t", ["a"])
    assert window.seen("t", "a") and not window.seen("u", "a")


def test_past_capacity_the_older_generation_goes_early() -> None:
    clock = Clock(1020.0)
    window = InsertIdWindow(span=60.0, capacity=2, clock=clock)
    window.remember("t", ["a", "b"])
    window.remember("t", ["c"])  # current is full: it becomes the previous one
    assert window.seen("t", "a") and window.seen("t", "c")
    window.remember("t", ["d", "e"])
    window.remember("t", ["f"])
    assert not window.seen("t", "a") and window.seen("t", "f")
