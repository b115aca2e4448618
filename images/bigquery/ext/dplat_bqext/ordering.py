"""Orders, extremes and types where DuckDB's defaults differ from BigQuery's documented ones.

* NaN sorts lowest: NULL, NaN, -inf, ..., +inf ascending (NULLS FIRST), and
  NaN stays just above NULL whatever NULLS FIRST/LAST say
  (data-types#orderable_floating_points); DuckDB sorts NaN above +inf. An
  ORDER BY key of type FLOAT64 gets a first key that puts NaN there. Keys
  inside window specifications are left alone (a RANGE frame allows one
  key). Cases ordering.floats_*.
* MIN of FLOAT64 is NaN when any input is NaN (aggregate_functions#min);
  DuckDB's min skips it. Case ordering.min_float_with_nan.
* NULLIF's result has the supertype of both arguments
  (conditional_expressions#nullif): NULLIF(4, 2.5) is FLOAT64 4.0. Case
  conditional_more.nullif_supertype_float.
* CORR of fewer than two non-NULL pairs is NULL (statistical_aggregate_functions#corr);
  DuckDB answered NaN. Case statistical.corr_single_pair_is_null. A statistic
  (STDDEV*, VAR*, COVAR*, CORR) of FLOAT64 with an infinity or NaN is NaN;
  DuckDB raised "out of range". Cases statistical.*_is_nan.
* PERCENTILE_CONT/DISC ``RESPECT NULLS`` count the NULLs, which sort first
  (navigation_functions#percentile_cont: between a NULL and a value the
  value, at a NULL itself NULL); DuckDB's quantiles skip NULLs, and bqemulator
  dropped the words. Picked from the window's list of values instead. Cases
  navigation.percentile_*_respect_nulls*.
* COLLATE(x, 'und:ci') compares case-insensitively, and the collation passes
  to the other side of a comparison (collation-concepts#collate_propagate).
  bqemulator made COLLATE(x, 'und:ci') ``lower(x)`` everywhere, so the value
  itself came back lower-cased and ``COLLATE('A', 'und:ci') = 'a'`` was false.
  A comparison with a collated side compares both sides lower-cased; an ORDER
  BY key keeps bqemulator's form (same order); anywhere else the sandbox
  cannot carry the collation and refuses it. Case ordering.collate_ci_equality.
"""

from __future__ import annotations

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import call
from dplat_bqext.unsupported import Unsupported

COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)
WIDER = {
    frozenset({"INT64", "FLOAT64"}): "FLOAT64",
    frozenset({"INT64", "NUMERIC"}): "NUMERIC",
    frozenset({"NUMERIC", "FLOAT64"}): "FLOAT64",
}

ORDERING_MACROS: dict[str, str] = {
    # 0 for NaN, 1 for a number, NULL for NULL: sorted before the key itself.
    "dplat_nan_first": "(x) AS CASE WHEN isnan(x) THEN 0 WHEN x IS NOT NULL THEN 1 END",
    "dplat_min_float": "(x) AS CASE WHEN bool_or(isnan(x)) THEN CAST('NaN' AS DOUBLE) ELSE min(x) END",
    # PERCENTILE_CONT/DISC RESPECT NULLS over the window's list of values, NULLs first.
    "dplat_pick_cont": (
        "(s, lo, hi, f) AS CASE WHEN s[lo] IS NULL THEN s[hi] WHEN s[hi] IS NULL THEN s[lo]"
        " ELSE s[lo] + (s[hi] - s[lo]) * f END"
    ),
    "dplat_percentile_cont_nulls": (
        "(l, p) AS dplat_pick_cont(list_sort(l, 'ASC', 'NULLS FIRST'), CAST(floor(p * (len(l) - 1)) AS BIGINT) + 1,"
        " CAST(ceil(p * (len(l) - 1)) AS BIGINT) + 1, p * (len(l) - 1) - floor(p * (len(l) - 1)))"
    ),
    "dplat_percentile_disc_nulls": (
        "(l, p) AS list_sort(l, 'ASC', 'NULLS FIRST')[greatest(CAST(ceil(p * len(l)) AS BIGINT), 1)]"
    ),
    # STDDEV/VAR/COVAR/CORR of FLOAT64 with an infinity or NaN is NaN (DuckDB raised "out of range").
    "dplat_nan_if_not_finite": "(nonfinite, v) AS CASE WHEN nonfinite THEN CAST('NaN' AS DOUBLE) ELSE v END",
}


def _in_window(node: exp.Expression) -> bool:
    return node.find_ancestor(exp.Window) is not None


def nan_order(node: exp.Expression) -> exp.Expression | None:
    """ORDER BY a FLOAT64 key: a first key that puts NaN next to NULL, in the key's own direction."""
    if not isinstance(node, exp.Order) or _in_window(node) or node.meta.get("dplat_done"):
        return None
    if isinstance(node.parent, exp.Select) and node.parent.args.get("distinct"):
        return None  # DuckDB: a DISTINCT query's keys must be in its select list; not handled
    keys: list[exp.Expression] = []
    for ordered in node.expressions:
        value = _float_key(ordered.this, node.parent) if isinstance(ordered, exp.Ordered) else None
        if value is not None:
            first = ordered.copy()
            first.set("this", call("dplat_nan_first", value))
            keys.append(first)
        keys.append(ordered.copy())
    if len(keys) == len(node.expressions):
        return None
    changed = node.copy()
    changed.meta["dplat_done"] = True
    changed.set("expressions", keys)
    return changed


