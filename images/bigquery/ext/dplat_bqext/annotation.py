"""GoogleSQL types on the syntax tree, for the corrections that depend on them (typed.py).

SQLGlot's BigQuery rules type literals, casts and what is computed from them;
its scope-aware annotator carries a column's type from where it is made (a
CTE's or derived table's projection, an UNNEST's element, a table's column
in bqemulator's catalog snapshot ``schema``: ``{table_id: {column:
duckdb_type}}``, the one its own AVG rule uses) to where it is used, but only
for *qualified* columns. So each unqualified column that exactly one source
of its SELECT provides gets that source as qualifier while the types are
worked out (a derived table without an alias gets a made-up one), and both
are taken off again, so the SQL text stays as written. Issue 11: without
this, ``WITH t AS (SELECT 2.5 AS f) SELECT CAST(f AS INT64) FROM t`` kept
DuckDB's rounding.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.resolver import Resolver
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema

UNTYPED = (exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL)
# Decimal types by name alone: the catalog snapshot's DECIMAL(38, 9) is NUMERIC.
# (SQLGlot's BigQuery names already read DuckDB's TIMESTAMP WITH TIME ZONE as
# TIMESTAMP and TIMESTAMP as DATETIME.)
DECIMALS = {exp.DataType.Type.DECIMAL: "NUMERIC", exp.DataType.Type.BIGDECIMAL: "BIGNUMERIC"}
ALIAS_PREFIX = "_dplat_q"  # made-up aliases of derived tables that have none


def annotate(tree: exp.Expression, schema: dict[str, Any] | None = None) -> exp.Expression:
    """``tree`` with SQLGlot's BigQuery types on its nodes; unchanged if that fails."""
    mapping = MappingSchema(schema, dialect="duckdb") if schema else None
    aliased: list[exp.Subquery] = []
    qualified: list[exp.Column] = []
    try:
        if tree.find(exp.From):  # a SELECT without FROM has no columns to resolve
            aliased = _alias_derived_tables(tree)
            qualified = _qualify_columns(tree, mapping or MappingSchema(dialect="bigquery"))
        return annotate_types(tree, schema=mapping, dialect="bigquery")
    except Exception:  # a construct SQLGlot cannot type: the typed transforms stay off
        return tree
    finally:
        for column in qualified:
            column.set("table", None)
        for subquery in aliased:
            subquery.set("alias", None)


def _alias_derived_tables(tree: exp.Expression) -> list[exp.Subquery]:
    """Give each FROM/JOIN subquery without an alias one (BigQuery allows none); those changed."""
    changed: list[exp.Subquery] = []
    for subquery in tree.find_all(exp.Subquery):
        if not subquery.alias and isinstance(subquery.parent, exp.From | exp.Join):
            subquery.set("alias", exp.TableAlias(this=exp.to_identifier(f"{ALIAS_PREFIX}{len(changed)}")))
            changed.append(subquery)
    return changed


def _qualify_columns(tree: exp.Expression, schema: MappingSchema) -> list[exp.Column]:
    """Qualify each unqualified column that exactly one source of its scope has; those changed.

    A name no source has (a SELECT alias in ORDER BY, an outer query's
    column) or that two have stays as it is: its type stays unknown.
    """
    changed: list[exp.Column] = []
    for scope in traverse_scope(tree):
        columns = scope.unqualified_columns
        if not columns or not scope.selected_sources:
            continue
        resolver = Resolver(scope, schema, infer_schema=False)
        provided: dict[str, list[str]] = {}
        for source in scope.selected_sources:
            for name in resolver.get_source_columns(source):
                provided.setdefault(name.lower(), []).append(source)
        for column in columns:
            owners = provided.get(column.name.lower(), [])
            if len(owners) == 1:
                column.set("table", exp.to_identifier(owners[0]))
                changed.append(column)
    return changed


def kind(node: exp.Expression | None) -> str | None:
    """The node's GoogleSQL type name (``INT64``, ``ARRAY<INT64>``), None when unknown."""
    if node is None or isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.ByteString | exp.Unhex):  # b'..', FROM_HEX: SQLGlot leaves them untyped
        return "BYTES"
    if isinstance(node, exp.Anonymous) and node.name.startswith("dplat_") and node.expressions:
        node = node.expressions[0]  # an argument guard of ours keeps its operand's type
    typ = node.type if node.args.get("to") is None else node.args["to"]
    if not isinstance(typ, exp.DataType) or typ.this in UNTYPED:
        return None
    return DECIMALS.get(typ.this) or typ.sql(dialect="bigquery").upper()
