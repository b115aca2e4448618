"""dplat_bqext's per-type, syntax, FORMAT %t, NET.* and ANY TYPE corrections (bigquery image).

As in test_bigquery_ext.py: the GoogleSQL our rewrite writes, run through
SQLGlot into DuckDB with our macros and NET functions, against the values
BigQuery's documentation gives (each test names its conformance cases and
so, through them, the reference page). The whole chain through bqemulator
is the conformance suite's business.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT CAST(2.5 AS INT64)", 3),  # conversion.float_to_int_rounds_half_away
        ("SELECT CAST(-2.5 AS INT64)", -3),
        ("SELECT SAFE_CAST('1.5' AS INT64)", None),
        ("SELECT CAST('0x1F' AS INT64)", 31),
        ("SELECT CAST(1.0 AS STRING)", "1"),  # conversion.float_to_string_integral
        ("SELECT CAST(NUMERIC '1.50' AS STRING)", "1.5"),  # conversion.numeric_to_string
        ("SELECT CAST('TRUE' AS BOOL)", True),
        ("SELECT ROUND(5)", 5.0),  # math.round_int_returns_float
        ("SELECT SIGN(2.5)", 1.0),
        ("SELECT SIGN(NUMERIC '-4.2')", Decimal("-1")),
        ("SELECT POW(NUMERIC '2', 3)", Decimal("8")),
        ("SELECT DIV(NUMERIC '7', 2)", Decimal("3")),
        ("SELECT -16 >> 2", 4611686018427387900),  # operators.shift_right_no_sign_extension
        ("SELECT BIT_COUNT(-4)", 62),  # bit.count_negative
        ("SELECT DATE '2024-03-15' - DATE '2024-03-01'", dt.timedelta(days=14)),
        ("SELECT b'ab' || b'c'", b"abc"),  # operators.concat_bytes
    ],
)
def test_operand_types_pick_bigquerys_rule(sql: str, expected: Any) -> None:
    """Cases conversion.*, math.*, operators.*, bit.count_negative, interval.date_minus_date."""
    value = answer(sql)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT TO_JSON_STRING(b'abc')", '"YWJj"'),
        ("SELECT TO_JSON_STRING(TIMESTAMP '2020-01-02 03:04:05.250001+00')", '"2020-01-02T03:04:05.250001Z"'),
        ("SELECT TO_JSON_STRING(DATETIME '2020-01-02 03:04:05')", '"2020-01-02T03:04:05"'),
        ("SELECT TO_JSON_STRING(NUMERIC '1.5')", '"1.5"'),
        ("SELECT TO_JSON_STRING(NUMERIC '42')", "42"),
        ("SELECT TO_JSON_STRING(12345678901234567)", '"12345678901234567"'),
        ("SELECT TO_JSON_STRING(2.0)", "2"),
        ("SELECT TO_JSON_STRING(CAST('NaN' AS FLOAT64))", '"NaN"'),
        ("SELECT TO_JSON_STRING(CAST(NULL AS INT64))", "null"),
    ],
)
def test_to_json_string_encodings(sql: str, expected: str) -> None:
    """Cases json.to_json_string_* (json_functions#json_encodings)."""
    assert answer(sql) == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CAST('1.5' AS INT64)", "Bad int64 value"),
        ("SELECT CAST('yes' AS BOOL)", "Bad bool value"),
        ("SELECT POW(-8, 0.5)", "POW"),
        ("SELECT INT64(JSON '\"42\"')", "not an integer"),
        ("SELECT STRING(JSON '1')", "not a string"),
        ("SELECT ST_GEOGPOINT(0, 91)", "latitude"),
        ("SELECT APPROX_TOP_SUM(x, w, 1) FROM UNNEST([STRUCT('a' AS x, -1 AS w)])", "non-negative"),
        ("SELECT SUM(x) FROM UNNEST([9223372036854775807, 1]) AS x", "overflow"),
        ("SELECT NET.IP_FROM_STRING('300.1.1.1')", "not an IPv4 or IPv6 address"),
    ],
)
def test_values_bigquery_refuses_raise(sql: str, message: str) -> None:
    """Cases conversion.*_errors, math.pow_negative_base_fraction, json.int64_of_json_string,
    math.range_bucket_unsorted (ST_GEOGPOINT needs the spatial extension: only the rewrite
    is checked there), approx.top_sum_negative_weight, aggregate.sum_overflow_errors,
    net.ip_from_string_invalid."""
    if "ST_GEOGPOINT" in sql:
        assert "dplat_latitude(91)" in rewrite(sql)
        return
    with pytest.raises(duckdb.Error, match=message):
        answer(sql)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT [1, 2] = [1, 2]", "Equality is not defined"),
        ("SELECT COALESCE(1, 'a')", "No matching signature for function COALESCE"),
        ("SELECT REGEXP_EXTRACT('ab', r'(a)(b)')", "more than 1 capturing group"),
        ("SELECT REGEXP_INSTR('a1', r'\\d', 0)", "position must be positive"),
        ("SELECT BIGNUMERIC '1.12345678901234567890123456789012345678'", "cannot hold it exactly"),
    ],
)
def test_queries_bigquery_refuses_are_refused(sql: str, message: str) -> None:
    """Cases arrays.array_equality_not_defined, conditional.coalesce_no_common_type,
    regexp.extract_two_groups, regexp.instr_position_zero, data_types.bignumeric_literal."""
    with pytest.raises(RewriteError, match=message):
        rewrite(sql)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1 | 2 ^ 3", 1),  # operators.xor_before_or
        ("SELECT 1 | 2 ^ 3 & 4 << 1", 3),
        ("SELECT (1 | 2) ^ 3", 0),
        ("SELECT '100%' LIKE r'100\\%'", True),  # operators.like_escaped_percent
        ("SELECT '100x' LIKE r'100\\%'", False),
        ("SELECT ARRAY_CONCAT([1], NULL) IS NULL", True),
        ("SELECT ARRAY_SLICE(['p', 'q', 'r', 's', 't', 'u'], 2, 4)", ["r", "s", "t"]),
        ("SELECT ARRAY_SLICE([1, 2, 3, 4, 5, 6], -4, -2)", [3, 4, 5]),
        ("SELECT [1] || [2, 3] || ARRAY<INT64>[]", [1, 2, 3]),  # operators.concat_three_arrays
        ("SELECT CAST('1e-38' AS BIGNUMERIC)", Decimal("1E-38")),  # conversion.string_to_bignumeric
        ("SELECT APPROX_TOP_COUNT(s, 2) FROM UNNEST(['a', 'c', 'a', 'b', 'c', 'c']) AS s",
         [{"value": "c", "count": 3}, {"value": "a", "count": 2}]),
        ("SELECT APPROX_TOP_SUM(k, w, 1) FROM (SELECT 'a' AS k, 5 AS w UNION ALL SELECT 'b', 7)",
         [{"value": "b", "sum": 7}]),
        ("SELECT INT64(JSON '{\"a\": [1, 2, 3]}'['a'][2])", 3),  # json.subscript_key_then_index
        ("SELECT JSON '{\"a\": 1}'.b IS NULL", True),
    ],
)
def test_syntax_corrections(sql: str, expected: Any) -> None:
    """Cases operators.*, arrays.*, string_format.grouping*, approx.top_*, json.subscript_*."""
    assert answer(sql) == expected


