"""The catalog's row of a table updated in place, not upserted: cheaper streaming inserts.

bqemulator 1.4.0 keeps its catalog in DuckDB (``_bqemulator_catalog.tables``,
primary key project, dataset, table) and writes a table's row with
``INSERT OR REPLACE`` whenever the table's metadata changes. Every
insertAll request changes it (``numRows``, the last-modified time), so every
request paid that upsert. In DuckDB 1.5.5 it costs ~3.7 ms against ~1.4 ms
for an ``UPDATE`` of the same columns (in the image, persistent file, 500-row
requests): more than appending the 500 rows themselves (~2.5 ms), about 2 ms
of the 13-19 ms of server CPU per request (benchmarks/bigquery_api.py has the
profile). Both end in the same in-place update of the row (the WAL grows
by the same bytes); the upsert first goes through an insert's conflict check
against the primary-key index, which is where the difference goes.

:func:`install` replaces ``DuckDBCatalogRepository.update_table`` so that it
updates the row in place and falls back to bqemulator's own ``_write_table``
(the upsert) when there is no row to update. The row holds exactly the
values the upsert would have written (:func:`update_row`'s unit test checks
that against the upsert itself). Kept free of bqemulator imports at module
level so that the SQL is unit-tested with plain DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CATALOG_SCHEMA = "_bqemulator_catalog"  # bqemulator.storage.engine.CATALOG_SCHEMA; install() checks

# The columns bqemulator's _write_table writes besides the key, in its order.
_VALUE_COLUMNS = (
    "table_type",
    "metadata_json",
    "creation_time",
    "last_modified_time",
    "num_rows",
    "num_bytes",
    "etag",
)


def update_row(
    execute: Callable[[str, list[Any]], Any], table: Any, schema: str = CATALOG_SCHEMA
) -> bool:
    """Write ``table``'s (a ``TableMeta``) catalog row in place; False when it has none yet.

    ``execute`` is the engine's ``execute(sql, parameters)``, which returns the
    DuckDB connection; an ``UPDATE`` answers with the count of rows it changed.
    """
    assignments = ", ".join(f"{column} = ?" for column in _VALUE_COLUMNS)
    result = execute(
        f'UPDATE "{schema}"."tables" SET {assignments} WHERE project_id = ? AND dataset_id = ? AND table_id = ?',
        [
            table.table_type,
            table.model_dump_json(by_alias=True),
            table.creation_time,
            table.last_modified_time,
            table.num_rows,
            table.num_bytes,
            table.etag,
            table.project_id,
            table.dataset_id,
            table.table_id,
        ],
    ).fetchone()
    return bool(result and result[0])


def install() -> None:
    """Make bqemulator's DuckDB catalog update a table's row in place."""
    from bqemulator.catalog.duckdb_repository import DuckDBCatalogRepository
    from bqemulator.storage import engine

    # An upgrade that moved the catalog fails the start, not every request.
    if engine.CATALOG_SCHEMA != CATALOG_SCHEMA:
        raise RuntimeError(
            f"bqemulator's catalog schema is {engine.CATALOG_SCHEMA!r}, not {CATALOG_SCHEMA!r}"
        )

    def update_table(self: DuckDBCatalogRepository, table: Any) -> Any:
        # bqemulator's own update_table, with the write in place first.
        self.ensure_ready()
        updated = self._cache.update_table(table)
        if not update_row(self._engine.execute, updated):
            self._write_table(updated)
        return updated

    DuckDBCatalogRepository.update_table = update_table  # type: ignore[method-assign]
