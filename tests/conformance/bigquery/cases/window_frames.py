"""Window function calls: ROWS vs RANGE frames, frame shorthands, empty frames,
the default frame with ORDER BY, named windows (extended and chained), QUALIFY.

https://cloud.google.com/bigquery/docs/reference/standard-sql/window-function-calls
https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#qualify_clause

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

import datetime as dt

from ._model import Case, doc

W = doc("window-function-calls")
FRAME = W + "#def_window_frame"
SPEC = W + "#def_window_spec"
NAMED = W + "#ref_named_window"
Q = doc("query-syntax")
P = "UNNEST([1, 2, 4, 8]) AS x"

CASES: list[Case] = [
    Case("rows_current_to_following",
         f"SELECT x, SUM(x) OVER (ORDER BY x ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM {P} ORDER BY x",
         [(1, 3), (2, 6), (4, 12), (8, 8)], FRAME),
    Case("rows_preceding_shorthand_ends_at_current_row",
         f"SELECT x, SUM(x) OVER (ORDER BY x ROWS 1 PRECEDING) FROM {P} ORDER BY x",
         [(1, 1), (2, 3), (4, 6), (8, 12)], FRAME),
    Case("rows_following_only_empty_frame_sum_null",
         f"SELECT x, SUM(x) OVER (ORDER BY x ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) FROM {P} ORDER BY x",
         [(1, 6), (2, 12), (4, 8), (8, None)], FRAME),
    Case("rows_preceding_only_empty_frame_count_zero",
         f"SELECT x, COUNT(*) OVER (ORDER BY x ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING) FROM {P} ORDER BY x",
         [(1, 0), (2, 1), (4, 2), (8, 2)], FRAME),
    Case("rows_current_to_unbounded_following",
         f"SELECT x, SUM(x) OVER (ORDER BY x ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM {P} "
         "ORDER BY x", [(1, 15), (2, 14), (4, 12), (8, 8)], FRAME),
    Case("range_current_to_following",
         "SELECT x, COUNT(*) OVER (ORDER BY x RANGE BETWEEN CURRENT ROW AND 5 FOLLOWING) "
         "FROM UNNEST([1, 3, 6, 12]) AS x ORDER BY x", [(1, 3), (3, 2), (6, 1), (12, 1)], FRAME),
    Case("range_current_row_includes_peers",
         "SELECT x, SUM(x) OVER (ORDER BY x RANGE CURRENT ROW) FROM UNNEST([1, 2, 2, 3]) AS x ORDER BY x",
         [(1, 1), (2, 4), (2, 4), (3, 3)], FRAME),
    Case("rows_current_row_only",
         "SELECT x, COUNT(*) OVER (ORDER BY x ROWS CURRENT ROW) FROM UNNEST([2, 2, 3]) AS x ORDER BY x",
         [(2, 1), (2, 1), (3, 1)], FRAME),
    Case("range_preceding_and_following_offsets",
         "SELECT x, SUM(x) OVER (ORDER BY x RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) "
         "FROM UNNEST([1, 2, 5, 6, 10]) AS x ORDER BY x",
         [(1, 3), (2, 3), (5, 11), (6, 11), (10, 10)], FRAME),
    Case("range_over_unix_date",
         "SELECT d, COUNT(*) OVER (ORDER BY UNIX_DATE(d) RANGE BETWEEN 6 PRECEDING AND CURRENT ROW) "
         "FROM UNNEST([DATE '2024-03-01', DATE '2024-03-05', DATE '2024-03-07', DATE '2024-03-20']) AS d "
         "ORDER BY d", [(dt.date(2024, 3, 1), 1), (dt.date(2024, 3, 5), 2),
                        (dt.date(2024, 3, 7), 3), (dt.date(2024, 3, 20), 1)],
         FRAME),
    Case("range_two_order_keys_errors",
         "SELECT SUM(x) OVER (ORDER BY x, y RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) "
         "FROM (SELECT 1 AS x, 2 AS y)", source=FRAME, expect_error=""),
    Case("frame_stays_in_partition",
         "SELECT g, x, SUM(x) OVER (PARTITION BY g ORDER BY x ROWS BETWEEN 5 PRECEDING AND 5 FOLLOWING) "
         "FROM (SELECT 'a' AS g, 1 AS x UNION ALL SELECT 'a', 2 UNION ALL SELECT 'b', 10) ORDER BY g, x",
         [("a", 1, 3), ("a", 2, 3), ("b", 10, 10)], FRAME),
    Case("default_frame_with_order_is_range_peers",
         "SELECT k, v, AVG(v) OVER (ORDER BY k) FROM (SELECT 1 AS k, 2 AS v UNION ALL SELECT 1, 4 "
         "UNION ALL SELECT 2, 9) ORDER BY k, v", [(1, 2, 3.0), (1, 4, 3.0), (2, 9, 5.0)], SPEC),
    Case("no_order_no_frame_whole_partition",
         "SELECT x, MAX(x) OVER (PARTITION BY MOD(x, 2)) FROM UNNEST([1, 2, 3, 4, 5]) AS x ORDER BY x",
         [(1, 5), (2, 4), (3, 5), (4, 4), (5, 5)], SPEC),
    Case("named_window_extended_with_frame",
         f"SELECT x, SUM(x) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM {P} "
         "WINDOW w AS (ORDER BY x) ORDER BY x", [(1, 1), (2, 3), (4, 6), (8, 12)], SPEC),
    Case("named_window_built_on_named_window",
         "SELECT g, x, SUM(x) OVER b FROM (SELECT 'a' AS g, 1 AS x UNION ALL SELECT 'a', 2 UNION ALL "
         "SELECT 'b', 5 UNION ALL SELECT 'b', 6) WINDOW a AS (PARTITION BY g), b AS (a ORDER BY x) "
         "ORDER BY g, x", [("a", 1, 1), ("a", 2, 3), ("b", 5, 5), ("b", 6, 11)], NAMED),
    Case("named_window_redundant_order_errors",
         f"SELECT SUM(x) OVER (w ORDER BY x) FROM {P} WINDOW w AS (ORDER BY x)", source=SPEC, expect_error=""),
    Case("named_window_with_partition_by_errors",
         f"SELECT SUM(x) OVER (w PARTITION BY x) FROM {P} WINDOW w AS (ORDER BY x)", source=SPEC,
         expect_error=""),
    Case("aggregate_inside_window",
         "SELECT g, SUM(v) / SUM(SUM(v)) OVER () FROM (SELECT 'a' AS g, 1 AS v UNION ALL SELECT 'a', 2 "
         "UNION ALL SELECT 'b', 5) GROUP BY g ORDER BY g", [("a", 0.375), ("b", 0.625)], W + "#syntax"),
    Case("qualify_select_alias",
         "SELECT x, RANK() OVER (ORDER BY x DESC) AS r FROM UNNEST([4, 9, 9, 1]) AS x QUALIFY r <= 2 ORDER BY x",
         [(9, 1), (9, 1)], Q + "#qualify_clause"),
    Case("qualify_null_discards_row",
         "SELECT x FROM UNNEST([3, 1, 2]) AS x QUALIFY LAG(x) OVER (ORDER BY x) > 0 ORDER BY x",
         [(2,), (3,)], Q + "#qualify_clause"),
    Case("qualify_before_distinct",
         "SELECT DISTINCT g FROM (SELECT 'a' AS g UNION ALL SELECT 'a' UNION ALL SELECT 'b') "
         "QUALIFY COUNT(*) OVER (PARTITION BY g) > 1", [("a",)], Q + "#qualify_clause"),
]
