"""refusals.py and ordering.py (bigquery image): what BigQuery refuses, and its orders and types.

As in test_bigquery_ext.py: the rewrite's refusals, and the answers after our
rewrite, SQLGlot and DuckDB, against the documented values the named
conformance cases (families navigation, numbering, window_frames,
set_operations, conditional_more, strings_more, ordering, statistical) hold.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

# Also puts images/bigquery/ext on the path (the layer is copied into the image).
from tests.unit.test_bigquery_ext import (
    RewriteError,
    answer,
    duckdb,
    register_macros,
    rewrite,
    sqlglot,
)

FLOATS = "UNNEST([2.5, CAST('nan' AS FLOAT64), NULL, CAST('-inf' AS FLOAT64), -1.0]) AS x"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT RANK() OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
            "framing",
        ),
        ("SELECT LAG(x) OVER (ORDER BY x ROWS 1 PRECEDING) FROM t", "framing"),
        ("SELECT SUM(x) OVER (w PARTITION BY x) FROM t WINDOW w AS (ORDER BY x)", "PARTITION BY"),
        ("SELECT LAG(x, -1) OVER (ORDER BY x) FROM t", "non-negative"),
        ("SELECT LEAD(x, NULL) OVER (ORDER BY x) FROM t", "non-negative"),
        ("SELECT 1 UNION ALL SELECT 2 UNION DISTINCT SELECT 3", "parentheses"),
        ("SELECT 1 UNION ALL SELECT 2 EXCEPT DISTINCT SELECT 1", "parentheses"),
        ("SELECT IF(TRUE, 1, 'x')", "supertype"),
        ("SELECT CASE WHEN a THEN 'x' ELSE 2.5 END FROM t", "supertype"),
        ("SELECT COLLATE('W', 'und:ci')", "COLLATE outside a comparison"),
    ],
)
def test_refused(sql: str, message: str) -> None:
    with pytest.raises(RewriteError, match=message):
        rewrite(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT SUM(x) OVER (w ORDER BY x) FROM t WINDOW w AS (PARTITION BY y)",
        "SELECT 1 UNION ALL (SELECT 2 UNION DISTINCT SELECT 3)",
        "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3",
        "SELECT LAG(x, 2) OVER (ORDER BY x) FROM t",
        "SELECT PERCENTILE_CONT(x, 0.5) OVER () FROM t",
        "SELECT IF(TRUE, 1, 2.5)",
    ],
)
def test_allowed_forms_stay(sql: str) -> None:
    rewrite(sql)  # no error


def test_left_and_right_refuse_negative_lengths() -> None:
    with pytest.raises(duckdb.Error, match="cannot be negative"):
        answer("SELECT LEFT('abc', -1)")
    with pytest.raises(duckdb.Error, match="cannot be negative"):
        answer(r"SELECT RIGHT(b'\xff', -1)")  # BYTES beyond ASCII too
    assert answer("SELECT RIGHT('abc', 2)") == "bc"


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("x", [None, "nan", -math.inf, -1.0, 2.5]),
        ("x DESC", [2.5, -1.0, -math.inf, "nan", None]),
        ("x NULLS LAST", ["nan", -math.inf, -1.0, 2.5, None]),
        ("x DESC NULLS FIRST", [None, 2.5, -1.0, -math.inf, "nan"]),
    ],
)
def test_nan_sorts_lowest(order: str, expected: list[Any]) -> None:
    """ordering.floats_* (data-types#orderable_floating_points)."""
    duck_sql = sqlglot.transpile(
        rewrite(f"SELECT x FROM {FLOATS} ORDER BY {order}"), read="bigquery", write="duckdb"
    )[0]
    connection = duckdb.connect()
    register_macros(connection)
    got = [
        "nan" if isinstance(v, float) and math.isnan(v) else v
        for (v,) in connection.execute(duck_sql).fetchall()
    ]
    assert got == expected


def test_min_nan_corr_nullif_collate() -> None:
    """ordering.min_float_with_nan, statistical.corr_single_pair_is_null,
    conditional_more.nullif_supertype_float, ordering.collate_ci_equality."""
    assert math.isnan(answer(f"SELECT MIN(x) FROM {FLOATS}"))
    assert (
        answer("SELECT CORR(y, x) FROM (SELECT 3.0 AS y, 4.0 AS x UNION ALL SELECT NULL, NULL)")
        is None
    )
    assert answer("SELECT NULLIF(4, 2.5)") == 4.0
    assert isinstance(answer("SELECT NULLIF(4, 2.5)"), float)
    assert answer("SELECT COLLATE('Warehouse', 'und:ci') = 'wAREHOUSE'") is True


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # navigation.percentile_*_respect_nulls*: NULLs count and sort first
        (
            "SELECT PERCENTILE_CONT(x, 0 RESPECT NULLS) OVER () FROM UNNEST([4, NULL, 8]) AS x LIMIT 1",
            None,
        ),
        (
            "SELECT PERCENTILE_CONT(x, 0.25 RESPECT NULLS) OVER () FROM UNNEST([4, NULL, 8]) AS x LIMIT 1",
            4.0,
        ),
        (
            "SELECT PERCENTILE_CONT(x, 0.5 RESPECT NULLS) OVER () FROM UNNEST([NULL, 2, 6, 10]) AS x LIMIT 1",
            4.0,
        ),
        (
            "SELECT PERCENTILE_DISC(x, 0.6 RESPECT NULLS) OVER () FROM UNNEST([NULL, 5, 7]) AS x LIMIT 1",
            5,
        ),
        (
            "SELECT PERCENTILE_DISC(x, 0 RESPECT NULLS) OVER () FROM UNNEST([NULL, 5, 7]) AS x LIMIT 1",
            None,
        ),
        # statistical.*_is_nan: an infinity or NaN makes the statistic NaN; finite values are unchanged
        ("SELECT STDDEV_POP(x) FROM UNNEST([1.0, CAST('inf' AS FLOAT64)]) AS x", "nan"),
        ("SELECT VAR_SAMP(x) FROM UNNEST([1.0, CAST('nan' AS FLOAT64), 2.0]) AS x", "nan"),
        ("SELECT VAR_POP(x) FROM UNNEST([1.0, 3.0]) AS x", 1.0),
        (
            "SELECT CORR(y, x) FROM (SELECT 1.0 AS y, CAST('inf' AS FLOAT64) AS x UNION ALL SELECT 2.0, 3.0)",
            "nan",
        ),
    ],
)
def test_percentiles_and_statistics(sql: str, expected: Any) -> None:
    got = answer(sql)
    assert ("nan" if isinstance(got, float) and math.isnan(got) else got) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # strings_more.left_bytes, right_zero_bytes_is_empty, ascii_bytes, regexp_replace_bytes
        (r"SELECT LEFT(b'\x01\x02\x03', 2)", b"\x01\x02"),
        ("SELECT RIGHT(b'abc', 0)", b""),
        # strings_more.right_bytes_splits_utf8: per byte, also beyond ASCII
        (r"SELECT RIGHT(b'\xc3\xa9', 1)", b"\xa9"),
        (r"SELECT LEFT(b'\xc3\xa9\x01', 2)", b"\xc3\xa9"),
        ("SELECT LEFT(b'abc', 10)", b"abc"),
        ("SELECT RIGHT(b'abc', 9223372036854775807)", b"abc"),  # 2 * length would overflow
        (r"SELECT LEFT(b'\xff', NULL)", None),
        ("SELECT ASCII(b'Zz')", 90),
        ("SELECT REGEXP_REPLACE(b'a1b22', b'[0-9]+', b'-')", b"a-b-"),
    ],
)
def test_bytes_forms_of_left_right_ascii_regexp_replace(sql: str, expected: Any) -> None:
    assert answer(sql) == expected
