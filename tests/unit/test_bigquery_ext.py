"""dplat's GoogleSQL corrections for the bigquery image (images/bigquery/ext/dplat_bqext).

Each transform is checked twice, without the emulator: the GoogleSQL it
writes, and what that SQL answers once SQLGlot has made DuckDB SQL of it and
DuckDB (with our macros) has run it, against values from BigQuery's
documentation (the same values as the conformance cases named in each test).
The whole chain through bqemulator is the conformance suite's business.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

# The layer is not part of the dplat package: it is copied into the image.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "images" / "bigquery" / "ext"))

duckdb = pytest.importorskip("duckdb", reason="dev dependency (pyproject.toml [dev])")
sqlglot = pytest.importorskip("sqlglot", reason="dev dependency (pyproject.toml [dev])")

from dplat_bqext import RewriteError, register_macros, rewrite  # noqa: E402


def answer(bq_sql: str) -> Any:
    """The one value ``bq_sql`` gives after our rewrite, SQLGlot and DuckDB (macros and Python functions)."""
    from dplat_bqext.json_ops import register_json_functions
    from dplat_bqext.net import register_net

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    register_macros(connection)
    register_net(connection)
    register_json_functions(connection)
    duck_sql = sqlglot.transpile(rewrite(bq_sql), read="bigquery", write="duckdb")[0]
    return connection.execute(duck_sql).fetchone()[0]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT DATE_DIFF(DATE '2024-03-11', DATE '2024-03-10', WEEK(MONDAY))", 1),
        ("SELECT DATE_DIFF(DATE '2024-03-10', DATE '2024-03-09', WEEK(MONDAY))", 0),
        ("SELECT DATE_DIFF(DATE '2024-03-25', DATE '2024-03-10', WEEK(MONDAY))", 3),
        ("SELECT DATE_DIFF(DATE '2024-03-10', DATE '2024-03-09', WEEK)", 1),
        ("SELECT DATE_DIFF(DATE '2024-03-11', DATE '2024-03-10', ISOWEEK)", 1),
        ("SELECT DATETIME_DIFF(DATETIME '2024-03-10 00:00:00', DATETIME '2024-03-09 23:59:59', WEEK)", 1),
        ("SELECT DATE_TRUNC(DATE '2024-03-15', WEEK(MONDAY))", dt.date(2024, 3, 11)),
        ("SELECT DATE_TRUNC(DATE '2024-03-15', WEEK(SATURDAY))", dt.date(2024, 3, 9)),
        ("SELECT DATE_TRUNC(DATE '2024-03-10', ISOWEEK)", dt.date(2024, 3, 4)),
        ("SELECT DATETIME_TRUNC(DATETIME '2024-03-15 10:42:17', WEEK)", dt.datetime(2024, 3, 10)),
        ("SELECT LAST_DAY(DATE '2024-03-15', WEEK(MONDAY))", dt.date(2024, 3, 17)),
        ("SELECT LAST_DAY(DATE '2024-03-15', WEEK)", dt.date(2024, 3, 16)),
    ],
)
def test_weeks_start_on_the_named_day(sql: str, expected: Any) -> None:
    """Cases date.diff_week_*, date.trunc_week_*, date.last_day_week*, datetime.*week*."""
    assert answer(sql) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', HOUR)",
         13410),
        ("SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-15 10:00:00+00', TIMESTAMP '2024-03-15 12:30:00+00', HOUR)",
         -2),
        ("SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-16 00:00:01+00', TIMESTAMP '2024-03-15 23:59:59+00', DAY)", 0),
        ("SELECT UNIX_SECONDS(TIMESTAMP '2024-03-15 12:00:00.9+00')", 1710504000),
        ("SELECT UNIX_SECONDS(TIMESTAMP '1969-12-31 23:59:59.5+00')", -1),
    ],
)
def test_timestamp_diff_truncates_and_unix_seconds_rounds_down(sql: str, expected: int) -> None:
    """Cases timestamp.diff_*, timestamp.unix_seconds*."""
    assert answer(sql) == expected


def test_timestamp_add_refuses_calendar_parts() -> None:
    """Case timestamp.add_month_errors: BigQuery's own message."""
    with pytest.raises(RewriteError, match="does not support the MONTH date part"):
        rewrite("SELECT TIMESTAMP_ADD(TIMESTAMP '2024-03-15 00:00:00+00', INTERVAL 1 MONTH)")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT PARSE_DATE('%m', '03')", dt.date(1970, 3, 1)),
        ("SELECT PARSE_DATE('%d', '15')", dt.date(1970, 1, 15)),
        ("SELECT PARSE_DATE('%Y%m%d', '20240305')", dt.date(2024, 3, 5)),
    ],
)
def test_parse_without_year_takes_1970(sql: str, expected: Any) -> None:
    """Cases date.parse_month_only_defaults_1970, datetime.parse_time_only_defaults."""
    assert answer(sql) == expected


