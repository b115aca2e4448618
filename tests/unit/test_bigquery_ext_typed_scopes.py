"""dplat_bqext's per-type rules through a query's scopes, and for operands of unknown type.

annotation.py carries a column's type through CTEs, derived tables, joins
and UNNEST (cases typed_scopes.*); typed_any.py lets DuckDB pick the rule
when the type is still unknown (a parameter, a function SQLGlot does not
type). As in test_bigquery_ext_typed.py, the rewritten GoogleSQL runs
through SQLGlot into DuckDB with our macros, and the answers are those
BigQuery's documentation gives.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

# Also puts images/bigquery/ext on the path (the layer is copied into the image).
from tests.unit.test_bigquery_ext import duckdb, register_macros, rewrite, sqlglot

SCHEMA = {"t": {"f": "DOUBLE", "k": "BIGINT", "ts": "TIMESTAMP WITH TIME ZONE"}, "u": {"k": "BIGINT"}}


def run(bq_sql: str, *parameters: Any) -> Any:
    """The one value ``bq_sql`` gives after our rewrite, SQLGlot and DuckDB.

    ``opaque(x)`` is a DuckDB macro SQLGlot cannot type: its value's type is
    known to DuckDB only, as a query parameter's or a UDF's is.
    """
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    register_macros(connection)
    connection.execute("CREATE TEMP MACRO opaque(x) AS x")
    duck_sql = sqlglot.transpile(rewrite(bq_sql), read="bigquery", write="duckdb")[0]
    return connection.execute(duck_sql, list(parameters)).fetchone()[0]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("WITH t AS (SELECT 2.5 AS f) SELECT CAST(f AS INT64) FROM t", 3),  # typed_scopes.float_to_int_cte
        ("SELECT CAST(f AS INT64) FROM (SELECT 2.5 AS f)", 3),  # derived table without an alias
        ("SELECT CAST(f AS INT64) FROM (SELECT 1 AS k, 2.5 AS f) AS a JOIN (SELECT 1 AS k) AS b ON a.k = b.k", 3),
        ("SELECT CAST(f AS INT64) FROM UNNEST([2.5]) AS f", 3),
        ("SELECT TO_JSON_STRING(ts) FROM (SELECT TIMESTAMP '2020-01-01 00:00:00+00' AS ts)",
         '"2020-01-01T00:00:00Z"'),  # typed_scopes.json_timestamp_subquery
        ("WITH t AS (SELECT 5 AS n) SELECT ROUND(n) FROM t", 5.0),
        ("WITH t AS (SELECT NUMERIC '1.50' AS x) SELECT CAST(x AS STRING) FROM t", "1.5"),
        ("SELECT x >> 2 FROM (SELECT -16 AS x)", 4611686018427387900),
    ],
)
def test_types_reach_through_scopes(sql: str, expected: Any) -> None:
    value = run(sql)
    assert value == expected
    assert type(value) is type(expected)


def test_catalog_columns_are_typed_in_joins_and_the_sql_keeps_its_text() -> None:
    """A join's catalog columns get their types; the qualifiers and aliases used to
    type them are not left in the SQL (only the rule's macro is new)."""
    sql = "SELECT CAST(f AS INT64), TO_JSON_STRING(ts) FROM t JOIN u USING (k) ORDER BY k"
    assert rewrite(sql, SCHEMA) == (
        "SELECT dplat_float_to_int(f), dplat_json_timestamp(ts) FROM t JOIN u USING (k) ORDER BY k"
    )
    assert rewrite("SELECT f FROM (SELECT 1 AS f) ORDER BY f", SCHEMA) == "SELECT f FROM (SELECT 1 AS f) ORDER BY f"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # SQLGlot writes 2.5 as a DuckDB DECIMAL (bqemulator, as a DOUBLE): say FLOAT64.
        ("SELECT CAST(opaque(CAST(2.5 AS FLOAT64)) AS INT64)", 3),
        ("SELECT CAST(opaque(CAST(-2.5 AS FLOAT64)) AS INT64)", -3),
        ("SELECT CAST(opaque(7) AS INT64)", 7),  # another type: the call as it was
        ("SELECT SAFE_CAST(opaque('1.5') AS INT64)", None),
        ("SELECT CAST(opaque(CAST(1.0 AS FLOAT64)) AS STRING)", "1"),
        ("SELECT CAST(opaque(NUMERIC '1.50') AS STRING)", "1.5"),
        ("SELECT CAST(opaque(DATE '2024-01-02') AS STRING)", "2024-01-02"),
        ("SELECT CAST(opaque('TRUE') AS BOOL)", True),
        ("SELECT CAST(opaque('é') AS BYTES)", b"\xc3\xa9"),
        ("SELECT TO_JSON_STRING(opaque(TIMESTAMP '2020-01-01 00:00:00+00'))", '"2020-01-01T00:00:00Z"'),
        ("SELECT TO_JSON_STRING(opaque(DATETIME '2020-01-02 03:04:05'))", '"2020-01-02T03:04:05"'),
        ("SELECT TO_JSON_STRING(opaque(b'abc'))", '"YWJj"'),
        ("SELECT TO_JSON_STRING(opaque(NUMERIC '1.5'))", '"1.5"'),
        ("SELECT TO_JSON_STRING(opaque(12345678901234567))", '"12345678901234567"'),
        ("SELECT TO_JSON_STRING(opaque(CAST(2.0 AS FLOAT64)))", "2"),
        ("SELECT TO_JSON_STRING(opaque(STRUCT(1 AS a)))", '{"a":1}'),
        ("SELECT opaque(-16) >> 2", 4611686018427387900),
        ("SELECT ROUND(opaque(5))", 5.0),  # INT64: a FLOAT64
        ("SELECT ROUND(opaque(NUMERIC '2.5'))", Decimal("3")),  # NUMERIC stays NUMERIC
        ("SELECT ROUND(opaque(CAST(2.25 AS FLOAT64)), 1)", 2.3),
        ("SELECT SIGN(opaque(CAST(-2.5 AS FLOAT64)))", -1.0),
        ("SELECT SIGN(opaque(NUMERIC '-4.2'))", Decimal("-1")),
        ("SELECT SIGN(opaque(-4))", -1),
        ("SELECT IS_NAN(SIGN(opaque(CAST('NaN' AS FLOAT64))))", True),
        ("SELECT CAST(opaque(CAST(NULL AS FLOAT64)) AS INT64)", None),
        ("SELECT JSON_EXTRACT(opaque('{\"a\": null}'), '$.a')", None),  # a STRING: SQL NULL
        ("SELECT JSON_EXTRACT(opaque('{\"a\": 1}'), '$.a')", "1"),
        ("SELECT TO_JSON_STRING(JSON_QUERY(opaque(JSON '{\"a\": null}'), '$.a'))", "null"),  # JSON: JSON null
    ],
)
def test_unknown_operands_get_bigquerys_rule_from_duckdb(sql: str, expected: Any) -> None:
    """typed_any.py: the rule picked by DuckDB's typeof at bind time."""
    value = run(sql)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CAST(opaque('1.5') AS INT64)", "Bad int64 value"),
        ("SELECT CAST(opaque('yes') AS BOOL)", "Bad bool value"),
        ("SELECT INT64(opaque(JSON '\"42\"'))", "not an integer"),
        ("SELECT STRING(opaque(JSON '1'))", "not a string"),
        # BigQuery's answer has another type than DuckDB's: refused, not answered wrong.
        ("SELECT POW(opaque(NUMERIC '2'), 3)", "POW of a NUMERIC .* not supported: BigQuery answers a NUMERIC"),
        ("SELECT DIV(opaque(NUMERIC '7'), 2)", "DIV of a NUMERIC"),
        ("SELECT opaque(DATE '2024-03-15') - DATE '2024-03-01'", "DATE - DATE .* an INTERVAL"),
        ("SELECT opaque(b'ab') || opaque(b'c')", "BYTES [|][|] BYTES"),
    ],
)
def test_unknown_operands_raise_where_bigquery_does_or_we_cannot_answer(sql: str, message: str) -> None:
    with pytest.raises(duckdb.Error, match=message):
        run(sql)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT POW(opaque(2), 3)", 8.0),  # the same calls for other types: answered as before
        ("SELECT DIV(opaque(7), 2)", 3),
        ("SELECT opaque(DATE '2024-03-15') - 14", dt.date(2024, 3, 1)),
        ("SELECT opaque(5) - opaque(2)", 3),
        ("SELECT opaque('a') || opaque('b')", "ab"),
        ("SELECT BIT_COUNT(opaque(-4))", 62),  # a 32-bit DuckDB INTEGER counted as INT64
    ],
)
def test_unknown_operands_of_other_types_answer_as_before(sql: str, expected: Any) -> None:
    assert run(sql) == expected


