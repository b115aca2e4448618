"""Aggregate functions (and the statistical ones): our own values for the
behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions
and .../statistical_aggregate_functions."""

from __future__ import annotations

from decimal import Decimal

from dateutil.relativedelta import relativedelta

from ._model import Case, doc, one

P = doc("aggregate_functions")
S = doc("statistical_aggregate_functions")
NVS = "(SELECT 'a' AS n, 2 AS v UNION ALL SELECT 'b', 9 UNION ALL SELECT 'c', 4)"
XYS = "(SELECT 1 AS x, 2 AS y UNION ALL SELECT 2, 4 UNION ALL SELECT 3, 6)"
NUMS = "UNNEST([3, 1, NULL, 4, 1, 5]) AS x"
WORDS = "UNNEST(['pear', 'apple', NULL, 'fig', 'apple']) AS w"

CASES: list[Case] = [
    one("count_star_counts_nulls", f"SELECT COUNT(*) FROM {NUMS}", 6, P + "#count", types=["INT64"]),
    one("count_expr_skips_nulls", f"SELECT COUNT(x) FROM {NUMS}", 5, P + "#count"),
    one("count_distinct", f"SELECT COUNT(DISTINCT x) FROM {NUMS}", 4, P + "#count"),
    one("count_empty", "SELECT COUNT(x) FROM UNNEST(ARRAY<INT64>[]) AS x", 0, P + "#count"),
    one("countif", f"SELECT COUNTIF(x > 2) FROM {NUMS}", 3, P + "#countif", types=["INT64"]),
    one("sum_int64_stays_int64", f"SELECT SUM(x) FROM {NUMS}", 14, P + "#sum", types=["INT64"]),
    one("sum_float", "SELECT SUM(x) FROM UNNEST([1.5, 2.25]) AS x", 3.75, P + "#sum", types=["FLOAT64"]),
    one("sum_numeric", "SELECT SUM(x) FROM UNNEST([NUMERIC '1.10', NUMERIC '2.205']) AS x", Decimal("3.305"),
        P + "#sum", types=["NUMERIC"]),
    one("sum_interval", "SELECT SUM(i) FROM (SELECT INTERVAL 1 DAY AS i UNION ALL SELECT INTERVAL 90 MINUTE)",
        relativedelta(days=1, hours=1, minutes=30), P + "#sum", types=["INTERVAL"]),
    one("sum_ratio_of_int64_is_float64", "SELECT SUM(a) / SUM(b) FROM (SELECT 1 AS a, 4 AS b UNION ALL SELECT 2, 4)",
        0.375, P + "#sum", types=["FLOAT64"]),
    one("sum_int64_window_stays_int64", "SELECT SUM(x) OVER () FROM UNNEST([5]) AS x", 5, P + "#sum",
        types=["INT64"]),
    one("sum_empty_is_null", "SELECT SUM(x) FROM UNNEST(ARRAY<INT64>[]) AS x", None, P + "#sum"),
    one("sum_distinct", f"SELECT SUM(DISTINCT x) FROM {NUMS}", 13, P + "#sum"),
    Case("sum_overflow_errors", "SELECT SUM(x) FROM UNNEST([9223372036854775807, 1]) AS x", source=P + "#sum",
         expect_error="overflow"),
    one("avg_int_is_float", "SELECT AVG(x) FROM UNNEST([1, 2]) AS x", 1.5, P + "#avg", types=["FLOAT64"]),
    one("avg_numeric_is_numeric", "SELECT AVG(x) FROM UNNEST([NUMERIC '1', NUMERIC '2']) AS x", Decimal("1.5"),
        P + "#avg", types=["NUMERIC"]),
    one("avg_skips_nulls", f"SELECT AVG(x) FROM {NUMS}", 2.8, P + "#avg"),
    one("avg_distinct", f"SELECT AVG(DISTINCT x) FROM {NUMS}", 3.25, P + "#avg"),
    one("max", f"SELECT MAX(x) FROM {NUMS}", 5, P + "#max"),
    one("min_string", f"SELECT MIN(w) FROM {WORDS}", "apple", P + "#min"),
    one("max_all_null", "SELECT MAX(x) FROM UNNEST([CAST(NULL AS INT64)]) AS x", None, P + "#max"),
    one("max_by", f"SELECT MAX_BY(n, v) FROM {NVS}",
        "b", P + "#max_by"),
    one("min_by", f"SELECT MIN_BY(n, v) FROM {NVS}",
        "a", P + "#min_by"),
    one("any_value_single", "SELECT ANY_VALUE(x) FROM UNNEST([7, 7, 7]) AS x", 7, P + "#any_value"),
    one("any_value_having_max",
        f"SELECT ANY_VALUE(n HAVING MAX v) FROM {NVS}", "b",
        P + "#any_value"),
    one("array_agg_order", f"SELECT ARRAY_AGG(x ORDER BY x DESC LIMIT 3) FROM {NUMS} WHERE x IS NOT NULL",
        [5, 4, 3], P + "#array_agg"),
    one("array_agg_ignore_nulls", f"SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY x) FROM {NUMS}", [1, 1, 3, 4, 5],
        P + "#array_agg", types=["ARRAY<INT64>"]),
    one("array_agg_distinct", f"SELECT ARRAY_AGG(DISTINCT x IGNORE NULLS ORDER BY x) FROM {NUMS}",
        [1, 3, 4, 5], P + "#array_agg"),
    Case("array_agg_null_element_errors", f"SELECT ARRAY_AGG(x) FROM {NUMS}", source=P + "#array_agg",
         expect_error="NULL"),
    one("array_concat_agg", "SELECT ARRAY_CONCAT_AGG(a ORDER BY k) FROM (SELECT 2 AS k, [3, 4] AS a UNION ALL "
        "SELECT 1, [1, 2])", [1, 2, 3, 4], P + "#array_concat_agg"),
    one("string_agg_default_comma", "SELECT STRING_AGG(w ORDER BY w) FROM UNNEST(['b', 'a', 'c']) AS w",
        "a,b,c", P + "#string_agg"),
    one("string_agg_delimiter", f"SELECT STRING_AGG(w, ' | ' ORDER BY w) FROM {WORDS}",
        "apple | apple | fig | pear", P + "#string_agg"),
    one("string_agg_distinct_limit", f"SELECT STRING_AGG(DISTINCT w, '-' ORDER BY w LIMIT 2) FROM {WORDS}",
        "apple-fig", P + "#string_agg"),
    one("string_agg_bytes", "SELECT STRING_AGG(b, b'.') FROM UNNEST([b'x', b'y']) AS b", b"x.y",
        P + "#string_agg", types=["BYTES"]),
    one("bit_and", "SELECT BIT_AND(x) FROM UNNEST([12, 10, 14]) AS x", 8, P + "#bit_and"),
    one("bit_or", "SELECT BIT_OR(x) FROM UNNEST([1, 2, 8]) AS x", 11, P + "#bit_or"),
    one("bit_xor", "SELECT BIT_XOR(x) FROM UNNEST([5, 3, 1]) AS x", 7, P + "#bit_xor"),
    one("logical_and", "SELECT LOGICAL_AND(b) FROM UNNEST([TRUE, NULL, FALSE]) AS b", False, P + "#logical_and"),
    one("logical_and_ignores_null", "SELECT LOGICAL_AND(b) FROM UNNEST([TRUE, NULL]) AS b", True,
        P + "#logical_and"),
    one("logical_or", "SELECT LOGICAL_OR(b) FROM UNNEST([FALSE, NULL, TRUE]) AS b", True, P + "#logical_or"),
    Case("group_by_counts",
         f"SELECT w, COUNT(*) AS n FROM {WORDS} WHERE w IS NOT NULL GROUP BY w ORDER BY n DESC, w",
         [("apple", 2), ("fig", 1), ("pear", 1)], P),
    Case("group_by_null_group", f"SELECT w IS NULL, COUNT(*) FROM {WORDS} GROUP BY 1 ORDER BY 1",
         [(False, 4), (True, 1)], doc("query-syntax") + "#group_by_clause"),
    Case("having", f"SELECT w FROM {WORDS} GROUP BY w HAVING COUNT(*) > 1", [("apple",)],
         doc("query-syntax") + "#having_clause"),
    Case("rollup",
         "SELECT k, SUM(v) FROM (SELECT 'a' AS k, 1 AS v UNION ALL SELECT 'a', 2 UNION ALL SELECT 'b', 5) "
         "GROUP BY ROLLUP(k) "
         "ORDER BY k NULLS LAST", [("a", 3), ("b", 5), (None, 8)], doc("query-syntax") + "#group_by_rollup"),
    Case("grouping_function",
         "SELECT k, GROUPING(k) FROM (SELECT 'a' AS k) GROUP BY ROLLUP(k) ORDER BY 2",
         [("a", 0), (None, 1)], P + "#grouping"),
    one("aggregate_of_empty_table_one_row", "SELECT COUNT(*) FROM UNNEST(ARRAY<INT64>[]) AS x", 0, P + "#count"),
    # statistical aggregates
    one("stddev_samp", "SELECT STDDEV_SAMP(x) FROM UNNEST([2, 4, 4, 4, 5, 5, 7, 9]) AS x", 2.138089935299395, S,
        approx=1e-12),
    one("stddev_pop", "SELECT STDDEV_POP(x) FROM UNNEST([2, 4, 4, 4, 5, 5, 7, 9]) AS x", 2.0,
        S + "#stddev_pop", approx=1e-12),
    one("var_pop", "SELECT VAR_POP(x) FROM UNNEST([1, 2, 3, 4]) AS x", 1.25, S + "#var_pop", approx=1e-12),
    one("variance_is_var_samp", "SELECT VARIANCE(x) FROM UNNEST([1, 2, 3, 4]) AS x", 5 / 3, S + "#variance",
        approx=1e-12),
    one("stddev_single_row_null", "SELECT STDDEV_SAMP(x) FROM UNNEST([5]) AS x", None, S + "#stddev_samp"),
    one("corr", "SELECT CORR(x, 2 * x + 1) FROM UNNEST([1, 2, 3, 5]) AS x", 1.0, S + "#corr", approx=1e-12),
    one("covar_pop", f"SELECT COVAR_POP(x, y) FROM {XYS}",
        4 / 3, S + "#covar_pop", approx=1e-12),
    one("covar_samp", f"SELECT COVAR_SAMP(x, y) FROM {XYS}",
        2.0, S + "#covar_samp", approx=1e-12),
    # Session 7: STRING_AGG over BYTES joins with b',' by default; DISTINCT with IGNORE NULLS.
    one("string_agg_bytes_default_delimiter", "SELECT STRING_AGG(b ORDER BY b) FROM UNNEST([b'q', b'p']) AS b",
        b"p,q", P + "#string_agg", types=["BYTES"]),
    one("array_agg_distinct_strings_ignore_nulls",
        f"SELECT ARRAY_AGG(DISTINCT w IGNORE NULLS ORDER BY w DESC) FROM {WORDS}",
        ["pear", "fig", "apple"], P + "#array_agg"),
]
