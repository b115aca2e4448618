"""Conditional expressions: CASE, COALESCE, IF, IFNULL, NULLIF.

https://cloud.google.com/bigquery/docs/reference/standard-sql/conditional_expressions

Also what the page promises about evaluation: branches not taken are not
evaluated, so an ERROR() there never fires.
"""

from ._model import Case, doc, one

PAGE = doc("conditional_expressions")

CASES: list[Case] = [
    one("case_value_match", "SELECT CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END", "two",
        PAGE + "#case_expr"),
    one("case_value_else", "SELECT CASE 9 WHEN 1 THEN 'one' ELSE 'many' END", "many", PAGE + "#case_expr"),
    one("case_value_no_else", "SELECT CASE 9 WHEN 1 THEN 'one' END", None, PAGE + "#case_expr"),
    one("case_null_never_matches", "SELECT CASE CAST(NULL AS INT64) WHEN NULL THEN 'null' ELSE 'other' END", "other",
        PAGE + "#case_expr"),
    one("case_searched_first_true", "SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' WHEN TRUE THEN 'c' END", "b",
        PAGE + "#case"),
    one("case_supertype", "SELECT CASE WHEN TRUE THEN 1 ELSE 2.5 END", 1.0, PAGE + "#case", types=["FLOAT64"]),
    Case("case_over_rows",
         "SELECT x, CASE WHEN x > 0 THEN 'pos' WHEN x < 0 THEN 'neg' ELSE 'zero' END "
         "FROM UNNEST([-1, 0, 3]) AS x ORDER BY x",
         [(-1, "neg"), (0, "zero"), (3, "pos")], PAGE + "#case"),
    one("case_branch_not_evaluated", "SELECT CASE WHEN TRUE THEN 'ok' ELSE ERROR('not evaluated') END", "ok",
        PAGE + "#case"),
    one("coalesce_first_non_null", "SELECT COALESCE(NULL, NULL, 3, 4)", 3, PAGE + "#coalesce"),
    one("coalesce_all_null", "SELECT COALESCE(CAST(NULL AS STRING), NULL)", None, PAGE + "#coalesce"),
    one("coalesce_supertype", "SELECT COALESCE(NULL, 1, 2.5)", 1.0, PAGE + "#coalesce", types=["FLOAT64"]),
    one("coalesce_stops_early", "SELECT COALESCE('x', ERROR('not evaluated'))", "x", PAGE + "#coalesce"),
    one("if_true", "SELECT IF(1 < 2, 'yes', 'no')", "yes", PAGE + "#if"),
    one("if_null_condition", "SELECT IF(NULL, 'yes', 'no')", "no", PAGE + "#if"),
    one("if_branch_not_evaluated", "SELECT IF(TRUE, 1, ERROR('not evaluated'))", 1, PAGE + "#if"),
    one("if_else_not_evaluated_division", "SELECT IF(FALSE, 1 / 0, 0.5)", 0.5, PAGE + "#if"),
    one("if_nested", "SELECT IF(2 > 1, IF(3 > 4, 'a', 'b'), 'c')", "b", PAGE + "#if"),
    one("ifnull_null", "SELECT IFNULL(NULL, 0)", 0, PAGE + "#ifnull"),
    one("ifnull_value", "SELECT IFNULL(5, 0)", 5, PAGE + "#ifnull"),
    one("nullif_equal", "SELECT NULLIF(3, 3)", None, PAGE + "#nullif"),
    one("nullif_different", "SELECT NULLIF(7, 3)", 7, PAGE + "#nullif"),
    one("nullif_strings", "SELECT NULLIF('a', 'b')", "a", PAGE + "#nullif"),
    one("nullif_guards_division", "SELECT 10 / NULLIF(0, 0)", None, PAGE + "#nullif"),
    Case("coalesce_no_common_type", "SELECT COALESCE(1, 'a')", source=PAGE + "#coalesce", expect_error=""),
]
