"""GROUP BY ROLLUP / CUBE / GROUPING SETS and the GROUPING function: the grouping
sets each produces, NULL placeholders vs real NULL keys, duplicated grouping
sets, groupable item sets, the empty grouping set, HAVING on GROUPING().

https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#group_by_grouping_sets
https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions#grouping

Queries and values are ours; each checks the behaviour the cited section documents
(ascending ORDER BY puts NULLs first).
"""

from __future__ import annotations

from ._model import Case, doc

Q = doc("query-syntax")
A = doc("aggregate_functions")
# (t, n, c)
D = ("(SELECT 'a' AS t, 'x' AS n, 1 AS c UNION ALL SELECT 'a', 'y', 2 UNION ALL SELECT 'b', 'x', 4)")

CASES: list[Case] = [
    Case("rollup_two_columns", f"SELECT t, n, SUM(c) FROM {D} GROUP BY ROLLUP(t, n) ORDER BY t, n",
         [(None, None, 7), ("a", None, 3), ("a", "x", 1), ("a", "y", 2), ("b", None, 4), ("b", "x", 4)],
         Q + "#group_by_rollup"),
    Case("cube_two_columns", f"SELECT t, n, SUM(c) FROM {D} GROUP BY CUBE(t, n) ORDER BY t, n",
         [(None, None, 7), (None, "x", 5), (None, "y", 2), ("a", None, 3), ("a", "x", 1), ("a", "y", 2),
          ("b", None, 4), ("b", "x", 4)], Q + "#group_by_cube"),
    Case("grouping_sets_two_columns", f"SELECT t, n, SUM(c) FROM {D} GROUP BY GROUPING SETS(t, n) ORDER BY t, n",
         [(None, "x", 5), (None, "y", 2), ("a", None, 3), ("b", None, 4)], Q + "#group_by_grouping_sets"),
    Case("grouping_sets_empty_set_is_grand_total",
         f"SELECT t, SUM(c) FROM {D} GROUP BY GROUPING SETS((t), ()) ORDER BY t",
         [(None, 7), ("a", 3), ("b", 4)], Q + "#group_by_grouping_sets"),
    Case("grouping_sets_item_set",
         f"SELECT t, n, SUM(c) FROM {D} GROUP BY GROUPING SETS((t, n), ()) ORDER BY t, n",
         [(None, None, 7), ("a", "x", 1), ("a", "y", 2), ("b", "x", 4)], Q + "#group_by_grouping_sets"),
    Case("grouping_sets_duplicate_sets_keep_rows",
         f"SELECT t, SUM(c) FROM {D} GROUP BY GROUPING SETS(t, ROLLUP(t)) ORDER BY t",
         [(None, 7), ("a", 3), ("a", 3), ("b", 4), ("b", 4)], Q + "#group_by_grouping_sets"),
    Case("rollup_item_set_is_one_level",
         f"SELECT COUNT(*) FROM (SELECT t, n, SUM(c) FROM {D} GROUP BY ROLLUP((t, n)))", [(4,)],
         Q + "#group_by_rollup"),
    Case("grouping_function_cube_matrix",
         f"SELECT t, n, GROUPING(t), GROUPING(n) FROM {D} GROUP BY CUBE(t, n) ORDER BY 3, 4, t, n",
         [("a", "x", 0, 0), ("a", "y", 0, 0), ("b", "x", 0, 0), ("a", None, 0, 1), ("b", None, 0, 1),
          (None, "x", 1, 0), (None, "y", 1, 0), (None, None, 1, 1)], A + "#grouping",
         types=["STRING", "STRING", "INT64", "INT64"]),
    Case("grouping_tells_real_null_from_placeholder",
         "SELECT k, GROUPING(k), SUM(v) FROM (SELECT CAST(NULL AS STRING) AS k, 1 AS v UNION ALL SELECT 'a', 2) "
         "GROUP BY ROLLUP(k) ORDER BY 2, k", [(None, 0, 1), ("a", 0, 2), (None, 1, 3)], A + "#grouping"),
    Case("having_on_grouping", f"SELECT t, SUM(c) FROM {D} GROUP BY ROLLUP(t) HAVING GROUPING(t) = 1",
         [(None, 7)], A + "#grouping"),
    Case("rollup_count_star", f"SELECT n, COUNT(*) FROM {D} GROUP BY ROLLUP(n) ORDER BY n",
         [(None, 3), ("x", 2), ("y", 1)], Q + "#group_by_rollup"),
    Case("grouping_sets_with_cube_inside",
         f"SELECT COUNT(*) FROM (SELECT t, n FROM {D} GROUP BY GROUPING SETS(t, CUBE(t, n)))", [(10,)],
         Q + "#group_by_grouping_sets"),
]