def test_parse_datetime_without_year_gets_one() -> None:
    """Case datetime.parse_time_only_defaults (bqemulator's own rule translates PARSE_DATETIME)."""
    assert rewrite("SELECT PARSE_DATETIME('%H:%M', s)") == (
        "SELECT PARSE_DATETIME('%Y-%H:%M', CONCAT('1970-', s))"
    )


def test_div_keeps_its_operands_whole() -> None:
    """Case issue11.div_of_sum."""
    assert answer("SELECT DIV(7 + 3, 2)") == 5


def test_other_queries_reach_bqemulator_as_written() -> None:
    """Nothing applies: the text is not re-generated (bqemulator's own text passes see it)."""
    sql = "SELECT  b'\\x41', DATE_DIFF(d1, d2, DAY)  FROM t"
    assert rewrite(sql) is sql
    assert rewrite("SELECT (") == "SELECT ("


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT FORMAT_DATE('%e', DATE '2024-03-05')", " 5"),
        ("SELECT FORMAT_DATE('%C|%Q|%g', DATE '2021-01-03')", "20|1|20"),
        ("SELECT FORMAT_DATE('a%nb%t100%%', DATE '2024-03-05')", "a\nb\t100%"),
        ("SELECT FORMAT_DATETIME('%c', DATETIME '2024-03-05 07:08:09')", "Tue Mar  5 07:08:09 2024"),
        ("SELECT FORMAT_DATETIME('%k|%l|%R', DATETIME '2024-03-05 19:08:09')", "19| 7|19:08"),
        ("SELECT FORMAT_DATETIME('%E3S', DATETIME '2024-03-05 07:08:09.5')", "09.500"),
        ("SELECT FORMAT_DATETIME('%E*S', DATETIME '2024-03-05 07:08:09.123456')", "09.123456"),
        ("SELECT FORMAT_DATETIME('%E*S', DATETIME '2024-03-05 07:08:09')", "09"),
        ("SELECT FORMAT_DATETIME('%E4Y-%E0S', DATETIME '2024-03-05 07:08:09.9')", "2024-09"),
    ],
)
def test_format_elements_duckdb_lacks(sql: str, expected: str) -> None:
    """Cases of the format_elements family (DuckDB's strftime refuses or mis-pads these)."""
    assert answer(sql) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT PARSE_TIME('%R', '07:08')", "SELECT PARSE_TIME('%H:%M', '07:08')"),
        ("SELECT PARSE_TIME('%H:%M:%E3S', s)", "SELECT PARSE_TIME('%H:%M:%E6S', s)"),
        ("SELECT PARSE_DATE('%b %e %Y', s)", "SELECT PARSE_DATE('%b %d %Y', s)"),
    ],
)
def test_parse_formats_get_duckdb_spelling(sql: str, expected: str) -> None:
    """%E6S is BigQuery's spelling of DuckDB's %S.%f (fraction-aware when parsing)."""
    assert rewrite(sql) == expected


