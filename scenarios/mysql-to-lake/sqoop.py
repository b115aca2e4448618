"""A small Sqoop, in Python: copy MySQL tables into the lake as Parquet.

Apache Sqoop moved tables from relational databases into Hadoop with
MapReduce: ``sqoop list-tables``, ``sqoop eval``, and ``sqoop import --table T
--split-by id -m 4``, which asks the database for MIN(id) and MAX(id), cuts
that range into 4 pieces and lets 4 mappers each read one piece over their own
connection, each writing one file ``part-m-0000N``. This module does the same
with threads instead of mappers and S3 instead of HDFS, so a newcomer can read
the whole "tool" in one sitting:

- ``list_databases``, ``list_tables``, ``eval_query``: look before you copy.
- ``table_schema``: MySQL column types mapped to Arrow/Parquet types.
- ``split_ranges``: the ``--split-by`` arithmetic.
- ``import_table``: a full import of one ``dt=`` partition, replacing what was
  there (so a rerun or a backfill gives the same objects).
- ``incremental``: ``--incremental append|lastmodified`` with ``--check-column``
  and ``--last-value``; returns the next last value, as Sqoop prints it.

Every object lands at ``s3://BUCKET/PREFIX/dt=YYYYMMDD/part-0000N.parquet``
and a ``_SUCCESS`` marker is written last: a reader that finds the marker knows
every part is there.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from dplat.scenario import s3objects

if TYPE_CHECKING:  # pyarrow (~45 MiB with numpy) is imported where it is used:
    import pyarrow as pa  # listing the lessons (`dplat ui`'s Lessons page) must not load it

Connect = Callable[[], Any]
"""Opens a new DB-API connection (mysql-connector): one per mapper, as in Sqoop."""

SUCCESS = "_SUCCESS"
FETCH_ROWS = 50_000  # rows per fetchmany() and per Parquet row group
SQOOP_DEFAULT_ISOLATION = "READ COMMITTED"  # what Sqoop's mappers ask for
RELAXED_ISOLATION = "READ UNCOMMITTED"  # sqoop import --relaxed-isolation


# -- looking before copying: list-databases, list-tables, eval ----------------------------
def list_databases(connection: Any) -> list[str]:
    """``sqoop list-databases``: the schemas this user may see."""
    return [row[0] for row in _rows(connection, "SHOW DATABASES")]


def list_tables(connection: Any) -> list[str]:
    """``sqoop list-tables``: the tables of the connection's database."""
    return [row[0] for row in _rows(connection, "SHOW TABLES")]


def eval_query(connection: Any, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """``sqoop eval --query``: run one statement and return (columns, rows)."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        return columns, list(cursor.fetchall()) if columns else []
    finally:
        cursor.close()


def _rows(connection: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _set_isolation(connection: Any, level: str) -> None:
    """For the connection's next transactions (MySQL's own default: REPEATABLE READ)."""
    cursor = connection.cursor()
    cursor.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {level}")
    cursor.close()


# -- types: what a MySQL column becomes in Parquet ------------------------------------
@cache
def _types() -> tuple[dict[str, tuple[pa.DataType, pa.DataType]], dict[str, pa.DataType]]:
    """(integers: signed and unsigned type, the other simple types), by MySQL type."""
    import pyarrow as pa

    integers = {"tinyint": (pa.int8(), pa.int16()), "smallint": (pa.int16(), pa.int32()),
                "mediumint": (pa.int32(), pa.int32()), "int": (pa.int32(), pa.int64()),
                "bigint": (pa.int64(), pa.uint64())}
    simple = {"varchar": pa.string(), "char": pa.string(), "text": pa.string(),
              "mediumtext": pa.string(), "longtext": pa.string(), "date": pa.date32(),
              "datetime": pa.timestamp("us"), "timestamp": pa.timestamp("us", tz="UTC"),
              "double": pa.float64(), "float": pa.float32(), "json": pa.string()}
    return integers, simple


def arrow_type(data_type: str, column_type: str, precision: int | None,
               scale: int | None) -> pa.DataType:
    """The Arrow (and so Parquet) type of one MySQL column.

    Integers keep their width (an UNSIGNED one takes the next wider type so
    that no value overflows), DECIMAL keeps precision and scale (money must not
    become a float), DATETIME has no time zone and stays naive, TIMESTAMP is
    UTC in MySQL and says so.
    """
    import pyarrow as pa

    integers, simple = _types()
    kind = data_type.lower()
    if kind in integers:
        signed, unsigned = integers[kind]
        return unsigned if "unsigned" in column_type.lower() else signed
    if kind == "decimal":
        return pa.decimal128(int(precision or 10), int(scale or 0))
    if kind in simple:
        return simple[kind]
    raise ValueError(f"no Parquet type chosen for MySQL type {column_type!r}")


def table_schema(connection: Any, table: str) -> pa.Schema:
    """The Arrow schema of a table, from information_schema.COLUMNS, in column order."""
    import pyarrow as pa

    found = _rows(connection, (
        "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, "
        "IS_NULLABLE FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION"),
        [table])
    if not found:
        raise ValueError(f"table {table!r} does not exist in the connection's database")
    return pa.schema([pa.field(_text(name), arrow_type(_text(kind), _text(full), precision,
                                                       scale), nullable=_text(null) == "YES")
                      for name, kind, full, precision, scale, null in found])


def _text(value: Any) -> str:
    """information_schema answers bytes on some servers, str on others."""
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)


# -- --split-by and -m ---------------------------------------------------------------------
@dataclass(frozen=True)
class Split:
    """One mapper's range of the split column: ``low <= col < high`` (the
    last split includes ``high``, the column's maximum)."""

    index: int
    low: int
    high: int
    last: bool

    def condition(self, column: str) -> str:
        upper = "<=" if self.last else "<"
        return f"`{column}` >= {self.low} AND `{column}` {upper} {self.high}"


