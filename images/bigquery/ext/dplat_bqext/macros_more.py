"""DuckDB macros for the per-type corrections (typed.py) and the syntax ones (syntax.py).

Kept apart from macros.py only for length; macros.py creates them after its
own, so these may call those (``dplat_numeric``).
"""

from __future__ import annotations

# The fraction of a second as BigQuery writes it: '' or '.25', '.250001'.
_FRACTION = (
    "CASE WHEN microsecond(t) % 1000000 = 0 THEN '' ELSE '.'"
    " || rtrim(lpad(CAST(microsecond(t) % 1000000 AS VARCHAR), 6, '0'), '0') END"
)
_INT_PATTERN = "'[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)'"

MORE_MACROS: dict[str, str] = {
    # CAST(FLOAT64 AS INT64): half away from zero (DuckDB's round does that,
    # its cast rounds half to even).
    "dplat_float_to_int": "(x) AS CAST(round(x) AS BIGINT)",
    "dplat_float_to_int_try": "(x) AS TRY_CAST(round(x) AS BIGINT)",
    # CAST(STRING AS INT64): decimal or 0x hex digits only ('1.5' is an error).
    # A signed hex number ('-0x10'): DuckDB's cast reads unsigned hex only.
    "dplat_signed_int": (
        "(t) AS CASE WHEN regexp_matches(t, '^[+-]0[xX]') THEN"
        " (CASE WHEN t[1] = '-' THEN -1 ELSE 1 END) * CAST(t[2:] AS BIGINT) ELSE CAST(t AS BIGINT) END"
    ),
    "dplat_string_to_int": (
        f"(s) AS CASE WHEN s IS NULL THEN NULL WHEN regexp_full_match(trim(s), {_INT_PATTERN})"
        " THEN dplat_signed_int(trim(s)) ELSE error('Bad int64 value: ' || s) END"
    ),
    "dplat_string_to_int_try": (
        f"(s) AS CASE WHEN regexp_full_match(trim(s), {_INT_PATTERN}) THEN TRY(dplat_signed_int(trim(s))) END"
    ),
    # CAST(STRING AS BOOL): 'true' or 'false', any case; nothing else.
    "dplat_string_to_bool": (
        "(s) AS CASE WHEN lower(s) = 'true' THEN true WHEN lower(s) = 'false' THEN false"
        " WHEN s IS NULL THEN NULL ELSE error('Bad bool value: ' || s) END"
    ),
    "dplat_string_to_bool_try": (
        "(s) AS CASE WHEN lower(s) = 'true' THEN true WHEN lower(s) = 'false' THEN false END"
    ),
    # CAST(FLOAT64 AS STRING): an integral value without '.0'.
    "dplat_float_to_string": r"(x) AS regexp_replace(CAST(x AS VARCHAR), '\.0$', '')",
    "dplat_float_to_string_try": r"(x) AS regexp_replace(CAST(x AS VARCHAR), '\.0$', '')",
    # CAST(NUMERIC AS STRING): no trailing zeros (DuckDB writes all 9 places).
    "dplat_numeric_to_string": (
        "(x) AS CASE WHEN contains(CAST(x AS VARCHAR), '.')"
        " THEN rtrim(rtrim(CAST(x AS VARCHAR), '0'), '.') ELSE CAST(x AS VARCHAR) END"
    ),
    "dplat_numeric_to_string_try": "(x) AS dplat_numeric_to_string(x)",
    # SIGN(FLOAT64) is a FLOAT64 (NaN stays NaN).
    "dplat_float_sign": "(x) AS CASE WHEN isnan(x) THEN x ELSE CAST(sign(x) AS DOUBLE) END",
    # POW: a negative base with a fractional exponent is an error (DuckDB: NaN).
    "dplat_pow": (
        "(x, y) AS CASE WHEN x < 0 AND y <> trunc(y)"
        " THEN error('Floating point error in function: POW(' || x || ', ' || y || ')')"
        " ELSE power(x, y) END"
    ),
    # DIV with a NUMERIC operand: the truncated quotient, a NUMERIC.
    "dplat_numeric_div": (
        "(a, b) AS CASE WHEN b = 0 THEN error('division by zero: DIV')"
        " ELSE CAST(trunc(CAST(a AS DECIMAL(38, 9)) / CAST(b AS DECIMAL(38, 9))) AS DECIMAL(38, 9)) END"
    ),
    # TO_JSON_STRING's encodings (json_functions#json_encodings); NULL is null.
    "dplat_json_fraction": f"(t) AS {_FRACTION}",
    "dplat_json_bytes": "(b) AS coalesce('\"' || to_base64(b) || '\"', 'null')",
    "dplat_json_timestamp": (
        "(t) AS coalesce('\"' || strftime(timezone('UTC', t), '%Y-%m-%dT%H:%M:%S')"
        " || dplat_json_fraction(t) || 'Z\"', 'null')"
    ),
    "dplat_json_datetime": (
        "(t) AS coalesce('\"' || strftime(t, '%Y-%m-%dT%H:%M:%S') || dplat_json_fraction(t) || '\"', 'null')"
    ),
    # NUMERIC and INT64 beyond +-2^53 or with a fraction are JSON strings.
    "dplat_json_numeric": (
        "(x) AS coalesce(CASE WHEN contains(dplat_numeric_to_string(x), '.')"
        " OR x > 9007199254740992 OR x < -9007199254740992"
        " THEN '\"' || dplat_numeric_to_string(x) || '\"' ELSE dplat_numeric_to_string(x) END, 'null')"
    ),
    "dplat_json_int": (
        "(x) AS coalesce(CASE WHEN x > 9007199254740992 OR x < -9007199254740992"
        " THEN '\"' || CAST(x AS VARCHAR) || '\"' ELSE CAST(x AS VARCHAR) END, 'null')"
    ),
    "dplat_json_float": (
        "(x) AS coalesce(CASE WHEN isnan(x) THEN '\"NaN\"' WHEN isinf(x) AND x > 0 THEN '\"Infinity\"'"
        " WHEN isinf(x) THEN '\"-Infinity\"' ELSE dplat_float_to_string(x) END, 'null')"
    ),
    # INT64(json) / STRING(json): only a JSON integer / string converts.
    "dplat_json_int64": (
        "(j) AS CASE WHEN j IS NULL OR json_type(j) = 'NULL' THEN NULL"
        " WHEN json_type(j) IN ('BIGINT', 'UBIGINT') THEN CAST(j AS BIGINT)"
        " WHEN json_type(j) = 'DOUBLE' AND CAST(j AS DOUBLE) = trunc(CAST(j AS DOUBLE))"
        " THEN CAST(CAST(j AS DOUBLE) AS BIGINT)"
        " ELSE error('INT64: the JSON value is not an integer: ' || CAST(j AS VARCHAR)) END"
    ),
    "dplat_json_string": (
        "(j) AS CASE WHEN j IS NULL OR json_type(j) = 'NULL' THEN NULL"
        " WHEN json_type(j) = 'VARCHAR' THEN json_extract_string(j, '$')"
        " ELSE error('STRING: the JSON value is not a string: ' || CAST(j AS VARCHAR)) END"
    ),
    "dplat_json_text": "(j) AS coalesce(CAST(j AS VARCHAR), 'null')",
    # INT64 >> n shifts zeros in (no sign extension); 64 places or more is 0.
    "dplat_shift_right": (
        "(x, n) AS CASE WHEN n >= 64 THEN CAST(0 AS BIGINT) WHEN x >= 0 OR n = 0 THEN CAST(x AS BIGINT) >> n"
        " ELSE CAST((CAST(x AS HUGEINT) + CAST('18446744073709551616' AS HUGEINT)) >> n AS BIGINT) END"
    ),
    # DATE - DATE is an INTERVAL of days.
    "dplat_date_minus_date": "(a, b) AS to_days(CAST(a - b AS INTEGER))",
    # FORMAT's %t of an ARRAY<INT64> (format_t.py): [1, 2], as DuckDB writes lists.
    "dplat_text": "(x) AS CAST(x AS VARCHAR)",
    # PARSE_NUMERIC: spaces around the value and after the sign, ',' in the digits.
    "dplat_numeric_text": r"(s) AS replace(regexp_replace(trim(s), '^([+-])\s+', '\1'), ',', '')",
    "dplat_parse_numeric": (
        r"(s) AS CASE WHEN s IS NULL THEN NULL"
        r" WHEN NOT regexp_full_match(trim(s), '[+-]?\s*([0-9][0-9,]*(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')"
        " THEN error('Invalid NUMERIC value: ' || s)"
        " WHEN contains(lower(s), 'e') THEN CAST(CAST(dplat_numeric_text(s) AS DOUBLE) AS DECIMAL(38, 9))"
        " ELSE CAST(dplat_numeric_text(s) AS DECIMAL(38, 9)) END"
    ),
    # --- bytes_ops.py ---
    # BYTES as text for the string functions, when every byte is ASCII.
    "dplat_bytes_text": (
        "(b) AS CASE WHEN octet_length(b) = length(decode(b)) THEN decode(b)"
        " ELSE error('this function takes BYTES beyond ASCII only on BigQuery, not in this sandbox') END"
    ),
    "dplat_text_to_bytes": "(s) AS encode(s)",
    "dplat_texts_bytes": "(l) AS list_transform(l, e -> encode(e))",
    "dplat_utf8_text": "(b) AS decode(b)",
    "dplat_string_to_bytes": "(s) AS encode(s)",
    "dplat_string_to_bytes_try": "(s) AS encode(s)",
    # CAST(BYTES AS STRING): the UTF-8 text; bytes that are not UTF-8 are an error
    # (conversion_functions, CAST AS STRING); DuckDB's cast wrote \\xC3 escapes.
    "dplat_bytes_to_string": "(b) AS decode(b)",
    "dplat_bytes_to_string_try": "(b) AS try(decode(b))",
    "dplat_bytes_and": "(a, b) AS CAST(CAST(a AS BIT) & CAST(b AS BIT) AS BLOB)",
    "dplat_bytes_or": "(a, b) AS CAST(CAST(a AS BIT) | CAST(b AS BIT) AS BLOB)",
    "dplat_bytes_xor": "(a, b) AS CAST(xor(CAST(a AS BIT), CAST(b AS BIT)) AS BLOB)",
    "dplat_byte_values": (
        "(b) AS list_transform(range(0, octet_length(b)), i -> CAST('0x' || substr(hex(b), 2 * i + 1, 2) AS BIGINT))"
    ),
    "dplat_bit_count_bytes": "(b) AS bit_count(CAST(b AS BIT))",
    # INT64 << n: the low 64 bits (0 from 64 places on), no overflow error.
    "dplat_unsigned64": "(x) AS (CAST(x AS HUGEINT) + CAST('18446744073709551616' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)",
    "dplat_low64": "(v) AS v & CAST('18446744073709551615' AS HUGEINT)",
    "dplat_shift_left": (
        "(x, n) AS CASE WHEN n >= 64 THEN CAST(0 AS BIGINT) ELSE CAST(CASE"
        " WHEN dplat_low64(dplat_unsigned64(x) << n) >= CAST('9223372036854775808' AS HUGEINT)"
        " THEN dplat_low64(dplat_unsigned64(x) << n) - CAST('18446744073709551616' AS HUGEINT)"
        " ELSE dplat_low64(dplat_unsigned64(x) << n) END AS BIGINT) END"
    ),
    # --- syntax.py ---
    # EXTRACT(WEEK(<weekday d>) FROM x): 0 before the year's first day d, then 1, 2, ...
    "dplat_year_first_weekday": (
        "(x, d) AS make_date(year(x), 1, 1) + CAST((d - dayofweek(make_date(year(x), 1, 1)) + 7) % 7 AS INTEGER)"
    ),
    "dplat_isoyear_last_day": "(x) AS dplat_week_start(make_date(isoyear(x) + 1, 1, 4), 1) - 1",
    "dplat_week_of_year": (
        "(x, d) AS CASE WHEN CAST(x AS DATE) < dplat_year_first_weekday(x, d) THEN 0"
        " ELSE (CAST(x AS DATE) - dplat_year_first_weekday(x, d)) // 7 + 1 END"
    ),
    # LIKE with a backslash escape (DuckDB has none by default).
    "dplat_like": "(s, p) AS s LIKE p ESCAPE '\\'",
    # ARRAY_SLICE(a, start, end): 0-based inclusive offsets, negative from the end.
    "dplat_array_slice": (
        "(a, s, e) AS list_slice(a, CASE WHEN s >= 0 THEN s + 1 ELSE greatest(s, -len(a)) END,"
        " CASE WHEN e >= 0 THEN e + 1 ELSE e END)"
    ),
    # RANGE_BUCKET's array must be in ascending order.
    "dplat_sorted_array": (
        "(a) AS CASE WHEN a IS DISTINCT FROM list_sort(a)"
        " THEN error('RANGE_BUCKET: the array must be sorted in ascending order') ELSE a END"
    ),
    # WKT as BigQuery writes it: POINT(1 2), not POINT (1 2).
    "dplat_wkt": r"(s) AS regexp_replace(s, '([A-Z]) \(', '\1(', 'g')",
    "dplat_longitude": (
        "(x) AS CASE WHEN x > 180 OR x < -180 THEN ((x + 180) % 360 + 360) % 360 - 180 ELSE x END"
    ),
    "dplat_latitude": (
        "(y) AS CASE WHEN y > 90 OR y < -90"
        " THEN error('ST_GEOGPOINT: latitude must be in [-90, 90], got ' || y) ELSE y END"
    ),
    # APPROX_TOP_COUNT from histogram(x): the n most frequent, [{value, count}].
    "dplat_top_count": (
        "(h, n) AS list_transform(list_slice(list_sort(list_transform(map_entries(h),"
        " e -> {'c': e.value, 'v': e.key}), 'DESC'), 1, n),"
        " e -> {'value': e.v, 'count': CAST(e.c AS BIGINT)})"
    ),
    # APPROX_TOP_SUM from list(x), list(w): the n largest sums, [{value, sum}].
    "dplat_top_sum": (
        "(xs, ws, n) AS CASE WHEN list_min(ws) < 0"
        " THEN error('APPROX_TOP_SUM: weights must be non-negative') ELSE"
        " list_transform(list_slice(list_sort(list_transform(list_distinct(xs),"
        " k -> {'s': list_reduce(list_transform(list_filter(range(1, len(xs) + 1), i -> xs[i] = k), i -> ws[i]),"
        " (a, b) -> a + b),"
        " 'v': k}), 'DESC'), 1, n), e -> {'value': e.v, 'sum': e.s}) END"
    ),
    # SUM of INT64 beyond INT64's range (DuckDB sums into HUGEINT) is an error.
    "dplat_checked_sum": (
        "(s) AS CASE WHEN typeof(s) = 'HUGEINT' AND (s > 9223372036854775807 OR s < -9223372036854775808)"
        " THEN error('Int64 overflow in SUM') ELSE s END"
    ),
    # SUM of INTERVAL: months, days and microseconds each summed (DuckDB has no sum(INTERVAL)).
    "dplat_sum_interval": (
        "(i) AS to_months(CAST(sum(datepart('year', i) * 12 + datepart('month', i)) AS INTEGER))"
        " + to_days(CAST(sum(datepart('day', i)) AS INTEGER)) + to_microseconds(CAST(sum(datepart('hour', i)"
        " * 3600000000 + datepart('minute', i) * 60000000 + datepart('microseconds', i)) AS BIGINT))"
    ),
}

# BIGNUMERIC as DECIMAL(38, s), s = 10..38 (typed.bignumeric_casts picks s).
MORE_MACROS.update({
    f"dplat_decimal_{scale}{suffix}": f"(x) AS {cast}(x AS DECIMAL(38, {scale}))"
    for scale in range(10, 39)
    for suffix, cast in (("", "CAST"), ("_try", "TRY_CAST"))
})