def test_parse_timestamp_keeps_zone_argument_and_type() -> None:
    """Cases timestamp.parse_zone_argument and format_elements.parse_z_offset."""
    assert rewrite("SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M', s, 'America/New_York')") == (
        "SELECT TIMESTAMP(PARSE_DATETIME('%F %H:%M', s), 'America/New_York')"
    )
    assert rewrite("SELECT PARSE_TIMESTAMP('%F %T %z', s)") == (
        "SELECT CAST(PARSE_TIMESTAMP('%F %T %z', s) AS TIMESTAMP)"
    )


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        ((0, 0, -3 * 3600 * 10**9), "0-0 0 -3:0:0"),
        ((-2, -5, 0), "-0-2 -5 0:0:0"),
        ((14, 3, (4 * 3600 + 5 * 60 + 6) * 10**9 + 500_000_000), "1-2 3 4:5:6.5"),
        ((0, 0, 0), "0-0 0 0:0:0"),
    ],
)
def test_interval_text_has_a_sign_per_part(parts: tuple[int, int, int], text: str) -> None:
    """Cases interval.literal_negative_hours, interval.justify_days_negative (canonical format,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#interval_type)."""
    from dplat_bqext.results import format_bq_interval

    assert format_bq_interval(*parts) == text


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        ("Asia/Kolkata", "2024-03-15 17:30:00+05:30"),
        ("America/New_York", "2024-03-15 08:00:00-04"),
        ("UTC", "2024-03-15 12:00:00+00"),
    ],
)
def test_string_in_zone_ends_with_offset(zone: str, text: str) -> None:
    """Case timestamp.string_zone (New York is UTC-4 from 2024-03-10)."""
    assert answer(f"SELECT STRING(TIMESTAMP '2024-03-15 12:00:00+00', '{zone}')") == text


def test_justify_interval_justifies_hours_first() -> None:
    """Case interval.justify_interval: bqemulator's own rules then translate both."""
    assert rewrite("SELECT JUSTIFY_INTERVAL(x)") == "SELECT JUSTIFY_DAYS(JUSTIFY_HOURS(x))"


def test_cast_to_numeric_keeps_nine_decimals() -> None:
    """Case conversion.string_to_numeric: DuckDB's bare DECIMAL is (18, 3)."""
    from decimal import Decimal

    assert answer("SELECT CAST('3.14159' AS NUMERIC)") == Decimal("3.14159")
    assert answer("SELECT SAFE_CAST('0.123456789' AS NUMERIC)") == Decimal("0.123456789")
    assert rewrite("SELECT CAST(x AS NUMERIC(10, 2))") == "SELECT CAST(x AS NUMERIC(10, 2))"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (r"SELECT '\u00e9t\u00e9'", "été"),
        (r"SELECT '\U0001F600'", "\U0001f600"),
        (r"SELECT '\x41\x42'", "AB"),
        (r"SELECT '\101'", "A"),
        (r"SELECT 'q\x27s'", "q's"),
        (r"SELECT 'x\\u0041'", "x\\u0041"),  # an escaped backslash, then text
        (r"SELECT r'a\u0041'", "a\\u0041"),  # raw: no escapes
        (r"SELECT '''tri\x41ple'''", "triAple"),
    ],
)
def test_string_escapes_are_characters(sql: str, expected: str) -> None:
    """Cases data_types.string_escape_* (BigQuery's lexical page, escape sequences)."""
    assert answer(sql) == expected


def test_escapes_outside_string_literals_stay() -> None:
    sql = r"SELECT b'\x41', `c\x41` FROM t -- \x41"
    assert rewrite(sql) == sql


@pytest.mark.parametrize("sql", ["UPDATE t SET a = 1", "DELETE FROM t", "DELETE t"])
def test_update_and_delete_need_where(sql: str) -> None:
    """Cases dml_ddl.*_without_where_errors (data-manipulation-language page)."""
    with pytest.raises(RewriteError, match="must have a WHERE clause"):
        rewrite(sql)
    # with a WHERE it runs; DELETE's optional FROM is written out for DuckDB (missing.dml_forms)
    assert rewrite(sql + " WHERE TRUE") == sql.replace("DELETE t", "DELETE FROM t") + " WHERE TRUE"


def test_merge_actions_need_no_where() -> None:
    sql = (
        "MERGE d.t AS t USING (SELECT 1 AS id) AS s ON t.id = s.id "
        "WHEN NOT MATCHED BY SOURCE THEN DELETE WHEN MATCHED THEN UPDATE SET x = 1"
    )
    assert rewrite(sql) is sql


def test_array_offset_past_the_end_raises() -> None:
    """Case data_types.array_offset_out_of_range_errors; SAFE_OFFSET stays NULL."""
    assert answer("SELECT ['a', 'b', 'c'][OFFSET(1)]") == "b"
    assert answer("SELECT ['a', 'b', 'c'][ORDINAL(1)]") == "a"
    assert answer("SELECT ['a', 'b'][SAFE_OFFSET(6)]") is None
    with pytest.raises(duckdb.Error, match="out of bounds"):
        answer("SELECT ['a', 'b'][OFFSET(6)]")
    with pytest.raises(duckdb.Error, match="out of bounds"):
        answer("SELECT ['a', 'b'][ORDINAL(0)]")


