"""The bigquery layer's RANGE corrections (images/bigquery/ext/dplat_bqext/ranges.py).

Twice, without the emulator: the GoogleSQL each transform writes, and what
its macros answer in DuckDB for ranges written as bqemulator stores them
(``{'start': ..., 'end': ...}``, NULL for UNBOUNDED), against the values of
BigQuery's range-functions page that the named range_type cases hold too.
bqemulator's own translation of the rest (literals to structs, RANGE_START)
is the conformance suite's business.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

# Also puts images/bigquery/ext on the path (the layer is copied into the image).
from tests.unit.test_bigquery_ext import RewriteError, duckdb, register_macros, rewrite, sqlglot

JAN = "RANGE<DATE> '[2023-01-01, 2023-02-01)'"


def duck(duck_sql: str) -> Any:
    """The one value of DuckDB SQL ``duck_sql`` on a connection with the layer's macros."""
    connection = duckdb.connect()
    register_macros(connection)
    return connection.execute(duck_sql).fetchone()[0]


def r(start: str | None, end: str | None, element: str = "DATE") -> str:
    """A range as bqemulator stores it: a struct whose NULL field is an unbounded side."""

    def bound(value: str | None) -> str:
        return f"CAST(NULL AS {element})" if value is None else f"{element} '{value}'"

    return f"{{'start': {bound(start)}, 'end': {bound(end)}}}"


def test_literal_null_bound_is_unbounded() -> None:
    """range_type.literal_null_end_is_unbounded (data-types#range_with_literal: NULL or UNBOUNDED)."""
    assert "'[2023-01-01, UNBOUNDED)'" in rewrite(
        "SELECT RANGE_END(RANGE<DATE> '[2023-01-01, NULL)')"
    )
    assert "'[UNBOUNDED, 2023-01-01)'" in rewrite("SELECT RANGE<DATE> '[null, 2023-01-01)'")
    untouched = "SELECT RANGE<DATE> '[UNBOUNDED, 2023-01-01)'"
    assert rewrite(untouched) == untouched


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT RANGE<DATE> '[2023-02-01, 2023-01-01)'",
        "SELECT RANGE<DATETIME> '[2023-01-01 10:00:00, 2023-01-01 10:00:00)'",
        "SELECT RANGE<TIMESTAMP> '[2023-01-01 10:00:00+02, 2023-01-01 07:00:00)'",
    ],
)
def test_literal_bounds_out_of_order_are_refused(sql: str) -> None:
    """A literal's lower bound must be below its upper bound, as the constructor's."""
    with pytest.raises(RewriteError, match="must be less than"):
        rewrite(sql)


def test_constructor_checks_bound_order() -> None:
    """range_type.constructor_equal_bounds_errors (range-functions#range)."""
    sql = rewrite("SELECT RANGE(DATE '2023-03-15', DATE '2023-03-15')")
    assert "dplat_range_end(" in sql and sql.startswith("SELECT RANGE(")
    with pytest.raises(duckdb.Error, match="must be less than the upper bound"):
        duck("SELECT dplat_range_end(DATE '2023-03-15', DATE '2023-03-15')")
    assert duck("SELECT dplat_range_end(DATE '2023-03-14', DATE '2023-03-15')") == dt.date(
        2023, 3, 15
    )
    assert duck("SELECT dplat_range_end(CAST(NULL AS DATE), DATE '2023-03-15')") == dt.date(
        2023, 3, 15
    )
    # A NULL bound is unbounded: nothing to check (constructor_null_lower_unbounded).
    unbounded = "SELECT RANGE_START(RANGE(NULL, DATE '2023-03-15'))"
    assert rewrite(unbounded) == unbounded


