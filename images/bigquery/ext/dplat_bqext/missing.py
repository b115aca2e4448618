"""Forms bqemulator 1.4.0 does not translate, or translates into SQL DuckDB refuses.

Each had a conformance case that failed with an engine error (none gave a
wrong answer); each transform below names its case and BigQuery's page:

* ``STRING_AGG`` over BYTES (aggregate_functions#string_agg): DuckDB's
  ``string_agg`` takes text only, so the bytes are joined as hex and turned
  back (hex keeps the bytes' order and equality). Case aggregate.string_agg_bytes.
* ``GENERATE_ARRAY`` with a FLOAT64 or NUMERIC bound or step
  (array_functions#generate_array): DuckDB's ``generate_series`` takes
  integers only. Case arrays.generate_float_step.
* ``PARSE_TIMESTAMP('%s', ...)`` (format-elements#format_elements_date_time):
  seconds since the epoch; DuckDB's strptime has no ``%s``. Case
  format_elements.parse_s_epoch.
* ``UNNEST(...) WITH OFFSET`` without names (query-syntax#unnest_operator):
  the offset column is called ``offset``; bqemulator's 0-based offset rule
  needs the UNNEST to have an alias. And a projected offset column keeps its
  name (bqemulator's rule wrote it as ``(o - 1)``). Case
  query_syntax.unnest_offset_default_name.
* ``DELETE t WHERE ...`` (dml-syntax#delete_statement: FROM is optional):
  DuckDB needs the FROM. Case dml_ddl.delete_all_needs_where_true.
* ``MERGE ... WHEN NOT MATCHED THEN INSERT ROW`` (dml-syntax#merge_statement):
  all the source's columns by position, which is DuckDB's ``INSERT *``.
  Case dml_ddl.merge_insert_row.
* ``ARRAY_AGG(DISTINCT x IGNORE NULLS ...)`` (aggregate_functions#array_agg):
  bqemulator's IGNORE NULLS filter took ``DISTINCT x`` for ``x`` (a syntax
  error); the NULLs are dropped from DuckDB's array instead. Case
  aggregate.array_agg_distinct.
* ``HLL_COUNT.INIT / MERGE / MERGE_PARTIAL / EXTRACT`` (hll_functions):
  bqemulator rewrites only ``EXTRACT(INIT(x))`` and ``MERGE`` over INIT legs.
  Here a sketch is BYTES too, but an *exact* one: the sorted distinct values
  as JSON behind a ``dplat-hll:`` marker. So every count is exact (BigQuery's
  HLL++ is exact for small sets and estimates large ones, within its
  documented error), and a sketch made here cannot be read by BigQuery nor
  one of BigQuery's here (docs/differences.md). Cases hll.*.
"""

from __future__ import annotations

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import call
from dplat_bqext.errors import RewriteError

NUMBERS_WITH_FRACTIONS = ("FLOAT64", "NUMERIC", "BIGNUMERIC")
HLL_PRECISION = range(10, 25)  # hll_functions#hll_countinit: 10 to 24
HLL_MARKER = "dplat-hll:"