def split_ranges(low: int, high: int, mappers: int) -> list[Split]:
    """Cut [low, high] into at most ``mappers`` ranges of (almost) equal width.

    Like Sqoop's integer splitter, the ranges are cut by *value*, not by row
    count: a key with gaps or a skewed distribution gives uneven parts.
    Every value in [low, high] falls in exactly one range.
    """
    if mappers < 1:
        raise ValueError("at least one mapper is needed")
    span = high - low + 1
    count = min(mappers, span)
    bounds = [low + (span * i) // count for i in range(count)] + [high]
    return [Split(i, bounds[i], bounds[i + 1], last=i == count - 1) for i in range(count)]


# -- the import -----------------------------------------------------------------------------
@dataclass
class Part:
    """One mapper's output: one Parquet object."""

    split: Split
    key: str
    rows: int
    seconds: float
    query: str


@dataclass
class ImportResult:
    table: str
    bucket: str
    partition: str  # PREFIX/dt=YYYYMMDD/
    boundary_query: str
    parts: list[Part] = field(default_factory=list)
    next_last_value: Any = None  # for incremental runs: the next --last-value

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parts] + [self.partition + SUCCESS]


def partition_prefix(prefix: str, dt: str) -> str:
    """``marketing/purchases/`` and ``20201124`` → ``marketing/purchases/dt=20201124/``."""
    return f"{prefix.rstrip('/')}/dt={dt}/"


def part_key(partition: str, index: int) -> str:
    return f"{partition}part-{index:05d}.parquet"


def import_table(connect: Connect, s3: Any, table: str, *, bucket: str, prefix: str,
                 dt: str, split_by: str, mappers: int = 4, where: str | None = None,
                 relaxed_isolation: bool = False) -> ImportResult:
    """``sqoop import --table T --split-by COL -m M [--where W]`` into one partition.

    The partition is *replaced*: its old objects are deleted (the marker
    first, so no reader trusts a half-written partition) before the new parts
    are written, and the marker comes last. Running the same import twice
    therefore leaves the same objects, which is what makes a backfill safe.
    """
    isolation = RELAXED_ISOLATION if relaxed_isolation else SQOOP_DEFAULT_ISOLATION
    connection = connect()
    try:
        # The same isolation as the mappers', set before the first statement
        # (it applies from the next transaction): a relaxed MAX(id) also sees
        # uncommitted rows, so the ranges reach them, as in Sqoop.
        _set_isolation(connection, isolation)
        schema = table_schema(connection, table)
        filtered = f" WHERE {where}" if where else ""
        boundary = f"SELECT MIN(`{split_by}`), MAX(`{split_by}`) FROM `{table}`{filtered}"
        low, high = _rows(connection, boundary)[0]
    finally:
        connection.close()
    partition = partition_prefix(prefix, dt)
    result = ImportResult(table, bucket, partition, boundary)
    splits = [] if low is None else split_ranges(int(low), int(high), mappers)
    clear_partition(s3, bucket, partition)
    columns = ", ".join(f"`{name}`" for name in schema.names)

    def mapper(split: Split) -> Part:
        conditions = split.condition(split_by) + (f" AND ({where})" if where else "")
        query = f"SELECT {columns} FROM `{table}` WHERE {conditions} ORDER BY `{split_by}`"
        started = time.perf_counter()
        rows, body = _read_split(connect, query, schema, isolation)
        key = part_key(partition, split.index)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        return Part(split, key, rows, time.perf_counter() - started, query)

    with ThreadPoolExecutor(max_workers=max(1, len(splits))) as pool:
        result.parts = list(pool.map(mapper, splits))
    s3.put_object(Bucket=bucket, Key=partition + SUCCESS, Body=b"")
    return result


