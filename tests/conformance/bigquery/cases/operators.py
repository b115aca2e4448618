"""Operators: precedence, bitwise, logical with NULL, comparison, IS DISTINCT FROM, LIKE, IN, BETWEEN.

https://cloud.google.com/bigquery/docs/reference/standard-sql/operators

Precedence from the page's table: unary, then * / ||, + -, << >>, &, ^, |,
comparisons, NOT, AND, OR. BigQuery's >> on INT64 does not extend the sign.
"""

from ._model import Case, doc, one

PAGE = doc("operators")

CASES: list[Case] = [
    one("mul_before_add", "SELECT 2 + 3 * 4", 14, PAGE + "#operator_precedence"),
    one("parentheses", "SELECT (2 + 3) * 4", 20, PAGE + "#operator_precedence"),
    one("subtraction_left_assoc", "SELECT 10 - 4 - 3", 3, PAGE + "#operator_precedence"),
    one("division_left_assoc", "SELECT 8 / 4 / 2", 1.0, PAGE + "#operator_precedence"),
    one("unary_minus", "SELECT -2 * -3", 6, PAGE + "#arithmetic_operators"),
    one("shift_after_add", "SELECT 1 << 2 + 1", 8, PAGE + "#operator_precedence"),
    one("and_before_shift_result", "SELECT 3 & 1 << 1", 2, PAGE + "#operator_precedence"),
    one("xor_before_or", "SELECT 1 | 2 ^ 3", 1, PAGE + "#operator_precedence"),
    one("bitwise_before_comparison", "SELECT 1 | 2 = 3", True, PAGE + "#operator_precedence"),
    one("not_before_and", "SELECT NOT TRUE AND FALSE", False, PAGE + "#operator_precedence"),
    one("and_before_or", "SELECT TRUE OR FALSE AND FALSE", True, PAGE + "#operator_precedence"),
    one("comparison_before_not", "SELECT NOT 1 = 2", True, PAGE + "#operator_precedence"),
    # Bitwise.
    one("bit_and", "SELECT 12 & 10", 8, PAGE + "#bitwise_operators"),
    one("bit_or", "SELECT 12 | 10", 14, PAGE + "#bitwise_operators"),
    one("bit_xor", "SELECT 12 ^ 10", 6, PAGE + "#bitwise_operators"),
    one("bit_not", "SELECT ~0", -1, PAGE + "#bitwise_operators"),
    one("shift_left", "SELECT 1 << 4", 16, PAGE + "#bitwise_operators"),
    one("shift_right", "SELECT 256 >> 4", 16, PAGE + "#bitwise_operators"),
    one("shift_right_no_sign_extension", "SELECT -16 >> 2", 4611686018427387900, PAGE + "#bitwise_operators"),
    one("shift_left_past_width", "SELECT 1 << 64", 0, PAGE + "#bitwise_operators"),
    Case("shift_negative", "SELECT 1 << -1", source=PAGE + "#bitwise_operators", expect_error=""),
    one("bit_and_bytes", "SELECT FROM_HEX('0f0f') & FROM_HEX('00ff')", b"\x00\x0f", PAGE + "#bitwise_operators"),
    Case("bit_and_bytes_length_mismatch", "SELECT FROM_HEX('0f') & FROM_HEX('00ff')",
         source=PAGE + "#bitwise_operators", expect_error=""),
    # Logical operators with NULL (three-valued logic).
    one("null_and_false", "SELECT CAST(NULL AS BOOL) AND FALSE", False, PAGE + "#logical_operators"),
    one("null_and_true", "SELECT CAST(NULL AS BOOL) AND TRUE", None, PAGE + "#logical_operators"),
    one("null_or_true", "SELECT CAST(NULL AS BOOL) OR TRUE", True, PAGE + "#logical_operators"),
    one("not_null", "SELECT NOT CAST(NULL AS BOOL)", None, PAGE + "#logical_operators"),
    # Comparison.
    one("null_equals_null", "SELECT NULL = NULL", None, PAGE + "#comparison_operators"),
    one("strings_compare_by_code_point", "SELECT 'B' < 'a'", True, PAGE + "#comparison_operators"),
    one("mixed_numeric_compare", "SELECT 1 = 1.0", True, PAGE + "#comparison_operators"),
    one("distinct_from_null", "SELECT 1 IS DISTINCT FROM NULL", True, PAGE + "#is_distinct"),
    one("not_distinct_nulls", "SELECT NULL IS NOT DISTINCT FROM NULL", True, PAGE + "#is_distinct"),
    one("distinct_same_value", "SELECT 2 IS DISTINCT FROM 2", False, PAGE + "#is_distinct"),
    one("is_null", "SELECT CAST(NULL AS INT64) IS NULL", True, PAGE + "#is_operators"),
    one("is_unknown", "SELECT CAST(NULL AS BOOL) IS UNKNOWN", True, PAGE + "#is_operators"),
    one("is_not_true_of_null", "SELECT CAST(NULL AS BOOL) IS NOT TRUE", True, PAGE + "#is_operators"),
    one("is_false", "SELECT (1 > 2) IS FALSE", True, PAGE + "#is_operators"),
    one("between", "SELECT 5 BETWEEN 1 AND 10", True, PAGE + "#comparison_operators"),
    one("between_reversed_bounds", "SELECT 5 BETWEEN 10 AND 1", False, PAGE + "#comparison_operators"),
    one("not_between", "SELECT 5 NOT BETWEEN 6 AND 10", True, PAGE + "#comparison_operators"),
    # IN.
    one("in_list", "SELECT 3 IN (1, 2, 3)", True, PAGE + "#in_operators"),
    one("in_list_with_null_no_match", "SELECT 1 IN (2, NULL)", None, PAGE + "#in_operators"),
    one("not_in_with_null", "SELECT 1 NOT IN (2, NULL)", None, PAGE + "#in_operators"),
    one("null_in_list", "SELECT NULL IN (1, 2)", None, PAGE + "#in_operators"),
    one("in_subquery", "SELECT 2 IN (SELECT x FROM UNNEST([1, 2]) AS x)", True, PAGE + "#in_operators"),
    # LIKE: case-sensitive, % and _, backslash escapes.
    one("like_prefix", "SELECT 'warehouse' LIKE 'ware%'", True, PAGE + "#like_operator"),
    one("like_single_char", "SELECT 'abc' LIKE 'a_c'", True, PAGE + "#like_operator"),
    one("like_case_sensitive", "SELECT 'ABC' LIKE 'a%'", False, PAGE + "#like_operator"),
    one("like_escaped_percent", r"SELECT '100%' LIKE r'100\%'", True, PAGE + "#like_operator"),
    one("like_escaped_percent_literal", r"SELECT '100x' LIKE r'100\%'", False, PAGE + "#like_operator"),
    one("not_like", "SELECT 'abc' NOT LIKE '%d'", True, PAGE + "#like_operator"),
    one("like_null", "SELECT CAST(NULL AS STRING) LIKE '%'", None, PAGE + "#like_operator"),
    one("like_any", "SELECT 'apple' LIKE ANY ('b%', 'a%')", True, PAGE + "#like_operator_quantified"),
    one("like_all", "SELECT 'apple' LIKE ALL ('a%', '%z')", False, PAGE + "#like_operator_quantified"),
    # Concatenation and field access.
    one("concat_strings", "SELECT 'a' || 'b' || 'c'", "abc", PAGE + "#concatenation_operator"),
    one("concat_null", "SELECT 'a' || CAST(NULL AS STRING)", None, PAGE + "#concatenation_operator"),
    one("concat_three_arrays", "SELECT [1] || [2, 3] || ARRAY<INT64>[]", [1, 2, 3], PAGE + "#concatenation_operator"),
    one("concat_bytes", "SELECT b'ab' || b'c'", b"abc", PAGE + "#concatenation_operator"),
    one("like_bytes", "SELECT b'abc' LIKE b'a%'", True, PAGE + "#like_operator"),
    one("in_empty_unnest", "SELECT 1 IN UNNEST(ARRAY<INT64>[])", False, PAGE + "#in_operators"),
    one("struct_equality", "SELECT (1, 'x') = (1, 'x')", True, PAGE + "#comparison_operators"),
    one("not_equal_operator", "SELECT 1 <> 2 AND 1 != 2", True, PAGE + "#comparison_operators"),
    one("struct_field_access", "SELECT STRUCT(1 AS a, 'x' AS b).b", "x", PAGE + "#field_access_operator"),
    one("exists_subquery", "SELECT EXISTS(SELECT 1 FROM UNNEST([1]) AS x WHERE x > 0)", True,
        doc("subqueries") + "#exists_subquery_concepts"),
]
