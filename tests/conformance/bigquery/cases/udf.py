"""User-defined functions: SQL UDFs (typed, ANY TYPE, with subqueries) and JavaScript UDFs.

https://cloud.google.com/bigquery/docs/user-defined-functions
https://cloud.google.com/bigquery/docs/reference/standard-sql/user-defined-functions

Each query declares temporary functions and uses them in the same request.
JavaScript UDFs follow the page's type mapping (FLOAT64 is a JS number,
ARRAY a JS array, STRUCT an object, SQL NULL is JS null) and a thrown error
fails the query with its message.
"""

from decimal import Decimal

from ._model import Case, doc, one

SQL_UDF = doc("user-defined-functions") + "#sql_udf_structure"
JS_UDF = doc("user-defined-functions") + "#javascript_udf_structure"
TEMPLATED = doc("user-defined-functions") + "#templated-sql-udf-parameters"
JS_TYPES = "https://cloud.google.com/bigquery/docs/user-defined-functions#supported-javascript-udf-data-types"

CASES: list[Case] = [
    one("sql_typed", "CREATE TEMP FUNCTION add_tax(p FLOAT64) AS (p * 1.25); SELECT add_tax(8)", 10.0, SQL_UDF),
    one("sql_returns_clause", "CREATE TEMP FUNCTION half(x FLOAT64) RETURNS FLOAT64 AS (x / 2); SELECT half(3)", 1.5,
        SQL_UDF),
    one("sql_int_return", "CREATE TEMP FUNCTION inc(x INT64) AS (x + 1); SELECT inc(41)", 42, SQL_UDF,
        types=["INT64"]),
    one("sql_null_argument", "CREATE TEMP FUNCTION inc(x INT64) AS (x + 1); SELECT inc(NULL)", None, SQL_UDF),
    Case("sql_two_functions",
         "CREATE TEMP FUNCTION sq(x INT64) AS (x * x); CREATE TEMP FUNCTION sum_sq(a INT64, b INT64) AS (sq(a) + sq(b));"
         " SELECT sum_sq(3, 4)", [(25,)], SQL_UDF),
    one("sql_subquery_over_array",
        "CREATE TEMP FUNCTION total(a ARRAY<INT64>) AS ((SELECT SUM(v) FROM UNNEST(a) AS v)); SELECT total([1, 2, 3])",
        6, SQL_UDF),
    Case("sql_over_rows", "CREATE TEMP FUNCTION label(x INT64) AS (IF(MOD(x, 2) = 0, 'even', 'odd'));"
         " SELECT x, label(x) FROM UNNEST([1, 2]) AS x ORDER BY x", [(1, "odd"), (2, "even")], SQL_UDF),
    Case("sql_wrong_argument_type", "CREATE TEMP FUNCTION inc(x INT64) AS (x + 1); SELECT inc('a')",
         source=SQL_UDF, expect_error=""),
    # ANY TYPE: one definition, the argument type chosen per call.
    Case("any_type_int_and_float", "CREATE TEMP FUNCTION twice(x ANY TYPE) AS (x * 2); SELECT twice(3), twice(1.5)",
         [(6, 3.0)], TEMPLATED, types=["INT64", "FLOAT64"]),
    Case("any_type_array_last",
         "CREATE TEMP FUNCTION last_of(a ANY TYPE) AS (a[ORDINAL(ARRAY_LENGTH(a))]);"
         " SELECT last_of([1, 2, 3]), last_of(['x', 'y'])", [(3, "y")], TEMPLATED),
    one("any_type_struct_field",
        "CREATE TEMP FUNCTION name_of(s ANY TYPE) AS (s.name); SELECT name_of(STRUCT(7 AS id, 'ann' AS name))", "ann",
        TEMPLATED),
    one("any_type_mixed_with_typed",
        "CREATE TEMP FUNCTION scale(x ANY TYPE, f INT64) AS (x * f); SELECT scale(NUMERIC '1.5', 2)",
        Decimal("3.0"), TEMPLATED),
    # JavaScript.
    one("js_float", 'CREATE TEMP FUNCTION mul(x FLOAT64, y FLOAT64) RETURNS FLOAT64 LANGUAGE js AS r"""return x * y;""";'
        " SELECT mul(2, 3.5)", 7.0, JS_UDF),
    one("js_string", "CREATE TEMP FUNCTION shout(s STRING) RETURNS STRING LANGUAGE js"
        ' AS r"""return s.toUpperCase() + \'!\';"""; SELECT shout(\'hey\')', "HEY!", JS_UDF),
    one("js_null_in", "CREATE TEMP FUNCTION nz(s STRING) RETURNS STRING LANGUAGE js"
        ' AS r"""return s === null ? \'none\' : s;"""; SELECT nz(NULL)', "none", JS_TYPES),
    one("js_returns_array", "CREATE TEMP FUNCTION parts(s STRING) RETURNS ARRAY<STRING> LANGUAGE js"
        ' AS r"""return s.split(\'-\');"""; SELECT parts(\'a-b-c\')', ["a", "b", "c"], JS_TYPES),
    one("js_returns_struct", "CREATE TEMP FUNCTION pair(x FLOAT64) RETURNS STRUCT<a FLOAT64, b STRING> LANGUAGE js"
        ' AS r"""return {a: x + 1, b: String(x)};"""; SELECT pair(2)', {"a": 3.0, "b": "2"}, JS_TYPES),
    one("js_array_argument", "CREATE TEMP FUNCTION jsum(a ARRAY<FLOAT64>) RETURNS FLOAT64 LANGUAGE js"
        ' AS r"""return a.reduce((s, v) => s + v, 0);"""; SELECT jsum([1.5, 2.5, 3.0])', 7.0, JS_TYPES),
    Case("js_throws", "CREATE TEMP FUNCTION boom(x FLOAT64) RETURNS FLOAT64 LANGUAGE js"
         ' AS r"""throw new Error(\'negative input\');"""; SELECT boom(1)', source=JS_UDF,
         expect_error="negative input"),
    one("js_over_rows", "CREATE TEMP FUNCTION dbl(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS r\"\"\"return 2 * x;\"\"\";"
        " SELECT SUM(dbl(x)) FROM UNNEST([1.0, 2.0, 3.0]) AS x", 12.0, JS_UDF),
]