def _read_split(connect: Connect, query: str, schema: pa.Schema,
                isolation: str) -> tuple[int, bytes]:
    """Run one mapper's query on its own connection and return its Parquet bytes.

    Rows are fetched in batches and written as row groups, so a mapper holds
    one batch of Python rows at a time (the compressed Parquet bytes of its
    range are kept until the upload). If any mapper fails, the exception ends
    the import before the ``_SUCCESS`` marker is written.
    """
    import pyarrow.parquet as pq

    connection = connect()
    sink = io.BytesIO()
    rows = 0
    try:
        _set_isolation(connection, isolation)
        cursor = connection.cursor()
        cursor.execute(query)
        with pq.ParquetWriter(sink, schema, compression="snappy") as writer:
            while batch := cursor.fetchmany(FETCH_ROWS):
                rows += len(batch)
                writer.write_table(_arrow_table(batch, schema))
            if rows == 0:  # an empty part still carries the schema
                writer.write_table(schema.empty_table())
        cursor.close()
    finally:
        connection.rollback()  # a read-only transaction: end it, keep no read view open
        connection.close()
    return rows, sink.getvalue()


def _arrow_table(batch: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    columns = list(zip(*batch, strict=True))
    return pa.Table.from_arrays(
        [pa.array(values, type=f.type) for values, f in zip(columns, schema, strict=True)],
        schema=schema)


def clear_partition(s3: Any, bucket: str, partition: str) -> list[str]:
    """Delete a partition's objects, the ``_SUCCESS`` marker first; return their keys."""
    keys = s3objects.keys(s3, bucket, partition)
    markers = [key for key in keys if key.endswith(SUCCESS)]
    # The marker first, so no reader takes a half-deleted partition for complete.
    return (s3objects.delete(s3, bucket, markers)
            + s3objects.delete(s3, bucket, [key for key in keys if key not in markers]))


# -- incremental imports ------------------------------------------------------------------
def incremental_where(mode: str, check_column: str, last_value: Any, upper: Any) -> str:
    """The rows an incremental run takes, exactly as Sqoop bounds them.

    append:        check_column >  last_value AND check_column <= MAX(check_column)
    lastmodified:  check_column >= last_value AND check_column <  now
    Without a last value (a first run) only the upper bound applies.
    """
    if mode not in ("append", "lastmodified"):
        raise ValueError(f"unknown incremental mode {mode!r}: use append or lastmodified")
    lower_op, upper_op = (">", "<=") if mode == "append" else (">=", "<")
    column = f"`{check_column}`"
    upper_sql = f"{column} {upper_op} {_literal(upper)}"
    if last_value is None:
        return upper_sql
    return f"{column} {lower_op} {_literal(last_value)} AND {upper_sql}"


def _literal(value: Any) -> str:
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def incremental(connect: Connect, s3: Any, table: str, *, bucket: str, prefix: str, dt: str,
                mode: str, check_column: str, last_value: Any, split_by: str,
                mappers: int = 1, until: Any = None) -> ImportResult:
    """``sqoop import --incremental MODE --check-column C --last-value V``.

    append: for tables that only grow (new rows get a larger id); updates are
    not seen. The upper bound is MAX(check_column) read now, and is the next
    last value.
    lastmodified: for tables whose rows change and carry a last-modified
    timestamp. Sqoop takes the database's current time as the upper bound;
    ``until`` replaces it (a daily job bounds by the end of its day, which
    makes a rerun of the same day take the same rows).

    The rows are written as their own partition ``dt=``, replacing it. When
    nothing changed since ``last_value``, the partition holds only the marker.
    """
    connection = connect()
    try:
        if mode == "append":
            upper = _rows(connection, f"SELECT MAX(`{check_column}`) FROM `{table}`")[0][0]
        else:
            upper = until if until is not None else _rows(connection, "SELECT NOW()")[0][0]
    finally:
        connection.close()
    where = incremental_where(mode, check_column, last_value, upper)
    result = import_table(connect, s3, table, bucket=bucket, prefix=prefix, dt=dt,
                          split_by=split_by, mappers=mappers, where=where)
    result.next_last_value = upper
    return result
