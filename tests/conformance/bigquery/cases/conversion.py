"""CAST, SAFE_CAST and the PARSE_* number functions: our own values for the
behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_functions
and the conversion rules page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ._model import Case, doc, one

P = doc("conversion_functions")
RULES = doc("conversion_rules")

CASES: list[Case] = [
    one("string_to_int", "SELECT CAST('123' AS INT64)", 123, P + "#cast_as_int64", types=["INT64"]),
    one("string_hex_to_int", "SELECT CAST('0x1A' AS INT64)", 26, P + "#cast_as_int64"),
    one("string_negative_hex_to_int", "SELECT CAST('-0x10' AS INT64)", -16, P + "#cast_as_int64"),
    one("float_to_int_rounds_half_away", "SELECT CAST(2.5 AS INT64)", 3, P + "#cast_as_int64"),
    one("negative_float_to_int_rounds_half_away", "SELECT CAST(-2.5 AS INT64)", -3, P + "#cast_as_int64"),
    one("float_to_int_rounds", "SELECT CAST(1.4 AS INT64)", 1, P + "#cast_as_int64"),
    one("numeric_to_int_rounds_half_away", "SELECT CAST(NUMERIC '-1.5' AS INT64)", -2, P + "#cast_as_int64"),
    one("bool_to_int", "SELECT CAST(TRUE AS INT64)", 1, P + "#cast_as_int64"),
    Case("bad_string_to_int_errors", "SELECT CAST('12a' AS INT64)", source=P + "#cast_as_int64",
         expect_error=""),
    Case("float_string_to_int_errors", "SELECT CAST('1.5' AS INT64)", source=P + "#cast_as_int64",
         expect_error=""),
    Case("nan_to_int_errors", "SELECT CAST(CAST('NaN' AS FLOAT64) AS INT64)", source=P + "#cast_as_int64",
         expect_error=""),
    one("safe_cast_bad_is_null", "SELECT SAFE_CAST('12a' AS INT64)", None, P + "#safe_casting"),
    one("safe_cast_good", "SELECT SAFE_CAST('42' AS INT64)", 42, P + "#safe_casting"),
    one("safe_cast_date", "SELECT SAFE_CAST('2024-02-30' AS DATE)", None, P + "#safe_casting"),
    one("string_to_float", "SELECT CAST('1.25e2' AS FLOAT64)", 125.0, P + "#cast_as_floating_point"),
    one("string_inf_to_float", "SELECT CAST('-inf' AS FLOAT64)", float("-inf"), P + "#cast_as_floating_point"),
    one("string_to_numeric", "SELECT CAST('3.14159' AS NUMERIC)", Decimal("3.14159"), P + "#cast_as_numeric",
        types=["NUMERIC"]),
    one("float_to_numeric", "SELECT CAST(0.25 AS NUMERIC)", Decimal("0.25"),
        P + "#cast_as_numeric"),
    one("string_to_bignumeric", "SELECT CAST('1e-38' AS BIGNUMERIC)", Decimal("1E-38"), P + "#cast_as_bignumeric",
        types=["BIGNUMERIC"]),
    one("int_to_string", "SELECT CAST(-42 AS STRING)", "-42", P + "#cast_as_string"),
    one("float_to_string_integral", "SELECT CAST(1.0 AS STRING)", "1", P + "#cast_as_string"),
    one("float_to_string_fraction", "SELECT CAST(0.1 AS STRING)", "0.1", P + "#cast_as_string"),
    one("float_to_string_large", "SELECT CAST(1e20 AS STRING)", "1e+20", P + "#cast_as_string"),
    one("float_nan_to_string", "SELECT CAST(CAST('nan' AS FLOAT64) AS STRING)", "nan", P + "#cast_as_string"),
    one("numeric_to_string", "SELECT CAST(NUMERIC '1.50' AS STRING)", "1.5", P + "#cast_as_string"),
    one("bool_to_string", "SELECT CAST(TRUE AS STRING)", "true", P + "#cast_as_string"),
    one("date_to_string", "SELECT CAST(DATE '2024-03-05' AS STRING)", "2024-03-05", P + "#cast_as_string"),
    one("datetime_to_string", "SELECT CAST(DATETIME '2024-03-05 07:08:09' AS STRING)", "2024-03-05 07:08:09",
        P + "#cast_as_string"),
    one("bytes_to_string", "SELECT CAST(b'caf\\xc3\\xa9' AS STRING)", "café", P + "#cast_as_string"),
    Case("invalid_utf8_bytes_to_string_errors", "SELECT CAST(b'\\xff' AS STRING)", source=P + "#cast_as_string",
         expect_error=""),
    one("string_to_bytes", "SELECT CAST('é' AS BYTES)", b"\xc3\xa9", P + "#cast_as_bytes", types=["BYTES"]),
    one("string_to_bool", "SELECT CAST('TRUE' AS BOOL)", True, P + "#cast_as_bool"),
    one("int_to_bool", "SELECT CAST(0 AS BOOL)", False, P + "#cast_as_bool"),
    Case("bad_string_to_bool_errors", "SELECT CAST('yes' AS BOOL)", source=P + "#cast_as_bool", expect_error=""),
    one("string_to_date", "SELECT CAST('2024-03-05' AS DATE)", dt.date(2024, 3, 5), P + "#cast_as_date"),
    one("timestamp_to_date_utc", "SELECT CAST(TIMESTAMP '2024-03-05 23:00:00-05' AS DATE)", dt.date(2024, 3, 6),
        P + "#cast_as_date"),
    one("string_to_datetime_t", "SELECT CAST('2024-03-05T07:08:09' AS DATETIME)", dt.datetime(2024, 3, 5, 7, 8, 9),
        P + "#cast_as_datetime"),
    one("string_to_timestamp_offset", "SELECT CAST('2024-03-05 07:08:09-02:00' AS TIMESTAMP)",
        dt.datetime(2024, 3, 5, 9, 8, 9, tzinfo=dt.UTC), P + "#cast_as_timestamp"),
    one("string_to_time", "SELECT CAST('07:08:09' AS TIME)", dt.time(7, 8, 9), P + "#cast_as_time"),
    one("datetime_to_timestamp_utc", "SELECT CAST(DATETIME '2024-03-05 07:08:09' AS TIMESTAMP)",
        dt.datetime(2024, 3, 5, 7, 8, 9, tzinfo=dt.UTC), P + "#cast_as_timestamp"),
    one("array_cast", "SELECT CAST([1, 2] AS ARRAY<STRING>)", ["1", "2"], P + "#cast_as_array"),
    one("struct_cast", "SELECT CAST(STRUCT(1 AS a) AS STRUCT<a STRING>)", {"a": "1"}, P + "#cast_as_struct"),
    one("parse_numeric", "SELECT PARSE_NUMERIC(' -1,234.50 ')", Decimal("-1234.5"), P + "#parse_numeric",
        types=["NUMERIC"]),
    one("parse_numeric_exponent", "SELECT PARSE_NUMERIC('1.2e3')", Decimal("1200"), P + "#parse_numeric"),
    one("parse_bignumeric", "SELECT PARSE_BIGNUMERIC('123.45')", Decimal("123.45"), P + "#parse_bignumeric",
        types=["BIGNUMERIC"]),
    one("implicit_int_to_float_compare", "SELECT 1 = 1.0", True, RULES + "#comparison_chart"),
    one("literal_string_coerces_to_date", "SELECT DATE_ADD('2024-03-05', INTERVAL 1 DAY)", dt.date(2024, 3, 6),
        RULES + "#coercion"),
    # Session 7: a signed hex string.
    one("safe_cast_bad_negative_hex", "SELECT SAFE_CAST('-0xZ1' AS INT64)", None, P + "#safe_casting"),
]