def test_parameters_are_dispatched_a_positional_one_read_once() -> None:
    """A named parameter may be written twice; a positional ``?`` is read once in a
    scalar subquery (bqemulator binds ``?`` by position in the text)."""
    assert rewrite("SELECT CAST(@p AS INT64)") == "SELECT dplat_any_to_int(@p, CAST(@p AS INT64))"
    assert rewrite("SELECT CAST(? AS INT64)") == (
        "SELECT (SELECT dplat_any_to_int(_dplat_parameter, CAST(_dplat_parameter AS INT64))"
        " FROM (SELECT ? AS _dplat_parameter))"
    )
    assert run("SELECT CAST(? AS INT64)", 2.5) == 3
    assert run("SELECT CAST(? AS INT64) + ?", 2.5, 10) == 13
    assert rewrite("SELECT ROUND(?, ?)") == "SELECT ROUND(?, ?)"  # two: left as it was


def test_the_unused_branches_cost_nothing() -> None:
    """typeof is a constant: DuckDB's optimizer keeps one branch (the plan has no CASE)."""
    connection = duckdb.connect()
    register_macros(connection)
    plan = connection.execute(
        "EXPLAIN SELECT dplat_any_to_int(x, CAST(x AS BIGINT)) FROM (SELECT 2.5::DOUBLE AS x FROM range(3))"
    ).fetchall()[0][1]
    assert "CASE" not in plan
