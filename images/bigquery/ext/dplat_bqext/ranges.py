"""The RANGE type: unbounded bounds, bound order, and the forms bqemulator lacks.

bqemulator 1.4.0 stores a RANGE as DuckDB's ``STRUCT("start" T, "end" T)``,
an UNBOUNDED bound as a NULL field, and translates the range functions into
plain comparisons of those fields (sql/rules/range_rules.py). A NULL field
makes every comparison NULL, so an unbounded side answered NULL where
BigQuery reads it as unlimited; and nothing checked the bounds' order. Each
correction here names its conformance cases (family range_type; BigQuery's
range-functions page and data-types#range_type):

* ``RANGE(a, b)`` with ``a >= b`` is an error (constructor_equal_bounds_errors)
  and ``SAFE.RANGE`` of it is NULL (safe_constructor_reversed_is_null): the
  upper bound goes through a guard macro; the SAFE form tests the order
  instead, because DuckDB's TRY (what bqemulator makes of ``SAFE.``) refuses
  the volatile ``error()`` inside.
* A range literal's ``NULL`` bound is ``UNBOUNDED`` (literal_null_end_is_unbounded;
  bqemulator cast the text 'NULL' to a date); a literal whose lower bound is
  not below its upper bound is refused like the constructor's.
* ``RANGE_CONTAINS`` with a value (contains_value_unbounded) or a range
  (contains_same_range, contains_range_sticking_out, contains_range_in_unbounded;
  bqemulator had only the value form), ``RANGE_OVERLAPS``
  (overlaps_unbounded_lower) and ``RANGE_INTERSECT`` (intersect_unbounded_upper,
  intersect_disjoint_errors: disjoint ranges are an error, NULL with SAFE.)
  become macros that read a NULL bound as unbounded. RANGE_CONTAINS takes
  its range form when the second argument is known to be a range (a
  literal, a cast, RANGE(...), RANGE_INTERSECT(...)), its value form when
  it is known to be anything else; when its type is unknown here (a RANGE
  column: bqemulator's catalog snapshot leaves RANGE columns out), a macro
  picks the form by DuckDB's ``typeof``.
* ``GENERATE_RANGE_ARRAY(r, step, include_last_partial_range)``
  (generate_range_array_partial_dropped): bqemulator knew two arguments only;
  FALSE drops the last subrange when it is shorter than ``step``.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import call
from dplat_bqext.errors import RewriteError

_SAFE = "dplat_range_safe"  # meta flag: a RANGE(...) under SAFE., left unguarded
_BODY = re.compile(r"^\s*\[\s*(?P<start>[^,]*?)\s*,\s*(?P<end>[^,]*?)\s*\)\s*$")
# A RANGE column as SQLGlot types it from bqemulator's catalog (DuckDB's struct).
_RANGE_STRUCT = re.compile(
    r"^STRUCT<`?start`? (DATE|DATETIME|TIMESTAMP), `?end`? \1>$", re.IGNORECASE
)


# bqemulator's DuckDB types for RANGE<DATE>, RANGE<DATETIME>, RANGE<TIMESTAMP>'s bounds.
_ELEMENTS = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")


def _bound(name: str, of: str) -> str:
    return f"struct_extract({of}, '{name}')"


RANGE_MACROS: dict[str, str] = {
    # RANGE(a, b)'s upper bound, or BigQuery's error when a >= b (a NULL bound is unbounded).
    "dplat_range_end": (
        "(a, b) AS CASE WHEN a >= b THEN error('RANGE: the lower bound '"
        " || CAST(a AS VARCHAR) || ' must be less than the upper bound ' || CAST(b AS VARCHAR))"
        " ELSE b END"
    ),
    "dplat_range_reversed": "(a, b) AS coalesce(a >= b, false)",
    # RANGE_CONTAINS(r, v): start <= v < end, an unbounded side holding everything.
    "dplat_range_contains_value": (
        "(r, v) AS CASE WHEN r IS NULL OR v IS NULL THEN NULL"
        f" ELSE coalesce({_bound('start', 'r')} <= v, true) AND coalesce(v < {_bound('end', 'r')}, true) END"
    ),
    # RANGE_CONTAINS(o, i): i's lower bound not below o's, its upper bound not above o's.
    "dplat_range_contains_range": (
        "(o, i) AS CASE WHEN o IS NULL OR i IS NULL THEN NULL ELSE"
        f" (CASE WHEN {_bound('start', 'o')} IS NULL THEN true WHEN {_bound('start', 'i')} IS NULL THEN false"
        f" ELSE {_bound('start', 'o')} <= {_bound('start', 'i')} END)"
        f" AND (CASE WHEN {_bound('end', 'o')} IS NULL THEN true WHEN {_bound('end', 'i')} IS NULL THEN false"
        f" ELSE {_bound('end', 'i')} <= {_bound('end', 'o')} END) END"
    ),
    # RANGE_CONTAINS(o, x) when x's type is not known here (a RANGE column: bqemulator's
    # catalog snapshot leaves RANGE columns out): DuckDB's typeof(x) picks the form.
    "dplat_range_contains": "(o, x) AS CASE WHEN o IS NULL OR x IS NULL THEN NULL"
    + "".join(
        f" WHEN typeof(x) = '{t}' THEN dplat_range_contains_value(o, TRY_CAST(x AS {t}))"
        f' WHEN typeof(x) = \'STRUCT("start" {t}, "end" {t})\''
        f' THEN dplat_range_contains_range(o, TRY_CAST(x AS STRUCT("start" {t}, "end" {t})))'
        for t in _ELEMENTS
    )
    + " ELSE error('RANGE_CONTAINS: the second argument must be a RANGE or a value of its element type'"
    " || ', not ' || typeof(x)) END",
    # RANGE_OVERLAPS(a, b): each starts before the other ends; unbounded sides always do.
    "dplat_range_overlaps": (
        "(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE"
        f" coalesce({_bound('start', 'a')} < {_bound('end', 'b')}, true)"
        f" AND coalesce({_bound('start', 'b')} < {_bound('end', 'a')}, true) END"
    ),
    # RANGE_INTERSECT: greatest/least skip NULLs, so an unbounded side gives way to a bound.
    "dplat_range_intersection": (
        "(a, b) AS {'start': greatest(" + _bound("start", "a") + ", " + _bound("start", "b") + "),"
        " 'end': least(" + _bound("end", "a") + ", " + _bound("end", "b") + ")}"
    ),
    "dplat_range_intersect": (
        "(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL"
        " WHEN NOT dplat_range_overlaps(a, b) THEN error('RANGE_INTERSECT: the ranges do not overlap')"
        " ELSE dplat_range_intersection(a, b) END"
    ),
    "dplat_range_intersect_safe": (
        "(a, b) AS CASE WHEN dplat_range_overlaps(a, b) THEN dplat_range_intersection(a, b) END"
    ),
    # GENERATE_RANGE_ARRAY(r, step, keep) from the 2-argument array: FALSE keeps full subranges only.
    "dplat_range_array_keep": (
        "(arr, step, keep) AS CASE WHEN keep IS NULL THEN NULL WHEN keep THEN arr"
        " ELSE list_filter(arr, e -> struct_extract(e, 'start') + step <= struct_extract(e, 'end')) END"
    ),
}


def _named(node: exp.Expression | None, *names: str) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).upper() in names


def is_range(node: exp.Expression) -> bool:
    """True when ``node`` is known to be a RANGE value (see the module's docstring)."""
    if isinstance(node, exp.SafeFunc):
        node = node.this
    if _named(
        node, "RANGE", "RANGE_INTERSECT", "DPLAT_RANGE_INTERSECT", "DPLAT_RANGE_INTERSECT_SAFE"
    ):
        return True
    typ = (kind(node) or "").upper()
    return typ.startswith("RANGE<") or bool(_RANGE_STRUCT.match(typ))


def _contains_form(second: exp.Expression) -> str:
    """RANGE_CONTAINS's macro for its second argument: a range, a value, or either (typeof decides)."""
    if is_range(second):
        return "dplat_range_contains_range"
    return "dplat_range_contains_value" if kind(second) else "dplat_range_contains"


def _parse_bound(text: str, element: str) -> dt.date | dt.datetime | None:
    """A literal bound as Python compares it; None when it cannot be read here (no check then)."""
    try:
        if element == "DATE":
            return dt.date.fromisoformat(text)
        value = dt.datetime.fromisoformat(text.replace(" UTC", "+00:00"))
    except ValueError:
        return None
    if element == "TIMESTAMP" and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # the default time zone, UTC here
    return value


def range_literal(node: exp.Cast) -> exp.Expression | None:
    """RANGE<T> '[a, b)': NULL is UNBOUNDED; a >= b is refused."""
    to = node.args.get("to")
    if not (isinstance(to, exp.DataType) and to.this == exp.DataType.Type.RANGE):
        return None
    if not (isinstance(node.this, exp.Literal) and node.this.is_string and to.expressions):
        return None
    match = _BODY.match(node.this.this)
    if match is None:
        return None
    start, end = (match.group(g) for g in ("start", "end"))
    element = to.expressions[0].sql(dialect="bigquery").upper()
    bounds = [
        None if b.upper() in ("NULL", "UNBOUNDED") else _parse_bound(b, element)
        for b in (start, end)
    ]
    if bounds[0] is not None and bounds[1] is not None and bounds[0] >= bounds[1]:
        raise RewriteError(
            f"Invalid RANGE literal: the lower bound {start} must be less than the upper bound {end}"
        )
    if "NULL" not in (start.upper(), end.upper()):
        return None
    text = "[{}, {})".format(*("UNBOUNDED" if b.upper() == "NULL" else b for b in (start, end)))
    changed = node.copy()
    changed.set("this", exp.Literal.string(text))
    return changed


def _safe(inner: exp.Expression) -> exp.Expression | None:
    """SAFE.RANGE and SAFE.RANGE_INTERSECT: NULL where the plain form raises."""
    args = inner.expressions
    if _named(inner, "RANGE") and len(args) == 2:
        unguarded = inner.copy()
        unguarded.meta[_SAFE] = True
        return exp.If(this=call("dplat_range_reversed", *args), true=exp.Null(), false=unguarded)
    if _named(inner, "RANGE_INTERSECT") and len(args) == 2:
        return call("dplat_range_intersect_safe", *args)
    return None


def range_calls(node: exp.Expression) -> exp.Expression | None:
    """Every correction of the module's docstring; None when ``node`` is none of them."""
    if isinstance(node, exp.Cast):
        return range_literal(node)
    if isinstance(node, exp.SafeFunc):
        return _safe(node.this)
    if not isinstance(node, exp.Anonymous):
        return None
    name, args = str(node.this).upper(), node.expressions
    if name == "RANGE" and len(args) == 2 and not node.meta.get(_SAFE):
        if any(isinstance(a, exp.Null) for a in args) or _named(args[1], "DPLAT_RANGE_END"):
            return None  # an unbounded side: nothing to check (or checked already)
        return call("RANGE", args[0], call("dplat_range_end", *args))
    if name == "RANGE_CONTAINS" and len(args) == 2:
        return call(_contains_form(args[1]), *args)
    if name == "RANGE_OVERLAPS" and len(args) == 2:
        return call("dplat_range_overlaps", *args)
    if name == "RANGE_INTERSECT" and len(args) == 2:
        return call("dplat_range_intersect", *args)
    if name == "GENERATE_RANGE_ARRAY" and len(args) == 3:
        whole = call("GENERATE_RANGE_ARRAY", args[0], args[1])
        if isinstance(args[2], exp.Boolean) and args[2].this:
            return whole  # TRUE is the 2-argument form
        return call("dplat_range_array_keep", whole, args[1], args[2])
    return None
