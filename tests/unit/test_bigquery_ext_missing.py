"""The bigquery layer's session-7 corrections (missing.py, json_ops.py, results.py, zones.py).

Like test_bigquery_ext.py: each transform's answer after our rewrite, SQLGlot
and DuckDB (with our macros and Python functions), against the values of
BigQuery's documentation that the named conformance cases hold too; the
result rules against Arrow tables made here. The whole chain through
bqemulator is the conformance suite's business.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

# Also puts images/bigquery/ext on the path (the layer is copied into the image).
from tests.unit.test_bigquery_ext import (
    RewriteError,
    answer,
    duckdb,
    register_macros,
    rewrite,
    sqlglot,
)

pa = pytest.importorskip("pyarrow", reason="dev dependency (pyproject.toml [dev])")

from dplat_bqext.json_ops import (  # noqa: E402
    contains_substr_deep,
    json_array_append,
    json_pretty,
    path_steps,
)
from dplat_bqext.results import bigquery_wkt, is_geography, null_element_field  # noqa: E402
from dplat_bqext.zones import zone_or_offset  # noqa: E402


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # aggregate.string_agg_bytes, aggregate.string_agg_bytes_default_delimiter
        ("SELECT STRING_AGG(b, b'.') FROM UNNEST([b'x', b'y']) AS b", b"x.y"),
        ("SELECT STRING_AGG(b ORDER BY b) FROM UNNEST([b'q', b'p']) AS b", b"p,q"),
        # arrays.generate_float_step, arrays.generate_float_descending
        ("SELECT GENERATE_ARRAY(0, 1, 0.25)", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("SELECT GENERATE_ARRAY(2.5, 1.0, -0.5)", [2.5, 2.0, 1.5, 1.0]),
        ("SELECT GENERATE_ARRAY(1.0, 2.0, -0.5)", []),
        # format_elements.parse_s_epoch
        ("SELECT PARSE_TIMESTAMP('%s', '86400')", dt.datetime(1970, 1, 2, tzinfo=dt.UTC)),
        # aggregate.array_agg_distinct
        (
            "SELECT ARRAY_AGG(DISTINCT x IGNORE NULLS ORDER BY x) FROM UNNEST([3, 1, NULL, 3]) AS x",
            [1, 3],
        ),
        # conversion.string_negative_hex_to_int, conversion.safe_cast_bad_negative_hex
        ("SELECT CAST('-0x10' AS INT64)", -16),
        ("SELECT SAFE_CAST('-0xZ1' AS INT64)", None),
        # hll.*
        ("SELECT HLL_COUNT.EXTRACT(HLL_COUNT.INIT(x)) FROM UNNEST([1, 2, 2, NULL]) AS x", 2),
        ("SELECT HLL_COUNT.EXTRACT(CAST(NULL AS BYTES))", 0),
        (
            "SELECT HLL_COUNT.MERGE(s) FROM (SELECT HLL_COUNT.INIT(x) AS s FROM UNNEST([1, 2, 3]) AS x"
            " UNION ALL SELECT HLL_COUNT.INIT(x) FROM UNNEST([3, 4]) AS x)",
            4,
        ),
        (
            "SELECT HLL_COUNT.EXTRACT(HLL_COUNT.MERGE_PARTIAL(s)) FROM (SELECT HLL_COUNT.INIT(x, 12) AS s"
            " FROM UNNEST(['a']) AS x UNION ALL SELECT HLL_COUNT.INIT(x) FROM UNNEST(['a', 'b']) AS x)",
            2,
        ),
        # json.json_array_append*, json.to_json_string_pretty*, strings.contains_substr_*
        ("SELECT TO_JSON_STRING(JSON_ARRAY_APPEND(JSON '[1]', '$', 2))", "[1,2]"),
        ("""SELECT TO_JSON_STRING(JSON_ARRAY_APPEND(JSON '["k"]', '$', [5, 6]))""", '["k",5,6]'),
        (
            """SELECT TO_JSON_STRING(JSON_ARRAY_APPEND(JSON '["k"]', '$', [5, 6], append_each_element => FALSE))""",
            '["k",[5,6]]',
        ),
        ("SELECT TO_JSON_STRING(STRUCT(1 AS a), true)", '{\n  "a": 1\n}'),
        ("SELECT CONTAINS_SUBSTR(STRUCT('red' AS a, 'Green' AS b), 'green')", True),
        ("SELECT CONTAINS_SUBSTR(STRUCT('x' AS apple), 'apple')", False),
    ],
)
def test_forms_bqemulator_did_not_translate(sql: str, expected: Any) -> None:
    assert answer(sql) == expected


def test_hll_precision_outside_10_to_24_is_refused() -> None:
    """hll.init_precision_too_low: BigQuery's range is 10-24."""
    with pytest.raises(RewriteError, match="between 10 and 24"):
        rewrite("SELECT HLL_COUNT.INIT(x, 9) FROM UNNEST([1]) AS x")