def test_safe_constructor_is_null_when_reversed() -> None:
    """range_type.safe_constructor_reversed_is_null: SAFE.RANGE tests the order, no error()."""
    sql = rewrite("SELECT SAFE.RANGE(DATE '2023-03-16', DATE '2023-03-15') IS NULL")
    assert "dplat_range_reversed(" in sql and "dplat_range_end" not in sql and "SAFE." not in sql
    assert duck("SELECT dplat_range_reversed(DATE '2023-03-16', DATE '2023-03-15')") is True
    assert duck("SELECT dplat_range_reversed(CAST(NULL AS DATE), DATE '2023-03-15')") is False


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # range_type.contains_value_*
        (f"dplat_range_contains_value({r('2023-01-01', '2023-02-01')}, DATE '2023-01-01')", True),
        (f"dplat_range_contains_value({r('2023-01-01', '2023-02-01')}, DATE '2023-02-01')", False),
        (f"dplat_range_contains_value({r(None, None)}, DATE '1901-07-04')", True),
        (f"dplat_range_contains_value({r('2023-01-01', None)}, DATE '2022-12-31')", False),
        (f"dplat_range_contains_value({r(None, None)}, CAST(NULL AS DATE))", None),
        # range_type.contains_same_range, contains_range_sticking_out, contains_range_in_unbounded
        (
            f"dplat_range_contains_range({r('2023-01-01', '2023-02-01')}, {r('2023-01-01', '2023-02-01')})",
            True,
        ),
        (
            f"dplat_range_contains_range({r('2023-01-01', '2023-02-01')}, {r('2023-01-15', '2023-02-02')})",
            False,
        ),
        (
            f"dplat_range_contains_range({r('2022-12-01', None)}, {r('2023-01-01', '2023-02-01')})",
            True,
        ),
        (
            f"dplat_range_contains_range({r('2022-12-01', '2024-01-01')}, {r('2023-01-01', None)})",
            False,
        ),
        (f"dplat_range_contains_range({r(None, '2024-01-01')}, {r(None, '2023-01-01')})", True),
        # range_type.overlaps_*
        (
            f"dplat_range_overlaps({r('2023-01-01', '2023-02-01')}, {r('2023-02-01', '2023-03-01')})",
            False,
        ),
        (f"dplat_range_overlaps({r(None, '2023-01-05')}, {r('2023-01-01', '2023-02-01')})", True),
        (f"dplat_range_overlaps({r('2022-02-01', None)}, {r('2021-06-15', None)})", True),
        (
            f'dplat_range_overlaps(CAST(NULL AS STRUCT("start" DATE, "end" DATE)), {r(None, None)})',
            None,
        ),
    ],
)
def test_unbounded_sides_are_unlimited(call: str, expected: Any) -> None:
    """RANGE_CONTAINS (both signatures) and RANGE_OVERLAPS read a NULL bound as unbounded."""
    assert duck(f"SELECT {call}") == expected


@pytest.mark.parametrize(
    ("sql", "macro"),
    [
        (f"SELECT RANGE_CONTAINS({JAN}, DATE '2023-01-01')", "dplat_range_contains_value("),
        (f"SELECT RANGE_CONTAINS({JAN}, {JAN})", "dplat_range_contains_range("),
        (
            f"SELECT RANGE_CONTAINS({JAN}, RANGE(DATE '2023-01-02', DATE '2023-01-03'))",
            "dplat_range_contains_range(",
        ),
        (f"SELECT RANGE_OVERLAPS({JAN}, {JAN})", "dplat_range_overlaps("),
        (f"SELECT RANGE_INTERSECT({JAN}, {JAN})", "dplat_range_intersect("),
        (f"SELECT SAFE.RANGE_INTERSECT({JAN}, {JAN})", "dplat_range_intersect_safe("),
    ],
)
def test_range_functions_call_the_macros(sql: str, macro: str) -> None:
    """The form is chosen by the second argument: a range, or anything else (a value)."""
    assert macro in rewrite(sql)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ("DATE '2023-01-31'", True),
        ("DATE '2023-02-01'", False),
        (r("2023-01-01", "2023-02-01"), True),
        (r("2022-12-31", "2023-01-02"), False),
        ("CAST(NULL AS DATE)", None),
    ],
)
def test_contains_with_an_argument_of_unknown_type(second: str, expected: Any) -> None:
    """RANGE_CONTAINS(r, column): typeof picks the value or the range form at run time."""
    assert (
        duck(f"SELECT dplat_range_contains({r('2023-01-01', '2023-02-01')}, {second})") == expected
    )
    assert duck(f"SELECT dplat_range_contains({r(None, None)}, {second})") == (
        expected is not None or None
    )


