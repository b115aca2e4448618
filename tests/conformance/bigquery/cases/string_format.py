"""FORMAT(format_string, ...): printf-style specifiers, flags, width, precision, NULLs.

https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions#format_string

Our own arguments; every expected string follows the specifier table and the
NULL rules of that section (``%t``/``%T`` print NULL, the others give NULL).
"""

from ._model import Case, doc, one

FMT = doc("string_functions") + "#format_string"

CASES: list[Case] = [
    one("d", "SELECT FORMAT('%d', 42)", "42", FMT),
    one("i", "SELECT FORMAT('%i', -7)", "-7", FMT),
    one("grouping", """SELECT FORMAT("%'d", 1234567)""", "1,234,567", FMT),
    one("grouping_negative", """SELECT FORMAT("%'d", -9876543)""", "-9,876,543", FMT),
    one("grouping_small", """SELECT FORMAT("%'d", 999)""", "999", FMT),
    one("zero_pad", "SELECT FORMAT('%05d', 42)", "00042", FMT),
    one("width", "SELECT FORMAT('%6d|', 42)", "    42|", FMT),
    one("left_justify", "SELECT FORMAT('%-6d|', 42)", "42    |", FMT),
    one("plus_sign", "SELECT FORMAT('%+d', 5)", "+5", FMT),
    one("star_width", "SELECT FORMAT('%*d', 5, 42)", "   42", FMT),
    one("hex_lower", "SELECT FORMAT('%x', 255)", "ff", FMT),
    one("hex_upper", "SELECT FORMAT('%X', 255)", "FF", FMT),
    one("hex_alternate", "SELECT FORMAT('%#x', 255)", "0xff", FMT),
    one("octal", "SELECT FORMAT('%o', 8)", "10", FMT),
    one("fixed_precision", "SELECT FORMAT('%.2f', 3.14159)", "3.14", FMT),
    one("fixed_default_precision", "SELECT FORMAT('%f', 1.5)", "1.500000", FMT),
    one("fixed_width_precision", "SELECT FORMAT('%7.1f|', 3.14159)", "    3.1|", FMT),
    one("exponent_lower", "SELECT FORMAT('%e', 1234.5)", "1.234500e+03", FMT),
    one("exponent_upper", "SELECT FORMAT('%E', 1234.5)", "1.234500E+03", FMT),
    one("general_large", "SELECT FORMAT('%g', 1234567.0)", "1.23457e+06", FMT),
    one("general_small", "SELECT FORMAT('%g', 0.5)", "0.5", FMT),
    one("string_width", "SELECT FORMAT('%8s|', 'ab')", "      ab|", FMT),
    one("string_precision", "SELECT FORMAT('%.3s', 'abcdef')", "abc", FMT),
    one("percent_literal", "SELECT FORMAT('100%%')", "100%", FMT),
    one("several_arguments", "SELECT FORMAT('%s has %d rows', 'orders', 3)", "orders has 3 rows", FMT),
    one("t_array", "SELECT FORMAT('%t', [1, 2])", "[1, 2]", FMT),
    one("t_struct", "SELECT FORMAT('%t', STRUCT(1 AS a, 'x' AS b))", "(1, x)", FMT),
    one("upper_t_struct", "SELECT FORMAT('%T', STRUCT(1 AS a, 'x' AS b))", '(1, "x")', FMT),
    one("upper_t_string", "SELECT FORMAT('%T', 'x')", '"x"', FMT),
    one("t_float", "SELECT FORMAT('%t', 1.5)", "1.5", FMT),
    one("t_bool", "SELECT FORMAT('%t', TRUE)", "true", FMT),
    one("t_date", "SELECT FORMAT('%t', DATE '2024-03-05')", "2024-03-05", FMT),
    one("t_null_prints_null", "SELECT FORMAT('%t', CAST(NULL AS STRING))", "NULL", FMT),
    one("upper_t_null_prints_null", "SELECT FORMAT('%T', CAST(NULL AS INT64))", "NULL", FMT),
    one("s_null_is_null", "SELECT FORMAT('%s', CAST(NULL AS STRING))", None, FMT),
    one("d_null_is_null", "SELECT FORMAT('%d', CAST(NULL AS INT64))", None, FMT),
    one("null_format", "SELECT FORMAT(CAST(NULL AS STRING), 1)", None, FMT),
    Case("d_with_string", "SELECT FORMAT('%d', 'x')", source=FMT, expect_error=""),
    Case("too_few_arguments", "SELECT FORMAT('%d %d', 1)", source=FMT, expect_error=""),
]