def duckdb_answer(duck_sql: str) -> Any:
    """What DuckDB SQL gives with our macros: for calls bqemulator itself translates."""
    connection = duckdb.connect()
    register_macros(connection)
    return connection.execute(duck_sql).fetchone()[0]


def test_range_bucket_array_must_be_sorted() -> None:
    """Case math.range_bucket_unsorted (RANGE_BUCKET itself is bqemulator's)."""
    assert "dplat_sorted_array([10, 0])" in rewrite("SELECT RANGE_BUCKET(5, [10, 0])")
    assert duckdb_answer("SELECT dplat_sorted_array([0, 10])") == [0, 10]
    with pytest.raises(duckdb.Error, match="sorted"):
        duckdb_answer("SELECT dplat_sorted_array([10, 0])")


def test_format_grouping_flag_uses_commas() -> None:
    """Cases string_format.grouping*, format_elements.format_thousands (bqemulator writes printf)."""
    assert rewrite("SELECT FORMAT(\"%'d\", -9876543)") == "SELECT FORMAT('%,d', -9876543)"
    assert duckdb_answer("SELECT printf('%,d', -9876543)") == "-9,876,543"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT FORMAT('%t', [1, 2])", "[1, 2]"),
        ("SELECT FORMAT('%T', STRUCT(1 AS a, 'x' AS b))", '(1, "x")'),
        ("SELECT FORMAT('%t', CAST(NULL AS STRING))", "NULL"),
        ("SELECT FORMAT('%t|%d', DATE '2024-03-05', 3)", "2024-03-05|3"),
    ],
)
def test_format_t_writes_the_value_text(sql: str, expected: str) -> None:
    """Cases string_format.t_*, string_format.upper_t_* (bqemulator writes FORMAT as printf)."""
    bq_sql = rewrite(sql)
    assert "%t" not in bq_sql and "%T" not in bq_sql
    tree = sqlglot.parse_one(bq_sql, read="bigquery")
    for node in tree.find_all(sqlglot.exp.Format):  # what bqemulator's FORMAT_PRINTF rule does
        node.replace(sqlglot.exp.Anonymous(this="printf", expressions=[node.this, *node.expressions]))
    assert duckdb_answer(tree.sql(dialect="duckdb")) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT NET.HOST('ftp://user:pw@files.example.com:21/a')", "files.example.com"),
        ("SELECT NET.HOST('  shop.Example.Co.UK  ')", "shop.Example.Co.UK"),
        ("SELECT NET.HOST('https://[::1]:8080/x')", "[::1]"),
        ("SELECT NET.HOST('')", None),
        ("SELECT NET.REG_DOMAIN('  shop.Example.Co.UK  ')", "Example.Co.UK"),
        ("SELECT NET.PUBLIC_SUFFIX('//ann:pw@c.d:81/x')", None),
        ("SELECT NET.SAFE_IP_FROM_STRING('300.1.1.1')", None),
        ("SELECT NET.IP_TO_STRING(NET.IP_FROM_STRING('2001:DB8:0:0:0:0:0:1'))", "2001:db8::1"),
        ("SELECT NET.IP_NET_MASK(4, 12)", b"\xff\xf0\x00\x00"),
        ("SELECT NET.IP_TO_STRING(NET.IP_TRUNC(NET.IP_FROM_STRING('192.168.1.255'), 24))", "192.168.1.0"),
        ("SELECT NET.IP_TO_STRING(NET.IPV4_FROM_INT64(-2))", "255.255.255.254"),
        ("SELECT NET.IPV4_TO_INT64(NET.IP_FROM_STRING('10.0.0.1'))", 167772161),
    ],
)
def test_net_functions(sql: str, expected: Any) -> None:
    """Cases net.* (net_functions page); the suffix ones read publicsuffixlist, which
    the dev extra pins at the image's version."""
    assert answer(sql) == expected


