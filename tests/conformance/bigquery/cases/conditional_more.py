"""Conditional expressions at their edges: result supertypes of IF, IFNULL,
NULLIF and CASE, NULL conditions and NULL operands.

https://cloud.google.com/bigquery/docs/reference/standard-sql/conditional_expressions

Queries and values are ours; each checks the behaviour the cited section documents.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ._model import Case, doc, one

C = doc("conditional_expressions")

CASES: list[Case] = [
    one("if_supertype_float", "SELECT IF(TRUE, 1, 2.5)", 1.0, C + "#if", types=["FLOAT64"]),
    one("if_supertype_numeric", "SELECT IF(FALSE, NUMERIC '1.5', 2)", Decimal("2"), C + "#if", types=["NUMERIC"]),
    one("ifnull_supertype_float", "SELECT IFNULL(3, 0.5)", 3.0, C + "#ifnull", types=["FLOAT64"]),
    one("ifnull_both_null", "SELECT IFNULL(CAST(NULL AS STRING), NULL)", None, C + "#ifnull"),
    one("nullif_supertype_float", "SELECT NULLIF(4, 2.5)", 4.0, C + "#nullif", types=["FLOAT64"]),
    one("nullif_null_expr", "SELECT NULLIF(CAST(NULL AS INT64), 1)", None, C + "#nullif"),
    one("nullif_null_match_returns_expr", "SELECT NULLIF(6, NULL)", 6, C + "#nullif", types=["INT64"]),
    one("nullif_int_equals_float", "SELECT NULLIF(2, 2.0)", None, C + "#nullif"),
    one("case_when_null_condition_falls_through", "SELECT CASE WHEN NULL THEN 'a' WHEN 1 = 1 THEN 'b' END", "b",
        C + "#case"),
    one("case_all_null_conditions_else", "SELECT CASE WHEN NULL THEN 1 WHEN NULL > 1 THEN 2 ELSE 3 END", 3,
        C + "#case"),
    one("case_value_supertype", "SELECT CASE 1 WHEN 1 THEN NUMERIC '2.5' ELSE 1 END", Decimal("2.5"),
        C + "#case_expr", types=["NUMERIC"]),
    one("case_value_coerces_operand", "SELECT CASE 2 WHEN 2.0 THEN 'two' ELSE 'other' END", "two",
        C + "#case_expr"),
    one("case_value_first_match_wins", "SELECT CASE 'k' WHEN 'k' THEN 1 WHEN 'k' THEN 2 END", 1, C + "#case_expr"),
    one("coalesce_int_numeric_is_numeric", "SELECT COALESCE(NULL, 4, NUMERIC '0.25')", Decimal("4"),
        C + "#coalesce", types=["NUMERIC"]),
    one("coalesce_skips_all_leading_nulls",
        "SELECT COALESCE(CAST(NULL AS DATE), NULL, DATE '2024-05-06')", dt.date(2024, 5, 6),
        C + "#coalesce", types=["DATE"]),
    one("if_null_condition_else_branch", "SELECT IF(CAST(NULL AS BOOL), 'then', 'else')", "else", C + "#if"),
    Case("if_no_common_supertype", "SELECT IF(TRUE, 1, 'x')", source=C + "#if", expect_error=""),
]
