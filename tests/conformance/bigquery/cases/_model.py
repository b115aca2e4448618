"""The shape of one conformance case; every family module builds a list of these.

A case is one GoogleSQL query with the answer BigQuery documents for it, and
the page that documents it. The runner (``..runner``) executes ``sql`` through
google-cloud-bigquery and compares the rows the client returns with
``expected``, value by value and type by type (``1``, ``1.0`` and
``Decimal(1)`` are three different answers). README.md describes every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REFERENCE = "https://cloud.google.com/bigquery/docs/reference/standard-sql/"


@dataclass(frozen=True)
class Case:
    """One query and BigQuery's documented answer.

    ``id`` is unique within its module; the runner names the case
    ``<module>.<id>`` (e.g. ``date.diff_week_monday``).
    """

    id: str
    sql: str
    # Rows as google-cloud-bigquery returns them (tuples of int, float,
    # Decimal, str, bytes, bool, date, datetime, time, dict, list, None, ...).
    expected: list[tuple[Any, ...]] = field(default_factory=list)
    # URL of the BigQuery documentation page the behaviour comes from.
    source: str = ""
    # Why this sandbox cannot answer it; the case then passes only if the
    # emulator raises an error (never if it returns a value, right or wrong).
    unsupported: str | None = None
    # BigQuery raises for this query: a case-insensitive substring of its
    # message ("" for any error). ``expected`` is then ignored.
    expect_error: str | None = None
    # False: rows are compared as a multiset (the query has no ORDER BY).
    ordered: bool = True
    # Expected result column types where they matter: "INT64", "NUMERIC",
    # "STRING", "ARRAY<INT64>", "STRUCT", ... (the schema the API reports).
    types: list[str] | None = None
    # Relative tolerance for FLOAT64 values; None: floats must be equal.
    approx: float | None = None
    # Statements run first, in order, each as its own job (DDL, DML).
    # ``{dataset}`` in setup and sql is replaced by a fresh dataset's name.
    setup: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.id or not self.id.replace("_", "").isalnum() or not self.id.islower():
            raise ValueError(f"case id {self.id!r}: use lower_snake_case letters and digits")
        if not self.source.startswith("https://"):
            raise ValueError(f"case {self.id!r}: source must be the URL of the documentation page")
        if self.expect_error is not None and self.expected:
            raise ValueError(f"case {self.id!r}: give expected rows or expect_error, not both")
        if any(not isinstance(row, tuple) for row in self.expected):
            raise ValueError(f"case {self.id!r}: every expected row must be a tuple")


def doc(page: str) -> str:
    """The URL of a page of BigQuery's GoogleSQL reference, e.g. ``doc("date_functions")``."""
    return REFERENCE + page


def one(id: str, sql: str, value: Any, source: str, **fields: Any) -> Case:
    """A case whose answer is one row of one column: ``value``."""
    return Case(id, sql, [(value,)], source, **fields)
