"""Every example issue 11 names that belongs to another family's page, so that
each is a case here whatever the other families hold (the date, timestamp,
query syntax and data type examples are in those families). Values are
BigQuery's documented behaviour; each case cites its page."""

from __future__ import annotations

from ._model import Case, doc, one

CASES: list[Case] = [
    one("div_of_sum", "SELECT DIV(7 + 3, 2)", 5, doc("mathematical_functions") + "#div", types=["INT64"]),
    one("json_extract_null_is_sql_null", "SELECT JSON_EXTRACT('{\"a\": null}', '$.a')", None,
        doc("json_functions") + "#json_extract"),
    one("json_extract_subscript_zero_based", "SELECT JSON_EXTRACT('[10, 20, 30]', '$[1]')", "20",
        doc("json_functions") + "#json_extract"),
    one("json_subscript_zero_based", "SELECT TO_JSON_STRING(JSON '[\"a\", \"b\"]'[1])", '"b"',
        doc("json_functions") + "#json_subscript_operator"),
    one("array_concat_operator", "SELECT [1, 2] || [3, 4]", [1, 2, 3, 4], doc("operators") + "#concatenation_operator",
        types=["ARRAY<INT64>"]),
    one("regexp_instr", "SELECT REGEXP_INSTR('ab12cd34', '[0-9]+')", 3, doc("string_functions") + "#regexp_instr"),
    one("regexp_instr_occurrence", "SELECT REGEXP_INSTR('ab12cd34', '[0-9]+', 1, 2)", 7,
        doc("string_functions") + "#regexp_instr"),
    one("net_host", "SELECT NET.HOST('https://www.example.com:8080/a/b?c=1')", "www.example.com",
        doc("net_functions") + "#nethost"),
    one("net_ip_from_string", "SELECT NET.IP_FROM_STRING('192.168.0.1')", b"\xc0\xa8\x00\x01",
        doc("net_functions") + "#netip_from_string"),
    one("hll_count_small_exact",
        "SELECT HLL_COUNT.EXTRACT(HLL_COUNT.INIT(x)) FROM UNNEST(['a', 'b', 'a', 'c']) AS x", 3,
        doc("hll_functions") + "#hll_countextract"),
    one("approx_top_count_shape", "SELECT APPROX_TOP_COUNT(x, 1) FROM UNNEST(['a', 'b', 'a']) AS x",
        [{"value": "a", "count": 2}], doc("approximate_aggregate_functions") + "#approx_top_count"),
    one("approx_top_sum_shape",
        "SELECT APPROX_TOP_SUM(x, w, 1) FROM (SELECT 'a' AS x, 5 AS w UNION ALL SELECT 'b', 7)",
        [{"value": "b", "sum": 7}], doc("approximate_aggregate_functions") + "#approx_top_sum"),
    one("sql_udf_any_type", "CREATE TEMP FUNCTION add_one(x ANY TYPE) AS (x + 1); SELECT add_one(41)", 42,
        doc("user-defined-functions") + "#templated-sql-udf-parameters"),
    one("javascript_udf",
        "CREATE TEMP FUNCTION twice(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS r'''return x * 2;''';"
        " SELECT twice(2.5)", 5.0, doc("user-defined-functions") + "#javascript-udf-structure"),
]
