"""GoogleSQL types on the syntax tree, for the corrections that depend on them (typed.py).

SQLGlot's BigQuery type rules type literals, casts and what is computed from
them. A table's columns are typed too when bqemulator passes its catalog
snapshot (``schema``: ``{table_id: {column: duckdb_type}}``, the one its own
AVG rule uses): an unqualified column of a SELECT that reads exactly one
table gets that table as qualifier while the types are worked out, and loses
it again, so the SQL text stays as written.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.schema import MappingSchema

UNTYPED = (exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL)
# Decimal types by name alone: the catalog snapshot's DECIMAL(38, 9) is NUMERIC.
# (SQLGlot's BigQuery names already read DuckDB's TIMESTAMP WITH TIME ZONE as
# TIMESTAMP and TIMESTAMP as DATETIME.)
DECIMALS = {exp.DataType.Type.DECIMAL: "NUMERIC", exp.DataType.Type.BIGDECIMAL: "BIGNUMERIC"}


def annotate(tree: exp.Expression, schema: dict[str, Any] | None = None) -> exp.Expression:
    """``tree`` with SQLGlot's BigQuery types on its nodes; unchanged if that fails."""
    qualified = _qualify_single_table_columns(tree, schema) if schema else []
    try:
        mapping = MappingSchema(schema, dialect="duckdb") if schema else None
        return annotate_types(tree, schema=mapping, dialect="bigquery")
    except Exception:  # a construct SQLGlot cannot type: the typed transforms stay off
        return tree
    finally:
        for column in qualified:
            column.set("table", None)


def _qualify_single_table_columns(tree: exp.Expression, schema: dict[str, Any]) -> list[exp.Column]:
    """Give each unqualified column of a one-table SELECT its table; the columns changed."""
    changed: list[exp.Column] = []
    for select in tree.find_all(exp.Select):
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is None or select.args.get("joins") or not isinstance(from_.this, exp.Table):
            continue
        table = from_.this
        columns = schema.get(table.name) or {}
        for column in select.find_all(exp.Column):
            if column.table or column.name not in columns or column.find_ancestor(exp.Select) is not select:
                continue
            column.set("table", exp.to_identifier(table.alias_or_name))
            changed.append(column)
    return changed


def kind(node: exp.Expression | None) -> str | None:
    """The node's GoogleSQL type name (``INT64``, ``ARRAY<INT64>``), None when unknown."""
    if node is None or isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Anonymous) and node.name.startswith("dplat_") and node.expressions:
        node = node.expressions[0]  # an argument guard of ours keeps its operand's type
    typ = node.type if node.args.get("to") is None else node.args["to"]
    if not isinstance(typ, exp.DataType) or typ.this in UNTYPED:
        return None
    return DECIMALS.get(typ.this) or typ.sql(dialect="bigquery").upper()
