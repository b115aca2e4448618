"""JSON functions, the JSON type, field access and subscripts.

https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions
https://cloud.google.com/bigquery/docs/reference/standard-sql/operators (JSON subscript, field access)

JSON-typed results go through TO_JSON_STRING so the exact text is compared.
Issue 11: a JSON null extracted from a STRING is SQL NULL, subscripts are 0-based.
"""

from ._model import Case, doc, one

PAGE = doc("json_functions")
OPS = doc("operators")

CASES: list[Case] = [
    # Legacy extractors on JSON-formatted STRING.
    one("extract_object", """SELECT JSON_EXTRACT('{"a": {"b": 1}}', '$.a')""", '{"b":1}', PAGE + "#json_extract"),
    one("extract_keeps_quotes", """SELECT JSON_EXTRACT('{"a": "x"}', '$.a')""", '"x"', PAGE + "#json_extract"),
    one("extract_json_null_is_sql_null", """SELECT JSON_EXTRACT('{"a": null}', '$.a') IS NULL""", True,
        PAGE + "#json_extract"),
    one("extract_index_zero_based", """SELECT JSON_EXTRACT('{"a": [10, 20, 30]}', '$.a[1]')""", "20",
        PAGE + "#json_extract"),
    one("extract_nested_path", """SELECT JSON_EXTRACT('{"a": {"b": [{"c": 1}, {"c": 2}]}}', '$.a.b[1].c')""", "2",
        PAGE + "#json_extract"),
    one("extract_bracket_key", """SELECT JSON_EXTRACT('{"a.b": 7}', "$['a.b']")""", "7", PAGE + "#json_extract"),
    one("extract_compacts_whitespace", """SELECT JSON_EXTRACT('{ "a" : [ 1 , 2 ] }', '$.a')""", "[1,2]",
        PAGE + "#json_extract"),
    one("extract_missing_path", """SELECT JSON_EXTRACT('{"a": 1}', '$.b')""", None, PAGE + "#json_extract"),
    one("extract_scalar_unquotes", """SELECT JSON_EXTRACT_SCALAR('{"a": "x"}', '$.a')""", "x",
        PAGE + "#json_extract_scalar"),
    one("extract_scalar_number", """SELECT JSON_EXTRACT_SCALAR('{"a": [5, 6]}', '$.a[0]')""", "5",
        PAGE + "#json_extract_scalar"),
    one("extract_scalar_bool", """SELECT JSON_EXTRACT_SCALAR('{"ok": true}', '$.ok')""", "true",
        PAGE + "#json_extract_scalar"),
    one("extract_scalar_of_object", """SELECT JSON_EXTRACT_SCALAR('{"a": {"b": 1}}', '$.a')""", None,
        PAGE + "#json_extract_scalar"),
    one("extract_array", """SELECT JSON_EXTRACT_ARRAY('[1, "b", {"c": 2}]')""", ["1", '"b"', '{"c":2}'],
        PAGE + "#json_extract_array"),
    one("extract_array_path", """SELECT JSON_EXTRACT_ARRAY('{"x": [3, 4]}', '$.x')""", ["3", "4"],
        PAGE + "#json_extract_array"),
    one("extract_string_array", """SELECT JSON_EXTRACT_STRING_ARRAY('["a", "b"]')""", ["a", "b"],
        PAGE + "#json_extract_string_array"),
    # Standard extractors.
    one("query_object", """SELECT JSON_QUERY('{"a": {"b": [1, 2]}}', '$.a.b')""", "[1,2]", PAGE + "#json_query"),
    one("query_quoted_key", """SELECT JSON_QUERY('{"a.b": 1}', '$."a.b"')""", "1", PAGE + "#json_query"),
    one("query_json_null_from_string", """SELECT JSON_QUERY('{"a": null}', '$.a') IS NULL""", True,
        PAGE + "#json_query"),
    one("query_json_null_from_json", """SELECT TO_JSON_STRING(JSON_QUERY(JSON '{"a": null}', '$.a'))""", "null",
        PAGE + "#json_query"),
    one("value_string", """SELECT JSON_VALUE('{"name": "Jo"}', '$.name')""", "Jo", PAGE + "#json_value"),
    one("value_index", """SELECT JSON_VALUE('{"a": {"b": [7, 8]}}', '$.a.b[1]')""", "8", PAGE + "#json_value"),
    one("value_of_array_is_null", """SELECT JSON_VALUE('{"a": [1]}', '$.a')""", None, PAGE + "#json_value"),
    one("value_on_json_type", """SELECT JSON_VALUE(JSON '{"n": 10}', '$.n')""", "10", PAGE + "#json_value"),
    one("query_array", """SELECT JSON_QUERY_ARRAY('{"x": ["a", "b"]}', '$.x')""", ['"a"', '"b"'],
        PAGE + "#json_query_array"),
    one("value_array", """SELECT JSON_VALUE_ARRAY('{"x": ["a", 1]}', '$.x')""", ["a", "1"],
        PAGE + "#json_value_array"),
    # The JSON type: subscripts (0-based), field access, type names.
    one("subscript_zero_based", "SELECT INT64(JSON '[10, 20, 30]'[1])", 20, OPS + "#json_subscript_operator"),
    one("subscript_key_then_index", """SELECT INT64(JSON '{"a": [1, 2, 3]}'['a'][2])""", 3,
        OPS + "#json_subscript_operator"),
    one("field_access", """SELECT STRING(JSON '{"a": {"b": "x"}}'.a.b)""", "x", OPS + "#field_access_operator"),
    one("field_access_missing", """SELECT JSON '{"a": 1}'.b IS NULL""", True, OPS + "#field_access_operator"),
    one("parse_json_roundtrip", """SELECT TO_JSON_STRING(PARSE_JSON('{"a":[1,true,null]}'))""", '{"a":[1,true,null]}',
        PAGE + "#parse_json"),
    Case("parse_json_invalid", "SELECT PARSE_JSON('{bad')", source=PAGE + "#parse_json", expect_error=""),
    one("type_number", "SELECT JSON_TYPE(JSON '1.5')", "number", PAGE + "#json_type"),
    one("type_string", """SELECT JSON_TYPE(JSON '"x"')""", "string", PAGE + "#json_type"),
    one("type_array", "SELECT JSON_TYPE(JSON '[1]')", "array", PAGE + "#json_type"),
    one("type_object", "SELECT JSON_TYPE(JSON '{}')", "object", PAGE + "#json_type"),
    one("type_boolean", "SELECT JSON_TYPE(JSON 'false')", "boolean", PAGE + "#json_type"),
    one("type_null", "SELECT JSON_TYPE(JSON 'null')", "null", PAGE + "#json_type"),
    # Converters.
    one("int64_of_json", "SELECT INT64(JSON '42')", 42, PAGE + "#int64_for_json"),
    Case("int64_of_json_string", """SELECT INT64(JSON '"42"')""", source=PAGE + "#int64_for_json", expect_error=""),
    one("lax_int64_of_json_string", """SELECT LAX_INT64(JSON '"42"')""", 42, PAGE + "#lax_int64"),
    one("bool_of_json", "SELECT BOOL(JSON 'true')", True, PAGE + "#bool_for_json"),
    one("lax_bool_of_string", """SELECT LAX_BOOL(JSON '"true"')""", True, PAGE + "#lax_bool"),
    one("float64_of_json", "SELECT FLOAT64(JSON '1.5')", 1.5, PAGE + "#double_for_json"),
    one("string_of_json", """SELECT STRING(JSON '"hi"')""", "hi", PAGE + "#string_for_json"),
    Case("string_of_json_number", "SELECT STRING(JSON '1')", source=PAGE + "#string_for_json", expect_error=""),
    one("lax_string_of_number", "SELECT LAX_STRING(JSON '1')", "1", PAGE + "#lax_string"),
    # Constructors and editors (JSON objects print with sorted keys).
    one("json_object_sorted_keys", "SELECT TO_JSON_STRING(JSON_OBJECT('b', 1, 'a', 'x'))", '{"a":"x","b":1}',
        PAGE + "#json_object"),
    one("json_array", "SELECT TO_JSON_STRING(JSON_ARRAY(1, 'a', NULL))", '[1,"a",null]', PAGE + "#json_array"),
    one("json_set_adds_key", """SELECT TO_JSON_STRING(JSON_SET(JSON '{"a": 1}', '$.b', 2))""", '{"a":1,"b":2}',
        PAGE + "#json_set"),
    one("json_remove", """SELECT TO_JSON_STRING(JSON_REMOVE(JSON '{"a": 1, "b": 2}', '$.a'))""", '{"b":2}',
        PAGE + "#json_remove"),
    one("json_strip_nulls", """SELECT TO_JSON_STRING(JSON_STRIP_NULLS(JSON '{"a": null, "b": 1}'))""", '{"b":1}',
        PAGE + "#json_strip_nulls"),
    one("json_array_append", "SELECT TO_JSON_STRING(JSON_ARRAY_APPEND(JSON '[1]', '$', 2))", "[1,2]",
        PAGE + "#json_array_append"),
    one("json_array_insert", "SELECT TO_JSON_STRING(JSON_ARRAY_INSERT(JSON '[1, 3]', '$[1]', 2))", "[1,2,3]",
        PAGE + "#json_array_insert"),
    # TO_JSON_STRING encodings.
    one("to_json_string_struct", "SELECT TO_JSON_STRING(STRUCT(1 AS a, 'x' AS b))", '{"a":1,"b":"x"}',
        PAGE + "#to_json_string"),
    one("to_json_string_pretty", "SELECT TO_JSON_STRING(STRUCT(1 AS a), true)", '{\n  "a": 1\n}',
        PAGE + "#to_json_string"),
    one("to_json_string_array", "SELECT TO_JSON_STRING([1, 2])", "[1,2]", PAGE + "#to_json_string"),
    one("to_json_string_null", "SELECT TO_JSON_STRING(CAST(NULL AS INT64))", "null", PAGE + "#to_json_string"),
    one("to_json_string_struct_null_field", "SELECT TO_JSON_STRING(STRUCT(CAST(NULL AS STRING) AS a))", '{"a":null}',
        PAGE + "#to_json_string"),
    one("to_json_string_bytes_base64", "SELECT TO_JSON_STRING(b'abc')", '"YWJj"', PAGE + "#json_encodings"),
    one("to_json_string_date", "SELECT TO_JSON_STRING(DATE '2020-01-02')", '"2020-01-02"', PAGE + "#json_encodings"),
    one("to_json_string_timestamp", "SELECT TO_JSON_STRING(TIMESTAMP '2020-01-02 03:04:05+00')",
        '"2020-01-02T03:04:05Z"', PAGE + "#json_encodings"),
    one("to_json_string_escapes_quote", """SELECT TO_JSON_STRING('a"b')""", '"a\\"b"', PAGE + "#json_encodings"),
    one("to_json_string_numeric", "SELECT TO_JSON_STRING(NUMERIC '1.5')", "1.5", PAGE + "#json_encodings"),
    one("to_json_struct_array", "SELECT TO_JSON_STRING(TO_JSON([STRUCT('x' AS k)]))", '[{"k":"x"}]', PAGE + "#to_json"),
]