def test_a_foreign_sketch_is_refused() -> None:
    with pytest.raises(duckdb.Error, match="not made by this sandbox"):
        answer("SELECT HLL_COUNT.EXTRACT(b'\\x01\\x02')")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DELETE d.t WHERE TRUE", "DELETE FROM d.t WHERE TRUE"),
        (
            "MERGE d.t AS t USING (SELECT 7 AS id) AS s ON t.id = s.id WHEN NOT MATCHED THEN INSERT ROW",
            "MERGE INTO d.t AS t USING (SELECT 7 AS id) AS s ON t.id = s.id WHEN NOT MATCHED THEN INSERT *",
        ),
        (
            "SELECT offset FROM UNNEST([7, 8]) WITH OFFSET",
            "SELECT offset AS offset FROM UNNEST([7, 8]) AS dplat_unnest_value WITH OFFSET AS offset",
        ),
        # bqemulator rebases the offset to 0-based before this layer runs; the column keeps its name
        (
            "SELECT x, (o - 1) FROM UNNEST([7, 8]) AS x WITH OFFSET AS o",
            "SELECT x, (o - 1) AS o FROM UNNEST([7, 8]) AS x WITH OFFSET AS o",
        ),
        # an UNNEST of structs has no value column to name
        (
            "SELECT n FROM UNNEST([STRUCT(1 AS n)]) WITH OFFSET",
            "SELECT n FROM UNNEST([STRUCT(1 AS n)]) WITH OFFSET AS offset",
        ),
    ],
)
def test_statement_forms_duckdb_accepts(sql: str, expected: str) -> None:
    """dml_ddl.delete_all_needs_where_true, dml_ddl.merge_insert_row, query_syntax.unnest_offset_default_name."""
    assert rewrite(sql) == expected


def test_json_array_append_rules() -> None:
    """json_functions#json_array_append: null becomes an array, no path or no array leaves it."""
    assert json_array_append('{"p": null}', "$.p", "7", True) == '{"p":[7]}'
    assert json_array_append('{"p": 3}', "$.p", "7", True) == '{"p": 3}'
    assert json_array_append('{"p": [1]}', "$.q", "7", True) == '{"p": [1]}'
    assert json_array_append("[[0], 1]", "$[0]", "[8, 9]", False) == "[[0,[8,9]],1]"
    assert path_steps('$.a["b c"][2]') == ["a", "b c", 2]
    assert path_steps("a.b") is None


def test_json_pretty_keeps_digits_and_empty_containers() -> None:
    assert json_pretty('{"a":[],"b":{},"c":1.50,"d":"x:,{"}') == (
        '{\n  "a": [],\n  "b": {},\n  "c": 1.50,\n  "d": "x:,{"\n}'
    )
    assert json_pretty('["a\\"b",[1]]') == '[\n  "a\\"b",\n  [\n    1\n  ]\n]'


def test_contains_substr_deep_is_normalised_and_three_valued() -> None:
    assert contains_substr_deep('{"a": "Ⅸ"}', "ix") is True  # NFKC: the Roman numeral is "IX"
    assert contains_substr_deep('{"a": 35, "b": [true]}', "TRUE") is True
    assert contains_substr_deep('{"a": "x", "b": null}', "z") is None
    assert contains_substr_deep('{"a": "x"}', "z") is False


