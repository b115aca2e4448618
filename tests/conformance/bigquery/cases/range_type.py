"""The RANGE type and the range functions: literals (UNBOUNDED and NULL bounds),
the RANGE constructor, RANGE_START/RANGE_END, RANGE_CONTAINS (both signatures,
inclusive lower and exclusive upper bound), RANGE_OVERLAPS, RANGE_INTERSECT and
GENERATE_RANGE_ARRAY. Results are read through RANGE_START/RANGE_END so that no
RANGE value has to cross the client.

https://cloud.google.com/bigquery/docs/reference/standard-sql/range-functions
https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#range_type

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

import datetime as dt

from ._model import Case, doc, one

R = doc("range-functions")
T = doc("data-types")
JAN = "RANGE<DATE> '[2023-01-01, 2023-02-01)'"

CASES: list[Case] = [
    one("literal_start", f"SELECT RANGE_START({JAN})", dt.date(2023, 1, 1), R + "#range_start", types=["DATE"]),
    one("literal_end", f"SELECT RANGE_END({JAN})", dt.date(2023, 2, 1), R + "#range_end", types=["DATE"]),
    one("literal_unbounded_start_is_null", "SELECT RANGE_START(RANGE<DATE> '[UNBOUNDED, 2023-02-01)')", None,
        R + "#range_start"),
    one("literal_null_end_is_unbounded", "SELECT RANGE_END(RANGE<DATE> '[2023-01-01, NULL)')", None,
        T + "#range_with_literal"),
    one("null_range_start_is_null", "SELECT RANGE_START(CAST(NULL AS RANGE<DATE>))", None, R + "#range_start"),
    one("datetime_literal_start",
        "SELECT RANGE_START(RANGE<DATETIME> '[2023-05-06 07:08:09, 2023-05-06 10:00:00)')",
        dt.datetime(2023, 5, 6, 7, 8, 9), R + "#range_start", types=["DATETIME"]),
    one("timestamp_literal_offset_start",
        "SELECT RANGE_START(RANGE<TIMESTAMP> '[2023-05-06 08:00:00+02, 2023-05-07 00:00:00+02)')",
        dt.datetime(2023, 5, 6, 6, 0, tzinfo=dt.UTC), R + "#range_start", types=["TIMESTAMP"]),
    one("constructor_end", "SELECT RANGE_END(RANGE(DATE '2023-03-01', DATE '2023-03-15'))",
        dt.date(2023, 3, 15), R + "#range"),
    one("constructor_null_lower_unbounded", "SELECT RANGE_START(RANGE(NULL, DATE '2023-03-15'))", None,
        R + "#range"),
    Case("constructor_equal_bounds_errors", "SELECT RANGE(DATE '2023-03-15', DATE '2023-03-15')", source=R + "#range",
         expect_error=""),
    one("safe_constructor_reversed_is_null", "SELECT SAFE.RANGE(DATE '2023-03-16', DATE '2023-03-15') IS NULL",
        True, R + "#range"),
    one("contains_value_lower_inclusive", f"SELECT RANGE_CONTAINS({JAN}, DATE '2023-01-01')", True,
        R + "#range_contains"),
    one("contains_value_upper_exclusive", f"SELECT RANGE_CONTAINS({JAN}, DATE '2023-02-01')", False,
        R + "#range_contains"),
    one("contains_value_unbounded", "SELECT RANGE_CONTAINS(RANGE<DATE> '[UNBOUNDED, UNBOUNDED)', DATE '1901-07-04')",
        True, R + "#range_contains"),
    one("contains_same_range", f"SELECT RANGE_CONTAINS({JAN}, {JAN})", True, R + "#range_contains"),
    one("contains_range_sticking_out",
        f"SELECT RANGE_CONTAINS({JAN}, RANGE<DATE> '[2023-01-15, 2023-02-02)')", False, R + "#range_contains"),
    one("contains_range_in_unbounded",
        f"SELECT RANGE_CONTAINS(RANGE<DATE> '[2022-12-01, UNBOUNDED)', {JAN})", True, R + "#range_contains"),
    one("overlaps_adjacent_ranges_false",
        f"SELECT RANGE_OVERLAPS({JAN}, RANGE<DATE> '[2023-02-01, 2023-03-01)')", False, R + "#range_overlaps"),
    one("overlaps_by_one_day",
        f"SELECT RANGE_OVERLAPS({JAN}, RANGE<DATE> '[2023-01-31, 2023-03-01)')", True, R + "#range_overlaps"),
    one("overlaps_unbounded_lower",
        f"SELECT RANGE_OVERLAPS(RANGE<DATE> '[UNBOUNDED, 2023-01-05)', {JAN})", True, R + "#range_overlaps"),
    Case("intersect_bounds",
         f"SELECT RANGE_START(r), RANGE_END(r) FROM (SELECT RANGE_INTERSECT({JAN}, "
         "RANGE<DATE> '[2022-12-20, 2023-01-10)') AS r)",
         [(dt.date(2023, 1, 1), dt.date(2023, 1, 10))], R + "#range_intersect"),
    Case("intersect_unbounded_upper",
         "SELECT RANGE_START(r), RANGE_END(r) FROM (SELECT RANGE_INTERSECT(RANGE<DATE> '[2023-04-01, UNBOUNDED)', "
         "RANGE<DATE> '[2023-02-01, UNBOUNDED)') AS r)", [(dt.date(2023, 4, 1), None)], R + "#range_intersect"),
    Case("intersect_disjoint_errors",
         f"SELECT RANGE_INTERSECT({JAN}, RANGE<DATE> '[2023-02-01, 2023-03-01)')", source=R + "#range_intersect",
         expect_error=""),
    one("safe_intersect_disjoint_is_null",
        f"SELECT SAFE.RANGE_INTERSECT({JAN}, RANGE<DATE> '[2023-02-01, 2023-03-01)') IS NULL", True,
        R + "#range_intersect"),
    one("generate_range_array_partial_kept",
        "SELECT ARRAY_LENGTH(GENERATE_RANGE_ARRAY(RANGE(DATE '2023-01-01', DATE '2023-01-08'), INTERVAL 3 DAY))",
        3, R + "#generate_range_array"),
    one("generate_range_array_partial_dropped",
        "SELECT ARRAY_LENGTH(GENERATE_RANGE_ARRAY(RANGE(DATE '2023-01-01', DATE '2023-01-08'), INTERVAL 3 DAY, "
        "FALSE))", 2, R + "#generate_range_array"),
    one("generate_range_array_last_end",
        "SELECT RANGE_END(GENERATE_RANGE_ARRAY(RANGE(DATE '2023-01-01', DATE '2023-01-08'), INTERVAL 3 DAY)"
        "[OFFSET(2)])", dt.date(2023, 1, 8), R + "#generate_range_array"),
    one("generate_range_array_second_start",
        "SELECT RANGE_START(GENERATE_RANGE_ARRAY(RANGE(DATE '2023-01-01', DATE '2023-01-08'), INTERVAL 3 DAY)"
        "[OFFSET(1)])", dt.date(2023, 1, 4), R + "#generate_range_array"),
]