def test_avg_of_numeric_unnest_element_stays_numeric() -> None:
    """Case aggregate.avg_numeric_is_numeric: only an UNNEST of a NUMERIC array."""
    assert answer("SELECT AVG(x) FROM UNNEST([NUMERIC '1', NUMERIC '2']) AS x") == Decimal("1.5")
    assert rewrite("SELECT AVG(x) FROM UNNEST([1, 2]) AS x") == "SELECT AVG(x) FROM UNNEST([1, 2]) AS x"


def test_string_agg_limit_counts_no_null() -> None:
    """Case aggregate.string_agg_distinct_limit: NULLs are sorted after every value
    (bqemulator takes the first n of the ordered ARRAY_AGG)."""
    sql = "SELECT STRING_AGG(DISTINCT w, '-' ORDER BY w LIMIT 2) FROM t"
    assert rewrite(sql) == "SELECT STRING_AGG(DISTINCT w, '-' ORDER BY w IS NULL, w LIMIT 2) FROM t"
    rows = "SELECT UNNEST(['pear', 'apple', NULL, 'fig', 'apple']) AS w"
    assert duckdb_answer(
        f"SELECT array_to_string(array_slice(array_agg(DISTINCT w ORDER BY w IS NULL NULLS FIRST, w NULLS FIRST),"
        f" 1, 2), '-') FROM ({rows})"
    ) == "apple-fig"


def test_table_columns_are_typed_from_bqemulators_catalog_snapshot() -> None:
    """A column's type from the schema bqemulator passes (annotation.py), the SQL text as written."""
    schema = {"t": {"f": "DOUBLE", "i": "BIGINT", "ts": "TIMESTAMP WITH TIME ZONE", "s": "VARCHAR"}}
    assert rewrite("SELECT CAST(f AS INT64), ROUND(i) FROM ds.t", schema) == (
        "SELECT dplat_float_to_int(f), ROUND(CAST(i AS FLOAT64)) FROM ds.t"
    )
    assert rewrite("SELECT TO_JSON_STRING(x.ts) FROM ds.t AS x", schema) == (
        "SELECT dplat_json_timestamp(x.ts) FROM ds.t AS x"
    )
    # Without the snapshot (or for a column it does not list) nothing is guessed:
    # DuckDB picks the rule by the type it binds (typed_any.py).
    untyped = "SELECT dplat_any_to_int({c}, CAST({c} AS INT64)) FROM ds.t"
    assert rewrite("SELECT CAST(f AS INT64) FROM ds.t") == untyped.format(c="f")
    assert rewrite("SELECT CAST(g AS INT64) FROM ds.t", schema) == untyped.format(c="g")