def test_pipe_of_array_literals_concatenates() -> None:
    """Case issue11.array_concat_operator."""
    assert answer("SELECT [1, 2] || [3, 4]") == [1, 2, 3, 4]


def test_unpivot_puts_the_value_column_before_the_name_column() -> None:
    """Cases query_syntax.unpivot_* (query-syntax page, UNPIVOT operator)."""
    sql = (
        "SELECT * FROM (SELECT 'x' AS p, 5 AS q1, 7 AS q2) UNPIVOT(n FOR q IN (q1, q2)) AS u "
        "ORDER BY q"
    )
    connection = duckdb.connect()
    rows = connection.execute(sqlglot.transpile(rewrite(sql), read="bigquery", write="duckdb")[0]).fetchall()
    assert rows == [("x", 5, "q1"), ("x", 7, "q2")]


@pytest.mark.parametrize(
    ("sql", "columns", "rows"),
    [
        ("SELECT * FROM (SELECT 'x' AS p, 1 AS k, 5 AS n UNION ALL SELECT 'x', -1, 7) PIVOT(SUM(n) FOR k IN (1, -1))",
         ["p", "_1", "minus_1"], [("x", 5, 7)]),
        ("SELECT * FROM (SELECT 'x' AS p, DATE '2024-02-29' AS d, 3 AS n) PIVOT(SUM(n) FOR d IN (DATE '2024-02-29'))",
         ["p", "_2024_02_29"], [("x", 3)]),
        ("SELECT * FROM (SELECT 'x' AS p, 'q1' AS q, 4 AS n) PIVOT(SUM(n) AS total, COUNT(*) AS cnt FOR q IN ('q1', 'q2'))",
         ["p", "total_q1", "cnt_q1", "total_q2", "cnt_q2"], [("x", 4, 1, None, 0)]),
        ("SELECT * FROM (SELECT 'x' AS p, 2 AS k, 4 AS n) PIVOT(MAX(n) AS top FOR k IN (2 AS two, -3)) AS pv",
         ["p", "top_two", "top_minus_3"], [("x", 4, None)]),
        ("SELECT * FROM (SELECT 'x' AS p, 'q1' AS q, 4 AS n) PIVOT(SUM(n) FOR q IN ('q1'))", ["p", "q1"], [("x", 4)]),
        ("SELECT * FROM (SELECT 'x' AS p, 1 AS k, 4 AS n) PIVOT(SUM(n) FOR k IN (01))", ["p", "_1"], [("x", 4)]),
        # Other types keep DuckDB's names (docs/differences.md), but still run.
        ("SELECT * FROM (SELECT 'x' AS p, -1.5 AS k, 4 AS n) PIVOT(SUM(n) AS total FOR k IN (-1.5, 2 AS two))",
         ["p", "-1.5_total", "two_total"], [("x", 4, None)]),
    ],
)
def test_pivot_names_columns_as_bigquery(sql: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Cases ordering.pivot_* and query_syntax.pivot_* (query-syntax page, PIVOT operator):
    INT64 values as _1/minus_1, DATE as _YYYY_MM_DD, aggregate alias before the value."""
    connection = duckdb.connect()
    register_macros(connection)
    result = connection.execute(sqlglot.transpile(rewrite(sql), read="bigquery", write="duckdb")[0])
    assert ([d[0] for d in result.description], result.fetchall()) == (columns, rows)


# String functions as BigQuery's string_functions page describes them:
# https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT SUBSTR('lakehouse', 0, 3)", "lak"),
        ("SELECT SUBSTR('lakehouse', -20, 4)", "lake"),
        ("SELECT SUBSTR('lakehouse', -5, 2)", "ho"),
        ("SELECT SUBSTR('lakehouse', 5, 3)", "hou"),
        ("SELECT INSTR('abcabcabc', 'bc', -1, 1)", 8),
        ("SELECT INSTR('abcabcabc', 'bc', -1, 2)", 5),
        ("SELECT INSTR('abcabcabc', 'bc', 3, 1)", 5),
        ("SELECT INSTR('xxx', 'xx', 1, 2)", 2),
        ("SELECT INSTR('abc', 'q', 1, 1)", 0),
        ("SELECT CHR(0)", ""),
        ("SELECT CHR(66)", "B"),
        ("SELECT UNICODE('')", 0),
        ("SELECT UNICODE('b')", 98),
    ],
)
def test_string_positions_as_bigquery_counts_them(sql: str, expected: Any) -> None:
    assert answer(sql) == expected


# Errors BigQuery raises where DuckDB gives NULL, '' or []: the pages
# mathematical_functions (#div, #mod), array_functions (#generate_array) and
# string_functions (#substr, #instr, #lpad, #repeat).
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT DIV(9, 0)", "division by zero"),
        ("SELECT MOD(9, 0)", "division by zero"),
        ("SELECT GENERATE_ARRAY(0, 10, 0)", "step cannot be 0"),
        ("SELECT REPEAT('z', -2)", "cannot be negative"),
        ("SELECT LPAD('z', -2)", "cannot be negative"),
        ("SELECT RPAD('z', -2, 'y')", "cannot be negative"),
        ("SELECT SUBSTR('xyz', 2, -1)", "cannot be negative"),
        ("SELECT INSTR('xyz', 'y', 0)", "position 0"),
        ("SELECT INSTR('xyz', 'y', 1, 0)", "occurrence"),
    ],
)
def test_bad_arguments_raise(sql: str, message: str) -> None:
    with pytest.raises(duckdb.Error, match=message):
        answer(sql)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT DIV(9, 2)", 4),
        ("SELECT MOD(-9, 4)", -1),
        ("SELECT GENERATE_ARRAY(0, 6, 3)", [0, 3, 6]),
        ("SELECT REPEAT('z', 3)", "zzz"),
        ("SELECT LPAD('z', 3, '.')", "..z"),
    ],
)
def test_good_arguments_pass_the_guards(sql: str, expected: Any) -> None:
    assert answer(sql) == expected


# JSON null and JSON_TYPE: https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("""SELECT JSON_EXTRACT('{"k": null}', '$.k') IS NULL""", True),
        ("""SELECT JSON_QUERY('{"k": null}', '$.k') IS NULL""", True),
        ("""SELECT CAST(JSON_QUERY(JSON '{"k": null}', '$.k') AS VARCHAR)""", "null"),
        ("""SELECT CAST(JSON_EXTRACT('{"k": [7, 8]}', '$.k[1]') AS VARCHAR)""", "8"),
        ("""SELECT JSON_EXTRACT('{"k": 1}', '$.missing') IS NULL""", True),
        ("SELECT JSON_TYPE(JSON '-0.25')", "number"),
        ("SELECT JSON_TYPE(JSON '12')", "number"),
        ("""SELECT JSON_TYPE(JSON '"txt"')""", "string"),
        ("SELECT JSON_TYPE(JSON 'false')", "boolean"),
        ("SELECT JSON_TYPE(JSON 'null')", "null"),
        ("""SELECT JSON_TYPE(JSON '{"k": 1}')""", "object"),
    ],
)
def test_json_null_and_type_names(sql: str, expected: Any) -> None:
    assert answer(sql) == expected


# https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions#to_json_string
# and #json_object; string_functions#translate.
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT TO_JSON_STRING(CAST(NULL AS STRING))", "null"),
        ("SELECT TO_JSON_STRING(7)", "7"),
        ("SELECT TO_JSON_STRING(JSON_OBJECT('zeta', 1, 'alpha', 2, 'mid', 3))", '{"alpha":2,"mid":3,"zeta":1}'),
        ("SELECT TO_JSON_STRING(JSON_OBJECT('a', 1, 'b', 2))", '{"a":1,"b":2}'),
        ("SELECT TRANSLATE('abc', 'ab', 'xy')", "xyc"),
    ],
)
def test_json_text_and_translate(sql: str, expected: Any) -> None:
    assert answer(sql) == expected


def test_translate_refuses_a_repeated_source_character() -> None:
    with pytest.raises(RewriteError, match='Duplicate character "q"'):
        rewrite("SELECT TRANSLATE('xyz', 'qrq', 'abc')")


def test_arguments_of_a_rewritten_call_are_rewritten_too() -> None:
    """SQLGlot's transform stops at a replaced node; the layer walks on into it."""
    assert answer("SELECT SUBSTR(CAST(CHR(0) AS STRING), 0, 1)") == ""
    assert answer("SELECT MOD(DIV(9, 2), 3)") == 1
    with pytest.raises(duckdb.Error, match="division by zero"):
        answer("SELECT MOD(DIV(9, 0), 3)")


def test_external_ddl_that_reaches_the_translator_is_refused() -> None:
    """CREATE/DROP EXTERNAL TABLE not intercepted (in a script) is an error, never a native table (issue 11)."""
    from dplat_bqext.statements import DROP_TABLE, name_parts, strip_comments

    for sql in ("-- c\nCREATE EXTERNAL TABLE ds.t OPTIONS (format = 'CSV', uris = ['gs://b/x'])",
                "/* c */ DROP EXTERNAL TABLE ds.t"):
        with pytest.raises(RewriteError, match="not supported inside a multi-statement script"):
            rewrite(sql)
    assert rewrite("SELECT 'EXTERNAL' AS e") == "SELECT 'EXTERNAL' AS e"
    assert strip_comments("SELECT '--a' # b\n-- c") .split() == ["SELECT", "'--a'"]
    match = DROP_TABLE.match(strip_comments("-- lead\nDROP TABLE IF EXISTS `ds`.`t`; -- bye"))
    assert match is not None and name_parts(match.group("name")) == ["ds", "t"]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (r"SELECT b'\x00\xff'", b"\x00\xff"),  # data_types.bytes_escape_hex
        (r"SELECT rb'\x00'", b"\\x00"),  # data_types.raw_bytes: four bytes
        (r"SELECT LENGTH(b'\x00\x01\x02')", 3),  # data_types.bytes_length
        (r"SELECT b'\377\000'", b"\xff\x00"),  # octal escapes
        (r"SELECT B'\xFF' || b'x'", b"\xffx"),
        (r"SELECT b'a\nb'", b"a\nb"),  # DuckDB holds it: left as written
    ],
)
def test_bytes_literals_duckdb_cannot_hold_become_from_hex(sql: str, expected: Any) -> None:
    """BigQuery's lexical page: bytes literals, their escapes, raw bytes."""
    assert answer(sql) == expected


