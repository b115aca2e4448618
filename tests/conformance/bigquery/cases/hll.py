"""HLL_COUNT.* sketches: INIT, MERGE, MERGE_PARTIAL, EXTRACT.

https://cloud.google.com/bigquery/docs/reference/standard-sql/hll_functions

HLL++ counts small sets exactly (sparse representation), so a handful of
distinct values gives the exact count; precision must be in [10, 24].
"""

from ._model import Case, doc, one

PAGE = doc("hll_functions")

TWO_SKETCHES = (
    "(SELECT HLL_COUNT.INIT(x) AS s FROM UNNEST([1, 2, 3]) AS x"
    " UNION ALL SELECT HLL_COUNT.INIT(x) FROM UNNEST([3, 4]) AS x)"
)

CASES: list[Case] = [
    one("extract_of_init", "SELECT HLL_COUNT.EXTRACT(HLL_COUNT.INIT(x)) FROM UNNEST([1, 2, 2, 3, 3, 3]) AS x", 3,
        PAGE + "#hll_countextract"),
    one("init_strings", "SELECT HLL_COUNT.EXTRACT(HLL_COUNT.INIT(s, 14)) FROM UNNEST(['a', 'b', 'a']) AS s", 2,
        PAGE + "#hll_countinit"),
    one("init_returns_bytes", "SELECT HLL_COUNT.INIT(x) IS NOT NULL FROM UNNEST([1]) AS x", True,
        PAGE + "#hll_countinit"),
    one("merge", f"SELECT HLL_COUNT.MERGE(s) FROM {TWO_SKETCHES}", 4, PAGE + "#hll_countmerge"),
    one("merge_partial_then_extract", f"SELECT HLL_COUNT.EXTRACT(HLL_COUNT.MERGE_PARTIAL(s)) FROM {TWO_SKETCHES}", 4,
        PAGE + "#hll_countmerge_partial"),
    Case("init_by_group",
         "SELECT g, HLL_COUNT.EXTRACT(HLL_COUNT.INIT(v))"
         " FROM UNNEST(ARRAY<STRUCT<g STRING, v INT64>>[('a', 1), ('a', 1), ('a', 2), ('b', 5)]) GROUP BY g ORDER BY g",
         [("a", 2), ("b", 1)], PAGE + "#hll_countinit"),
    Case("init_precision_too_low", "SELECT HLL_COUNT.INIT(x, 9) FROM UNNEST([1]) AS x", source=PAGE + "#hll_countinit",
         expect_error=""),
    one("extract_null", "SELECT HLL_COUNT.EXTRACT(CAST(NULL AS BYTES))", 0, PAGE + "#hll_countextract"),
]
