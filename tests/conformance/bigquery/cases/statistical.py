"""Statistical aggregates at their edges: one row, all NULL, NULL pairs,
constant inputs (NaN), infinities, NUMERIC input, DISTINCT, window use.

https://cloud.google.com/bigquery/docs/reference/standard-sql/statistical_aggregate_functions

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

import math

from ._model import Case, doc, one

S = doc("statistical_aggregate_functions")
INF = "CAST('inf' AS FLOAT64)"
NAN = float("nan")

CASES: list[Case] = [
    one("stddev_pop_single_is_zero", "SELECT STDDEV_POP(x) FROM UNNEST([7]) AS x", 0.0, S + "#stddev_pop",
        types=["FLOAT64"]),
    one("var_pop_single_is_zero", "SELECT VAR_POP(x) FROM UNNEST([7, NULL]) AS x", 0.0, S + "#var_pop"),
    one("var_samp_single_is_null", "SELECT VAR_SAMP(x) FROM UNNEST([7, NULL]) AS x", None, S + "#var_samp"),
    one("stddev_pop_all_null", "SELECT STDDEV_POP(x) FROM UNNEST([CAST(NULL AS INT64)]) AS x", None,
        S + "#stddev_pop"),
    one("var_pop_empty_is_null", "SELECT VAR_POP(x) FROM UNNEST(ARRAY<FLOAT64>[]) AS x", None, S + "#var_pop"),
    one("covar_pop_single_pair_is_zero",
        "SELECT COVAR_POP(y, x) FROM (SELECT 3 AS y, 4 AS x UNION ALL SELECT NULL, 5)", 0.0, S + "#covar_pop"),
    one("covar_samp_single_pair_is_null",
        "SELECT COVAR_SAMP(y, x) FROM (SELECT 3 AS y, 4 AS x UNION ALL SELECT 8, NULL)", None, S + "#covar_samp"),
    one("corr_single_pair_is_null",
        "SELECT CORR(y, x) FROM (SELECT 3 AS y, 4 AS x UNION ALL SELECT NULL, NULL)", None, S + "#corr"),
    one("corr_constant_input_is_nan",
        "SELECT CORR(y, x) FROM (SELECT 1 AS y, 5 AS x UNION ALL SELECT 2, 5 UNION ALL SELECT 3, 5)", NAN,
        S + "#corr", types=["FLOAT64"]),
    one("corr_skips_null_pairs",
        "SELECT CORR(y, x) FROM (SELECT 6 AS y, 1 AS x UNION ALL SELECT 4, 2 UNION ALL SELECT 100, NULL "
        "UNION ALL SELECT 2, 3)", -1.0, S + "#corr", approx=1e-12),
    one("corr_infinity_is_nan",
        f"SELECT CORR(y, x) FROM (SELECT 1.0 AS y, 2.0 AS x UNION ALL SELECT 2.0, 3.0 UNION ALL SELECT 3.0, {INF})",
        NAN, S + "#corr"),
    one("stddev_pop_infinity_is_nan", f"SELECT STDDEV_POP(x) FROM UNNEST([1.0, 2.0, {INF}]) AS x", NAN,
        S + "#stddev_pop"),
    one("var_samp_nan_input_is_nan", "SELECT VAR_SAMP(x) FROM UNNEST([1.0, CAST('nan' AS FLOAT64), 3.0]) AS x",
        NAN, S + "#var_samp"),
    one("covar_pop_infinity_is_nan",
        f"SELECT COVAR_POP(y, x) FROM (SELECT 1.0 AS y, 2.0 AS x UNION ALL SELECT {INF}, 3.0)", NAN,
        S + "#covar_pop"),
    one("var_samp_numeric_gives_float64",
        "SELECT VAR_SAMP(x) FROM UNNEST([NUMERIC '1', NUMERIC '2', NUMERIC '3']) AS x", 1.0, S + "#var_samp",
        types=["FLOAT64"], approx=1e-12),
    one("stddev_numeric_gives_float64",
        "SELECT STDDEV_POP(x) FROM UNNEST([NUMERIC '2', NUMERIC '4']) AS x", 1.0, S + "#stddev_pop",
        types=["FLOAT64"], approx=1e-12),
    one("stddev_is_stddev_samp", "SELECT STDDEV(x) FROM UNNEST([1, 3]) AS x", math.sqrt(2), S + "#stddev",
        approx=1e-12),
    one("var_pop_three", "SELECT VAR_POP(x) FROM UNNEST([2, 4, 6]) AS x", 8 / 3, S + "#var_pop", approx=1e-12),
    one("var_samp_three", "SELECT VAR_SAMP(x) FROM UNNEST([2, 4, 6]) AS x", 4.0, S + "#var_samp", approx=1e-12),
    one("stddev_pop_distinct", "SELECT STDDEV_POP(DISTINCT x) FROM UNNEST([1, 1, 1, 3]) AS x", 1.0,
        S + "#stddev_pop", approx=1e-12),
    one("covar_samp_skips_null_pairs",
        "SELECT COVAR_SAMP(y, x) FROM (SELECT 1 AS y, 1 AS x UNION ALL SELECT 3, 2 UNION ALL SELECT NULL, 9 "
        "UNION ALL SELECT 5, 3)", 2.0, S + "#covar_samp", approx=1e-12),
    Case("stddev_samp_running_window",
         "SELECT x, STDDEV_SAMP(x) OVER (ORDER BY x ROWS UNBOUNDED PRECEDING) FROM UNNEST([1, 3, 5]) AS x "
         "ORDER BY x", [(1, None), (3, math.sqrt(2)), (5, 2.0)], S + "#stddev_samp", approx=1e-12),
    Case("var_pop_window_partition",
         "SELECT g, VAR_POP(x) OVER (PARTITION BY g) FROM (SELECT 'a' AS g, 1 AS x UNION ALL SELECT 'a', 3 "
         "UNION ALL SELECT 'b', 8) ORDER BY g, 2", [("a", 1.0), ("a", 1.0), ("b", 0.0)], S + "#var_pop",
         approx=1e-12),
]
