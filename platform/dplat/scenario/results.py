"""Query results as lessons compare and print them.

Checks compare BigQuery's answers with ground truth written as plain JSON-like
values, so a result is turned into plain values first (times and days as ISO
text, NUMERIC as float); ``text_table`` prints rows the way a SQL console does,
for ``ctx.show``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

Row = dict[str, Any]
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def plain(value: Any) -> Any:
    """A BigQuery value as ground truth writes it: a timestamp as
    ``YYYY-MM-DDTHH:MM:SSZ``, a date as ``YYYY-MM-DD``, NUMERIC as float."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def rows(client: Any, sql: str) -> list[Row]:
    """Run ``sql`` with a google-cloud-bigquery client; its rows as plain dicts."""
    return [{k: plain(v) for k, v in row.items()} for row in client.query(sql).result()]


def scalar(client: Any, sql: str) -> Any:
    """The first column of the first row (None when there is no row)."""
    found = rows(client, sql)
    return next(iter(found[0].values())) if found else None


def text_table(found: Sequence[Row]) -> str:
    """Rows as an aligned text table (numbers right-aligned, NULL for None)."""
    if not found:
        return "(no rows)"
    columns = list(found[0])
    cells = [["NULL" if row[c] is None else str(row[c]) for c in columns] for row in found]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.rjust(w) if _NUMBER.fullmatch(v) else v.ljust(w)
                        for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)