MISSING_MACROS: dict[str, str] = {
    # GENERATE_ARRAY(start, end, step) for fractional numbers: start + i * step.
    "dplat_generate_fractional": (
        "(a, b, s) AS CASE WHEN s = 0 THEN error('Sequence step cannot be 0.')"
        " ELSE list_transform(range(0, CAST(greatest(floor((b - a) / s) + 1, 0) AS BIGINT)),"
        " i -> a + i * s) END"
    ),
    "dplat_drop_null_elements": "(a) AS list_filter(a, e -> e IS NOT NULL)",
    # HLL_COUNT sketches (see the module's docstring): values, make, count.
    "dplat_hll_values": (
        f"(s) AS CASE WHEN s IS NULL THEN NULL WHEN NOT starts_with(decode(s), '{HLL_MARKER}')"
        " THEN error('HLL_COUNT: this sketch was not made by this sandbox (its sketches hold"
        " exact values and cannot read BigQuery''s)')"
        f" ELSE CAST(json(substr(decode(s), {len(HLL_MARKER) + 1})) AS VARCHAR[]) END"
    ),
    "dplat_hll_sketch": (
        f"(l) AS CASE WHEN len(l) > 0 THEN encode('{HLL_MARKER}' || CAST(to_json(list_sort(l)) AS VARCHAR)) END"
    ),
    "dplat_hll_init": "(x) AS dplat_hll_sketch(list_distinct(list(CAST(x AS VARCHAR))))",
    "dplat_hll_extract": "(s) AS coalesce(len(dplat_hll_values(s)), 0)",
    "dplat_hll_merge_partial": "(s) AS dplat_hll_sketch(list_distinct(flatten(list(dplat_hll_values(s)))))",
    "dplat_hll_merge": "(s) AS coalesce(len(list_distinct(flatten(list(dplat_hll_values(s))))), 0)",
}


def string_agg_bytes(node: exp.Expression) -> exp.Expression | None:
    """STRING_AGG(b [, delimiter]) over BYTES: joined as hex, then FROM_HEX."""
    if not isinstance(node, exp.GroupConcat) or node.meta.get("dplat_done"):
        return None
    holder = node.this
    while isinstance(holder, exp.Order | exp.Limit):  # ORDER BY / LIMIT wrap the value
        holder = holder.this
    value_key, value = (
        ("expressions", holder.expressions[0]) if isinstance(holder, exp.Distinct) else ("", holder)
    )
    separator = node.args.get("separator")
    if kind(value) != "BYTES" and not isinstance(separator, exp.ByteString):
        return None
    changed = node.copy()
    changed.meta["dplat_done"] = True
    hexed = call("TO_HEX", value)
    target = changed.this
    while isinstance(target, exp.Order | exp.Limit):
        target = target.this
    if value_key:
        target.set("expressions", [hexed])
    elif target is changed.this:
        changed.set("this", hexed)
    else:
        target.replace(hexed)
    delimiter = separator if separator is not None else exp.ByteString(this=",", is_bytes=True)
    changed.set("separator", call("TO_HEX", delimiter))
    return call("FROM_HEX", changed)


def generate_fractional(node: exp.Expression) -> exp.Expression | None:
    """GENERATE_ARRAY with a FLOAT64/NUMERIC bound or step."""
    if not isinstance(node, exp.GenerateSeries) or node.args.get("step") is None:
        return None
    parts = [node.args.get(key) for key in ("start", "end", "step")]
    kinds = [kind(part) for part in parts]
    if not any(k in NUMBERS_WITH_FRACTIONS for k in kinds):
        return None
    if (
        "FLOAT64" in kinds
    ):  # a FLOAT64 anywhere makes the array FLOAT64 (DuckDB reads 0.25 as DECIMAL)
        parts = [exp.cast(part.copy(), exp.DataType.build("DOUBLE")) for part in parts]
    return call("dplat_generate_fractional", *parts)


def parse_epoch_seconds(node: exp.Expression) -> exp.Expression | None:
    """PARSE_TIMESTAMP('%s', text): TIMESTAMP_SECONDS of the number."""
    fmt = node.args.get("format") if isinstance(node, exp.StrToTime) else None
    if not isinstance(fmt, exp.Literal) or fmt.this != "%s":
        return None
    number = exp.cast(node.this.copy(), exp.DataType.build("BIGINT"))
    return exp.UnixToTime(this=number)