def test_null_elements_are_found_at_any_depth() -> None:
    """arrays.null_element_in_result, arrays.null_element_in_struct_result_errors."""
    table = pa.table({"a": [[1, 2]], "s": [{"xs": [1, None]}]})
    assert null_element_field(table.column("a"), "a") is None
    assert null_element_field(table.column("s"), "s") == "xs"
    nested = pa.chunked_array([[[{"ys": [None]}]]])
    assert null_element_field(nested, "l") == "ys"


def test_geography_as_bigquery_writes_it() -> None:
    """geography.point_returned_as_wkt, geography.linestring_returned_as_wkt."""
    assert bigquery_wkt("GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))") == (
        "GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))"
    )
    geometry = pa.field("g", pa.binary(), metadata={b"bqemu.duckdb_type": b"GEOMETRY"})
    assert is_geography(geometry)
    assert not is_geography(pa.field("b", pa.binary()))


def test_offsets_as_time_zones() -> None:
    """format_elements.timestamp_z_negative, format_elements.timestamp_half_hour_offset_zone."""
    instant = dt.datetime(2024, 3, 5, tzinfo=dt.UTC)
    assert instant.astimezone(zone_or_offset("-03:00")).strftime("%z") == "-0300"
    assert instant.astimezone(zone_or_offset("+5:30")).strftime("%H:%M") == "05:30"
    assert zone_or_offset("Europe/Paris").key == "Europe/Paris"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="Invalid time zone"):
        zone_or_offset("+15:00")


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("SELECT AEAD.ENCRYPT(k, 'p', 'a')", "AEAD.ENCRYPT"),
        ("SELECT KEYS.NEW_KEYSET('AEAD_AES_GCM_256')", "KEYS.NEW_KEYSET"),
        ("SELECT DETERMINISTIC_DECRYPT_STRING(k, c, 'a')", "DETERMINISTIC_DECRYPT_STRING"),
        ("SELECT AI.GENERATE('x')", "AI.GENERATE"),
        ("SELECT * FROM EXTERNAL_QUERY('c', 'SELECT 1')", "EXTERNAL_QUERY"),
        ("SELECT @@project_id", "@@project_id"),
    ],
)
def test_unsupported_functions_are_refused_by_name(sql: str, named: str) -> None:
    """unsupported.* cases: an error naming the function and saying it is the sandbox's limit."""
    with pytest.raises(
        RewriteError, match=f"{named.replace('.', '[.]')} is not supported by this sandbox"
    ):
        rewrite(sql)


def test_a_dataset_function_is_not_refused() -> None:
    assert rewrite("SELECT mydataset.f(1)") == "SELECT mydataset.f(1)"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # aggregate.sum_interval, aggregate.sum_ratio_of_int64_is_float64
        (
            "SELECT SUM(i) FROM (SELECT INTERVAL 1 DAY AS i UNION ALL SELECT INTERVAL 90 MINUTE)",
            dt.timedelta(days=1, minutes=90),
        ),
        ("SELECT SUM(a) / SUM(b) FROM (SELECT 1 AS a, 4 AS b UNION ALL SELECT 2, 4)", 0.375),
    ],
)
def test_sum_result_types(sql: str, expected: Any) -> None:
    assert answer(sql) == expected


def test_sum_of_int64_is_bigint_not_hugeint() -> None:
    """dml_ddl.ctas_sum_int64_column_is_int64: DuckDB's HUGEINT became NUMERIC in a table."""
    duck_sql = sqlglot.transpile(
        rewrite("SELECT SUM(x) FROM UNNEST([1, 2]) AS x"), read="bigquery", write="duckdb"
    )[0]
    connection = duckdb.connect()
    register_macros(connection)
    assert connection.execute(f"SELECT typeof(({duck_sql}))").fetchone()[0] == "BIGINT"
