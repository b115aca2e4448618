"""Interval functions and the INTERVAL type: our own values for the behaviour on
https://cloud.google.com/bigquery/docs/reference/standard-sql/interval_functions
and the INTERVAL section of the data types page. The client returns INTERVAL as
dateutil's relativedelta."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta as rd

from ._model import Case, doc, one

P = doc("interval_functions")
T = doc("data-types") + "#interval_type"
OPS = doc("operators") + "#date_arithmetics_operators"

CASES: list[Case] = [
    one("literal_days", "SELECT INTERVAL 5 DAY", rd(days=5), T, types=["INTERVAL"]),
    one("literal_negative_hours", "SELECT INTERVAL -3 HOUR", rd(hours=-3), T),
    one("literal_week_is_days", "SELECT INTERVAL 2 WEEK", rd(days=14), T),
    one("literal_quarter_is_months", "SELECT INTERVAL 1 QUARTER", rd(months=3), T),
    one("literal_millis", "SELECT INTERVAL 1500 MILLISECOND", rd(seconds=1, microseconds=500000), T),
    one("literal_year_to_month", "SELECT INTERVAL '2-5' YEAR TO MONTH", rd(years=2, months=5), T),
    one("literal_day_to_second", "SELECT INTERVAL '3 4:05:06' DAY TO SECOND",
        rd(days=3, hours=4, minutes=5, seconds=6), T),
    one("literal_canonical", "SELECT INTERVAL '1-2 3 4:5:6' YEAR TO SECOND",
        rd(years=1, months=2, days=3, hours=4, minutes=5, seconds=6), T),
    one("make_interval", "SELECT MAKE_INTERVAL(1, 2, 3, 4, 5, 6)",
        rd(years=1, months=2, days=3, hours=4, minutes=5, seconds=6), P + "#make_interval"),
    one("make_interval_named", "SELECT MAKE_INTERVAL(day => 10, minute => 30)", rd(days=10, minutes=30),
        P + "#make_interval"),
    one("extract_year", "SELECT EXTRACT(YEAR FROM INTERVAL '3-7' YEAR TO MONTH)", 3, P + "#extract"),
    one("extract_month", "SELECT EXTRACT(MONTH FROM INTERVAL '3-7' YEAR TO MONTH)", 7, P + "#extract"),
    one("extract_day_not_justified", "SELECT EXTRACT(DAY FROM INTERVAL 40 DAY)", 40, P + "#extract"),
    one("extract_hour", "SELECT EXTRACT(HOUR FROM INTERVAL '0 27:00:00' DAY TO SECOND)", 27, P + "#extract"),
    one("justify_days", "SELECT JUSTIFY_DAYS(INTERVAL 35 DAY)", rd(months=1, days=5), P + "#justify_days"),
    one("justify_days_negative", "SELECT JUSTIFY_DAYS(INTERVAL -65 DAY)", rd(months=-2, days=-5),
        P + "#justify_days"),
    one("justify_hours", "SELECT JUSTIFY_HOURS(INTERVAL 29 HOUR)", rd(days=1, hours=5), P + "#justify_hours"),
    one("justify_interval", "SELECT JUSTIFY_INTERVAL(INTERVAL '0-0 29 49:00:00' YEAR TO SECOND)",
        rd(months=1, days=1, hours=1), P + "#justify_interval"),
    one("date_minus_date", "SELECT DATE '2024-03-15' - DATE '2024-03-01'", rd(days=14), OPS,
        types=["INTERVAL"]),
    one("timestamp_minus_timestamp",
        "SELECT TIMESTAMP '2024-03-15 12:30:00+00' - TIMESTAMP '2024-03-14 00:00:00+00'",
        rd(hours=36, minutes=30), OPS),
    one("date_plus_interval_is_datetime", "SELECT DATE '2024-01-31' + INTERVAL 1 MONTH",
        dt.datetime(2024, 2, 29), OPS, types=["DATETIME"]),
    one("datetime_plus_interval", "SELECT DATETIME '2024-03-15 23:00:00' + INTERVAL 2 HOUR",
        dt.datetime(2024, 3, 16, 1, 0), OPS),
    one("timestamp_plus_interval", "SELECT TIMESTAMP '2024-03-15 23:00:00+00' + INTERVAL 90 MINUTE",
        dt.datetime(2024, 3, 16, 0, 30, tzinfo=dt.UTC), OPS),
    one("datetime_minus_interval_month", "SELECT DATETIME '2024-03-31 10:00:00' - INTERVAL 1 MONTH",
        dt.datetime(2024, 2, 29, 10, 0), OPS),
    one("interval_times_int", "SELECT INTERVAL 2 DAY * 3", rd(days=6), OPS),
    one("interval_sum", "SELECT INTERVAL 1 DAY + INTERVAL 5 HOUR", rd(days=1, hours=5), OPS),
    one("interval_negate", "SELECT -INTERVAL 4 MINUTE", rd(minutes=-4), OPS),
    one("compare_month_is_30_days", "SELECT INTERVAL 30 DAY = INTERVAL 1 MONTH", True, T),
    one("compare_order", "SELECT INTERVAL 23 HOUR < INTERVAL 1 DAY", True, T),
]
