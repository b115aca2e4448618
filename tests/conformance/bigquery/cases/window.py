"""Window functions: numbering, navigation and aggregates over windows, our own
values for the behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/numbering_functions,
.../navigation_functions and .../window-function-calls."""

from __future__ import annotations

from ._model import Case, doc

N = doc("numbering_functions")
NAV = doc("navigation_functions")
W = doc("window-function-calls")
# (g, v): two groups; v has a tie in group 'a'. UNION ALL, not UNNEST of structs:
# those are query_syntax's business, and here they would hide the window functions.
T = ("(SELECT 'a' AS g, 10 AS v UNION ALL SELECT 'a', 20 UNION ALL SELECT 'a', 20 "
     "UNION ALL SELECT 'a', 40 UNION ALL SELECT 'b', 5 UNION ALL SELECT 'b', 7)")


def q(select: str, order: str = "g, v") -> str:
    return f"SELECT {select} FROM {T} ORDER BY {order}"


CASES: list[Case] = [
    Case("row_number", q("v, ROW_NUMBER() OVER (ORDER BY v)", "v, 2"),
         [(5, 1), (7, 2), (10, 3), (20, 4), (20, 5), (40, 6)], N + "#row_number", types=["INT64", "INT64"]),
    Case("rank_ties_skip", q("g, v, RANK() OVER (PARTITION BY g ORDER BY v)"),
         [("a", 10, 1), ("a", 20, 2), ("a", 20, 2), ("a", 40, 4), ("b", 5, 1), ("b", 7, 2)], N + "#rank"),
    Case("dense_rank", q("g, v, DENSE_RANK() OVER (PARTITION BY g ORDER BY v)"),
         [("a", 10, 1), ("a", 20, 2), ("a", 20, 2), ("a", 40, 3), ("b", 5, 1), ("b", 7, 2)], N + "#dense_rank"),
    Case("percent_rank", q("g, v, PERCENT_RANK() OVER (PARTITION BY g ORDER BY v)"),
         [("a", 10, 0.0), ("a", 20, 1 / 3), ("a", 20, 1 / 3), ("a", 40, 1.0), ("b", 5, 0.0), ("b", 7, 1.0)],
         N + "#percent_rank", approx=1e-12),
    Case("cume_dist", q("g, v, CUME_DIST() OVER (PARTITION BY g ORDER BY v)"),
         [("a", 10, 0.25), ("a", 20, 0.75), ("a", 20, 0.75), ("a", 40, 1.0), ("b", 5, 0.5), ("b", 7, 1.0)],
         N + "#cume_dist", approx=1e-12),
    Case("ntile_uneven", "SELECT x, NTILE(3) OVER (ORDER BY x) FROM UNNEST([1, 2, 3, 4, 5]) AS x ORDER BY x",
         [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3)], N + "#ntile"),
    Case("lag_default", q("g, v, LAG(v, 1, -1) OVER (PARTITION BY g ORDER BY v)"),
         [("a", 10, -1), ("a", 20, 10), ("a", 20, 20), ("a", 40, 20), ("b", 5, -1), ("b", 7, 5)], NAV + "#lag"),
    Case("lead_offset_two", q("g, v, LEAD(v, 2) OVER (PARTITION BY g ORDER BY v)"),
         [("a", 10, 20), ("a", 20, 40), ("a", 20, None), ("a", 40, None), ("b", 5, None), ("b", 7, None)],
         NAV + "#lead"),
    Case("first_value", q("g, v, FIRST_VALUE(v) OVER (PARTITION BY g ORDER BY v DESC)"),
         [("a", 10, 40), ("a", 20, 40), ("a", 20, 40), ("a", 40, 40), ("b", 5, 7), ("b", 7, 7)],
         NAV + "#first_value"),
    Case("last_value_default_frame_is_to_current_row",
         "SELECT x, LAST_VALUE(x) OVER (ORDER BY x) FROM UNNEST([1, 2, 3]) AS x ORDER BY x",
         [(1, 1), (2, 2), (3, 3)], NAV + "#last_value"),
    Case("last_value_full_frame",
         "SELECT x, LAST_VALUE(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) "
         "FROM UNNEST([1, 2, 3]) AS x ORDER BY x", [(1, 3), (2, 3), (3, 3)], NAV + "#last_value"),
    Case("nth_value",
         "SELECT x, NTH_VALUE(x, 2) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) "
         "FROM UNNEST([5, 6, 7]) AS x ORDER BY x", [(5, 6), (6, 6), (7, 6)], NAV + "#nth_value"),
    Case("first_value_ignore_nulls",
         "SELECT i, FIRST_VALUE(x IGNORE NULLS) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND "
         "UNBOUNDED FOLLOWING) FROM (SELECT 1 AS i, CAST(NULL AS INT64) AS x UNION ALL SELECT 2, 8 UNION ALL SELECT 3, 9) "
         "ORDER BY i",
         [(1, 8), (2, 8), (3, 8)], NAV + "#first_value"),
    Case("percentile_cont", "SELECT PERCENTILE_CONT(x, 0.5) OVER () FROM UNNEST([1, 2, 3, 10]) AS x LIMIT 1",
         [(2.5,)], NAV + "#percentile_cont", types=["FLOAT64"]),
    Case("percentile_cont_ignores_nulls",
         "SELECT PERCENTILE_CONT(x, 0.5) OVER () FROM UNNEST([1, NULL, 3]) AS x LIMIT 1", [(2.0,)],
         NAV + "#percentile_cont"),
    Case("percentile_disc", "SELECT PERCENTILE_DISC(x, 0.5) OVER () FROM UNNEST([1, 2, 3, 10]) AS x LIMIT 1",
         [(2,)], NAV + "#percentile_disc", types=["INT64"]),
    Case("running_sum_rows", "SELECT x, SUM(x) OVER (ORDER BY x ROWS UNBOUNDED PRECEDING) "
         "FROM UNNEST([1, 2, 2, 5]) AS x ORDER BY x, 2", [(1, 1), (2, 3), (2, 5), (5, 10)], W),
    Case("running_sum_range_ties", "SELECT x, SUM(x) OVER (ORDER BY x) FROM UNNEST([1, 2, 2, 5]) AS x ORDER BY x",
         [(1, 1), (2, 5), (2, 5), (5, 10)], W + "#def_window_frame"),
    Case("moving_avg", "SELECT x, AVG(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) "
         "FROM UNNEST([1, 2, 6, 7]) AS x ORDER BY x", [(1, 1.5), (2, 3.0), (6, 5.0), (7, 6.5)], W,
         approx=1e-12),
    Case("range_offset", "SELECT x, COUNT(*) OVER (ORDER BY x RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) "
         "FROM UNNEST([1, 2, 3, 10]) AS x ORDER BY x", [(1, 1), (2, 2), (3, 3), (10, 1)], W + "#def_window_frame"),
    Case("partition_total", q("g, v, SUM(v) OVER (PARTITION BY g)"),
         [("a", 10, 90), ("a", 20, 90), ("a", 20, 90), ("a", 40, 90), ("b", 5, 12), ("b", 7, 12)], W),
    Case("named_window", f"SELECT v, MAX(v) OVER w, MIN(v) OVER w FROM {T} WINDOW w AS (PARTITION BY g) "
         "ORDER BY v", [(5, 7, 5), (7, 7, 5), (10, 40, 10), (20, 40, 10), (20, 40, 10), (40, 40, 10)],
         W + "#ref_named_window"),
    Case("count_over_empty", f"SELECT COUNT(*) OVER () FROM {T} LIMIT 1", [(6,)], W),
    Case("qualify_row_number",
         f"SELECT g, v FROM {T} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC) = 1 "
         "ORDER BY g", [("a", 40), ("b", 7)], doc("query-syntax") + "#qualify_clause"),
    Case("lag_by_expression", "SELECT x, x - LAG(x) OVER (ORDER BY x) FROM UNNEST([3, 7, 12]) AS x ORDER BY x",
         [(3, None), (7, 4), (12, 5)], NAV + "#lag"),
    Case("row_number_desc_nulls",
         "SELECT x, ROW_NUMBER() OVER (ORDER BY x DESC) FROM UNNEST([1, NULL, 2]) AS x ORDER BY 2",
         [(2, 1), (1, 2), (None, 3)], N + "#row_number"),
    Case("array_agg_over", "SELECT x, ARRAY_AGG(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) "
         "FROM UNNEST([1, 2, 3]) AS x ORDER BY x", [(1, [1]), (2, [1, 2]), (3, [2, 3])], W),
]
