"""Navigation functions beyond ``window``'s basics: LEAD/LAG defaults and offsets,
FIRST_VALUE/LAST_VALUE/NTH_VALUE with RESPECT/IGNORE NULLS and explicit frames,
PERCENTILE_CONT/PERCENTILE_DISC with RESPECT NULLS and their result types.

https://cloud.google.com/bigquery/docs/reference/standard-sql/navigation_functions

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

from decimal import Decimal

from ._model import Case, doc

NAV = doc("navigation_functions")
FULL = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
# (i, x): x has NULLs at both ends and in the middle.
GAPS = ("(SELECT 1 AS i, CAST(NULL AS INT64) AS x UNION ALL SELECT 2, 15 UNION ALL SELECT 3, NULL "
        "UNION ALL SELECT 4, 25 UNION ALL SELECT 5, NULL)")

CASES: list[Case] = [
    # LEAD / LAG: the default expression fills where no row exists at the offset.
    Case("lead_default_value", "SELECT x, LEAD(x, 1, 0) OVER (ORDER BY x) FROM UNNEST([4, 6, 9]) AS x ORDER BY x",
         [(4, 6), (6, 9), (9, 0)], NAV + "#lead"),
    Case("lag_string_default",
         "SELECT s, LAG(s, 2, 'none') OVER (ORDER BY s) FROM UNNEST(['k', 'l', 'm']) AS s ORDER BY s",
         [("k", "none"), ("l", "none"), ("m", "k")], NAV + "#lag"),
    Case("lead_default_not_used_for_null_value",
         f"SELECT i, LEAD(x, 1, -1) OVER (ORDER BY i) FROM {GAPS} ORDER BY i",
         [(1, 15), (2, None), (3, 25), (4, None), (5, -1)], NAV + "#lead"),
    Case("lag_partitioned_resets",
         "SELECT g, x, LAG(x) OVER (PARTITION BY g ORDER BY x) FROM (SELECT 'p' AS g, 1 AS x UNION ALL "
         "SELECT 'p', 2 UNION ALL SELECT 'q', 3 UNION ALL SELECT 'q', 4) ORDER BY g, x",
         [("p", 1, None), ("p", 2, 1), ("q", 3, None), ("q", 4, 3)], NAV + "#lag"),
    Case("lag_negative_offset_errors", "SELECT LAG(x, -1) OVER (ORDER BY x) FROM UNNEST([1, 2]) AS x",
         source=NAV + "#lag", expect_error=""),
    Case("lead_null_offset_errors", "SELECT LEAD(x, NULL) OVER (ORDER BY x) FROM UNNEST([1, 2]) AS x",
         source=NAV + "#lead", expect_error=""),
    Case("lead_named_window",
         "SELECT x, LEAD(x) OVER w FROM UNNEST([30, 10, 20]) AS x WINDOW w AS (ORDER BY x DESC) ORDER BY x",
         [(10, None), (20, 10), (30, 20)], NAV + "#lead"),
    # FIRST_VALUE / LAST_VALUE / NTH_VALUE: NULLs count unless IGNORE NULLS.
    Case("first_value_respects_nulls_by_default",
         f"SELECT i, FIRST_VALUE(x) OVER (ORDER BY i {FULL}) FROM {GAPS} ORDER BY i",
         [(1, None), (2, None), (3, None), (4, None), (5, None)], NAV + "#first_value"),
    Case("last_value_ignore_nulls_full_frame",
         f"SELECT i, LAST_VALUE(x IGNORE NULLS) OVER (ORDER BY i {FULL}) FROM {GAPS} ORDER BY i",
         [(1, 25), (2, 25), (3, 25), (4, 25), (5, 25)], NAV + "#last_value"),
    Case("last_value_ignore_nulls_fill_forward",
         f"SELECT i, LAST_VALUE(x IGNORE NULLS) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND "
         f"CURRENT ROW) FROM {GAPS} ORDER BY i",
         [(1, None), (2, 15), (3, 15), (4, 25), (5, 25)], NAV + "#last_value"),
    Case("first_value_sliding_frame",
         "SELECT x, FIRST_VALUE(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) "
         "FROM UNNEST([2, 4, 8, 16]) AS x ORDER BY x", [(2, 2), (4, 2), (8, 4), (16, 8)], NAV + "#first_value"),
    Case("last_value_following_frame",
         "SELECT x, LAST_VALUE(x) OVER (ORDER BY x ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING) "
         "FROM UNNEST([2, 4, 8, 16]) AS x ORDER BY x", [(2, 8), (4, 16), (8, 16), (16, 16)], NAV + "#last_value"),
    Case("nth_value_default_frame_grows",
         "SELECT x, NTH_VALUE(x, 2) OVER (ORDER BY x) FROM UNNEST([3, 5, 7]) AS x ORDER BY x",
         [(3, None), (5, 5), (7, 5)], NAV + "#nth_value"),
    Case("nth_value_past_frame_is_null",
         f"SELECT NTH_VALUE(x, 4) OVER (ORDER BY x {FULL}) FROM UNNEST([3, 5, 7]) AS x LIMIT 1",
         [(None,)], NAV + "#nth_value"),
    Case("nth_value_respect_nulls_counts_null",
         f"SELECT NTH_VALUE(x, 3) OVER (ORDER BY i {FULL}) FROM {GAPS} ORDER BY i LIMIT 1",
         [(None,)], NAV + "#nth_value"),
    Case("nth_value_ignore_nulls_skips_null",
         f"SELECT NTH_VALUE(x, 2 IGNORE NULLS) OVER (ORDER BY i {FULL}) FROM {GAPS} ORDER BY i LIMIT 1",
         [(25,)], NAV + "#nth_value"),
    Case("nth_value_first_equals_first_value",
         f"SELECT NTH_VALUE(s, 1) OVER (ORDER BY s {FULL}) FROM UNNEST(['y', 'x', 'z']) AS s LIMIT 1",
         [("x",)], NAV + "#nth_value"),
    # PERCENTILE_CONT: linear interpolation; NULLs ignored unless RESPECT NULLS.
    Case("percentile_cont_interpolates",
         "SELECT PERCENTILE_CONT(x, 0.1) OVER () FROM UNNEST([10, 20, 30, 40]) AS x LIMIT 1",
         [(13.0,)], NAV + "#percentile_cont", approx=1e-12, types=["FLOAT64"]),
    Case("percentile_cont_min_and_max",
         "SELECT PERCENTILE_CONT(x, 0) OVER (), PERCENTILE_CONT(x, 1) OVER () FROM UNNEST([7, 3, 9]) AS x LIMIT 1",
         [(3.0, 9.0)], NAV + "#percentile_cont"),
    Case("percentile_cont_respect_nulls_zero_is_null",
         "SELECT PERCENTILE_CONT(x, 0 RESPECT NULLS) OVER () FROM UNNEST([4, NULL, 8]) AS x LIMIT 1",
         [(None,)], NAV + "#percentile_cont"),
    Case("percentile_cont_respect_nulls_null_and_value",
         "SELECT PERCENTILE_CONT(x, 0.25 RESPECT NULLS) OVER () FROM UNNEST([4, NULL, 8]) AS x LIMIT 1",
         [(4.0,)], NAV + "#percentile_cont"),
    Case("percentile_cont_respect_nulls_median",
         "SELECT PERCENTILE_CONT(x, 0.5 RESPECT NULLS) OVER () FROM UNNEST([NULL, 2, 6, 10]) AS x LIMIT 1",
         [(4.0,)], NAV + "#percentile_cont", approx=1e-12),
    Case("percentile_cont_partitioned",
         "SELECT g, PERCENTILE_CONT(x, 0.5) OVER (PARTITION BY g) FROM (SELECT 'a' AS g, 1 AS x UNION ALL "
         "SELECT 'a', 4 UNION ALL SELECT 'b', 10) ORDER BY g, 2",
         [("a", 2.5), ("a", 2.5), ("b", 10.0)], NAV + "#percentile_cont"),
    Case("percentile_cont_numeric_is_numeric",
         "SELECT PERCENTILE_CONT(x, NUMERIC '0.5') OVER () FROM UNNEST([NUMERIC '1', NUMERIC '2']) AS x LIMIT 1",
         [(Decimal("1.5"),)], NAV + "#percentile_cont", types=["NUMERIC"]),
    # PERCENTILE_DISC: the first value whose cumulative distribution reaches the percentile.
    Case("percentile_disc_strings",
         "SELECT PERCENTILE_DISC(s, 0.5) OVER () FROM UNNEST(['pear', 'fig', 'apple']) AS s LIMIT 1",
         [("fig",)], NAV + "#percentile_disc", types=["STRING"]),
    Case("percentile_disc_ignores_nulls",
         "SELECT PERCENTILE_DISC(x, 0.6) OVER () FROM UNNEST([NULL, 5, 7]) AS x LIMIT 1",
         [(7,)], NAV + "#percentile_disc"),
    Case("percentile_disc_respect_nulls",
         "SELECT PERCENTILE_DISC(x, 0.6 RESPECT NULLS) OVER () FROM UNNEST([NULL, 5, 7]) AS x LIMIT 1",
         [(5,)], NAV + "#percentile_disc"),
    Case("percentile_disc_respect_nulls_zero",
         "SELECT PERCENTILE_DISC(x, 0 RESPECT NULLS) OVER () FROM UNNEST([NULL, 5, 7]) AS x LIMIT 1",
         [(None,)], NAV + "#percentile_disc"),
    Case("percentile_disc_zero_is_min",
         "SELECT PERCENTILE_DISC(x, 0) OVER () FROM UNNEST([9, 4, 6]) AS x LIMIT 1",
         [(4,)], NAV + "#percentile_disc", types=["INT64"]),
]
