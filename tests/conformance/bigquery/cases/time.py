"""Time functions, our own values for the behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/time_functions"""

from __future__ import annotations

import datetime as dt

from ._model import Case, doc, one

P = doc("time_functions")
T = dt.time

CASES: list[Case] = [
    one("from_parts", "SELECT TIME(9, 5, 1)", T(9, 5, 1), P + "#time", types=["TIME"]),
    one("from_datetime", "SELECT TIME(DATETIME '2024-03-15 21:30:15.25')", T(21, 30, 15, 250000), P + "#time"),
    one("from_timestamp_zone", "SELECT TIME(TIMESTAMP '2024-03-15 21:30:00+00', 'Asia/Kolkata')", T(3, 0),
        P + "#time"),
    one("add_wraps", "SELECT TIME_ADD(TIME '23:30:00', INTERVAL 45 MINUTE)", T(0, 15), P + "#time_add"),
    one("add_seconds", "SELECT TIME_ADD(TIME '10:00:00', INTERVAL 90 SECOND)", T(10, 1, 30), P + "#time_add"),
    one("add_hours_wraps", "SELECT TIME_ADD(TIME '20:00:00', INTERVAL 30 HOUR)", T(2, 0), P + "#time_add"),
    one("sub_wraps", "SELECT TIME_SUB(TIME '00:10:00', INTERVAL 20 MINUTE)", T(23, 50), P + "#time_sub"),
    one("sub_millis", "SELECT TIME_SUB(TIME '10:00:00', INTERVAL 1 MILLISECOND)", T(9, 59, 59, 999000),
        P + "#time_sub"),
    one("diff_minutes", "SELECT TIME_DIFF(TIME '15:30:00', TIME '14:35:00', MINUTE)", 55, P + "#time_diff",
        types=["INT64"]),
    one("diff_negative", "SELECT TIME_DIFF(TIME '08:00:00', TIME '09:30:00', MINUTE)", -90, P + "#time_diff"),
    one("diff_seconds", "SELECT TIME_DIFF(TIME '00:00:01', TIME '23:59:59', SECOND)", -86398, P + "#time_diff"),
    one("trunc_hour", "SELECT TIME_TRUNC(TIME '15:47:12', HOUR)", T(15, 0), P + "#time_trunc"),
    one("trunc_minute", "SELECT TIME_TRUNC(TIME '15:47:12.9', MINUTE)", T(15, 47), P + "#time_trunc"),
    one("trunc_second", "SELECT TIME_TRUNC(TIME '15:47:12.987', SECOND)", T(15, 47, 12), P + "#time_trunc"),
    one("extract_hour", "SELECT EXTRACT(HOUR FROM TIME '15:47:12')", 15, P + "#extract"),
    one("extract_minute", "SELECT EXTRACT(MINUTE FROM TIME '15:47:12')", 47, P + "#extract"),
    one("extract_second", "SELECT EXTRACT(SECOND FROM TIME '15:47:12.75')", 12, P + "#extract"),
    one("format_r", "SELECT FORMAT_TIME('%R', TIME '15:47:12')", "15:47", P + "#format_time"),
    one("format_t", "SELECT FORMAT_TIME('%T', TIME '05:07:02')", "05:07:02", P + "#format_time"),
    one("format_i_p", "SELECT FORMAT_TIME('%I:%M %p', TIME '15:47:12')", "03:47 PM", P + "#format_time"),
    one("parse_hour_only", "SELECT PARSE_TIME('%H', '15')", T(15, 0), P + "#parse_time"),
    one("parse_full", "SELECT PARSE_TIME('%H:%M:%S', '07:08:09')", T(7, 8, 9), P + "#parse_time"),
    one("parse_twelve_hour", "SELECT PARSE_TIME('%I:%M:%S %p', '07:08:09 PM')", T(19, 8, 9), P + "#parse_time"),
    one("parse_fraction", "SELECT PARSE_TIME('%H:%M:%E*S', '07:08:09.123')", T(7, 8, 9, 123000),
        P + "#parse_time"),
    Case("parse_bad_errors", "SELECT PARSE_TIME('%H:%M', '25:00')", source=P + "#parse_time", expect_error=""),
    one("literal_fraction", "SELECT TIME '23:59:59.999999'", T(23, 59, 59, 999999),
        doc("data-types") + "#time_type"),
    one("current_time_type", "SELECT CURRENT_TIME() IS NOT NULL", True, P + "#current_time"),
    one("compare", "SELECT TIME '09:00:00' < TIME '10:00:00'", True, P + "#time"),
]