def _float_key(key: exp.Expression, select: exp.Expression | None) -> exp.Expression | None:
    """The FLOAT64 value a key sorts by, or None. A bare name of an aliased projection stands
    for the projection's expression: DuckDB refuses an alias inside an expression when the
    aliased expression has side effects (as bqemulator's SAFE_DIVIDE has)."""
    if isinstance(key, exp.Column) and not key.table and isinstance(select, exp.Select):
        named = [p for p in select.expressions if p.alias_or_name.lower() == key.name.lower()]
        if len(named) == 1 and isinstance(named[0], exp.Alias):
            return named[0].this if kind(named[0].this) == "FLOAT64" else None
        if len(named) == 1 and kind(key) is None:
            return key if kind(named[0]) == "FLOAT64" else None
    return key if kind(key) == "FLOAT64" else None


def percentile_respect_nulls(node: exp.Expression) -> exp.Expression | None:
    """PERCENTILE_CONT/DISC(x, p RESPECT NULLS) OVER (...): picked from the window's values, NULLs first."""
    if not isinstance(node, exp.Window) or not isinstance(node.this, exp.RespectNulls):
        return None
    function = node.this.this
    if not isinstance(function, exp.PercentileCont | exp.PercentileDisc):
        return None
    values = node.copy()
    values.set("this", call("list", function.this))
    macro = (
        "dplat_percentile_cont_nulls"
        if isinstance(function, exp.PercentileCont)
        else "dplat_percentile_disc_nulls"
    )
    return call(macro, values, function.expression)


STATISTICS = (
    exp.Stddev,
    exp.StddevPop,
    exp.StddevSamp,
    exp.Variance,
    exp.VariancePop,
    exp.CovarPop,
    exp.CovarSamp,
    exp.Corr,
)


def _finite_only(value: exp.Expression) -> exp.Expression:
    return exp.If(this=call("isfinite", value), true=value.copy(), false=exp.Null())


def float_statistics(node: exp.Expression) -> exp.Expression | None:
    """A statistic of FLOAT64 with an infinity or NaN is NaN (statistical_aggregate_functions)."""
    if not isinstance(node, STATISTICS) or _in_window(node) or node.meta.get("dplat_done"):
        return None
    operands = [node.this] + ([node.expression] if node.args.get("expression") is not None else [])
    if "FLOAT64" not in {kind(operand) for operand in operands}:
        return None
    nonfinite = exp.or_(*[exp.Not(this=call("isfinite", operand)) for operand in operands])
    changed = node.copy()
    changed.meta["dplat_done"] = True
    changed.set("this", _finite_only(node.this))
    if node.args.get("expression") is not None:
        changed.set("expression", _finite_only(node.expression))
    return call(
        "dplat_nan_if_not_finite", exp.Anonymous(this="bool_or", expressions=[nonfinite]), changed
    )


def float_aggregates(node: exp.Expression) -> exp.Expression | None:
    """MIN of FLOAT64 with NaN; CORR of fewer than two pairs; NULLIF's supertype."""
    if isinstance(node, exp.Min) and not _in_window(node) and kind(node.this) == "FLOAT64":
        return call("dplat_min_float", node.this)
    if isinstance(node, exp.Corr) and not _in_window(node) and not node.meta.get("dplat_corr"):
        changed = node.copy()
        changed.meta["dplat_corr"] = True
        return exp.If(
            this=exp.LT(
                this=call("regr_count", node.this, node.expression),
                expression=exp.Literal.number(2),
            ),
            true=exp.Null(),
            false=changed,
        )
    if isinstance(node, exp.Nullif) and not node.meta.get("dplat_done"):
        wider = WIDER.get(frozenset({kind(node.this), kind(node.expression)}))
        if wider is None:
            return None
        changed = node.copy()
        changed.meta["dplat_done"] = True
        return exp.cast(changed, exp.DataType.build(wider, dialect="bigquery"))
    return None


def _without_collation(node: exp.Expression) -> exp.Expression:
    return node.this if isinstance(node, exp.Collate) else node


def collations(node: exp.Expression) -> exp.Expression | None:
    """COLLATE 'und:ci' in comparisons (both sides lower-cased); refused where it cannot be carried."""
    if isinstance(node, COMPARISONS) and (
        isinstance(node.this, exp.Collate) or isinstance(node.expression, exp.Collate)
    ):
        specs = {
            side.expression.name.lower()
            for side in (node.this, node.expression)
            if isinstance(side, exp.Collate)
        }
        changed = node.copy()
        for key in ("this", "expression"):
            plain = _without_collation(changed.args[key]).copy()
            changed.set(key, exp.Lower(this=plain) if "und:ci" in specs else plain)
        return changed
    if isinstance(node, exp.Collate) and not isinstance(node.parent, exp.Ordered):
        if node.expression.name == "":
            return node.this.copy()  # the binary collation: the value as it is
        raise Unsupported(
            "COLLATE outside a comparison or an ORDER BY key",
            "the sandbox compares with a collation only where it is written; compare COLLATE(x, 'und:ci') directly",
        )
    return None


ORDERING_TRANSFORMS = (
    nan_order,
    percentile_respect_nulls,
    float_statistics,
    float_aggregates,
    collations,
)