def unnest_offset_names(node: exp.Expression) -> exp.Expression | None:
    """UNNEST ... WITH OFFSET: an alias for a bare UNNEST, the offset's name kept in SELECT."""
    if isinstance(node, exp.Unnest) and node.args.get("offset") and node.args.get("alias") is None:
        element = (kind(node.expressions[0]) or "") if len(node.expressions) == 1 else ""
        if not element.startswith("ARRAY<") or element.startswith("ARRAY<STRUCT"):
            return None  # unknown, or a struct's fields are the columns: no value column to name
        changed = node.copy()
        changed.set("alias", exp.TableAlias(columns=[exp.to_identifier("dplat_unnest_value")]))
        return changed
    if isinstance(node, exp.Select) and not node.meta.get("dplat_offsets_named"):
        offsets = {
            unnest.args["offset"].name.lower()
            for unnest in node.find_all(exp.Unnest)
            if isinstance(unnest.args.get("offset"), exp.Identifier)
            and unnest.parent_select is node
        }
        if not offsets:
            return None
        changed = node.copy()
        changed.meta["dplat_offsets_named"] = True
        changed.set("expressions", [_offset_named(e, offsets) for e in changed.expressions])
        return changed
    return None


def _offset_named(projection: exp.Expression, offsets: set[str]) -> exp.Expression:
    """An offset column projected as itself, named: ``o`` or bqemulator's rebased ``(o - 1)``."""
    column = projection
    if isinstance(column, exp.Paren) and isinstance(column.this, exp.Sub):
        column = column.this.this  # bqemulator rebased it to 0-based before this layer ran
    if isinstance(column, exp.Column) and column.name.lower() in offsets:
        return exp.alias_(projection, column.name, quoted=False)
    return projection


def dml_forms(node: exp.Expression) -> exp.Expression | None:
    """DELETE without FROM; MERGE's INSERT ROW as INSERT *."""
    if isinstance(node, exp.Delete) and not node.this and node.args.get("tables"):
        tables = node.args["tables"]
        if len(tables) != 1:
            return None
        changed = node.copy()
        changed.set("tables", None)
        changed.set("this", tables[0].copy())
        return changed
    row = (
        isinstance(node, exp.Insert)
        and isinstance(node.this, exp.Var)
        and node.this.name.upper() == "ROW"
    )
    if row and isinstance(node.parent, exp.When):
        changed = node.copy()
        changed.set("this", exp.Var(this="*"))
        return changed
    return None


def array_agg_distinct_ignore_nulls(node: exp.Expression) -> exp.Expression | None:
    """ARRAY_AGG(DISTINCT x IGNORE NULLS ...): DuckDB's array without its NULLs."""
    if not isinstance(node, exp.IgnoreNulls) or not isinstance(node.this, exp.ArrayAgg):
        return None
    inner = node.this.this
    while isinstance(inner, exp.Order | exp.Limit):
        inner = inner.this
    if not isinstance(inner, exp.Distinct):
        return None
    return call("dplat_drop_null_elements", node.this)


def hll_count(node: exp.Expression) -> exp.Expression | None:
    """HLL_COUNT.<function>(...) as exact sketches (see the module's docstring)."""
    if not (
        isinstance(node, exp.Dot)
        and isinstance(node.this, exp.Identifier)
        and node.this.name.upper() == "HLL_COUNT"
        and isinstance(node.expression, exp.Anonymous)
    ):
        return None
    function = node.expression.name.upper()
    arguments = node.expression.expressions
    macro = {
        "INIT": "dplat_hll_init",
        "MERGE": "dplat_hll_merge",
        "MERGE_PARTIAL": "dplat_hll_merge_partial",
        "EXTRACT": "dplat_hll_extract",
    }.get(function)
    if macro is None or not arguments:
        return None
    if function == "INIT" and len(arguments) > 1:
        precision = arguments[1]
        if not (isinstance(precision, exp.Literal) and precision.is_int):
            raise RewriteError("HLL_COUNT.INIT: precision must be an INT64 literal")
        if int(precision.this) not in HLL_PRECISION:
            raise RewriteError(
                f"HLL_COUNT.INIT: precision must be between 10 and 24, got {precision.this}"
            )
    return call(macro, arguments[0])


MISSING_TRANSFORMS = (
    string_agg_bytes,
    generate_fractional,
    parse_epoch_seconds,
    unnest_offset_names,
    dml_forms,
    array_agg_distinct_ignore_nulls,
    hll_count,
)
