"""Comparing what the client returned with what a case expects.

Values are compared by type as well as by value: Python says ``1 == 1.0 ==
Decimal(1) == True``, BigQuery's INT64, FLOAT64, NUMERIC and BOOL are four
different answers (SUM over INT64 that comes back NUMERIC is a wrong answer).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

# The REST API reports legacy type names; cases use GoogleSQL's.
_TYPE_NAMES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "RECORD": "STRUCT"}


def _kind(value: Any) -> str:
    """The type that must match exactly (bool before int: bool is an int in Python)."""
    if isinstance(value, dt.datetime):
        return "timestamp" if value.tzinfo is not None else "datetime"
    for kind in (bool, int, float, Decimal, str, bytes, dt.date, dt.time, dict, list):
        if isinstance(value, kind):
            return kind.__name__
    return type(value).__name__


def same_value(expected: Any, actual: Any, approx: float | None) -> bool:
    """True when ``actual`` is ``expected``: same kind, same value, recursively."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if _kind(expected) != _kind(actual):
        return False
    if isinstance(expected, float):
        if math.isnan(expected):
            return math.isnan(actual)
        if approx is not None:
            return math.isclose(expected, actual, rel_tol=approx, abs_tol=approx)
        return expected == actual
    if isinstance(expected, dict):
        return list(expected) == list(actual) and all(
            same_value(expected[k], actual[k], approx) for k in expected
        )
    if isinstance(expected, list | tuple):
        return len(expected) == len(actual) and all(
            same_value(e, a, approx) for e, a in zip(expected, actual, strict=True)
        )
    return bool(expected == actual)


def _sort_key(row: tuple[Any, ...]) -> str:
    return repr([(_kind(v), v) for v in row])


def same_rows(
    expected: list[tuple[Any, ...]],
    actual: list[tuple[Any, ...]],
    *,
    ordered: bool,
    approx: float | None,
) -> bool:
    """True when the row lists match; unordered: as multisets."""
    if len(expected) != len(actual):
        return False
    if not ordered:
        expected, actual = sorted(expected, key=_sort_key), sorted(actual, key=_sort_key)
    return all(same_value(e, a, approx) for e, a in zip(expected, actual, strict=True))


def column_types(schema: list[Any]) -> list[str]:
    """The result schema as GoogleSQL type names: INT64, ARRAY<STRING>, STRUCT, ..."""
    names = []
    for field in schema:
        name = _TYPE_NAMES.get(field.field_type, field.field_type)
        names.append(f"ARRAY<{name}>" if field.mode == "REPEATED" else name)
    return names