def test_bytes_literals_duckdb_holds_stay_as_written() -> None:
    assert rewrite(r"SELECT b'a\nb', b'\001'") == r"SELECT b'a\nb', b'\001'"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (r"SELECT CAST(b'caf\xc3\xa9' AS STRING)", "café"),  # conversion.bytes_to_string
        (r"SELECT SAFE_CAST(b'\xff' AS STRING)", None),
    ],
)
def test_bytes_cast_to_string_is_their_utf8_text(sql: str, expected: Any) -> None:
    """BigQuery's conversion functions page: CAST AS STRING of BYTES decodes UTF-8."""
    assert answer(sql) == expected


def test_bytes_that_are_not_utf8_cannot_be_cast_to_string() -> None:
    """Case conversion.invalid_utf8_bytes_to_string_errors."""
    with pytest.raises(duckdb.Error, match="UTF8"):
        answer(r"SELECT CAST(b'\xff' AS STRING)")


def test_safe_convert_bytes_to_string_replaces_what_is_not_utf8() -> None:
    """Case strings.safe_convert_bad_utf8 (string functions page: U+FFFD)."""
    from dplat_bqext.bytes_ops import register_bytes_functions

    connection = duckdb.connect()
    register_macros(connection)
    register_bytes_functions(connection)
    sql = sqlglot.transpile(rewrite(r"SELECT SAFE_CONVERT_BYTES_TO_STRING(b'a\xffb')"), read="bigquery", write="duckdb")[0]
    assert connection.execute(sql).fetchone()[0] == "a\ufffdb"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT 'DD/MM/YYYY')", "05/03/2024"),
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT 'MON DD, YYYY')", "MAR 05, 2024"),
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT 'Mon mon Month')", "Mar mar March"),
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT 'YYY-Y RR DDD D Dy')", "024-4 24 065 3 Tue"),
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT '\"Year \\\\\"x\\\\\" \" YYYY')", 'Year "x"  2024'),
        ("SELECT CAST(TIME '15:04:05' AS STRING FORMAT 'HH24:MI:SS')", "15:04:05"),
        ("SELECT CAST(TIME '15:04:05.123456' AS STRING FORMAT 'HH12 SS.FF3 FF9 AM a.m. SSSSS')",
         "03 05.123 123456000 PM p.m. 54245"),
        ("SELECT CAST(DATETIME '2024-03-05 19:08:09' AS STRING FORMAT 'HH:MI P.M.')", "07:08 P.M."),
        ("SELECT CAST(TIMESTAMP '2024-03-05 12:00:00+00' AS STRING FORMAT 'HH24:MI TZH:TZM' "
         "AT TIME ZONE 'Asia/Kathmandu')", "17:45 +05:45"),
        ("SELECT CAST(TIMESTAMP '2024-03-05 00:00:00+00' AS STRING FORMAT 'HH24 TZH TZM' "
         "AT TIME ZONE 'America/St_Johns')", "20 -03 30"),
        ("SELECT CAST(CAST(NULL AS DATE) AS STRING FORMAT 'YYYY')", None),
        ("SELECT CAST('jul 14, 2023' AS DATE FORMAT 'MON DD, YYYY')", dt.date(2023, 7, 14)),
        ("SELECT CAST('2023-07' AS DATE FORMAT 'YYYY-MM')", dt.date(2023, 7, 1)),
        ("SELECT CAST('11:45 P.M.' AS TIME FORMAT 'HH12:MI A.M.')", dt.time(23, 45)),
        ("SELECT CAST('08:09:10.5' AS TIME FORMAT 'HH24:MI:SS.FF1')", dt.time(8, 9, 10, 500000)),
        ("SELECT CAST('2023-07-14 08:00:00-04' AS TIMESTAMP FORMAT 'YYYY-MM-DD HH24:MI:SSTZH')",
         dt.datetime(2023, 7, 14, 12, 0, tzinfo=dt.UTC)),
        ("SELECT CAST('88-02-29' AS DATE FORMAT 'YY-MM-DD')", dt.date(2088, 2, 29)),
    ],
)
def test_cast_format(sql: str, expected: Any) -> None:
    """Cases format_elements.cast_* (values of BigQuery's format-elements page, our own inputs)."""
    assert answer(sql) == expected


