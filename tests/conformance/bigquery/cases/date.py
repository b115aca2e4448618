"""Date functions, our own values for the behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/date_functions
(2024-03-15 is a Friday, 2024-03-10 a Sunday, 2024-03-11 a Monday)."""

from __future__ import annotations

import datetime as dt

from ._model import Case, doc, one

P = doc("date_functions")
D = dt.date

CASES: list[Case] = [
    # DATE constructors
    one("from_parts", "SELECT DATE(2024, 2, 29)", D(2024, 2, 29), P + "#date", types=["DATE"]),
    one("from_datetime", "SELECT DATE(DATETIME '2024-03-15 23:59:59')", D(2024, 3, 15), P + "#date"),
    one("from_timestamp_utc", "SELECT DATE(TIMESTAMP '2024-03-15 23:30:00+00')", D(2024, 3, 15), P + "#date"),
    one("from_timestamp_zone",
        "SELECT DATE(TIMESTAMP '2024-03-15 23:30:00+00', 'Asia/Tokyo')", D(2024, 3, 16), P + "#date"),
    one("from_timestamp_offset",
        "SELECT DATE(TIMESTAMP '2024-03-15 02:00:00+00', '-05:00')", D(2024, 3, 14), P + "#date"),
    one("from_unix_date", "SELECT DATE_FROM_UNIX_DATE(19797)", D(2024, 3, 15), P + "#date_from_unix_date"),
    one("unix_date", "SELECT UNIX_DATE(DATE '2024-03-15')", 19797, P + "#unix_date", types=["INT64"]),
    one("unix_date_before_epoch", "SELECT UNIX_DATE(DATE '1969-12-31')", -1, P + "#unix_date"),
    # DATE_ADD / DATE_SUB
    one("add_days", "SELECT DATE_ADD(DATE '2024-02-27', INTERVAL 3 DAY)", D(2024, 3, 1), P + "#date_add"),
    one("add_week", "SELECT DATE_ADD(DATE '2024-03-15', INTERVAL 2 WEEK)", D(2024, 3, 29), P + "#date_add"),
    one("add_month_clamps", "SELECT DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH)", D(2024, 2, 29), P + "#date_add"),
    one("add_quarter", "SELECT DATE_ADD(DATE '2023-11-30', INTERVAL 1 QUARTER)", D(2024, 2, 29), P + "#date_add"),
    one("add_year_leap", "SELECT DATE_ADD(DATE '2024-02-29', INTERVAL 1 YEAR)", D(2025, 2, 28), P + "#date_add"),
    one("add_negative", "SELECT DATE_ADD(DATE '2024-03-01', INTERVAL -1 DAY)", D(2024, 2, 29), P + "#date_add"),
    one("sub_month_clamps", "SELECT DATE_SUB(DATE '2024-03-31', INTERVAL 1 MONTH)", D(2024, 2, 29), P + "#date_sub"),
    one("sub_year", "SELECT DATE_SUB(DATE '2024-03-15', INTERVAL 10 YEAR)", D(2014, 3, 15), P + "#date_sub"),
    one("add_returns_date", "SELECT DATE_ADD(DATE '2024-03-15', INTERVAL 1 DAY)", D(2024, 3, 16),
        P + "#date_add", types=["DATE"]),
    # DATE_DIFF counts boundaries
    one("diff_day", "SELECT DATE_DIFF(DATE '2024-03-15', DATE '2024-01-01', DAY)", 74, P + "#date_diff",
        types=["INT64"]),
    one("diff_day_negative", "SELECT DATE_DIFF(DATE '2024-01-01', DATE '2024-03-15', DAY)", -74, P + "#date_diff"),
    one("diff_week_sunday_boundary", "SELECT DATE_DIFF(DATE '2024-03-10', DATE '2024-03-09', WEEK)", 1,
        P + "#date_diff"),
    one("diff_week_same_week", "SELECT DATE_DIFF(DATE '2024-03-16', DATE '2024-03-10', WEEK)", 0, P + "#date_diff"),
    one("diff_week_monday", "SELECT DATE_DIFF(DATE '2024-03-11', DATE '2024-03-10', WEEK(MONDAY))", 1,
        P + "#date_diff"),
    one("diff_week_monday_sunday_not_boundary",
        "SELECT DATE_DIFF(DATE '2024-03-10', DATE '2024-03-09', WEEK(MONDAY))", 0, P + "#date_diff"),
    one("diff_week_monday_span", "SELECT DATE_DIFF(DATE '2024-03-25', DATE '2024-03-10', WEEK(MONDAY))", 3,
        P + "#date_diff"),
    one("diff_isoweek", "SELECT DATE_DIFF(DATE '2024-03-11', DATE '2024-03-10', ISOWEEK)", 1, P + "#date_diff"),
    one("diff_month_boundary", "SELECT DATE_DIFF(DATE '2024-04-01', DATE '2024-03-31', MONTH)", 1, P + "#date_diff"),
    one("diff_month_not_full", "SELECT DATE_DIFF(DATE '2024-03-31', DATE '2024-03-01', MONTH)", 0, P + "#date_diff"),
    one("diff_quarter", "SELECT DATE_DIFF(DATE '2024-04-01', DATE '2023-12-31', QUARTER)", 2, P + "#date_diff"),
    one("diff_year_boundary", "SELECT DATE_DIFF(DATE '2024-01-01', DATE '2023-12-31', YEAR)", 1, P + "#date_diff"),
    one("diff_isoyear", "SELECT DATE_DIFF(DATE '2024-12-30', DATE '2024-12-29', ISOYEAR)", 1, P + "#date_diff"),
    one("diff_year_vs_isoyear_year", "SELECT DATE_DIFF(DATE '2024-12-31', DATE '2021-01-03', YEAR)", 3,
        P + "#date_diff"),
    one("diff_year_vs_isoyear_iso", "SELECT DATE_DIFF(DATE '2024-12-31', DATE '2021-01-03', ISOYEAR)", 5,
        P + "#date_diff"),
    # DATE_TRUNC
    one("trunc_month", "SELECT DATE_TRUNC(DATE '2024-03-15', MONTH)", D(2024, 3, 1), P + "#date_trunc"),
    one("trunc_week_sunday", "SELECT DATE_TRUNC(DATE '2024-03-15', WEEK)", D(2024, 3, 10), P + "#date_trunc"),
    one("trunc_week_monday", "SELECT DATE_TRUNC(DATE '2024-03-15', WEEK(MONDAY))", D(2024, 3, 11), P + "#date_trunc"),
    one("trunc_week_saturday", "SELECT DATE_TRUNC(DATE '2024-03-15', WEEK(SATURDAY))", D(2024, 3, 9),
        P + "#date_trunc"),
    one("trunc_isoweek_on_sunday", "SELECT DATE_TRUNC(DATE '2024-03-10', ISOWEEK)", D(2024, 3, 4), P + "#date_trunc"),
    one("trunc_quarter", "SELECT DATE_TRUNC(DATE '2024-08-20', QUARTER)", D(2024, 7, 1), P + "#date_trunc"),
    one("trunc_year", "SELECT DATE_TRUNC(DATE '2024-08-20', YEAR)", D(2024, 1, 1), P + "#date_trunc"),
    one("trunc_isoyear", "SELECT DATE_TRUNC(DATE '2021-01-03', ISOYEAR)", D(2019, 12, 30), P + "#date_trunc"),
    one("trunc_isoyear_late_december", "SELECT DATE_TRUNC(DATE '2024-12-31', ISOYEAR)", D(2024, 12, 30),
        P + "#date_trunc"),
    # EXTRACT
    one("extract_dayofweek_sunday_is_1", "SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-03-10')", 1, P + "#extract"),
    one("extract_dayofweek_friday", "SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-03-15')", 6, P + "#extract"),
    one("extract_dayofyear", "SELECT EXTRACT(DAYOFYEAR FROM DATE '2024-03-15')", 75, P + "#extract"),
    one("extract_week_zero_before_first_sunday", "SELECT EXTRACT(WEEK FROM DATE '2022-01-01')", 0, P + "#extract"),
    one("extract_week", "SELECT EXTRACT(WEEK FROM DATE '2024-03-15')", 10, P + "#extract"),
    one("extract_week_monday", "SELECT EXTRACT(WEEK(MONDAY) FROM DATE '2024-03-15')", 11, P + "#extract"),
    one("extract_isoweek", "SELECT EXTRACT(ISOWEEK FROM DATE '2021-01-03')", 53, P + "#extract"),
    one("extract_isoyear", "SELECT EXTRACT(ISOYEAR FROM DATE '2021-01-03')", 2020, P + "#extract"),
    one("extract_quarter", "SELECT EXTRACT(QUARTER FROM DATE '2024-10-01')", 4, P + "#extract"),
    Case("extract_types", "SELECT EXTRACT(YEAR FROM DATE '2024-03-15'), EXTRACT(MONTH FROM DATE '2024-03-15')",
         [(2024, 3)], P + "#extract", types=["INT64", "INT64"]),
    # LAST_DAY
    one("last_day_default_month", "SELECT LAST_DAY(DATE '2024-02-10')", D(2024, 2, 29), P + "#last_day"),
    one("last_day_year", "SELECT LAST_DAY(DATE '2024-02-10', YEAR)", D(2024, 12, 31), P + "#last_day"),
    one("last_day_quarter", "SELECT LAST_DAY(DATE '2024-02-10', QUARTER)", D(2024, 3, 31), P + "#last_day"),
    one("last_day_week", "SELECT LAST_DAY(DATE '2024-03-15', WEEK)", D(2024, 3, 16), P + "#last_day"),
    one("last_day_week_monday", "SELECT LAST_DAY(DATE '2024-03-15', WEEK(MONDAY))", D(2024, 3, 17), P + "#last_day"),
    one("last_day_isoweek", "SELECT LAST_DAY(DATE '2024-03-15', ISOWEEK)", D(2024, 3, 17), P + "#last_day"),
    one("last_day_isoyear", "SELECT LAST_DAY(DATE '2024-06-01', ISOYEAR)", D(2024, 12, 29), P + "#last_day"),
    # FORMAT_DATE / PARSE_DATE
    one("format_iso", "SELECT FORMAT_DATE('%F', DATE '2024-03-05')", "2024-03-05", P + "#format_date"),
    one("format_x", "SELECT FORMAT_DATE('%x', DATE '2024-03-05')", "03/05/24", P + "#format_date"),
    one("format_names", "SELECT FORMAT_DATE('%A %d %B %Y', DATE '2024-03-05')", "Tuesday 05 March 2024",
        P + "#format_date"),
    one("format_short_names", "SELECT FORMAT_DATE('%a %b', DATE '2024-03-05')", "Tue Mar", P + "#format_date"),
    one("parse_compact", "SELECT PARSE_DATE('%Y%m%d', '20240305')", D(2024, 3, 5), P + "#parse_date"),
    one("parse_month_only_defaults_1970", "SELECT PARSE_DATE('%m', '03')", D(1970, 3, 1), P + "#parse_date"),
    one("parse_year_only", "SELECT PARSE_DATE('%Y', '2024')", D(2024, 1, 1), P + "#parse_date"),
    one("parse_names", "SELECT PARSE_DATE('%A %b %e %Y', 'Tuesday Mar 5 2024')", D(2024, 3, 5), P + "#parse_date"),
    one("parse_x", "SELECT PARSE_DATE('%x', '12/25/08')", D(2008, 12, 25), P + "#parse_date"),
    Case("parse_mismatch_errors", "SELECT PARSE_DATE('%Y-%m-%d', '2024/03/05')", source=P + "#parse_date",
         expect_error=""),
    one("safe_parse_null", "SELECT SAFE.PARSE_DATE('%Y-%m-%d', '2024/03/05')", None, P + "#parse_date"),
    one("current_date_is_today", "SELECT CURRENT_DATE() > DATE '2020-01-01'", True, P + "#current_date"),
    one("current_date_zone", "SELECT ABS(DATE_DIFF(CURRENT_DATE('Pacific/Kiritimati'), CURRENT_DATE(), DAY)) <= 1",
        True, P + "#current_date"),
    one("null_propagates", "SELECT DATE_ADD(CAST(NULL AS DATE), INTERVAL 1 DAY)", None, P + "#date_add"),
]