def test_ddl_numeric_columns_keep_nine_decimals() -> None:
    """CREATE TABLE's NUMERIC was DuckDB's DECIMAL(18, 3): 1.23456 was stored as 1.235."""
    sql = rewrite("CREATE TABLE ds.t (n NUMERIC, a ARRAY<NUMERIC>, b BIGNUMERIC, m NUMERIC(10, 2))")
    assert sql == "CREATE TABLE ds.t (n NUMERIC(38, 9), a ARRAY<NUMERIC(38, 9)>, b BIGNUMERIC(38, 10), m NUMERIC(10, 2))"
    connection = duckdb.connect()
    connection.execute(sqlglot.transpile(sql.replace("ds.t", "t"), read="bigquery", write="duckdb")[0])
    connection.execute("INSERT INTO t (n) VALUES (1.23456)")
    assert connection.execute("SELECT n FROM t").fetchone()[0] == Decimal("1.23456")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT REVERSE(b'abc')", b"cba"),  # strings.reverse_bytes
        ("SELECT LPAD(b'ab', 4, b'x')", b"xxab"),
        ("SELECT STRPOS(b'abc', b'c')", 3),
        ("SELECT SPLIT(b'a,b', b',')", [b"a", b"b"]),
        ("SELECT TRIM(b'xxaxx', b'x')", b"a"),
        ("SELECT TRANSLATE(b'abc', b'a', b'z')", b"zbc"),
        ("SELECT b'abc' LIKE b'a%'", True),  # operators.like_bytes
        ("SELECT BIT_COUNT(FROM_HEX('ff0f'))", 12),  # bit.count_bytes
        ("SELECT 1 << 64", 0),  # operators.shift_left_past_width
        ("SELECT 1 << 63", -9223372036854775808),
        ("SELECT -1 << 1", -2),
    ],
)
def test_bytes_arguments_and_left_shift(sql: str, expected: Any) -> None:
    """BYTES forms of the string functions (ASCII bytes), BIT_COUNT(BYTES), INT64 <<."""
    assert answer(sql) == expected


def test_bytes_beyond_ascii_are_refused_not_misread() -> None:
    """A per-character answer would differ from BigQuery's per-byte one: an error says so."""
    with pytest.raises(duckdb.Error, match="beyond ASCII"):
        answer("SELECT REVERSE(FROM_HEX('c3a9'))")


def test_bytes_substr_code_points_and_fingerprint() -> None:
    """Cases strings.substr_bytes, strings.to_code_points_bytes, hash.farm_fingerprint_bytes_same
    (FARM_FINGERPRINT itself is bqemulator's: the rewrite is checked)."""
    assert answer("SELECT SUBSTR(b'abcdef', 2, 3)") == b"bcd"
    assert answer("SELECT TO_CODE_POINTS(FROM_HEX('ff00'))") == [255, 0]
    assert rewrite("SELECT FARM_FINGERPRINT(b'3true')") == "SELECT FARM_FINGERPRINT(dplat_utf8_text(b'3true'))"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT LENGTH(CAST('héllo' AS BYTES))", 6),  # strings.length_bytes: UTF-8 bytes
        ("SELECT FROM_HEX('0f0f') & FROM_HEX('00ff')", b"\x00\x0f"),  # operators.bit_and_bytes
        ("SELECT EXTRACT(WEEK(MONDAY) FROM DATE '2024-03-15')", 11),  # date.extract_week_monday
        ("SELECT EXTRACT(WEEK(MONDAY) FROM DATE '2023-01-01')", 0),  # before the first Monday
        ("SELECT CURRENT_DATETIME() > DATETIME '2020-01-01 00:00:00'", True),
        ("SELECT LAST_DAY(DATE '2024-06-01', ISOYEAR)", dt.date(2024, 12, 29)),  # date.last_day_isoyear
        ("SELECT LAST_DAY(DATE '2021-01-02', ISOYEAR)", dt.date(2021, 1, 3)),  # still ISO year 2020
        ("SELECT EXTRACT(TIME FROM DATETIME '2024-03-15 17:42:00.25')", dt.time(17, 42, 0, 250000)),
    ],
)
def test_bytes_casts_and_operators_week_extract_and_current_datetime(sql: str, expected: Any) -> None:
    """BYTES from STRING and bytewise &, EXTRACT(WEEK(<weekday>)), CURRENT_DATETIME()."""
    assert answer(sql) == expected


def test_tuples_after_a_struct_take_its_field_names() -> None:
    """Case query_syntax.unnest_struct_fields_by_name; an array of tuples alone stays as written."""
    assert answer("SELECT [STRUCT('a' AS name, 1 AS n), ('b', 2)][OFFSET(1)].name") == "b"
    assert rewrite("SELECT [(1, 2), (3, 4)]") == "SELECT [(1, 2), (3, 4)]"


def test_parse_numeric_takes_spaces_and_digit_commas() -> None:
    """Case conversion.parse_numeric (conversion_functions#parse_numeric)."""
    assert answer("SELECT PARSE_NUMERIC(' -1,234.50 ')") == Decimal("-1234.5")
    assert answer("SELECT PARSE_NUMERIC('1.2e3')") == Decimal("1200")
    with pytest.raises(duckdb.Error, match="Invalid NUMERIC value"):
        answer("SELECT PARSE_NUMERIC('abc')")