def test_cast_format_parse_types_and_defaults() -> None:
    """A DATETIME target stays DATETIME (SQLGlot made it a TIMESTAMP); a missing year is this year."""
    assert rewrite("SELECT CAST(s AS DATETIME FORMAT 'YYYY/MM/DD HH24:MI')") == (
        "SELECT PARSE_DATETIME('%Y/%m/%d %H:%M', s)"
    )
    assert rewrite("SELECT CAST(s AS DATE FORMAT 'DD')") == (
        "SELECT PARSE_DATE('%F', CONCAT(FORMAT_DATE('%Y-%m-', CURRENT_DATE), s))"
    )
    assert "SAFE.PARSE_DATE" in rewrite("SELECT SAFE_CAST(s AS DATE FORMAT 'DD/MM/YYYY')")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT 'HH24')", "DATE does not support 'HH24'"),
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT 'YYYY%')", "Cannot find matched format element"),
        ("SELECT CAST(TIMESTAMP '2024-03-05 00:00:00+00' AS STRING FORMAT 'Q')", "Unsupported format element 'Q'"),
        ("SELECT CAST(DATE '2024-03-05' AS STRING FORMAT 'DAY')", "RPAD"),
        ("SELECT CAST(12.5 AS STRING FORMAT '99.99')", "use FORMAT"),
        ("SELECT CAST(b'ab' AS STRING FORMAT 'HEX')", "TO_HEX"),
        ("SELECT CAST('03:30' AS TIME FORMAT 'HH12:MI')", "meridian"),
        ("SELECT CAST('2024 10' AS DATE FORMAT 'YYYY HH24')", "not allowed for output type DATE"),
        ("SELECT CAST('2024 2024' AS DATE FORMAT 'YYYY RRRR')", "more than once"),
        ("SELECT CAST('12' AS DATE FORMAT 'DY')", "not supported for parsing"),
        ("SELECT CAST('024' AS DATE FORMAT 'YYY')", "write YYYY"),
    ],
)
def test_cast_format_refuses(sql: str, message: str) -> None:
    """BigQuery's errors for a bad model, and what the sandbox does not do, named."""
    with pytest.raises(RewriteError, match=message):
        rewrite(sql)
