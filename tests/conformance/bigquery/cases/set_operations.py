"""Set operators with NULLs and duplicates: UNION DISTINCT, INTERSECT DISTINCT,
EXCEPT DISTINCT; supertypes of paired columns, chaining, parentheses, LIMIT
after a set operation.

https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#set_operators

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

from decimal import Decimal

from ._model import Case, doc

Q = doc("query-syntax")
SET = Q + "#set_operators"

CASES: list[Case] = [
    Case("union_distinct_one_null_row",
         "SELECT x FROM UNNEST([1, NULL, NULL]) AS x UNION DISTINCT SELECT CAST(NULL AS INT64) ORDER BY x",
         [(None,), (1,)], Q + "#union"),
    Case("union_distinct_dedups_within_one_side",
         "SELECT x FROM UNNEST([3, 3, 3]) AS x UNION DISTINCT SELECT x FROM UNNEST(ARRAY<INT64>[]) AS x",
         [(3,)], SET),
    Case("intersect_distinct_null_matches_null",
         "SELECT x FROM UNNEST([1, NULL, 2]) AS x INTERSECT DISTINCT SELECT x FROM UNNEST([NULL, 2, 5]) AS x "
         "ORDER BY x", [(None,), (2,)], Q + "#intersect"),
    Case("intersect_distinct_once_for_duplicates",
         "SELECT x FROM UNNEST([1, 1, 2]) AS x INTERSECT DISTINCT SELECT x FROM UNNEST([1, 1, 1]) AS x",
         [(1,)], SET),
    Case("except_distinct_null_removed",
         "SELECT x FROM UNNEST([NULL, 1, 1]) AS x EXCEPT DISTINCT SELECT CAST(NULL AS INT64)", [(1,)],
         Q + "#except"),
    Case("except_distinct_dedups_left",
         "SELECT x FROM UNNEST([4, 4, 5, 6]) AS x EXCEPT DISTINCT SELECT 6 ORDER BY x", [(4,), (5,)], SET),
    Case("mixed_union_all_and_except_errors",
         "SELECT 1 AS a, 'p' AS b UNION ALL SELECT 1, 'q' EXCEPT DISTINCT SELECT 1, 'p'",
         source=SET, expect_error=""),
    Case("except_distinct_two_columns",
         "SELECT a, b FROM (SELECT 1 AS a, 'p' AS b UNION ALL SELECT 1, 'q' UNION ALL SELECT 2, 'p') "
         "EXCEPT DISTINCT SELECT 1, 'p' ORDER BY a, b", [(1, "q"), (2, "p")], SET),
    Case("union_all_supertype_float", "SELECT 1 AS x UNION ALL SELECT 2.5 ORDER BY x", [(1.0,), (2.5,)], SET,
         types=["FLOAT64"]),
    Case("union_all_supertype_numeric", "SELECT 1 AS x UNION ALL SELECT NUMERIC '0.5' ORDER BY x",
         [(Decimal("0.5"),), (Decimal("1"),)], SET,
         types=["NUMERIC"]),
    Case("mixed_set_ops_need_parentheses", "SELECT 1 UNION ALL SELECT 2 UNION DISTINCT SELECT 3", source=SET,
         expect_error=""),
    Case("parenthesized_union_distinct_inside_all",
         "SELECT 7 AS x UNION ALL (SELECT 7 UNION DISTINCT SELECT 7) ORDER BY x", [(7,), (7,)], SET),
    Case("except_chain_left_to_right",
         "SELECT x FROM UNNEST([1, 2, 3, 4]) AS x EXCEPT DISTINCT SELECT 2 EXCEPT DISTINCT SELECT 4 ORDER BY x",
         [(1,), (3,)], SET),
    Case("except_parenthesized_right",
         "SELECT x FROM UNNEST([1, 2, 3]) AS x EXCEPT DISTINCT "
         "(SELECT x FROM UNNEST([2, 3]) AS x EXCEPT DISTINCT SELECT 3) ORDER BY x", [(1,), (3,)], SET),
    Case("column_count_mismatch_errors", "SELECT 1, 2 UNION ALL SELECT 3", source=SET, expect_error=""),
    Case("limit_applies_after_union",
         "SELECT x FROM UNNEST([5, 1]) AS x UNION ALL SELECT x FROM UNNEST([3, 2]) AS x ORDER BY x LIMIT 3",
         [(1,), (2,), (3,)], Q + "#limit_and_offset_clause"),
    Case("union_distinct_strings_case_sensitive",
         "SELECT s FROM UNNEST(['a', 'A']) AS s UNION DISTINCT SELECT 'a' ORDER BY s", [("A",), ("a",)], SET),
]
