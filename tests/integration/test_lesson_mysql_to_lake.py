"""The lesson mysql-to-lake's tool (sqoop.py) against a real MySQL and a real S3 store.

What the lesson's own run does not exercise: every mapped column type read
back value for value, keys with gaps (splits by value, empty parts), empty
tables, reruns that leave the same bytes, lastmodified against the database
clock, and what --relaxed-isolation really exports during an uncommitted write.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.stack.mysql import MySQL
from dplat.stack.s3 import S3

pytestmark = pytest.mark.integration

sqoop = catalog.lesson_module(scenarios_dir() / "mysql-to-lake", "sqoop")
BUCKET = "datastaging"


@pytest.fixture(scope="module")
def mysql(service_factory: Any) -> MySQL:
    return service_factory(MySQL).service


@pytest.fixture(scope="module")
def s3(service_factory: Any) -> Any:
    return service_factory(S3).service.client()


@pytest.fixture()
def table(mysql: MySQL) -> Iterator[str]:
    """A fresh table name, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:8]}"
    yield name
    _execute(mysql, f"DROP TABLE IF EXISTS {name}")


def _execute(mysql: MySQL, *statements: str, rows: list[tuple[Any, ...]] | None = None) -> None:
    connection = mysql.client()
    cursor = connection.cursor()
    for statement in statements:
        if rows is not None and "%s" in statement:
            cursor.executemany(statement, rows)
        else:
            cursor.execute(statement)
    connection.commit()
    connection.close()


def _import(mysql: MySQL, s3: Any, table: str, **kwargs: Any) -> Any:
    options = {"bucket": BUCKET, "prefix": f"it/{table}/", "dt": "20201124", "split_by": "id",
               **kwargs}
    return sqoop.import_table(mysql.client, s3, table, **options)


def _read(s3: Any, key: str) -> pa.Table:
    return pq.read_table(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))


def _listing(s3: Any, prefix: str) -> dict[str, str]:
    found = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {item["Key"].rsplit("/", 1)[1]: item["ETag"] for item in found}


def test_every_mapped_type_comes_back_value_for_value(mysql: MySQL, s3: Any, table: str) -> None:
    rows = [
        (1, 4_000_000_000, -128, 12345678.91, "Søren 東京", "DE", date(2020, 11, 24),
         datetime(2020, 11, 24, 23, 59, 59), 2.5, "long text"),
        (2, 0, 127, -0.01, "", "US", date(1970, 1, 1), datetime(2000, 1, 1), -1e300, None),
    ]
    _execute(mysql, f"CREATE TABLE {table} (id INT PRIMARY KEY, big INT UNSIGNED NOT NULL, "
             "tiny TINYINT, money DECIMAL(12,2), name VARCHAR(40), country CHAR(2), "
             "day DATE, at DATETIME, ratio DOUBLE, note TEXT)",
             f"INSERT INTO {table} VALUES ({', '.join(['%s'] * 10)})", rows=rows)
    result = _import(mysql, s3, table, mappers=2)
    assert result.rows == 2
    got = pa.concat_tables(_read(s3, p.key) for p in result.parts)
    assert [tuple(r.values()) for r in got.to_pylist()] == [
        tuple(Decimal(f"{v:.2f}") if isinstance(v, float) and i == 3 else v
              for i, v in enumerate(row)) for row in rows]
    assert got.schema.remove_metadata() == pa.schema([
        pa.field("id", pa.int32(), nullable=False), pa.field("big", pa.int64(), nullable=False),
        ("tiny", pa.int8()), ("money", pa.decimal128(12, 2)), ("name", pa.string()),
        ("country", pa.string()), ("day", pa.date32()), ("at", pa.timestamp("us")),
        ("ratio", pa.float64()), ("note", pa.string())])


