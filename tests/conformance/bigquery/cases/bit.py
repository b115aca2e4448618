"""Bit functions (BIT_COUNT) and the bitwise aggregates BIT_AND, BIT_OR, BIT_XOR.

https://cloud.google.com/bigquery/docs/reference/standard-sql/bit_functions
https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions (BIT_AND, BIT_OR, BIT_XOR)

BIT_COUNT of a negative INT64 counts its two's complement bits.
"""

from ._model import Case, doc, one

PAGE = doc("bit_functions")
AGG = doc("aggregate_functions")

CASES: list[Case] = [
    one("count_zero", "SELECT BIT_COUNT(0)", 0, PAGE + "#bit_count"),
    one("count_byte", "SELECT BIT_COUNT(255)", 8, PAGE + "#bit_count"),
    one("count_negative", "SELECT BIT_COUNT(-4)", 62, PAGE + "#bit_count"),
    one("count_min_int64", "SELECT BIT_COUNT(-9223372036854775808)", 1, PAGE + "#bit_count"),
    one("count_bytes", "SELECT BIT_COUNT(FROM_HEX('ff0f'))", 12, PAGE + "#bit_count"),
    one("count_null", "SELECT BIT_COUNT(CAST(NULL AS INT64))", None, PAGE + "#bit_count"),
    one("agg_and", "SELECT BIT_AND(x) FROM UNNEST([12, 10, 14]) AS x", 8, AGG + "#bit_and"),
    one("agg_or", "SELECT BIT_OR(x) FROM UNNEST([1, 4, 8]) AS x", 13, AGG + "#bit_or"),
    one("agg_xor", "SELECT BIT_XOR(x) FROM UNNEST([5, 3]) AS x", 6, AGG + "#bit_xor"),
    one("agg_xor_distinct", "SELECT BIT_XOR(DISTINCT x) FROM UNNEST([1, 1, 2]) AS x", 3, AGG + "#bit_xor"),
    one("agg_and_empty", "SELECT BIT_AND(x) FROM UNNEST(ARRAY<INT64>[]) AS x", None, AGG + "#bit_and"),
]
