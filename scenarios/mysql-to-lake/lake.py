"""Reading the lake back, for the checks: Parquet parts (listed and read with
dplat.scenario.s3objects) and MySQL's answers.

The checks read what really landed in S3 with boto3 and pyarrow, never the
import's own report of what it wrote, so a tool that lies cannot pass them.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import TYPE_CHECKING, Any

from dplat.scenario import s3objects

if TYPE_CHECKING:  # pyarrow (~45 MiB with numpy) is imported where it is used:
    import pyarrow as pa  # listing the lessons (`dplat ui`'s Lessons page) must not load it


def read_parts(s3: Any, bucket: str, partition: str) -> dict[str, pa.Table]:
    """The Parquet parts of one ``dt=`` partition, by key."""
    import pyarrow.parquet as pq

    parts = [key for key in s3objects.keys(s3, bucket, partition) if key.endswith(".parquet")]
    return {key: pq.read_table(io.BytesIO(body))
            for key, body in s3objects.read(s3, bucket, parts).items()}


def parquet_schema(s3: Any, bucket: str, key: str) -> pa.Schema:
    import pyarrow.parquet as pq

    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return pq.read_schema(io.BytesIO(body)).remove_metadata()


def ids(parts: dict[str, pa.Table], column: str = "id") -> Counter[int]:
    """How many times each key occurs across all parts (2 or more: a doubled row)."""
    counts: Counter[int] = Counter()
    for table in parts.values():
        counts.update(table.column(column).to_pylist())
    return counts


def scalar(connection: Any, sql: str) -> Any:
    cursor = connection.cursor()
    cursor.execute(sql)
    (value,) = cursor.fetchone()
    cursor.close()
    return value


def column(connection: Any, sql: str) -> list[Any]:
    cursor = connection.cursor()
    cursor.execute(sql)
    found = [row[0] for row in cursor.fetchall()]
    cursor.close()
    return found


def text_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Rows as an aligned text table, as the mysql console prints them."""
    cells = [[("NULL" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)