def test_keys_with_gaps_split_by_value_every_row_once_and_empty_parts_keep_the_schema(
        mysql: MySQL, s3: Any, table: str) -> None:
    ids = [*range(1, 11), 1000, 1_000_000]
    _execute(mysql, f"CREATE TABLE {table} (id INT PRIMARY KEY, v INT)",
             f"INSERT INTO {table} VALUES (%s, %s)", rows=[(i, i) for i in ids])
    result = _import(mysql, s3, table, mappers=3)
    assert [p.rows for p in result.parts] == [11, 0, 1]  # [1, 333334) [333334, 666667) [.., 1e6]
    assert sorted(i for p in result.parts for i in _read(s3, p.key).column("id").to_pylist()) \
        == ids
    assert _read(s3, result.parts[1].key).schema.names == ["id", "v"]
    assert sorted(_listing(s3, result.partition)) == [
        "_SUCCESS", "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]


def test_a_rerun_leaves_the_same_bytes_and_fewer_mappers_remove_stale_parts(
        mysql: MySQL, s3: Any, table: str) -> None:
    _execute(mysql, f"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(10))",
             f"INSERT INTO {table} VALUES (%s, %s)", rows=[(i, f"v{i}") for i in range(1, 401)])
    first = _import(mysql, s3, table, mappers=4)
    before = _listing(s3, first.partition)
    _import(mysql, s3, table, mappers=4)
    assert _listing(s3, first.partition) == before
    _import(mysql, s3, table, mappers=2)
    assert sorted(_listing(s3, first.partition)) == ["_SUCCESS", "part-00000.parquet",
                                                     "part-00001.parquet"]


def test_an_empty_table_and_an_incremental_with_nothing_new_write_only_the_marker(
        mysql: MySQL, s3: Any, table: str) -> None:
    _execute(mysql, f"CREATE TABLE {table} (id INT PRIMARY KEY)")
    assert _import(mysql, s3, table, mappers=4).parts == []
    _execute(mysql, f"INSERT INTO {table} VALUES (%s)", rows=[(1,), (2,)])
    result = sqoop.incremental(mysql.client, s3, table, bucket=BUCKET, prefix=f"it/{table}/",
                               dt="20201125", mode="append", check_column="id", last_value=2,
                               split_by="id")
    assert (result.parts, result.next_last_value) == ([], 2)
    assert list(_listing(s3, result.partition)) == ["_SUCCESS"]


def test_lastmodified_without_until_is_bounded_by_the_database_clock(
        mysql: MySQL, s3: Any, table: str) -> None:
    _execute(mysql, f"CREATE TABLE {table} (id INT PRIMARY KEY, updated_at DATETIME)",
             f"INSERT INTO {table} VALUES (1, NOW() - INTERVAL 1 HOUR), "
             f"(2, NOW() - INTERVAL 3 DAY), (3, NOW() + INTERVAL 1 DAY)")
    connection = mysql.client()
    cursor = connection.cursor()
    cursor.execute("SELECT NOW() - INTERVAL 1 DAY")
    (last,) = cursor.fetchone()
    connection.close()
    result = sqoop.incremental(mysql.client, s3, table, bucket=BUCKET, prefix=f"it/{table}/",
                               dt="20201125", mode="lastmodified", check_column="updated_at",
                               last_value=f"{last:%Y-%m-%d %H:%M:%S}", split_by="id")
    assert [r["id"] for p in result.parts for r in _read(s3, p.key).to_pylist()] == [1]
    assert last < result.next_last_value < last + timedelta(days=1, minutes=1)


def test_relaxed_isolation_exports_a_row_that_is_then_rolled_back(
        mysql: MySQL, s3: Any, table: str) -> None:
    _execute(mysql, f"CREATE TABLE {table} (id INT PRIMARY KEY)",
             f"INSERT INTO {table} VALUES (%s)", rows=[(i,) for i in range(1, 11)])
    writer = mysql.client()
    writer.start_transaction()
    writer.cursor().execute(f"INSERT INTO {table} VALUES (11)")
    try:
        relaxed = _import(mysql, s3, table, mappers=2, relaxed_isolation=True)
        relaxed_rows = relaxed.rows
        default = _import(mysql, s3, table, mappers=2)
    finally:
        writer.rollback()
        writer.close()
    assert (relaxed_rows, default.rows) == (11, 10)
