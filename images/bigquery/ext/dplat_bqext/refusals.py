"""Queries BigQuery refuses that bqemulator answered.

Each was a *wrong answer* of the conformance suite (rows where BigQuery
raises an error), found by the families written from BigQuery's pages in
session 7. The rules, each with its page and cases:

* numbering functions (RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE,
  ROW_NUMBER), LEAD/LAG and PERCENTILE_CONT/DISC take no window frame
  (window-function-calls#def_window_frame). Case numbering.rank_with_frame_errors.
* a window that names another window cannot add PARTITION BY
  (window-function-calls#def_window_spec). Case
  window_frames.named_window_with_partition_by_errors.
* different set operations (or ALL and DISTINCT) in one query need
  parentheses (query-syntax#set_operators). Cases
  set_operations.mixed_set_ops_need_parentheses, ...mixed_union_all_and_except_errors.
* LEAD/LAG's offset must be a non-negative, non-NULL constant
  (navigation_functions#lead, #lag). Cases navigation.lag_negative_offset_errors,
  navigation.lead_null_offset_errors.
* IF and CASE need a common supertype of their results: a number and a
  STRING have none (conditional_expressions#if). Case conditional_more.if_no_common_supertype.
* LEFT/RIGHT with a negative length (string_functions#left, #right). Cases
  strings_more.left_negative_errors, strings_more.right_negative_errors.
"""

from __future__ import annotations

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import guard
from dplat_bqext.errors import RewriteError
from dplat_bqext.typed import without_supertype

FRAMELESS = (
    exp.Rank,
    exp.DenseRank,
    exp.PercentRank,
    exp.CumeDist,
    exp.Ntile,
    exp.RowNumber,
    exp.Lead,
    exp.Lag,
    exp.PercentileCont,
    exp.PercentileDisc,
)
SET_OPERATIONS = (exp.Union, exp.Except, exp.Intersect)


def _unwrapped(node: exp.Expression) -> exp.Expression:
    """The function under IGNORE/RESPECT NULLS."""
    return node.this if isinstance(node, exp.IgnoreNulls | exp.RespectNulls) else node


def window_rules(node: exp.Expression) -> exp.Expression | None:
    """Frames where none is allowed, PARTITION BY on a named window, LEAD/LAG offsets."""
    if not isinstance(node, exp.Window) or not isinstance(node.args.get("over"), str):
        return None
    function = _unwrapped(node.this)
    name = function.sql_name().lower() if isinstance(function, exp.Func) else ""
    if isinstance(function, FRAMELESS) and node.args.get("spec") is not None:
        raise RewriteError(f"Window framing clause is not allowed for analytic function {name}")
    if node.args.get("alias") is not None and node.args.get("partition_by"):
        raise RewriteError(
            "A window that names another window cannot have its own PARTITION BY clause"
        )
    if isinstance(function, exp.Lead | exp.Lag):
        offset = function.args.get("offset")
        negative = isinstance(offset, exp.Neg) or (
            isinstance(offset, exp.Literal) and offset.this.startswith("-")
        )
        if isinstance(offset, exp.Null) or negative:
            raise RewriteError(
                f"The offset of {name.upper()} must be a non-negative INT64 constant"
            )
    return None


def mixed_set_operations(node: exp.Expression) -> exp.Expression | None:
    """A UNION ALL b EXCEPT DISTINCT c without parentheses (SQLGlot nests the left one bare)."""
    if isinstance(node, SET_OPERATIONS) and isinstance(node.this, SET_OPERATIONS):
        inner = node.this
        if type(inner) is not type(node) or bool(inner.args.get("distinct")) != bool(
            node.args.get("distinct")
        ):
            raise RewriteError(
                "Syntax error: different set operations cannot be used in the same query without"
                " parentheses for grouping"
            )
    return None


def conditional_supertypes(node: exp.Expression) -> exp.Expression | None:
    """IF/CASE whose results are a number and a STRING: no common supertype."""
    if isinstance(node, exp.If) and not isinstance(node.parent, exp.Case):
        results = [node.args.get("true"), node.args.get("false")]
        function = "IF"
    elif isinstance(node, exp.Case):
        results = [branch.args.get("true") for branch in node.args.get("ifs") or []] + [
            node.args.get("default")
        ]
        function = "CASE"
    else:
        return None
    kinds = [kind(result) for result in results if result is not None]
    if without_supertype(kinds):
        names = ", ".join(k or "NULL" for k in kinds)
        raise RewriteError(
            f"No matching signature for {function}: its results {names} have no common supertype"
        )
    return None


LENGTH_GUARDED = "dplat_length_guarded"  # meta flag: a LEFT/RIGHT whose length is guarded


def negative_lengths(node: exp.Expression) -> exp.Expression | None:
    """LEFT/RIGHT of a negative length raise (DuckDB counted from the other end)."""
    if not isinstance(node, exp.Left | exp.Right) or node.meta.get(LENGTH_GUARDED):
        return None
    name = "LEFT" if isinstance(node, exp.Left) else "RIGHT"
    changed = node.copy()
    changed.meta[LENGTH_GUARDED] = True
    changed.set("expression", guard("dplat_nonnegative", node.expression, f"Second argument in {name}() cannot be negative"))
    return changed


REFUSAL_TRANSFORMS = (window_rules, mixed_set_operations, conditional_supertypes, negative_lengths)
