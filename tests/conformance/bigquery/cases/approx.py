"""Approximate aggregate functions: APPROX_COUNT_DISTINCT, APPROX_QUANTILES, APPROX_TOP_COUNT, APPROX_TOP_SUM.

https://cloud.google.com/bigquery/docs/reference/standard-sql/approximate_aggregate_functions

Inputs are small enough that the approximations are exact; the cases check
the result shapes (APPROX_TOP_* return ARRAY<STRUCT<value, count|sum>>, most
frequent first; APPROX_QUANTILES returns number + 1 boundaries, min and max included).
"""

from ._model import Case, doc, one

PAGE = doc("approximate_aggregate_functions")

CASES: list[Case] = [
    one("count_distinct", "SELECT APPROX_COUNT_DISTINCT(x) FROM UNNEST([1, 1, 2, 3, 3]) AS x", 3,
        PAGE + "#approx_count_distinct", types=["INT64"]),
    one("count_distinct_strings", "SELECT APPROX_COUNT_DISTINCT(s) FROM UNNEST(['a', 'b', 'a']) AS s", 2,
        PAGE + "#approx_count_distinct"),
    one("count_distinct_ignores_null", "SELECT APPROX_COUNT_DISTINCT(x) FROM UNNEST([1, NULL, 1]) AS x", 1,
        PAGE + "#approx_count_distinct"),
    one("quantiles_halves", "SELECT APPROX_QUANTILES(x, 2) FROM UNNEST([1, 2, 3, 4, 5]) AS x", [1, 3, 5],
        PAGE + "#approx_quantiles", types=["ARRAY<INT64>"]),
    one("quantiles_quarters", "SELECT APPROX_QUANTILES(x, 4) FROM UNNEST([5, 1, 4, 2, 3]) AS x", [1, 2, 3, 4, 5],
        PAGE + "#approx_quantiles"),
    one("quantiles_median_offset", "SELECT APPROX_QUANTILES(x, 2)[OFFSET(1)] FROM UNNEST([10, 30, 20]) AS x", 20,
        PAGE + "#approx_quantiles"),
    one("quantiles_distinct", "SELECT APPROX_QUANTILES(DISTINCT x, 2) FROM UNNEST([1, 1, 1, 2, 3]) AS x", [1, 2, 3],
        PAGE + "#approx_quantiles"),
    one("top_count", "SELECT APPROX_TOP_COUNT(s, 2) FROM UNNEST(['a', 'c', 'a', 'b', 'c', 'c']) AS s",
        [{"value": "c", "count": 3}, {"value": "a", "count": 2}], PAGE + "#approx_top_count",
        types=["ARRAY<STRUCT>"]),
    one("top_count_fewer_values", "SELECT APPROX_TOP_COUNT(x, 5) FROM UNNEST([7, 7, 8]) AS x",
        [{"value": 7, "count": 2}, {"value": 8, "count": 1}], PAGE + "#approx_top_count"),
    one("top_sum", "SELECT APPROX_TOP_SUM(k, w, 2) FROM UNNEST(ARRAY<STRUCT<k STRING, w INT64>>[('a', 5), ('b', 1), ('a', 2), ('c', 4)])",
        [{"value": "a", "sum": 7}, {"value": "c", "sum": 4}], PAGE + "#approx_top_sum", types=["ARRAY<STRUCT>"]),
    Case("top_sum_negative_weight", "SELECT APPROX_TOP_SUM(x, w, 1) FROM UNNEST([STRUCT('a' AS x, -1 AS w)])",
         source=PAGE + "#approx_top_sum", expect_error=""),
]
