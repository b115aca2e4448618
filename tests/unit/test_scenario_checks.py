"""dplat.scenario.checks: what a passed and a failed check say."""

from __future__ import annotations

from dplat.scenario import checks


def test_equal_compares_and_a_failure_names_expected_found_and_where() -> None:
    assert checks.equal("rows", 3, 3).message == "rows: 3"
    failed = checks.equal("rows in raw.t", 2, 3, where="dplat sql bigquery 'SELECT 1'")
    assert not failed.passed
    assert failed.message == ("rows in raw.t: expected 3, found 2; "
                              "look at: dplat sql bigquery 'SELECT 1'")


def test_that_takes_any_test_and_says_in_words_what_was_wanted() -> None:
    assert checks.that("streamed", 12 >= 10, 12, "at least 10").passed
    failed = checks.that("streamed", 0, 0, "at least 10")
    assert (failed.passed, failed.message) == (False, "streamed: expected 'at least 10', found 0")
