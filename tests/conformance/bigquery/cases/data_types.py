"""Literals and data types: our own values for the behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical (literals,
escapes) and .../data-types (ranges, NUMERIC/BIGNUMERIC, ARRAY, STRUCT)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ._model import Case, doc, one

LEX = doc("lexical")
ESC = LEX + "#escape_sequences"
TYPES = doc("data-types")

CASES: list[Case] = [
    # string and bytes literals
    one("string_double_quotes", "SELECT \"it's\"", "it's", LEX + "#string_and_bytes_literals"),
    one("string_triple_quoted", "SELECT '''a\nb'''", "a\nb", LEX + "#string_and_bytes_literals"),
    one("string_escape_newline", r"SELECT 'a\nb'", "a\nb", ESC),
    one("string_escape_tab", r"SELECT 'a\tb'", "a\tb", ESC),
    one("string_escape_quote", r"SELECT 'it\'s'", "it's", ESC),
    one("string_escape_backslash", r"SELECT 'a\\b'", "a\\b", ESC),
    one("string_escape_u4", r"SELECT '\u00e9t\u00e9'", "été", ESC),
    one("string_escape_u8", r"SELECT '\U0001F600'", "\U0001f600", ESC),
    one("string_escape_hex", r"SELECT '\x41\x42'", "AB", ESC),
    one("string_escape_octal", r"SELECT '\101'", "A", ESC),
    one("raw_string_keeps_backslash", r"SELECT r'a\nb'", "a\\nb", LEX + "#string_and_bytes_literals"),
    one("bytes_literal", "SELECT b'abc'", b"abc", LEX + "#string_and_bytes_literals", types=["BYTES"]),
    one("bytes_escape_hex", r"SELECT b'\x00\xff'", b"\x00\xff", ESC),
    one("bytes_escape_newline", r"SELECT b'a\nb'", b"a\nb", ESC),
    one("bytes_escape_octal", r"SELECT b'\001'", b"\x01", ESC),
    one("raw_bytes", r"SELECT rb'\x00'", b"\\x00", LEX + "#string_and_bytes_literals"),
    one("bytes_length", r"SELECT LENGTH(b'\x00\x01\x02')", 3, ESC),
    one("unicode_string_length_chars", "SELECT LENGTH('été')", 3, doc("string_functions") + "#length"),
    # numbers
    one("hex_integer", "SELECT 0x1F", 31, LEX + "#integer_literals", types=["INT64"]),
    one("float_exponent", "SELECT 1.5e3", 1500.0, LEX + "#floating_point_literals", types=["FLOAT64"]),
    one("decimal_literal_is_float", "SELECT 2.5", 2.5, LEX + "#floating_point_literals", types=["FLOAT64"]),
    one("numeric_literal", "SELECT NUMERIC '12.345'", Decimal("12.345"), LEX + "#numeric_literals",
        types=["NUMERIC"]),
    one("numeric_max_scale", "SELECT NUMERIC '0.123456789'", Decimal("0.123456789"), TYPES + "#decimal_types"),
    one("numeric_rounds_tenth_digit", "SELECT NUMERIC '0.1234567895'", Decimal("0.123456790"),
        TYPES + "#decimal_types"),
    one("numeric_large", "SELECT NUMERIC '12345678901234567890123456789.5'",
        Decimal("12345678901234567890123456789.5"), TYPES + "#decimal_types"),
    one("bignumeric_literal", "SELECT BIGNUMERIC '1.12345678901234567890123456789012345678'",
        Decimal("1.12345678901234567890123456789012345678"), LEX + "#bignumeric_literals",
        types=["BIGNUMERIC"],
        unsupported="DuckDB's widest DECIMAL has 38 digits; BIGNUMERIC's 76 digits (38 after the"
                    " point) do not fit, so such a value is refused with an error naming it"),
    one("numeric_exact_addition", "SELECT NUMERIC '0.1' + NUMERIC '0.2'", Decimal("0.3"),
        TYPES + "#decimal_types"),
    Case("numeric_out_of_range", "SELECT NUMERIC '123456789012345678901234567890'", source=TYPES + "#decimal_types",
         expect_error=""),
    one("int64_max", "SELECT 9223372036854775807", 9223372036854775807, TYPES + "#integer_types"),
    Case("int64_overflow_errors", "SELECT 9223372036854775807 + 1", source=TYPES + "#integer_types",
         expect_error="overflow"),
    one("int_division_is_float", "SELECT 7 / 2", 3.5, doc("operators") + "#arithmetic_operators",
        types=["FLOAT64"]),
    Case("division_by_zero_errors", "SELECT 1 / 0", source=doc("operators") + "#arithmetic_operators",
         expect_error="division by zero"),
    one("nan_equals_itself_in_group", "SELECT COUNT(DISTINCT x) FROM UNNEST([CAST('NaN' AS FLOAT64), "
        "CAST('NaN' AS FLOAT64)]) AS x", 1, TYPES + "#floating_point_semantics"),
    one("inf_literal", "SELECT CAST('inf' AS FLOAT64)", float("inf"), TYPES + "#floating_point_types"),
    # bool
    one("bool_literal", "SELECT TRUE AND NULL", None, LEX + "#boolean_literals"),
    one("bool_or_null", "SELECT TRUE OR NULL", True, doc("operators") + "#logical_operators"),
    # arrays and structs
    one("array_literal", "SELECT [1, 2, 3]", [1, 2, 3], LEX + "#array_literals", types=["ARRAY<INT64>"]),
    one("array_typed_empty", "SELECT ARRAY<STRING>[]", [], LEX + "#array_literals"),
    one("array_supertype", "SELECT [1, 2.5]", [1.0, 2.5], TYPES + "#array_type", types=["ARRAY<FLOAT64>"]),
    one("array_subscript_offset", "SELECT ['a', 'b', 'c'][OFFSET(1)]", "b", doc("operators") +
        "#array_subscript_operator"),
    one("array_subscript_ordinal", "SELECT ['a', 'b', 'c'][ORDINAL(1)]", "a", doc("operators") +
        "#array_subscript_operator"),
    one("array_subscript_bare_is_offset", "SELECT ['a', 'b', 'c'][1]", "b", doc("operators") +
        "#array_subscript_operator"),
    Case("array_offset_out_of_range_errors", "SELECT ['a', 'b'][OFFSET(6)]",
         source=doc("operators") + "#array_subscript_operator", expect_error="out of bounds"),
    one("array_safe_offset_null", "SELECT ['a', 'b'][SAFE_OFFSET(6)]", None,
        doc("operators") + "#array_subscript_operator"),
    Case("array_with_null_element_in_result_errors", "SELECT [1, NULL, 3]", source=TYPES + "#array_nulls",
         expect_error="NULL"),
    one("array_of_struct", "SELECT [STRUCT(1 AS a), STRUCT(2 AS a)]", [{"a": 1}, {"a": 2}], TYPES + "#array_type"),
    one("struct_literal", "SELECT STRUCT(1 AS a, 'x' AS b)", {"a": 1, "b": "x"}, LEX + "#struct_literals",
        types=["STRUCT"]),
    one("struct_typed", "SELECT STRUCT<x INT64, y STRING>(5, 'q')", {"x": 5, "y": "q"}, TYPES + "#struct_type"),
    one("struct_field_access", "SELECT STRUCT(1 AS a, 'x' AS b).b", "x", doc("operators") + "#field_access_operator"),
    one("struct_nested_array", "SELECT STRUCT([1, 2] AS xs).xs", [1, 2], TYPES + "#struct_type"),
    one("struct_compare_equal", "SELECT STRUCT(1, 'a') = STRUCT(1, 'a')", True, TYPES + "#comparable_data_types"),
    one("date_literal", "SELECT DATE '2024-03-05'", dt.date(2024, 3, 5), LEX + "#date_literals", types=["DATE"]),
    Case("date_literal_invalid", "SELECT DATE '2024-02-30'", source=LEX + "#date_literals", expect_error=""),
    one("date_range_max", "SELECT DATE '9999-12-31'", dt.date(9999, 12, 31), TYPES + "#date_type"),
    one("json_literal", "SELECT JSON '{\"a\": [1, 2]}'", {"a": [1, 2]}, LEX + "#json_literals", types=["JSON"]),
    one("coalesce_supertype", "SELECT COALESCE(1, 2.5)", 1.0, doc("conditional_expressions") + "#coalesce",
        types=["FLOAT64"]),
]