def test_contains_refuses_other_types() -> None:
    """A second argument that is neither a range nor a date/time value is an error, not an answer."""
    with pytest.raises(duckdb.Error, match="must be a RANGE or a value"):
        duck(f"SELECT dplat_range_contains({r(None, None)}, 5)")


def test_range_columns_are_recognised() -> None:
    """A RANGE column, typed from bqemulator's catalog, takes RANGE_CONTAINS's range form."""
    schema = {"t": {"r": 'STRUCT("start" DATE, "end" DATE)', "d": "DATE"}}
    sql = rewrite(
        "SELECT RANGE_CONTAINS(a.r, b.r), RANGE_CONTAINS(a.r, b.d) FROM t a CROSS JOIN t b", schema
    )
    assert "dplat_range_contains_range(a.r, b.r)" in sql
    assert "dplat_range_contains_value(a.r, b.d)" in sql
    # RANGE columns are not in bqemulator's catalog snapshot: typeof decides.
    assert "dplat_range_contains(a.r, b.x)" in rewrite(
        "SELECT RANGE_CONTAINS(a.r, b.x) FROM t a CROSS JOIN t b"
    )
    from dplat_bqext.ranges import is_range  # the layer's path is set by the import above

    assert not is_range(sqlglot.exp.column("d"))


def test_intersect() -> None:
    """range_type.intersect_bounds, intersect_unbounded_upper, intersect_disjoint_errors, safe_intersect_*."""
    assert duck(
        f"SELECT dplat_range_intersect({r('2023-01-01', '2023-02-01')}, {r('2022-12-20', '2023-01-10')})"
    ) == {
        "start": dt.date(2023, 1, 1),
        "end": dt.date(2023, 1, 10),
    }
    assert duck(
        f"SELECT dplat_range_intersect({r('2023-04-01', None)}, {r('2023-02-01', None)})"
    ) == {
        "start": dt.date(2023, 4, 1),
        "end": None,
    }
    disjoint = f"{r('2023-01-01', '2023-02-01')}, {r('2023-02-01', '2023-03-01')}"
    with pytest.raises(duckdb.Error, match="do not overlap"):
        duck(f"SELECT dplat_range_intersect({disjoint})")
    assert duck(f"SELECT dplat_range_intersect_safe({disjoint})") is None


def test_generate_range_array_last_partial_range() -> None:
    """range_type.generate_range_array_partial_dropped (and _kept: TRUE is the 2-argument form)."""
    bounds = "RANGE(DATE '2023-01-01', DATE '2023-01-08'), INTERVAL 3 DAY"
    assert "dplat_range_array_keep(GENERATE_RANGE_ARRAY(" in rewrite(
        f"SELECT GENERATE_RANGE_ARRAY({bounds}, FALSE)"
    )
    assert "dplat_range_array_keep" not in rewrite(f"SELECT GENERATE_RANGE_ARRAY({bounds}, TRUE)")
    subranges = f"[{r('2023-01-01', '2023-01-04')}, {r('2023-01-04', '2023-01-07')}, {r('2023-01-07', '2023-01-08')}]"
    assert duck(f"SELECT len(dplat_range_array_keep({subranges}, INTERVAL 3 DAY, false))") == 2
    assert duck(f"SELECT len(dplat_range_array_keep({subranges}, INTERVAL 3 DAY, true))") == 3
    assert duck(f"SELECT dplat_range_array_keep({subranges}, INTERVAL 3 DAY, NULL)") is None
