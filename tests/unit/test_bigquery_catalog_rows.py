"""The catalog row written in place (images/bigquery/dplat_bq/catalog_rows.py), against the upsert it replaces.

bqemulator 1.4.0 writes a table's catalog row with ``INSERT OR REPLACE``;
dplat's layer updates the row in place instead (cheaper on every insertAll).
The row must end up exactly as the upsert would leave it, and a table without
a row must still get one (through the upsert). The DDL and the upsert below
are bqemulator's (catalog/migrations/m001_initial.py,
catalog/duckdb_repository.py ``_write_table``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "images" / "bigquery"))

from dplat_bq.catalog_rows import CATALOG_SCHEMA, update_row

DDL = f"""
CREATE TABLE "{CATALOG_SCHEMA}"."tables" (
    project_id VARCHAR NOT NULL,
    dataset_id VARCHAR NOT NULL,
    table_id VARCHAR NOT NULL,
    table_type VARCHAR NOT NULL,
    metadata_json VARCHAR NOT NULL,
    creation_time TIMESTAMP WITH TIME ZONE NOT NULL,
    last_modified_time TIMESTAMP WITH TIME ZONE NOT NULL,
    num_rows BIGINT NOT NULL DEFAULT 0,
    num_bytes BIGINT NOT NULL DEFAULT 0,
    etag VARCHAR NOT NULL,
    PRIMARY KEY (project_id, dataset_id, table_id)
)
"""
UPSERT = (
    f'INSERT OR REPLACE INTO "{CATALOG_SCHEMA}"."tables" '
    "(project_id, dataset_id, table_id, table_type, metadata_json, "
    "creation_time, last_modified_time, num_rows, num_bytes, etag) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
CREATED = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@dataclass
class Meta:
    """The fields of bqemulator's TableMeta that the catalog row holds."""

    project_id: str = "p"
    dataset_id: str = "d"
    table_id: str = "events"
    table_type: str = "TABLE"
    creation_time: datetime = CREATED
    last_modified_time: datetime = CREATED
    num_rows: int = 0
    num_bytes: int = 0
    etag: str = "e0"

    def model_dump_json(self, by_alias: bool = False) -> str:
        return f'{{"numRows": "{self.num_rows}", "etag": "{self.etag}"}}'


def upsert(connection: duckdb.DuckDBPyConnection, meta: Meta) -> None:
    connection.execute(
        UPSERT,
        [
            meta.project_id,
            meta.dataset_id,
            meta.table_id,
            meta.table_type,
            meta.model_dump_json(by_alias=True),
            meta.creation_time,
            meta.last_modified_time,
            meta.num_rows,
            meta.num_bytes,
            meta.etag,
        ],
    )


def catalog() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute(f'CREATE SCHEMA "{CATALOG_SCHEMA}"')
    connection.execute(DDL)
    return connection


def rows(connection: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return connection.execute(f'SELECT * FROM "{CATALOG_SCHEMA}"."tables" ORDER BY ALL').fetchall()


def test_the_row_updated_in_place_is_the_row_the_upsert_writes() -> None:
    in_place, upserted = catalog(), catalog()
    for connection in (in_place, upserted):
        upsert(connection, Meta())
        upsert(connection, Meta(table_id="other"))  # a neighbour that must not change
    for step in range(1, 4):  # three streaming inserts of 500 rows
        meta = Meta(
            num_rows=500 * step,
            num_bytes=9000 * step,
            etag=f"e{step}",
            last_modified_time=CREATED + timedelta(seconds=step),
        )
        assert update_row(in_place.execute, meta) is True
        upsert(upserted, meta)
        assert rows(in_place) == rows(upserted)
    assert [row[7] for row in rows(in_place)] == [1500, 0]  # num_rows: events, other


def test_a_table_without_a_row_is_left_to_the_upsert() -> None:
    connection = catalog()
    assert update_row(connection.execute, Meta()) is False
    assert rows(connection) == []


@pytest.mark.parametrize("table_id", ["events", "a'b", 'a"b'])
def test_names_are_parameters_not_sql(table_id: str) -> None:
    connection = catalog()
    upsert(connection, Meta(table_id=table_id))
    assert update_row(connection.execute, Meta(table_id=table_id, num_rows=7)) is True
    assert rows(connection)[0][7] == 7
