"""DDL and DML: our own statements for the behaviour documented on
https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language
and .../data-manipulation-language. Each case works in a dataset of its own
(``{dataset}``), created before its setup and dropped after it."""

from __future__ import annotations

import datetime as dt

from ._model import Case, doc

DDL = doc("data-definition-language")
DML = doc("data-manipulation-language")
T = "{dataset}.t"
MAKE_T = f"CREATE TABLE {T} (id INT64, name STRING, qty INT64)"
FILL_T = f"INSERT INTO {T} (id, name, qty) VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)"


def dml(id: str, statements: tuple[str, ...], sql: str, expected: list[tuple], anchor: str, **kw) -> Case:
    return Case(id, sql, expected, DML + anchor, setup=(MAKE_T, FILL_T, *statements), **kw)


CASES: list[Case] = [
    Case("create_table_as_select", f"SELECT * FROM {T} ORDER BY x",
         [(1, "p"), (2, "q")], DDL + "#create_table_statement",
         setup=(f"CREATE TABLE {T} AS SELECT 2 AS x, 'q' AS y UNION ALL SELECT 1, 'p'",)),
    Case("create_table_columns_as_select", f"SELECT a, b FROM {T} ORDER BY a",
         [(1, "p"), (2, "q")], DDL + "#create_table_statement",
         setup=(f"CREATE TABLE {T} (a INT64, b STRING) AS SELECT 2 AS x, 'q' AS y UNION ALL SELECT 1, 'p'",)),
    Case("create_table_schema_types", f"SELECT * FROM {T}", [],
         DDL + "#create_table_statement", types=["INT64", "NUMERIC", "DATE", "ARRAY<STRING>"],
         setup=(f"CREATE TABLE {T} (a INT64, n NUMERIC, d DATE, tags ARRAY<STRING>)",)),
    Case("create_or_replace", f"SELECT COUNT(*) FROM {T}", [(0,)], DDL + "#create_table_statement",
         setup=(MAKE_T, FILL_T, f"CREATE OR REPLACE TABLE {T} (id INT64)")),
    Case("create_if_not_exists_keeps", f"SELECT COUNT(*) FROM {T}", [(3,)], DDL + "#create_table_statement",
         setup=(MAKE_T, FILL_T, f"CREATE TABLE IF NOT EXISTS {T} (id INT64)")),
    Case("create_existing_errors", f"CREATE TABLE {T} (id INT64)", source=DDL + "#create_table_statement",
         expect_error="already exists", setup=(MAKE_T,)),
    Case("alter_add_column", f"SELECT id, extra FROM {T} ORDER BY id LIMIT 1", [(1, None)],
         DDL + "#alter_table_add_column_statement",
         setup=(MAKE_T, FILL_T, f"ALTER TABLE {T} ADD COLUMN extra STRING")),
    Case("drop_table", f"SELECT COUNT(*) FROM {T}", source=DDL + "#drop_table_statement",
         expect_error="not found", setup=(MAKE_T, f"DROP TABLE {T}")),
    Case("create_view", "SELECT total FROM {dataset}.v", [(60,)], DDL + "#create_view_statement",
         setup=(MAKE_T, FILL_T, f"CREATE VIEW {{dataset}}.v AS SELECT SUM(qty) AS total FROM {T}")),
    Case("sum_int64_column_is_int64", f"SELECT SUM(qty) FROM {T}", [(60,)], doc("aggregate_functions") + "#sum",
         types=["INT64"], setup=(MAKE_T, FILL_T)),
    Case("ctas_sum_int64_is_int64", "SELECT * FROM {dataset}.s", [(60,)], DDL + "#create_table_statement",
         types=["INT64"], setup=(MAKE_T, FILL_T, f"CREATE TABLE {{dataset}}.s AS SELECT SUM(qty) AS total FROM {T}")),
    Case("int64_sum_ratio_is_float64", f"SELECT SUM(qty) / SUM(id) FROM {T}", [(10.0,)],
         doc("operators") + "#arithmetic_operators", types=["FLOAT64"], setup=(MAKE_T, FILL_T)),
    Case("join_using_tables_column_order",
         f"SELECT * FROM {T} JOIN {{dataset}}.u USING (id) ORDER BY id", [(1, "a", 10, "x")],
         doc("query-syntax") + "#using_clause",
         setup=(MAKE_T, FILL_T, "CREATE TABLE {dataset}.u AS SELECT 'x' AS note, 1 AS id")),
    Case("unnest_table_array_with_offset",
         "SELECT tag, pos FROM {dataset}.a, UNNEST(a.tags) AS tag WITH OFFSET AS pos ORDER BY pos",
         [("p", 0), ("q", 1)], doc("query-syntax") + "#unnest_operator",
         setup=("CREATE TABLE {dataset}.a AS SELECT ['p', 'q'] AS tags",)),
    dml("insert_values", (f"INSERT INTO {T} (id, name) VALUES (4, 'd')",),
        f"SELECT id, name, qty FROM {T} WHERE id = 4", [(4, "d", None)], "#insert_statement"),
    dml("insert_select", (f"INSERT INTO {T} (id, name, qty) SELECT id + 10, name, qty FROM {T} WHERE id < 3",),
        f"SELECT COUNT(*), SUM(qty) FROM {T}", [(5, 90)], "#insert_statement"),
    dml("insert_without_column_list", (f"INSERT {T} VALUES (9, 'z', 1)",),
        f"SELECT name FROM {T} WHERE id = 9", [("z",)], "#insert_statement"),
    dml("update_where", (f"UPDATE {T} SET qty = qty + 1 WHERE id >= 2",),
        f"SELECT id, qty FROM {T} ORDER BY id", [(1, 10), (2, 21), (3, 31)], "#update_statement"),
    dml("update_from_join",
        (f"UPDATE {T} SET qty = s.q FROM (SELECT 2 AS id, 99 AS q) AS s WHERE t.id = s.id",),
        f"SELECT qty FROM {T} WHERE id = 2", [(99,)], "#update_using_joins"),
    dml("delete_where", (f"DELETE FROM {T} WHERE qty > 15",),
        f"SELECT id FROM {T}", [(1,)], "#delete_statement"),
    dml("delete_all_needs_where_true", (f"DELETE {T} WHERE TRUE",),
        f"SELECT COUNT(*) FROM {T}", [(0,)], "#delete_statement"),
    Case("delete_without_where_errors", f"DELETE FROM {T}", source=DML + "#delete_statement", expect_error="",
         setup=(MAKE_T,)),
    Case("update_without_where_errors", f"UPDATE {T} SET qty = 0", source=DML + "#update_statement",
         expect_error="", setup=(MAKE_T,)),
    dml("merge_update_and_insert",
        (f"MERGE {T} AS t USING (SELECT 2 AS id, 'B' AS name, 5 AS qty UNION ALL SELECT 4, 'd', 40) AS s "
         "ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name, qty = t.qty + s.qty "
         "WHEN NOT MATCHED THEN INSERT (id, name, qty) VALUES (s.id, s.name, s.qty)",),
        f"SELECT id, name, qty FROM {T} ORDER BY id",
        [(1, "a", 10), (2, "B", 25), (3, "c", 30), (4, "d", 40)], "#merge_statement"),
    dml("merge_delete_not_matched_by_source",
        (f"MERGE {T} AS t USING (SELECT 1 AS id) AS s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE",),
        f"SELECT id FROM {T}", [(1,)], "#merge_statement"),
    dml("merge_insert_row",
        (f"MERGE {T} AS t USING (SELECT 7 AS id, 'g' AS name, 70 AS qty) AS s ON t.id = s.id "
         "WHEN NOT MATCHED THEN INSERT ROW",),
        f"SELECT name, qty FROM {T} WHERE id = 7", [("g", 70)], "#merge_statement"),
    dml("truncate", (f"TRUNCATE TABLE {T}",), f"SELECT COUNT(*) FROM {T}", [(0,)], "#truncate_table_statement"),
    Case("insert_date_column", f"SELECT d FROM {T}", [(dt.date(2024, 3, 5),)], DML + "#insert_statement",
         setup=(f"CREATE TABLE {T} (d DATE)", f"INSERT INTO {T} (d) VALUES ('2024-03-05')")),
    Case("insert_struct_array_column", f"SELECT s.a, xs FROM {T}", [(1, [2, 3])], DML + "#insert_statement",
         setup=(f"CREATE TABLE {T} (s STRUCT<a INT64>, xs ARRAY<INT64>)",
                f"INSERT INTO {T} (s, xs) VALUES (STRUCT(1), [2, 3])")),
    Case("insert_wrong_type_errors", f"INSERT INTO {T} (id) VALUES ('abc')", source=DML + "#insert_statement",
         expect_error="", setup=(MAKE_T,)),
    # Session 7: DELETE without FROM, with a real condition.
    dml("delete_without_from_keyword", (f"DELETE {T} WHERE qty > 15",), f"SELECT id FROM {T}", [(1,)],
        "#delete_statement"),
    Case("ctas_sum_int64_column_is_int64", f"SELECT s FROM {T}", [(3,)], doc("aggregate_functions") + "#sum",
         types=["INT64"], setup=(f"CREATE TABLE {T} AS SELECT SUM(x) AS s FROM UNNEST([1, 2]) AS x",)),
]
