"""The nodes transforms build: a call of one of our DuckDB macros, and a guard.

Kept in one place so that every transform writes them the same way: the
arguments are copies (a transform must not move nodes out of the tree it is
walking), and a guard is a macro that passes its value through or raises the
message BigQuery gives (``dplat_nonzero``, ``dplat_nonnegative``, macros.py).
"""

from __future__ import annotations

from sqlglot import exp


def call(name: str, *args: exp.Expression) -> exp.Anonymous:
    """``name(args...)``, on copies of the arguments."""
    return exp.Anonymous(this=name, expressions=[a.copy() for a in args])


def guard(macro: str, value: exp.Expression, message: str) -> exp.Anonymous:
    """``macro(value, 'message')``: ``value``, or BigQuery's error when it is out of range."""
    return call(macro, value, exp.Literal.string(message))
