"""Timestamp functions, our own values for the behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions
(1710504000 is 2024-03-15 12:00:00 UTC; New York is UTC-4 from 2024-03-10)."""

from __future__ import annotations

import datetime as dt

from ._model import Case, doc, one

P = doc("timestamp_functions")
UTC = dt.UTC


def ts(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


CASES: list[Case] = [
    one("literal_offset", "SELECT TIMESTAMP '2024-03-15 14:00:00+02'", ts(2024, 3, 15, 12), P + "#timestamp",
        types=["TIMESTAMP"]),
    one("literal_no_zone_is_utc", "SELECT TIMESTAMP '2024-03-15 12:00:00'", ts(2024, 3, 15, 12), P + "#timestamp"),
    one("literal_zone_name", "SELECT TIMESTAMP '2024-03-15 08:00:00 America/New_York'", ts(2024, 3, 15, 12),
        doc("data-types") + "#timestamp_type"),
    one("literal_t_z", "SELECT TIMESTAMP '2024-03-15T12:00:00Z'", ts(2024, 3, 15, 12),
        doc("data-types") + "#timestamp_type"),
    one("from_string_zone", "SELECT TIMESTAMP('2024-03-15 21:00:00', 'Asia/Tokyo')", ts(2024, 3, 15, 12),
        P + "#timestamp"),
    one("from_date", "SELECT TIMESTAMP(DATE '2024-03-15')", ts(2024, 3, 15), P + "#timestamp"),
    one("from_datetime_zone", "SELECT TIMESTAMP(DATETIME '2024-03-15 08:00:00', 'America/New_York')",
        ts(2024, 3, 15, 12), P + "#timestamp"),
    one("equal_across_offsets", "SELECT TIMESTAMP '2024-03-15 14:00:00+02' = TIMESTAMP '2024-03-15 12:00:00+00'",
        True, P + "#timestamp"),
    one("seconds", "SELECT TIMESTAMP_SECONDS(1710504000)", ts(2024, 3, 15, 12), P + "#timestamp_seconds"),
    one("millis", "SELECT TIMESTAMP_MILLIS(1710504000250)", dt.datetime(2024, 3, 15, 12, 0, 0, 250000, UTC),
        P + "#timestamp_millis"),
    one("micros", "SELECT TIMESTAMP_MICROS(1710504000000001)", dt.datetime(2024, 3, 15, 12, 0, 0, 1, UTC),
        P + "#timestamp_micros"),
    one("unix_seconds", "SELECT UNIX_SECONDS(TIMESTAMP '2024-03-15 12:00:00.9+00')", 1710504000,
        P + "#unix_seconds", types=["INT64"]),
    one("unix_seconds_before_epoch_rounds_down", "SELECT UNIX_SECONDS(TIMESTAMP '1969-12-31 23:59:59.5+00')", -1,
        P + "#unix_seconds"),
    one("unix_millis", "SELECT UNIX_MILLIS(TIMESTAMP '2024-03-15 12:00:00.0019+00')", 1710504000001,
        P + "#unix_millis"),
    one("unix_micros", "SELECT UNIX_MICROS(TIMESTAMP '1970-01-01 00:00:01+00')", 1000000, P + "#unix_micros"),
    # TIMESTAMP_DIFF: whole units elapsed, truncated toward zero
    one("diff_hour_truncates",
        "SELECT TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', HOUR)",
        13410, P + "#timestamp_diff", types=["INT64"]),
    one("diff_negative_truncates_toward_zero",
        "SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-15 10:00:00+00', TIMESTAMP '2024-03-15 12:30:00+00', HOUR)",
        -2, P + "#timestamp_diff"),
    one("diff_day_is_24_hours",
        "SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-16 00:00:01+00', TIMESTAMP '2024-03-15 23:59:59+00', DAY)", 0,
        P + "#timestamp_diff"),
    one("diff_minute", "SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-15 12:10:59+00', TIMESTAMP '2024-03-15 12:00:00+00',"
        " MINUTE)", 10, P + "#timestamp_diff"),
    one("diff_millisecond",
        "SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-15 12:00:01.5+00', TIMESTAMP '2024-03-15 12:00:00+00', MILLISECOND)",
        1500, P + "#timestamp_diff"),
    one("diff_second_offsets",
        "SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-15 12:00:00+01', TIMESTAMP '2024-03-15 12:00:00+00', SECOND)",
        -3600, P + "#timestamp_diff"),
    # ADD / SUB
    one("add_minutes", "SELECT TIMESTAMP_ADD(TIMESTAMP '2024-03-15 23:55:00+00', INTERVAL 10 MINUTE)",
        ts(2024, 3, 16, 0, 5), P + "#timestamp_add"),
    one("add_day", "SELECT TIMESTAMP_ADD(TIMESTAMP '2024-02-28 12:00:00+00', INTERVAL 1 DAY)", ts(2024, 2, 29, 12),
        P + "#timestamp_add"),
    one("sub_hours", "SELECT TIMESTAMP_SUB(TIMESTAMP '2024-03-15 01:00:00+00', INTERVAL 3 HOUR)",
        ts(2024, 3, 14, 22), P + "#timestamp_sub"),
    one("sub_micros", "SELECT TIMESTAMP_SUB(TIMESTAMP '2024-03-15 00:00:00+00', INTERVAL 1 MICROSECOND)",
        dt.datetime(2024, 3, 14, 23, 59, 59, 999999, UTC), P + "#timestamp_sub"),
    Case("add_month_errors", "SELECT TIMESTAMP_ADD(TIMESTAMP '2024-03-15 00:00:00+00', INTERVAL 1 MONTH)",
         source=P + "#timestamp_add", expect_error=""),
    # TRUNC, in UTC unless a zone is given
    one("trunc_day_utc", "SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 23:30:00-05', DAY)", ts(2024, 3, 16),
        P + "#timestamp_trunc"),
    one("trunc_day_zone",
        "SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 02:00:00+00', DAY, 'America/New_York')", ts(2024, 3, 14, 4),
        P + "#timestamp_trunc"),
    one("trunc_hour", "SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 12:34:56+00', HOUR)", ts(2024, 3, 15, 12),
        P + "#timestamp_trunc"),
    one("trunc_month", "SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 12:34:56+00', MONTH)", ts(2024, 3, 1),
        P + "#timestamp_trunc"),
    one("trunc_week", "SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 12:34:56+00', WEEK)", ts(2024, 3, 10),
        P + "#timestamp_trunc"),
    one("trunc_week_monday", "SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 12:34:56+00', WEEK(MONDAY))",
        ts(2024, 3, 11), P + "#timestamp_trunc"),
    one("trunc_isoyear", "SELECT TIMESTAMP_TRUNC(TIMESTAMP '2021-01-03 12:00:00+00', ISOYEAR)", ts(2019, 12, 30),
        P + "#timestamp_trunc"),
    # EXTRACT
    one("extract_hour_utc", "SELECT EXTRACT(HOUR FROM TIMESTAMP '2024-03-15 12:00:00+00')", 12, P + "#extract"),
    one("extract_hour_zone",
        "SELECT EXTRACT(HOUR FROM TIMESTAMP '2024-03-15 12:00:00+00' AT TIME ZONE 'Asia/Tokyo')", 21,
        P + "#extract"),
    one("extract_date", "SELECT EXTRACT(DATE FROM TIMESTAMP '2024-03-15 23:00:00-05')", dt.date(2024, 3, 16),
        P + "#extract"),
    one("extract_dayofweek", "SELECT EXTRACT(DAYOFWEEK FROM TIMESTAMP '2024-03-10 12:00:00+00')", 1,
        P + "#extract"),
    one("extract_isoweek", "SELECT EXTRACT(ISOWEEK FROM TIMESTAMP '2021-01-03 12:00:00+00')", 53, P + "#extract"),
    # FORMAT / PARSE / STRING
    one("format_c_utc", "SELECT FORMAT_TIMESTAMP('%c', TIMESTAMP '2024-03-15 12:00:00+00')",
        "Fri Mar 15 12:00:00 2024", P + "#format_timestamp"),
    one("format_zone", "SELECT FORMAT_TIMESTAMP('%F %T', TIMESTAMP '2024-03-15 12:00:00+00', 'Asia/Tokyo')",
        "2024-03-15 21:00:00", P + "#format_timestamp"),
    one("format_z", "SELECT FORMAT_TIMESTAMP('%z', TIMESTAMP '2024-03-15 12:00:00+00', 'Asia/Kolkata')", "+0530",
        P + "#format_timestamp"),
    one("format_ez", "SELECT FORMAT_TIMESTAMP('%Ez', TIMESTAMP '2024-03-15 12:00:00+00', 'Asia/Kolkata')",
        "+05:30", doc("format-elements") + "#format_elements_date_time"),
    one("format_s_epoch", "SELECT FORMAT_TIMESTAMP('%s', TIMESTAMP '2024-03-15 12:00:00+00')", "1710504000",
        doc("format-elements") + "#format_elements_date_time"),
    one("parse_utc", "SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S', '2024-03-15 12:00:00')", ts(2024, 3, 15, 12),
        P + "#parse_timestamp"),
    one("parse_zone_argument",
        "SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M', '2024-03-15 08:00', 'America/New_York')", ts(2024, 3, 15, 12),
        P + "#parse_timestamp"),
    one("parse_offset_in_text", "SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S%Ez', '2024-03-15 14:00:00+02:00')",
        ts(2024, 3, 15, 12), P + "#parse_timestamp"),
    one("parse_c", "SELECT PARSE_TIMESTAMP('%c', 'Fri Mar 15 12:00:00 2024')", ts(2024, 3, 15, 12),
        P + "#parse_timestamp"),
    one("string_utc", "SELECT STRING(TIMESTAMP '2024-03-15 12:00:00+00')", "2024-03-15 12:00:00+00",
        P + "#string"),
    one("string_zone", "SELECT STRING(TIMESTAMP '2024-03-15 12:00:00+00', 'Asia/Kolkata')",
        "2024-03-15 17:30:00+05:30", P + "#string"),
    one("cast_to_string", "SELECT CAST(TIMESTAMP '2024-03-15 12:00:00+00' AS STRING)", "2024-03-15 12:00:00+00",
        doc("conversion_functions") + "#cast_as_string"),
    one("current_timestamp_type", "SELECT CURRENT_TIMESTAMP() > TIMESTAMP '2020-01-01'", True,
        P + "#current_timestamp"),
    one("null_argument", "SELECT TIMESTAMP_ADD(CAST(NULL AS TIMESTAMP), INTERVAL 1 HOUR)", None,
        P + "#timestamp_add"),
]
