"""A database table's schema and first rows, and the tables there are:
`dplat head mysql [TABLE]`, `dplat head bigquery [DATASET.TABLE]`.

Bounded like every head (:mod:`dplat.stack.heads`): MySQL answers
``SELECT * ... LIMIT n`` and its schema from ``information_schema``
(https://dev.mysql.com/doc/refman/8.4/en/information-schema-columns-table.html);
BigQuery answers ``tables.get`` (schema, partitioning, clustering, row count)
and ``tabledata.list`` with ``maxResults`` (the client's ``list_rows(...,
max_results=n)``), which reads n rows, not the table
(https://cloud.google.com/bigquery/docs/reference/rest/v2/tabledata/list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dplat.errors import DplatError, NotFound
from dplat.settings import Settings
from dplat.stack import faults
from dplat.stack.browse import mysql_connection, ready
from dplat.stack.heads import Column, Head

ENGINES = ("mysql", "bigquery")


@dataclass
class TableList:
    """The tables of an engine: MySQL's database, or every BigQuery dataset."""

    engine: str
    tables: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"engine": self.engine, "tables": self.tables}


def _engine(engine: str) -> None:
    if engine not in ENGINES:
        raise DplatError(f"unknown engine {engine!r}", fix="Use mysql or bigquery.")


def tables(settings: Settings, engine: str) -> TableList:
    """The tables one can take the head of (MySQL: the stack's database)."""
    _engine(engine)
    if engine == "mysql":
        with mysql_connection(settings) as connection:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = DATABASE() ORDER BY table_name"
            )
            return TableList(engine, [str(name) for (name,) in cursor.fetchall()])
    service = ready(settings, "bigquery")
    with faults.bigquery_errors(service.url()):
        client = service.client()
        found = [
            f"{dataset.dataset_id}.{table.table_id}"
            for dataset in client.list_datasets()
            for table in client.list_tables(dataset.dataset_id)
        ]
    return TableList(engine, sorted(found))


def table_head(settings: Settings, engine: str, table: str, rows: int = 20) -> Head:
    """A table's schema and its first ``rows`` rows."""
    _engine(engine)
    return _mysql_head(settings, table, rows) if engine == "mysql" else _bigquery_head(settings, table, rows)


def _quoted(name: str) -> str:
    """A MySQL identifier in backticks (a backtick inside doubled)."""
    return "`" + name.replace("`", "``") + "`"


def _mysql_head(settings: Settings, table: str, rows: int) -> Head:
    schema_name, _, name = table.rpartition(".")
    with mysql_connection(settings) as connection:
        cursor = connection.cursor()
        where = "table_schema = %s" if schema_name else "table_schema = DATABASE()"
        arguments = (schema_name, name) if schema_name else (name,)
        cursor.execute(
            "SELECT column_name, column_type, is_nullable, column_key FROM information_schema.columns"
            f" WHERE {where} AND table_name = %s ORDER BY ordinal_position",
            arguments,
        )
        columns = cursor.fetchall()
        if not columns:
            raise NotFound(f"no MySQL table {table}", fix="`dplat head mysql` lists the tables.")
        cursor.execute(
            f"SELECT table_rows FROM information_schema.tables WHERE {where} AND table_name = %s",
            arguments,
        )
        (estimate,) = cursor.fetchone() or (None,)
        target = f"{_quoted(schema_name)}.{_quoted(name)}" if schema_name else _quoted(name)
        cursor.execute(f"SELECT * FROM {target} LIMIT %s", (rows,))
        found = cursor.fetchall()
        names = [d[0] for d in cursor.description or []]
    schema = [Column(str(c), str(t), _mysql_detail(str(n), str(k or ""))) for c, t, n, k in columns]
    properties = {} if estimate is None else {"rows (InnoDB's estimate)": str(estimate)}
    return Head(f"mysql {table}", "mysql table", schema, names, [tuple(r) for r in found],
                properties=properties, note=f"the first {len(found)} rows (LIMIT {rows})")


def _mysql_detail(nullable: str, key: str) -> str:
    """information_schema's IS_NULLABLE and COLUMN_KEY in words."""
    words = ["NOT NULL"] if nullable == "NO" else []
    if key:
        words.append({"PRI": "primary key", "UNI": "unique", "MUL": "indexed"}.get(key, key))
    return ", ".join(words)


def _bigquery_head(settings: Settings, table: str, rows: int) -> Head:
    from google.api_core.exceptions import NotFound as Missing

    service = ready(settings, "bigquery")
    with faults.bigquery_errors(service.url()):
        client = service.client()
        try:
            found = client.get_table(table)
        except Missing as exc:  # the table or its dataset: either way, say which and where to look
            raise NotFound(f"no BigQuery table {table}", fix="`dplat head bigquery` lists the tables.") from exc
        listed = list(client.list_rows(found, max_results=rows))
    schema = [Column(f.name, f.field_type, f.mode or "") for f in found.schema]
    properties = {"rows": str(found.num_rows)}
    if found.time_partitioning is not None:
        by = found.time_partitioning.field or "_PARTITIONTIME"
        properties["partitioning"] = f"by {found.time_partitioning.type_} on {by}"
    if found.range_partitioning is not None:
        properties["partitioning"] = f"by range of {found.range_partitioning.field}"
    if found.clustering_fields:
        properties["clustered by"] = ", ".join(found.clustering_fields)
    return Head(table, "bigquery table", schema, [f.name for f in found.schema],
                [tuple(r.values()) for r in listed], properties=properties,
                note=f"the first {len(listed)} rows (tabledata.list, maxResults={rows})")
