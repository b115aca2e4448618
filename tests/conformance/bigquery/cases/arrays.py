"""Array functions, array subscripts, UNNEST and array rules of the data types page.

https://cloud.google.com/bigquery/docs/reference/standard-sql/array_functions
https://cloud.google.com/bigquery/docs/reference/standard-sql/operators#array_subscript_operator
https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#unnest_operator
https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#array_type

Issue 11: `[1, 2] || [3, 4]` is an ARRAY; OFFSET past the end raises; UNNEST
WITH OFFSET counts from 0; UNNEST of STRUCTs exposes the fields by name.
"""

import datetime as dt

from ._model import Case, doc, one

PAGE = doc("array_functions")
SUBSCRIPT = doc("operators") + "#array_subscript_operator"
UNNEST = doc("query-syntax") + "#unnest_operator"
TYPES = doc("data-types")

CASES: list[Case] = [
    one("concat_function", "SELECT ARRAY_CONCAT([1, 2], [3], [4, 5])", [1, 2, 3, 4, 5], PAGE + "#array_concat",
        types=["ARRAY<INT64>"]),
    one("concat_operator", "SELECT [1, 2] || [3, 4]", [1, 2, 3, 4], doc("operators") + "#concatenation_operator",
        types=["ARRAY<INT64>"]),
    one("concat_null_is_null", "SELECT ARRAY_CONCAT([1], NULL) IS NULL", True, PAGE + "#array_concat"),
    one("length", "SELECT ARRAY_LENGTH(['a', 'b', 'c'])", 3, PAGE + "#array_length"),
    one("length_empty", "SELECT ARRAY_LENGTH(ARRAY<INT64>[])", 0, PAGE + "#array_length"),
    one("length_null", "SELECT ARRAY_LENGTH(CAST(NULL AS ARRAY<INT64>))", None, PAGE + "#array_length"),
    one("length_counts_null_elements", "SELECT ARRAY_LENGTH([1, NULL, 3])", 3, PAGE + "#array_length"),
    one("to_string", "SELECT ARRAY_TO_STRING(['a', 'b', 'c'], '-')", "a-b-c", PAGE + "#array_to_string"),
    one("to_string_skips_null", "SELECT ARRAY_TO_STRING(['a', NULL, 'c'], ',')", "a,c", PAGE + "#array_to_string"),
    one("to_string_null_text", "SELECT ARRAY_TO_STRING(['a', NULL, 'c'], ',', 'N/A')", "a,N/A,c",
        PAGE + "#array_to_string"),
    one("to_string_empty", "SELECT ARRAY_TO_STRING(ARRAY<STRING>[], ',')", "", PAGE + "#array_to_string"),
    one("concat_single", "SELECT ARRAY_CONCAT(['x'])", ["x"], PAGE + "#array_concat"),
    one("empty_literal", "SELECT ARRAY<INT64>[]", [], TYPES + "#array_type", types=["ARRAY<INT64>"]),
    one("array_inside_struct", "SELECT [STRUCT([1, 2] AS xs)][OFFSET(0)].xs", [1, 2], TYPES + "#array_type"),
    one("reverse_empty", "SELECT ARRAY_REVERSE(ARRAY<INT64>[])", [], PAGE + "#array_reverse"),
    one("reverse", "SELECT ARRAY_REVERSE([1, 2, 3])", [3, 2, 1], PAGE + "#array_reverse"),
    one("first", "SELECT ARRAY_FIRST(['x', 'y', 'z'])", "x", PAGE + "#array_first"),
    one("last", "SELECT ARRAY_LAST(['x', 'y', 'z'])", "z", PAGE + "#array_last"),
    Case("first_of_empty", "SELECT ARRAY_FIRST(ARRAY<STRING>[])", source=PAGE + "#array_first", expect_error=""),
    one("slice_offsets_inclusive", "SELECT ARRAY_SLICE(['p', 'q', 'r', 's', 't', 'u'], 2, 4)", ["r", "s", "t"],
        PAGE + "#array_slice"),
    one("slice_negative", "SELECT ARRAY_SLICE([1, 2, 3, 4, 5, 6], -4, -2)", [3, 4, 5],
        PAGE + "#array_slice"),
    # GENERATE_ARRAY / GENERATE_DATE_ARRAY / GENERATE_TIMESTAMP_ARRAY.
    one("generate_default_step", "SELECT GENERATE_ARRAY(1, 5)", [1, 2, 3, 4, 5], PAGE + "#generate_array"),
    one("generate_step", "SELECT GENERATE_ARRAY(0, 10, 3)", [0, 3, 6, 9], PAGE + "#generate_array"),
    one("generate_negative_step", "SELECT GENERATE_ARRAY(10, 0, -3)", [10, 7, 4, 1], PAGE + "#generate_array"),
    one("generate_empty", "SELECT GENERATE_ARRAY(5, 1)", [], PAGE + "#generate_array"),
    one("generate_float_step", "SELECT GENERATE_ARRAY(0, 1, 0.25)", [0.0, 0.25, 0.5, 0.75, 1.0],
        PAGE + "#generate_array"),
    one("generate_null_bound", "SELECT GENERATE_ARRAY(1, NULL) IS NULL", True, PAGE + "#generate_array"),
    Case("generate_zero_step", "SELECT GENERATE_ARRAY(1, 3, 0)", source=PAGE + "#generate_array", expect_error=""),
    one("generate_length", "SELECT ARRAY_LENGTH(GENERATE_ARRAY(1, 1000))", 1000, PAGE + "#generate_array"),
    one("generate_date_days", "SELECT GENERATE_DATE_ARRAY('2024-02-27', '2024-03-01')",
        [dt.date(2024, 2, 27), dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1)],
        PAGE + "#generate_date_array"),
    one("generate_date_interval", "SELECT GENERATE_DATE_ARRAY('2024-01-01', '2024-01-10', INTERVAL 3 DAY)",
        [dt.date(2024, 1, 1), dt.date(2024, 1, 4), dt.date(2024, 1, 7), dt.date(2024, 1, 10)],
        PAGE + "#generate_date_array"),
    one("generate_date_backwards", "SELECT GENERATE_DATE_ARRAY('2024-01-05', '2024-01-01', INTERVAL -2 DAY)",
        [dt.date(2024, 1, 5), dt.date(2024, 1, 3), dt.date(2024, 1, 1)], PAGE + "#generate_date_array"),
    one("generate_date_weeks", "SELECT GENERATE_DATE_ARRAY('2024-01-01', '2024-01-20', INTERVAL 1 WEEK)",
        [dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 1, 15)], PAGE + "#generate_date_array"),
    one("generate_date_months", "SELECT GENERATE_DATE_ARRAY('2024-01-01', '2024-06-30', INTERVAL 2 MONTH)",
        [dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 5, 1)], PAGE + "#generate_date_array"),
    one("generate_timestamp_seconds",
        "SELECT GENERATE_TIMESTAMP_ARRAY('2024-01-01 00:00:00+00', '2024-01-01 00:00:02+00', INTERVAL 1 SECOND)",
        [dt.datetime(2024, 1, 1, 0, 0, s, tzinfo=dt.UTC) for s in range(3)],
        PAGE + "#generate_timestamp_array"),
    # Subscripts: OFFSET counts from 0, ORDINAL from 1, SAFE_ forms give NULL out of range.
    one("offset_zero", "SELECT [10, 20, 30][OFFSET(0)]", 10, SUBSCRIPT),
    one("offset_last", "SELECT [10, 20, 30][OFFSET(2)]", 30, SUBSCRIPT),
    one("ordinal_one", "SELECT [10, 20, 30][ORDINAL(1)]", 10, SUBSCRIPT),
    one("bare_index_is_offset", "SELECT [10, 20, 30][1]", 20, SUBSCRIPT),
    one("safe_offset_past_end", "SELECT [10, 20, 30][SAFE_OFFSET(5)]", None, SUBSCRIPT),
    one("safe_ordinal_zero", "SELECT [10, 20, 30][SAFE_ORDINAL(0)]", None, SUBSCRIPT),
    one("safe_offset_negative", "SELECT [10, 20, 30][SAFE_OFFSET(-1)]", None, SUBSCRIPT),
    Case("offset_past_end", "SELECT item_array[OFFSET(6)] FROM (SELECT ['a', 'b', 'c'] AS item_array)",
         source=SUBSCRIPT, expect_error="out of bounds"),
    Case("ordinal_zero", "SELECT [10, 20][ORDINAL(0)]", source=SUBSCRIPT, expect_error="out of bounds"),
    Case("offset_negative", "SELECT [10, 20][OFFSET(-1)]", source=SUBSCRIPT, expect_error="out of bounds"),
    # UNNEST.
    Case("unnest_with_offset_from_zero", "SELECT x, o FROM UNNEST(['a', 'b', 'c']) AS x WITH OFFSET AS o ORDER BY o",
         [("a", 0), ("b", 1), ("c", 2)], UNNEST),
    Case("unnest_struct_fields_by_name",
         "SELECT id, name FROM UNNEST([STRUCT(1 AS id, 'ann' AS name), STRUCT(2 AS id, 'bo' AS name)]) ORDER BY id",
         [(1, "ann"), (2, "bo")], UNNEST),
    Case("unnest_empty_no_rows", "SELECT x FROM UNNEST(ARRAY<INT64>[]) AS x", [], UNNEST),
    Case("unnest_correlated",
         "SELECT t.k, v FROM (SELECT 'a' AS k, [1, 2] AS vs UNION ALL SELECT 'b', [3]) AS t, t.vs AS v ORDER BY v",
         [("a", 1), ("a", 2), ("b", 3)], UNNEST),
    one("in_unnest", "SELECT 2 IN UNNEST([1, 2, 3])", True, doc("operators") + "#in_operators"),
    one("array_subquery_ordered", "SELECT ARRAY(SELECT x * 2 FROM UNNEST([3, 1, 2]) AS x ORDER BY x)", [2, 4, 6],
        PAGE + "#array"),
    one("array_subquery_struct_rows", "SELECT ARRAY(SELECT AS STRUCT 1 AS a, 'x' AS b)", [{"a": 1, "b": "x"}],
        PAGE + "#array"),
    # Data type rules.
    Case("null_element_in_result", "SELECT [1, NULL, 3]", source=TYPES + "#array_nulls", expect_error="null"),
    Case("array_equality_not_defined", "SELECT [1, 2] = [1, 2]", source=TYPES + "#array_type", expect_error=""),
    Case("nested_array_not_allowed", "SELECT [[1, 2], [3]]", source=TYPES + "#array_type", expect_error=""),
    # Session 7: fractional GENERATE_ARRAY; a NULL element is fine inside the query, refused in its result.
    one("generate_float_descending", "SELECT GENERATE_ARRAY(2.5, 1.0, -0.5)", [2.5, 2.0, 1.5, 1.0],
        PAGE + "#generate_array", types=["ARRAY<FLOAT64>"]),
    one("generate_float_end_not_reached", "SELECT GENERATE_ARRAY(0.0, 1.0, 0.4)", [0.0, 0.4, 0.8],
        PAGE + "#generate_array", approx=1e-12),
    one("null_element_usable_inside_query", "SELECT ARRAY_LENGTH([4, NULL, 6])", 3, TYPES + "#array_nulls"),
    Case("null_element_in_struct_result_errors", "SELECT STRUCT([4, NULL] AS xs)", source=TYPES + "#array_nulls",
         expect_error="null element"),
]
