"""Format elements of FORMAT_*/PARSE_* and of CAST ... FORMAT, and FORMAT()'s
specifiers: our own values for the behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/format-elements
(2024-03-05 is a Tuesday; 2021-01-03 a Sunday in ISO week 2020-W53)."""

from __future__ import annotations

import datetime as dt

from ._model import Case, doc, one

P = doc("format-elements")
DT_ELEMENTS = P + "#format_elements_date_time"
CAST_ELEMENTS = P + "#format_string_as_datetime"
FORMAT = doc("string_functions") + "#format_string"
D = "DATE '2024-03-05'"
X = "DATETIME '2024-03-05 07:08:09.123456'"
UTC = dt.UTC


def fd(id: str, element: str, expected: str, date: str = D) -> Case:
    """FORMAT_DATE with one element string."""
    return one(id, f"SELECT FORMAT_DATE('{element}', {date})", expected, DT_ELEMENTS)


def fx(id: str, element: str, expected: str, value: str = X) -> Case:
    """FORMAT_DATETIME with one element string."""
    return one(id, f"SELECT FORMAT_DATETIME('{element}', {value})", expected, DT_ELEMENTS)


CASES: list[Case] = [
    fd("upper_a_weekday", "%A", "Tuesday"),
    fd("lower_a_weekday", "%a", "Tue"),
    fd("upper_b_month", "%B", "March"),
    fd("lower_b_month", "%b", "Mar"),
    fd("h_month", "%h", "Mar"),
    fd("c_century", "%C", "20"),
    fd("d_slashes", "%D", "03/05/24"),
    fd("d_day", "%d", "05"),
    fd("e_space_padded_day", "%e", " 5"),
    fd("f_iso", "%F", "2024-03-05"),
    fd("g_iso_year", "%G", "2020", "DATE '2021-01-03'"),
    fd("g_iso_year_two_digits", "%g", "20", "DATE '2021-01-03'"),
    fd("j_day_of_year", "%j", "065"),
    fd("m_month", "%m", "03"),
    fd("n_newline", "a%nb", "a\nb"),
    fd("t_tab", "a%tb", "a\tb"),
    fd("q_quarter", "%Q", "1"),
    fd("q_quarter_four", "%Q", "4", "DATE '2024-11-05'"),
    fd("u_week_sunday", "%U", "09"),
    fd("w_week_monday", "%W", "10"),
    fd("v_iso_week", "%V", "53", "DATE '2021-01-03'"),
    fd("u_iso_weekday_sunday", "%u", "7", "DATE '2021-01-03'"),
    fd("w_weekday_sunday", "%w", "0", "DATE '2021-01-03'"),
    fd("x_date", "%x", "03/05/24"),
    fd("y_two_digits", "%y", "24"),
    fd("y_four_digits", "%Y", "2024"),
    fd("e4y", "%E4Y", "2024"),
    fd("percent", "100%%", "100%"),
    fx("k_space_padded_hour", "%k", " 7"),
    fx("l_space_padded_twelve_hour", "%l", " 7", "DATETIME '2024-03-05 19:08:09'"),
    fx("i_twelve_hour", "%I", "07", "DATETIME '2024-03-05 19:08:09'"),
    fx("p_pm", "%p", "PM", "DATETIME '2024-03-05 19:08:09'"),
    fx("r_hour_minute", "%R", "07:08"),
    fx("t_time", "%T", "07:08:09"),
    fx("x_time", "%X", "07:08:09"),
    fx("e3s_milliseconds", "%E3S", "09.123"),
    fx("e6s_microseconds", "%E6S", "09.123456"),
    fx("e3s_pads", "%E3S", "09.500", "DATETIME '2024-03-05 07:08:09.5'"),
    fx("estar_s_full", "%E*S", "09.123456"),
    fx("e0s_no_fraction", "%E0S", "09"),
    fx("c_datetime", "%c", "Tue Mar  5 07:08:09 2024"),
    one("time_e3s", "SELECT FORMAT_TIME('%H:%M:%E3S', TIME '23:59:58.25')", "23:59:58.250", DT_ELEMENTS),
    one("timestamp_s_epoch", "SELECT FORMAT_TIMESTAMP('%s', TIMESTAMP '1970-01-02 00:00:00+00')", "86400",
        DT_ELEMENTS),
    one("timestamp_ez_utc", "SELECT FORMAT_TIMESTAMP('%Ez', TIMESTAMP '2024-03-05 00:00:00+00')", "+00:00",
        DT_ELEMENTS),
    one("timestamp_z_negative", "SELECT FORMAT_TIMESTAMP('%z', TIMESTAMP '2024-03-05 00:00:00+00', '-03:00')",
        "-0300", DT_ELEMENTS),
    one("timestamp_half_hour_offset_zone",
        "SELECT FORMAT_TIMESTAMP('%H:%M %z', TIMESTAMP '2024-03-05 00:00:00+00', '+05:30')", "05:30 +0530",
        DT_ELEMENTS),
    # PARSE_*
    one("parse_e_day", "SELECT PARSE_DATE('%b %e %Y', 'Mar  5 2024')", dt.date(2024, 3, 5), DT_ELEMENTS),
    one("parse_d_slashes", "SELECT PARSE_DATE('%D', '03/05/24')", dt.date(2024, 3, 5), DT_ELEMENTS),
    one("parse_f", "SELECT PARSE_DATE('%F', '2024-03-05')", dt.date(2024, 3, 5), DT_ELEMENTS),
    one("parse_day_only_defaults", "SELECT PARSE_DATE('%d', '15')", dt.date(1970, 1, 15), DT_ELEMENTS),
    one("parse_whitespace_flexible", "SELECT PARSE_DATE('%Y %m %d', '2024   03 05')", dt.date(2024, 3, 5),
        doc("date_functions") + "#parse_date"),
    one("parse_y_two_digits", "SELECT PARSE_DATE('%y-%m-%d', '24-03-05')", dt.date(2024, 3, 5), DT_ELEMENTS),
    one("parse_k_hour", "SELECT PARSE_TIME('%k:%M', ' 7:08')", dt.time(7, 8), DT_ELEMENTS),
    one("parse_r", "SELECT PARSE_TIME('%R', '07:08')", dt.time(7, 8), DT_ELEMENTS),
    one("parse_t", "SELECT PARSE_TIME('%T', '07:08:09')", dt.time(7, 8, 9), DT_ELEMENTS),
    one("parse_e3s", "SELECT PARSE_TIME('%H:%M:%E3S', '07:08:09.125')", dt.time(7, 8, 9, 125000), DT_ELEMENTS),
    one("parse_estar_s", "SELECT PARSE_DATETIME('%F %H:%M:%E*S', '2024-03-05 07:08:09.654321')",
        dt.datetime(2024, 3, 5, 7, 8, 9, 654321), DT_ELEMENTS),
    one("parse_s_epoch", "SELECT PARSE_TIMESTAMP('%s', '86400')", dt.datetime(1970, 1, 2, tzinfo=UTC),
        DT_ELEMENTS),
    one("parse_z_offset", "SELECT PARSE_TIMESTAMP('%F %T %z', '2024-03-05 07:00:00 -0300')",
        dt.datetime(2024, 3, 5, 10, 0, tzinfo=UTC), DT_ELEMENTS),
    one("parse_full_names", "SELECT PARSE_DATE('%A, %B %d, %Y', 'Tuesday, March 05, 2024')",
        dt.date(2024, 3, 5), DT_ELEMENTS),
    # CAST ... FORMAT
    one("cast_date_format", f"SELECT CAST({D} AS STRING FORMAT 'DD/MM/YYYY')", "05/03/2024", CAST_ELEMENTS),
    one("cast_date_mon_upper", f"SELECT CAST({D} AS STRING FORMAT 'MON DD, YYYY')", "MAR 05, 2024",
        CAST_ELEMENTS),
    one("cast_date_mon_title", f"SELECT CAST({D} AS STRING FORMAT 'Mon')", "Mar", CAST_ELEMENTS),
    one("cast_time_hh24", "SELECT CAST(TIME '15:04:05' AS STRING FORMAT 'HH24:MI:SS')", "15:04:05",
        CAST_ELEMENTS),
    one("cast_string_to_date", "SELECT CAST('05/03/2024' AS DATE FORMAT 'DD/MM/YYYY')", dt.date(2024, 3, 5),
        P + "#format_string_as_datetime"),
    one("cast_date_month_lower", f"SELECT CAST({D} AS STRING FORMAT 'month')", "march", P + "#case_matching_date_time"),
    one("cast_date_dy_title", f"SELECT CAST({D} AS STRING FORMAT 'Dy')", "Tue", P + "#case_matching_date_time"),
    one("cast_date_yyy_y", f"SELECT CAST({D} AS STRING FORMAT 'YYY-Y')", "024-4", P + "#format_year_as_string"),
    one("cast_date_ddd_d", f"SELECT CAST({D} AS STRING FORMAT 'DDD D')", "065 3", P + "#format_day_as_string"),
    one("cast_date_quoted_text", f"SELECT CAST({D} AS STRING FORMAT '\"Year\" YYYY')", "Year 2024",
        P + "#format_literal_as_string"),
    one("cast_datetime_hh12_pm_dots", "SELECT CAST(DATETIME '2024-03-05 19:08:09' AS STRING FORMAT 'HH12:MI P.M.')",
        "07:08 P.M.", P + "#format_meridian_as_string"),
    one("cast_time_am_lower", "SELECT CAST(TIME '09:15:00' AS STRING FORMAT 'HH:MI am')", "09:15 am",
        P + "#format_meridian_as_string"),
    one("cast_time_ff3", "SELECT CAST(TIME '10:20:30.25' AS STRING FORMAT 'SS.FF3')", "30.250",
        P + "#format_second_as_string"),
    one("cast_time_sssss", "SELECT CAST(TIME '02:00:05' AS STRING FORMAT 'SSSSS')", "07205",
        P + "#format_second_as_string"),
    one("cast_timestamp_tzh_tzm_zone",
        "SELECT CAST(TIMESTAMP '2024-03-05 12:00:00+00' AS STRING FORMAT 'HH24:MI TZH:TZM' AT TIME ZONE 'Asia/Kathmandu')",
        "17:45 +05:45", P + "#format_tz_as_string"),
    Case("cast_date_hour_errors", f"SELECT CAST({D} AS STRING FORMAT 'HH24')", source=P + "#format_hour_as_string",
         expect_error=""),
    one("cast_date_day_padded", f"SELECT CAST({D} AS STRING FORMAT 'DAY')", "TUESDAY  ", P + "#format_day_as_string",
        unsupported="the page pads DAY to 9 characters, GoogleSQL's reference implementation does not: refused "
                    "rather than guessed"),
    one("cast_string_to_date_mon", "SELECT CAST('jul 14, 2023' AS DATE FORMAT 'MON DD, YYYY')", dt.date(2023, 7, 14),
        P + "#format_string_as_month"),
    one("cast_string_to_date_day_defaults", "SELECT CAST('2023-07' AS DATE FORMAT 'YYYY-MM')", dt.date(2023, 7, 1),
        P + "#format_string_as_day"),
    one("cast_string_to_time_meridian", "SELECT CAST('11:45 P.M.' AS TIME FORMAT 'HH12:MI A.M.')", dt.time(23, 45),
        P + "#format_string_as_meridian"),
    one("cast_string_to_time_ff1", "SELECT CAST('08:09:10.5' AS TIME FORMAT 'HH24:MI:SS.FF1')",
        dt.time(8, 9, 10, 500000), P + "#format_string_as_second"),
    one("cast_string_to_datetime", "SELECT CAST('2023/07/14 08:09:10' AS DATETIME FORMAT 'YYYY/MM/DD HH24:MI:SS')",
        dt.datetime(2023, 7, 14, 8, 9, 10), P + "#format_string_as_minute", types=["DATETIME"]),
    one("cast_string_to_timestamp_tzh",
        "SELECT CAST('2023-07-14 08:00:00-04' AS TIMESTAMP FORMAT 'YYYY-MM-DD HH24:MI:SSTZH')",
        dt.datetime(2023, 7, 14, 12, 0, tzinfo=UTC), P + "#format_string_as_tz", types=["TIMESTAMP"]),
    Case("cast_string_hh12_needs_meridian_errors", "SELECT CAST('03:30' AS TIME FORMAT 'HH12:MI')",
         source=P + "#format_model_rules_date_time", expect_error=""),
    # FORMAT()
    one("format_thousands", "SELECT FORMAT(\"%'d\", 1234567)", "1,234,567", FORMAT),
    one("format_padded_float", "SELECT FORMAT('%08.3f', 3.14159)", "0003.142", FORMAT),
    one("format_string_width", "SELECT FORMAT('[%5s]', 'ab')", "[   ab]", FORMAT),
    one("format_left_justify", "SELECT FORMAT('[%-5d]', 42)", "[42   ]", FORMAT),
    one("format_hex", "SELECT FORMAT('%x', 255)", "ff", FORMAT),
    one("format_t_date", "SELECT FORMAT('%t', DATE '2024-03-05')", "2024-03-05", FORMAT),
    one("format_upper_t_string", "SELECT FORMAT('%T', 'ab')", '"ab"', FORMAT),
    one("format_exponent", "SELECT FORMAT('%e', 12345.678)", "1.234568e+04", FORMAT),
]
