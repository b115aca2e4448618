"""Numbering functions with ties, NULL sort keys, several keys and edge sizes:
RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE, ROW_NUMBER.

https://cloud.google.com/bigquery/docs/reference/standard-sql/numbering_functions

Queries and values are ours; each checks the behaviour the cited section documents
(NULLs sort first in an ascending ORDER BY, last in a descending one:
https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#orderable_nulls).
"""

from __future__ import annotations

from ._model import Case, doc

N = doc("numbering_functions")
W = doc("window-function-calls")

CASES: list[Case] = [
    Case("rank_descending_ties",
         "SELECT x, RANK() OVER (ORDER BY x DESC) FROM UNNEST([3, 1, 3, 2]) AS x ORDER BY 2, x",
         [(3, 1), (3, 1), (2, 3), (1, 4)], N + "#rank", types=["INT64", "INT64"]),
    Case("rank_nulls_are_peers_and_first",
         "SELECT x, RANK() OVER (ORDER BY x) FROM UNNEST([5, NULL, 2, NULL]) AS x ORDER BY 2",
         [(None, 1), (None, 1), (2, 3), (5, 4)], N + "#rank"),
    Case("dense_rank_nulls_first",
         "SELECT x, DENSE_RANK() OVER (ORDER BY x) FROM UNNEST([5, NULL, 2, NULL, 5]) AS x ORDER BY 2, x",
         [(None, 1), (None, 1), (2, 2), (5, 3), (5, 3)], N + "#dense_rank"),
    Case("dense_rank_desc_nulls_last",
         "SELECT x, DENSE_RANK() OVER (ORDER BY x DESC) FROM UNNEST([5, NULL, 2]) AS x ORDER BY 2",
         [(5, 1), (2, 2), (None, 3)], N + "#dense_rank"),
    Case("rank_two_keys",
         "SELECT a, b, RANK() OVER (ORDER BY a, b DESC) FROM (SELECT 1 AS a, 'x' AS b UNION ALL "
         "SELECT 1, 'y' UNION ALL SELECT 1, 'y' UNION ALL SELECT 2, 'x') ORDER BY 3, a, b",
         [(1, "y", 1), (1, "y", 1), (1, "x", 3), (2, "x", 4)], N + "#rank"),
    Case("rank_over_aggregate",
         "SELECT g, SUM(v), RANK() OVER (ORDER BY SUM(v) DESC) FROM (SELECT 'a' AS g, 4 AS v UNION ALL "
         "SELECT 'a', 5 UNION ALL SELECT 'b', 9 UNION ALL SELECT 'c', 1) GROUP BY g ORDER BY 3, g",
         [("a", 9, 1), ("b", 9, 1), ("c", 1, 3)], W + "#syntax"),
    Case("percent_rank_single_row_is_zero",
         "SELECT PERCENT_RANK() OVER (ORDER BY x) FROM UNNEST([42]) AS x", [(0.0,)], N + "#percent_rank",
         types=["FLOAT64"]),
    Case("percent_rank_with_ties",
         "SELECT x, PERCENT_RANK() OVER (ORDER BY x) FROM UNNEST([1, 2, 2, 3, 4]) AS x ORDER BY x",
         [(1, 0.0), (2, 0.25), (2, 0.25), (3, 0.75), (4, 1.0)], N + "#percent_rank", approx=1e-12),
    Case("cume_dist_all_peers",
         "SELECT CUME_DIST() OVER (ORDER BY x) FROM UNNEST([7, 7, 7]) AS x",
         [(1.0,), (1.0,), (1.0,)], N + "#cume_dist", types=["FLOAT64"]),
    Case("cume_dist_nulls_first",
         "SELECT x, CUME_DIST() OVER (ORDER BY x) FROM UNNEST([NULL, 1, 2, 3]) AS x ORDER BY 2",
         [(None, 0.25), (1, 0.5), (2, 0.75), (3, 1.0)], N + "#cume_dist", approx=1e-12),
    Case("ntile_more_buckets_than_rows",
         "SELECT x, NTILE(5) OVER (ORDER BY x) FROM UNNEST([10, 20, 30]) AS x ORDER BY x",
         [(10, 1), (20, 2), (30, 3)], N + "#ntile", types=["INT64", "INT64"]),
    Case("ntile_remainder_to_first_buckets",
         "SELECT x, NTILE(3) OVER (ORDER BY x) FROM UNNEST([1, 2, 3, 4, 5, 6, 7]) AS x ORDER BY x",
         [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, 3), (7, 3)], N + "#ntile"),
    Case("ntile_partitioned",
         "SELECT g, x, NTILE(2) OVER (PARTITION BY g ORDER BY x) FROM (SELECT 'a' AS g, 1 AS x UNION ALL "
         "SELECT 'a', 2 UNION ALL SELECT 'a', 3 UNION ALL SELECT 'b', 4) ORDER BY g, x",
         [("a", 1, 1), ("a", 2, 1), ("a", 3, 2), ("b", 4, 1)], N + "#ntile"),
    Case("ntile_zero_errors", "SELECT NTILE(0) OVER (ORDER BY x) FROM UNNEST([1, 2]) AS x",
         source=N + "#ntile", expect_error=""),
    Case("ntile_negative_errors", "SELECT NTILE(-2) OVER (ORDER BY x) FROM UNNEST([1, 2]) AS x",
         source=N + "#ntile", expect_error=""),
    Case("row_number_without_order_is_dense",
         "SELECT COUNT(DISTINCT rn), MIN(rn), MAX(rn) FROM "
         "(SELECT ROW_NUMBER() OVER () AS rn FROM UNNEST([5, 5, 5, 5]) AS x)",
         [(4, 1, 4)], N + "#row_number"),
    Case("row_number_partitioned",
         "SELECT g, x, ROW_NUMBER() OVER (PARTITION BY g ORDER BY x DESC) FROM (SELECT 'a' AS g, 1 AS x "
         "UNION ALL SELECT 'a', 2 UNION ALL SELECT 'b', 3) ORDER BY g, x",
         [("a", 1, 2), ("a", 2, 1), ("b", 3, 1)], N + "#row_number"),
    Case("rank_with_frame_errors",
         "SELECT RANK() OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
         "FROM UNNEST([1, 2]) AS x", source=W + "#def_window_frame", expect_error=""),
]
