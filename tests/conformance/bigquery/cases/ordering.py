"""Ordering and limiting: where NULL and NaN sort among floats (and MIN/MAX of NaN),
NaN and signed zero when grouping, code-point string order and the
case-insensitive collation, LIMIT/OFFSET edges, PIVOT's generated column names.

https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#orderable_floating_points
https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#order_by_clause
https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#limit_and_offset_clause
https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#pivot_operator

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

from ._model import Case, doc, one

T = doc("data-types")
Q = doc("query-syntax")
NAN = float("nan")
INF = float("inf")
FLOATS = "UNNEST([2.5, CAST('nan' AS FLOAT64), NULL, CAST('-inf' AS FLOAT64), CAST('inf' AS FLOAT64), -1.0]) AS x"

CASES: list[Case] = [
    Case("floats_asc_null_then_nan_first", f"SELECT x FROM {FLOATS} ORDER BY x",
         [(None,), (NAN,), (-INF,), (-1.0,), (2.5,), (INF,)], T + "#orderable_floating_points"),
    Case("floats_desc_nan_then_null_last", f"SELECT x FROM {FLOATS} ORDER BY x DESC",
         [(INF,), (2.5,), (-1.0,), (-INF,), (NAN,), (None,)], T + "#orderable_floating_points"),
    Case("floats_nulls_last_nan_still_lowest", f"SELECT x FROM {FLOATS} ORDER BY x NULLS LAST LIMIT 2",
         [(NAN,), (-INF,)], T + "#orderable_floating_points"),
    one("min_float_with_nan", "SELECT MIN(x) FROM UNNEST([1.0, CAST('nan' AS FLOAT64)]) AS x", NAN,
        doc("aggregate_functions") + "#min"),
    one("max_float_with_nan", "SELECT MAX(x) FROM UNNEST([CAST('nan' AS FLOAT64), 1.0, NULL]) AS x", NAN,
        doc("aggregate_functions") + "#max"),
    one("distinct_nan_is_one_group",
        "SELECT COUNT(DISTINCT x) FROM UNNEST([CAST('nan' AS FLOAT64), CAST('nan' AS FLOAT64), 1.0]) AS x", 2,
        T + "#groupable_data_types"),
    one("distinct_signed_zero_is_one_group",
        "SELECT COUNT(*) FROM (SELECT DISTINCT x FROM UNNEST([0.0, -0.0, 0.0]) AS x)", 1,
        T + "#groupable_data_types"),
    Case("strings_by_code_point", "SELECT s FROM UNNEST(['b', 'B', 'a', 'A', '_']) AS s ORDER BY s",
         [("A",), ("B",), ("_",), ("a",), ("b",)], T + "#string_type"),
    Case("order_by_collate_case_insensitive",
         "SELECT s FROM UNNEST(['b', 'C', 'A']) AS s ORDER BY s COLLATE 'und:ci'",
         [("A",), ("b",), ("C",)], Q + "#order_by_clause"),
    one("collate_ci_equality", "SELECT COLLATE('Warehouse', 'und:ci') = 'wAREHOUSE'", True,
        doc("collation-concepts") + "#collate_propagate"),
    one("collate_ci_less_than", "SELECT COLLATE('b', 'und:ci') < COLLATE('C', 'und:ci')", True,
        doc("string_functions") + "#collate"),
    one("binary_less_than", "SELECT 'b' < 'C'", False, T + "#string_type"),
    Case("desc_nulls_first", "SELECT x FROM UNNEST([1, NULL, 3]) AS x ORDER BY x DESC NULLS FIRST",
         [(None,), (3,), (1,)], Q + "#order_by_clause"),
    Case("limit_zero_no_rows", "SELECT x FROM UNNEST([1, 2]) AS x LIMIT 0", [], Q + "#limit_and_offset_clause"),
    Case("offset_past_end_no_rows", "SELECT x FROM UNNEST([1, 2]) AS x ORDER BY x LIMIT 5 OFFSET 2", [],
         Q + "#limit_and_offset_clause"),
    Case("limit_negative_errors", "SELECT x FROM UNNEST([1, 2]) AS x LIMIT -1", source=Q + "#limit_and_offset_clause",
         expect_error=""),
    Case("limit_larger_than_rows", "SELECT x FROM UNNEST([2, 1]) AS x ORDER BY x LIMIT 10", [(1,), (2,)],
         Q + "#limit_and_offset_clause"),
    Case("pivot_integer_column_names",
         "SELECT _1, minus_1 FROM (SELECT 'x' AS p, 1 AS k, 5 AS n UNION ALL SELECT 'x', -1, 7 UNION ALL "
         "SELECT 'x', 1, 2) PIVOT(SUM(n) FOR k IN (1, -1))", [(7, 7)], Q + "#pivot_operator"),
    Case("pivot_date_column_name",
         "SELECT p, _2024_02_29 FROM (SELECT 'x' AS p, DATE '2024-02-29' AS d, 3 AS n) "
         "PIVOT(SUM(n) FOR d IN (DATE '2024-02-29'))", [("x", 3)], Q + "#pivot_operator"),
    Case("pivot_groups_by_remaining_columns",
         "SELECT * FROM (SELECT 'k' AS p, 2020 AS y, 'q1' AS q, 4 AS n UNION ALL SELECT 'k', 2021, 'q1', 6 "
         "UNION ALL SELECT 'k', 2021, 'q2', 1) PIVOT(SUM(n) FOR q IN ('q1', 'q2')) ORDER BY y",
         [("k", 2020, 4, None), ("k", 2021, 6, 1)], Q + "#pivot_operator"),
    Case("pivot_value_absent_from_input",
         "SELECT * FROM (SELECT 'k' AS p, 'q1' AS q, 4 AS n) PIVOT(MAX(n) FOR q IN ('q1', 'q9'))",
         [("k", 4, None)], Q + "#pivot_operator"),
]
