"""Per-type rules on a column that comes through a scope (issue 11).

Each rule below is a case elsewhere on a literal (conversion.*, math.*,
json.to_json_string_*, operators.*, ...): the answer depends on the
operand's GoogleSQL type. Here the operand is a column that reaches the
expression through a CTE, a derived table, a join, an UNNEST, or a join of
a real table, where the emulator must still know its type, or it answers as
DuckDB would (``WITH t AS (SELECT 2.5 AS c) SELECT CAST(c AS INT64) FROM t``
gave 2, BigQuery gives 3). The answer is the same as the literal's in every
shape: the query's scopes do not change a value's type. Each rule cites the
page that documents it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from dateutil.relativedelta import relativedelta

from ._model import Case, doc

CONVERSION = doc("conversion_functions")
MATH = doc("mathematical_functions")
JSON_PAGE = doc("json_functions")
OPERATORS = doc("operators")


class Rule(NamedTuple):
    """One per-type rule: the column's value, the expression over ``{c}``, BigQuery's answer."""

    id: str
    type: str  # the column's GoogleSQL type, declared for the real table
    value: str
    expression: str
    expected: Any  # ignored when error is not None
    source: str
    types: list[str] | None = None
    error: str | None = None  # BigQuery raises: a substring of its message ("" any)
    unnest: bool = True  # False: the value cannot be an array element (an array)


RULES = [
    Rule("float_to_int", "FLOAT64", "2.5", "CAST({c} AS INT64)", 3, CONVERSION + "#cast_as_int64", ["INT64"]),
    Rule("negative_float_to_int", "FLOAT64", "-2.5", "CAST({c} AS INT64)", -3, CONVERSION + "#cast_as_int64"),
    Rule("string_to_int_errors", "STRING", "'1.5'", "CAST({c} AS INT64)", None, CONVERSION + "#cast_as_int64", error=""),
    Rule("safe_string_to_int", "STRING", "'1.5'", "SAFE_CAST({c} AS INT64)", None, CONVERSION + "#safe_casting"),
    Rule("string_to_bool_errors", "STRING", "'yes'", "CAST({c} AS BOOL)", None, CONVERSION + "#cast_as_bool", error=""),
    Rule("float_to_string", "FLOAT64", "1.0", "CAST({c} AS STRING)", "1", CONVERSION + "#cast_as_string"),
    Rule("numeric_to_string", "NUMERIC", "NUMERIC '1.50'", "CAST({c} AS STRING)", "1.5", CONVERSION + "#cast_as_string"),
    Rule("string_to_bytes", "STRING", "'é'", "CAST({c} AS BYTES)", b"\xc3\xa9", CONVERSION + "#cast_as_bytes", ["BYTES"]),
    Rule("round_int", "INT64", "5", "ROUND({c})", 5.0, MATH + "#round", ["FLOAT64"]),
    Rule("sign_float", "FLOAT64", "-2.5", "SIGN({c})", -1.0, MATH + "#sign", ["FLOAT64"]),
    Rule("sign_numeric", "NUMERIC", "NUMERIC '-4.2'", "SIGN({c})", Decimal("-1"), MATH + "#sign", ["NUMERIC"]),
    Rule("pow_numeric", "NUMERIC", "NUMERIC '2'", "POW({c}, 3)", Decimal("8"), MATH + "#pow", ["NUMERIC"]),
    Rule("div_numeric", "NUMERIC", "NUMERIC '7'", "DIV({c}, 2)", Decimal("3"), MATH + "#div", ["NUMERIC"]),
    Rule("json_bytes", "BYTES", "b'abc'", "TO_JSON_STRING({c})", '"YWJj"', JSON_PAGE + "#json_encodings"),
    Rule("json_timestamp", "TIMESTAMP", "TIMESTAMP '2020-01-01 00:00:00+00'", "TO_JSON_STRING({c})",
         '"2020-01-01T00:00:00Z"', JSON_PAGE + "#json_encodings"),
    Rule("json_datetime", "DATETIME", "DATETIME '2020-01-02 03:04:05.250001'", "TO_JSON_STRING({c})",
         '"2020-01-02T03:04:05.250001"', JSON_PAGE + "#json_encodings"),
    Rule("json_numeric", "NUMERIC", "NUMERIC '1.5'", "TO_JSON_STRING({c})", '"1.5"', JSON_PAGE + "#json_encodings"),
    Rule("json_wide_int", "INT64", "12345678901234567", "TO_JSON_STRING({c})", '"12345678901234567"',
         JSON_PAGE + "#json_encodings"),
    Rule("json_float_integral", "FLOAT64", "2.0", "TO_JSON_STRING({c})", "2", JSON_PAGE + "#json_encodings"),
    Rule("json_null_in_json", "JSON", """JSON '{"a": null}'""", "TO_JSON_STRING(JSON_QUERY({c}, '$.a'))", "null",
         JSON_PAGE + "#json_query"),
    Rule("json_extract_null", "STRING", """'{"a": null}'""", "JSON_EXTRACT({c}, '$.a')", None,
         JSON_PAGE + "#json_extract"),
    Rule("json_extract_value", "STRING", """'{"a": [1, 2]}'""", "JSON_EXTRACT({c}, '$.a')", "[1,2]",
         JSON_PAGE + "#json_extract", ["STRING"]),
    Rule("int64_of_json_string", "JSON", """JSON '"42"'""", "INT64({c})", None, JSON_PAGE + "#int64_for_json", error=""),
    Rule("string_of_json_number", "JSON", "JSON '1'", "STRING({c})", None, JSON_PAGE + "#string_for_json", error=""),
    Rule("shift_right", "INT64", "-16", "{c} >> 2", 4611686018427387900, OPERATORS + "#bitwise_operators"),
    Rule("bit_count", "INT64", "-4", "BIT_COUNT({c})", 62, doc("bit_functions") + "#bit_count"),
    Rule("date_minus_date", "DATE", "DATE '2024-03-15'", "{c} - DATE '2024-03-01'", relativedelta(days=14),
         OPERATORS + "#date_arithmetics_operators", ["INTERVAL"]),
    Rule("concat_bytes", "BYTES", "b'ab'", "{c} || b'c'", b"abc", OPERATORS + "#concatenation_operator"),
    Rule("coalesce_no_common_type", "INT64", "1", "COALESCE({c}, 'a')", None, doc("conditional_expressions") + "#coalesce",
         error=""),
    Rule("array_equality", "ARRAY<INT64>", "[1, 2]", "{c} = [1, 2]", None, doc("data-types") + "#array_type", error="",
         unnest=False),
]

# How the column reaches the expression: {v} is the value, {e} the expression.
SHAPES = {
    "cte": ("WITH t AS (SELECT {v} AS c) SELECT {e} FROM t", "c"),
    "subquery": ("SELECT {e} FROM (SELECT {v} AS c)", "c"),
    "join": ("SELECT {e} FROM (SELECT 1 AS k, {v} AS c) AS a JOIN (SELECT 1 AS k) AS b ON a.k = b.k", "c"),
    "unnest": ("SELECT {e} FROM UNNEST([{v}]) AS c", "c"),
    # A real table (its column type declared) joined with itself: the type comes from the catalog.
    "table_join": ("SELECT {e} FROM {{dataset}}.t AS a JOIN {{dataset}}.t AS b ON TRUE", "a.c"),
}


def _case(rule: Rule, shape: str) -> Case:
    template, column = SHAPES[shape]
    sql = template.format(v=rule.value, e=rule.expression.format(c=column))
    setup = (
        f"CREATE TABLE {{dataset}}.t (c {rule.type})", f"INSERT INTO {{dataset}}.t (c) VALUES ({rule.value})"
    ) if shape == "table_join" else ()
    expected = [] if rule.error is not None else [(rule.expected,)]
    return Case(f"{rule.id}_{shape}", sql, expected, rule.source, expect_error=rule.error, types=rule.types,
                setup=setup)


CASES: list[Case] = [
    _case(rule, shape) for rule in RULES for shape in SHAPES if rule.unnest or shape != "unnest"
]
