"""DuckDB macros called by the rewritten SQL (see rewrite.py), one per BigQuery rule.

They are TEMP macros: bqemulator keeps one DuckDB connection, and a temporary
macro lives exactly as long as it, so nothing is written into the user's
database file.
"""

from __future__ import annotations

from typing import Any

from dplat_bqext.macros_more import MORE_MACROS
from dplat_bqext.missing import MISSING_MACROS
from dplat_bqext.ordering import ORDERING_MACROS
from dplat_bqext.ranges import RANGE_MACROS
from dplat_bqext.typed_any import ANY_MACROS

MACROS: dict[str, str] = {
    # The first day of x's week when weeks start on weekday d (0 = Sunday ..
    # 6 = Saturday, DuckDB's dayofweek numbering): BigQuery's WEEK(<weekday>).
    "dplat_week_start": "(x, d) AS CAST(x AS DATE) - CAST((dayofweek(CAST(x AS DATE)) - d + 7) % 7 AS INTEGER)",
    # DATE_DIFF/DATETIME_DIFF(a, b, WEEK(<weekday>)): week boundaries crossed.
    "dplat_week_diff": "(a, b, d) AS (dplat_week_start(a, d) - dplat_week_start(b, d)) // 7",
    # LAST_DAY(x, WEEK(<weekday>)): the week's last day.
    "dplat_week_last_day": "(x, d) AS dplat_week_start(x, d) + 6",
    # TIMESTAMP_DIFF(a, b, part): whole parts elapsed, truncated toward zero
    # (DuckDB's date_sub; date_diff would count boundaries).
    "dplat_timestamp_diff": "(a, b, part) AS date_sub(part, b, a)",
    # UNIX_SECONDS: rounds down to the second, also before 1970.
    "dplat_unix_seconds": "(x) AS CAST(floor(epoch_us(x) / 1000000) AS BIGINT)",
    # CAST/SAFE_CAST(x AS NUMERIC): NUMERIC is DECIMAL(38, 9), not DuckDB's default (18, 3).
    "dplat_numeric": "(x) AS CAST(x AS DECIMAL(38, 9))",
    "dplat_try_numeric": "(x) AS TRY_CAST(x AS DECIMAL(38, 9))",
    # arr[OFFSET(i)] (base 0) / arr[ORDINAL(i)] (base 1): BigQuery raises past either end.
    "dplat_array_at": (
        "(arr, i, base) AS CASE WHEN i - base < 0 OR i - base >= len(arr)"
        " THEN error('Array index ' || CAST(i AS VARCHAR) || ' is out of bounds')"
        " ELSE arr[i - base + 1] END"
    ),
    # A UTC offset of m minutes as BigQuery writes it in timestamps: +05:30, -04, +00.
    "dplat_utc_offset": (
        "(m) AS CASE WHEN m < 0 THEN '-' ELSE '+' END || lpad(CAST(abs(m) // 60 AS VARCHAR), 2, '0')"
        " || CASE WHEN abs(m) % 60 = 0 THEN '' ELSE ':' || lpad(CAST(abs(m) % 60 AS VARCHAR), 2, '0') END"
    ),
    # STRING(ts, zone): the local time in zone, then zone's offset at that instant.
    "dplat_string_zone": (
        "(ts, z) AS strftime(timezone(z, ts), '%Y-%m-%d %H:%M:%S')"
        " || CASE WHEN microsecond(timezone(z, ts)) % 1000000 = 0 THEN '' ELSE '.'"
        " || rtrim(lpad(CAST(microsecond(timezone(z, ts)) % 1000000 AS VARCHAR), 6, '0'), '0') END"
        " || dplat_utc_offset(date_diff('minute', timezone('UTC', ts), timezone(z, ts)))"
    ),
    # Argument guards (functions.py): the value, or BigQuery's error.
    "dplat_nonzero": "(x, message) AS CASE WHEN x = 0 THEN error(message) ELSE x END",
    "dplat_nonnegative": "(x, message) AS CASE WHEN x < 0 THEN error(message) ELSE x END",
    # SUBSTR(s, p, n): p = 0 is 1; a negative p counts from the end and stops
    # at the first character (DuckDB gave '' for a start before it).
    "dplat_substr": (
        "(s, p, n) AS CASE WHEN p > 0 THEN substring(s, p, n) WHEN p = 0 THEN substring(s, 1, n)"
        " ELSE substring(substring(s, p), 1, n) END"
    ),
    # INSTR(s, sub, p, n): the n-th match (overlapping) from p on, or from
    # length + p + 1 backwards when p < 0; 0 when there is none.
    "dplat_instr_matches": (
        "(s, sub) AS [i FOR i IN range(1, length(s) - length(sub) + 2)"
        " IF substring(s, i, length(sub)) = sub]"
    ),
    "dplat_instr": (
        "(s, sub, p, n) AS CASE"
        " WHEN p = 0 THEN error('INSTR: position 0 is not allowed; positions start at 1')"
        " WHEN n <= 0 THEN error('INSTR: occurrence must be positive')"
        " WHEN p > 0 THEN coalesce(list_filter(dplat_instr_matches(s, sub), i -> i >= p)[n], 0)"
        " ELSE coalesce(list_reverse(list_filter(dplat_instr_matches(s, sub),"
        " i -> i <= length(s) + p + 1))[n], 0) END"
    ),
    # CHR(0) is the empty string; UNICODE('') is 0.
    "dplat_chr": "(x) AS CASE WHEN x = 0 THEN '' ELSE chr(x) END",
    "dplat_unicode": "(s) AS CASE WHEN s = '' THEN 0 ELSE unicode(s) END",
    # JSON_EXTRACT/JSON_QUERY (functions.json_null_and_type): a JSON null
    # read from a STRING is SQL NULL (from a JSON value it stays JSON null).
    # v is what bqemulator extracted from a JSON-formatted STRING.
    "dplat_json_sql_null": "(v) AS CASE WHEN json_type(v) = 'NULL' THEN NULL ELSE v END",
    # JSON_TYPE in BigQuery's words (DuckDB names the storage type).
    "dplat_json_type": (
        "(j) AS CASE WHEN json_type(j) IS NULL THEN NULL"
        " WHEN json_type(j) IN ('OBJECT', 'ARRAY', 'BOOLEAN', 'NULL') THEN lower(json_type(j))"
        " WHEN json_type(j) = 'VARCHAR' THEN 'string' ELSE 'number' END"
    ),
}


def macro_statements() -> list[str]:
    """The CREATE statements, in dependency order (dict order)."""
    return [
        f"CREATE OR REPLACE TEMP MACRO {name}{body}"
        for name, body in {
            **MACROS,
            **MORE_MACROS,
            **MISSING_MACROS,
            **ORDERING_MACROS,
            **RANGE_MACROS,
            **ANY_MACROS,
        }.items()
    ]


def register_macros(connection: Any) -> None:
    """Create every macro on ``connection`` (a duckdb.DuckDBPyConnection)."""
    for statement in macro_statements():
        connection.execute(statement)
