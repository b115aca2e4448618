"""PIVOT and UNPIVOT with BigQuery's column names and order.

DuckDB runs both operators, but names and orders their columns its own way:

- PIVOT names a column after the value as DuckDB prints it (``1``, ``-1``,
  ``2024-02-29``) where BigQuery makes an identifier of it (``_1``,
  ``minus_1``, ``_2024_02_29``); and with an aggregate alias DuckDB puts the
  value first (``Q1_total``) where BigQuery puts the alias first
  (``total_Q1``). BigQuery's query syntax page, "PIVOT operator"
  (https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#pivot_operator).
- UNPIVOT puts its name column before its value column; BigQuery puts it
  after.
"""

from __future__ import annotations

from sqlglot import exp

_PIVOT_DONE = "dplat_pivot_done"  # meta flag on the copy a transform wraps
_UNPIVOT_DONE = "dplat_unpivot_done"


def _only_pivot(node: exp.Expression, unpivot: bool) -> exp.Pivot | None:
    """The one (UN)PIVOT of a table or subquery not yet rewritten, else None."""
    if not isinstance(node, exp.Table | exp.Subquery):
        return None
    pivots = node.args.get("pivots")
    if node.meta.get(_UNPIVOT_DONE if unpivot else _PIVOT_DONE) or not pivots or len(pivots) != 1:
        return None
    pivot = pivots[0]
    return pivot if bool(pivot.args.get("unpivot")) == unpivot else None


def value_name(value: exp.Expression) -> str | None:
    """BigQuery's column name for an unaliased pivot value, for the types whose rule
    the page shows and DuckDB differs on (INT64 and DATE); None for the others."""
    negative = isinstance(value, exp.Neg)
    number = value.this if negative else value
    if isinstance(number, exp.Literal) and not number.is_string and number.name.isdigit():
        return ("minus_" if negative else "_") + str(int(number.name))
    if (
        isinstance(value, exp.Cast)
        and value.to.is_type(exp.DataType.Type.DATE)
        and isinstance(value.this, exp.Literal)
        and value.this.is_string
    ):
        return "_" + value.this.name.replace("-", "_")
    return None


def pivot_column_names(node: exp.Expression) -> exp.Expression | None:
    """PIVOT's columns named as BigQuery names them (cases ordering.pivot_*).

    Unaliased INT64 and DATE values get BigQuery's name as an explicit alias,
    which DuckDB then uses. When the aggregates have aliases, the pivot is
    wrapped in ``SELECT * EXCEPT (<DuckDB's names>), <each> AS <BigQuery's
    name>``: the pivot's own columns come after the grouping columns in both
    engines, so the order stays. Unaliased values of other types (FLOAT64,
    TIMESTAMP, ...) keep DuckDB's names, aggregate alias and all.
    """
    pivot = _only_pivot(node, unpivot=False)
    fields = pivot.args.get("fields") if pivot else None
    if pivot is None or not fields or len(fields) != 1 or not isinstance(fields[0], exp.In):
        return None
    values = fields[0].expressions
    named = [value_name(v) if not isinstance(v, exp.PivotAlias) else None for v in values]
    aliases = [a.alias for a in pivot.expressions if isinstance(a, exp.Alias)]
    if not any(named) and not aliases:
        return None
    changed = node.copy()
    changed.meta[_PIVOT_DONE] = True
    new_values = changed.args["pivots"][0].args["fields"][0].expressions
    for index, name in enumerate(named):
        if name:
            new_values[index].replace(exp.PivotAlias(this=new_values[index].copy(), alias=exp.to_identifier(name)))
    if not aliases or len(aliases) != len(pivot.expressions):
        return changed
    # Only names known to be DuckDB's too: an alias, or a string's text (a DuckDB
    # name such as "-1.5" or a timestamp's is not the literal's text).
    if not all(isinstance(v, exp.PivotAlias) or (isinstance(v, exp.Literal) and v.is_string) for v in new_values):
        return changed
    value_names = [v.alias if isinstance(v, exp.PivotAlias) else v.name for v in new_values]
    duck = [f"{value}_{alias}" for value in value_names for alias in aliases]
    bq = [f"{alias}_{value}" for value in value_names for alias in aliases]
    outer = changed.args["pivots"][0].args.get("alias")
    changed.args["pivots"][0].set("alias", None)
    select = exp.select(
        exp.Star(except_=[exp.column(exp.to_identifier(d, quoted=True)) for d in duck]),
        *(exp.alias_(exp.column(exp.to_identifier(d, quoted=True)), b, quoted=True) for d, b in zip(duck, bq, strict=True)),
    ).from_(changed)
    return exp.Subquery(this=select, alias=outer.copy() if outer else None)


def unpivot_column_order(node: exp.Expression) -> exp.Expression | None:
    """UNPIVOT's value column comes before its name column (cases query_syntax.unpivot_*).

    ``x UNPIVOT(v FOR n IN (...)) AS u`` becomes
    ``(SELECT * EXCEPT (n), n FROM x UNPIVOT(v FOR n IN (...))) AS u``,
    which moves the name column last. Single-value UNPIVOT only.
    """
    pivot = _only_pivot(node, unpivot=True)
    fields = (pivot.args.get("fields") or []) if pivot else []
    if (
        pivot is None
        or len(pivot.expressions) != 1
        or len(fields) != 1
        or not isinstance(fields[0].this, exp.Identifier)
    ):
        return None
    name = fields[0].this
    inner = node.copy()
    inner.args["pivots"][0].set("alias", None)
    inner.meta[_UNPIVOT_DONE] = True
    select = exp.select(exp.Star(except_=[exp.column(name.copy())]), exp.column(name.copy())).from_(inner)
    alias = pivot.args.get("alias")
    return exp.Subquery(this=select, alias=alias.copy() if alias else None)


PIVOT_TRANSFORMS = (unpivot_column_order, pivot_column_names)
