"""Corrections by syntax alone: operator precedence, escapes, array, regexp,
geography and aggregate calls whose DuckDB form answers otherwise.

Sources, BigQuery's reference pages (https://cloud.google.com/bigquery/docs/reference/standard-sql/):
operators#operator_precedence (``<<``/``>>`` before ``&`` before ``^`` before
``|``), operators#like_operator (a backslash escapes ``%`` and ``_``),
regular_expressions#regexp_extract (at most one capturing group),
array_functions (ARRAY_CONCAT of a NULL is NULL; ARRAY_SLICE's offsets are
0-based and inclusive; GENERATE_TIMESTAMP_ARRAY is ARRAY<TIMESTAMP>),
mathematical_functions#range_bucket (the array must be sorted),
geography_functions (WKT without a space before the parenthesis; longitudes
wrap, latitudes outside [-90, 90] are an error), string_functions#format_string
(the ``'`` flag groups digits with commas), approximate_aggregate_functions
(APPROX_TOP_COUNT/SUM give ARRAY<STRUCT<value, count|sum>>),
aggregate_functions#sum (an INT64 sum that overflows is an error).
"""

from __future__ import annotations

import re

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import call
from dplat_bqext.errors import RewriteError

# Lower number = binds less tightly (BigQuery's precedence table).
BITWISE = {
    exp.BitwiseOr: 1,
    exp.BitwiseXor: 2,
    exp.BitwiseAnd: 3,
    exp.BitwiseLeftShift: 4,
    exp.BitwiseRightShift: 4,
}
FLAGS = re.compile(r"%([-+ #0']*)'([-+ #0']*)")


def _done(node: exp.Expression) -> exp.Expression:
    node.meta["dplat_done"] = True
    return node


def bitwise_precedence(node: exp.Expression) -> exp.Expression | None:
    """Re-nest a chain of ``| ^ & << >>`` by BigQuery's precedence (case operators.xor_before_or).

    SQLGlot parses all five at one level, left to right, so ``1 | 2 ^ 3``
    became ``(1 | 2) ^ 3``. The chain's operands (its left spine; a
    parenthesised operand is not part of it) are re-combined by precedence.
    """
    if type(node) not in BITWISE or (type(node.parent) in BITWISE and node.parent.this is node):
        return None
    operands: list[exp.Expression] = []
    operators: list[type[exp.Expression]] = []
    current: exp.Expression = node
    while type(current) in BITWISE:
        operators.insert(0, type(current))
        operands.insert(0, current.expression)
        current = current.this
    operands.insert(0, current)
    if len(operators) < 2:
        return None
    values = [operands[0].copy()]
    pending: list[type[exp.Expression]] = []

    def reduce() -> None:
        right = values.pop()
        values.append(pending.pop()(this=values.pop(), expression=right))

    for operator, operand in zip(operators, operands[1:], strict=True):
        while pending and BITWISE[pending[-1]] >= BITWISE[operator]:
            reduce()
        pending.append(operator)
        values.append(operand.copy())
    while pending:
        reduce()
    return None if values[0] == node else _parenthesised(values[0])


def _parenthesised(node: exp.Expression) -> exp.Expression:
    """Bitwise operands in parentheses: BigQuery's SQL text would parse back the old way."""
    for key in ("this", "expression"):
        operand = node.args[key]
        if type(operand) in BITWISE:
            node.set(key, exp.Paren(this=_parenthesised(operand)))
    return node


def like_escape(node: exp.Expression) -> exp.Expression | None:
    """``s LIKE p``: a backslash in p escapes the next character (case
    operators.like_escaped_percent; DuckDB has no default escape). Only STRING
    patterns written with a backslash: BYTES and other patterns are left alone."""
    if not isinstance(node, exp.Like) or node.meta.get("dplat_done"):
        return None
    pattern = node.expression
    literal = isinstance(pattern, exp.RawString) or (isinstance(pattern, exp.Literal) and pattern.is_string)
    if not (literal and "\\" in pattern.this):
        return None
    return call("dplat_like", node.this, pattern)


def _groups(pattern: exp.Expression | None) -> int:
    """Capturing groups of a literal pattern (0 when it is not one or does not compile)."""
    if not (isinstance(pattern, exp.RawString) or (isinstance(pattern, exp.Literal) and pattern.is_string)):
        return 0
    try:
        return re.compile(pattern.this).groups
    except re.error:
        return 0


def regexp_rules(node: exp.Expression) -> exp.Expression | None:
    """REGEXP_EXTRACT/_ALL/_INSTR refuse two capturing groups; REGEXP_INSTR a position < 1.

    Cases regexp.extract_two_groups, regexp.instr_two_groups, regexp.instr_position_zero.
    """
    if not isinstance(node, exp.RegexpExtract | exp.RegexpExtractAll | exp.RegexpInstr):
        return None
    if _groups(node.expression) > 1:
        raise RewriteError(
            "Regular expressions passed into extraction functions must not have more than 1 capturing group"
        )
    position = node.args.get("position")
    literal = isinstance(position, exp.Literal) and not position.is_string
    if isinstance(node, exp.RegexpInstr) and literal and float(position.this) < 1:
        raise RewriteError("REGEXP_INSTR: position must be positive")
    return None


def array_calls(node: exp.Expression) -> exp.Expression | None:
    """ARRAY_CONCAT with a NULL array is NULL; ARRAY_SLICE's 0-based offsets;
    GENERATE_TIMESTAMP_ARRAY of TIMESTAMPs; RANGE_BUCKET's array must be sorted.

    Cases arrays.concat_null_is_null, arrays.slice_offsets_inclusive,
    arrays.generate_timestamp_seconds, math.range_bucket_unsorted.
    """
    if isinstance(node, exp.ArrayConcat) and not node.meta.get("dplat_done"):
        operands = [a for a in [node.this, *node.expressions] if not isinstance(a, exp.Array)]
        if not operands:
            return None
        any_null = exp.or_(*[exp.Is(this=a.copy(), expression=exp.Null()) for a in operands])
        return exp.Case(ifs=[exp.If(this=any_null, true=exp.Null())], default=_done(node.copy()))
    if isinstance(node, exp.ArraySlice) and node.args.get("end") is not None and not node.args.get("step"):
        return call("dplat_array_slice", node.this, node.args["start"], node.args["end"])
    if isinstance(node, exp.GenerateTimestampArray):
        changed = node.copy()
        for key in ("start", "end"):
            value = node.args[key]
            if isinstance(value, exp.Literal) and value.is_string:
                changed.set(key, exp.cast(value.copy(), exp.DataType.build("TIMESTAMP", dialect="bigquery")))
        return None if changed == node else changed
    if isinstance(node, exp.RangeBucket) and not _is_call(node.expression, "dplat_sorted_array"):
        changed = node.copy()
        changed.set("expression", call("dplat_sorted_array", node.expression))
        return changed
    return None


def struct_tuples(node: exp.Expression) -> exp.Expression | None:
    """``[STRUCT('a' AS name, 1 AS n), ('b', 2)]``: the tuples take the first STRUCT's field names.

    BigQuery coerces the later tuples to the array's element type, the first
    STRUCT's (data-types#constructing_a_struct); DuckDB kept them unnamed, so
    ``SELECT name FROM UNNEST(...)`` found no column (case
    query_syntax.unnest_struct_fields_by_name).
    """
    if not isinstance(node, exp.Array) or len(node.expressions) < 2:
        return None
    first = node.expressions[0]
    if not isinstance(first, exp.Struct) or not all(isinstance(f, exp.PropertyEQ) for f in first.expressions):
        return None
    names = [f.this for f in first.expressions]
    rest = node.expressions[1:]
    if not any(isinstance(e, exp.Tuple) for e in rest):
        return None
    if not all(isinstance(e, exp.Struct) or (isinstance(e, exp.Tuple) and len(e.expressions) == len(names))
               for e in rest):
        return None
    elements = [first.copy()]
    for element in rest:
        if isinstance(element, exp.Tuple):
            fields = [exp.PropertyEQ(this=n.copy(), expression=v.copy()) for n, v in zip(names, element.expressions, strict=True)]
            element = exp.Struct(expressions=fields)
        elements.append(element.copy())
    changed = node.copy()
    changed.set("expressions", elements)
    return changed


def _is_call(node: exp.Expression | None, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == name


def geography_calls(node: exp.Expression) -> exp.Expression | None:
    """ST_ASTEXT writes ``POINT(1 2)``; ST_GEOGPOINT wraps longitudes, refuses bad latitudes.

    Cases geography.point_as_text, geography.from_text_roundtrip,
    geography.from_geojson, geography.makeline, geography.point_longitude_wraps,
    geography.point_latitude_out_of_range.
    """
    if not isinstance(node, exp.Anonymous) or node.meta.get("dplat_done"):
        return None
    name = node.name.upper()
    if name == "ST_ASTEXT" and len(node.expressions) == 1:
        return call("dplat_wkt", _done(node.copy()))
    if name == "ST_GEOGPOINT" and len(node.expressions) == 2:
        lon, lat = node.expressions
        return _done(exp.Anonymous(
            this=node.this, expressions=[call("dplat_longitude", lon), call("dplat_latitude", lat)]
        ))
    return None


def format_grouping(node: exp.Expression) -> exp.Expression | None:
    """FORMAT's ``'`` flag groups digits with commas (cases string_format.grouping*,
    format_elements.format_thousands; DuckDB's printf used apostrophes)."""
    if not isinstance(node, exp.Format):
        return None
    fmt = node.this
    if not (isinstance(fmt, exp.Literal) and fmt.is_string and "'" in fmt.this):
        return None
    changed = node.copy()
    changed.set("this", exp.Literal.string(FLAGS.sub(r"%\1\2,", fmt.this)))
    return None if changed.this.this == fmt.this else changed


def aggregate_calls(node: exp.Expression) -> exp.Expression | None:
    """APPROX_TOP_COUNT/SUM as arrays of structs; an INT64 SUM that overflows raises;
    STRING_AGG's LIMIT counts no NULL.

    Cases approx.top_count*, approx.top_sum*, issue11.approx_top_*_shape,
    aggregate.sum_overflow_errors. bqemulator gave the values alone, and a
    SUM beyond INT64's range as a wider integer.
    """
    if isinstance(node, exp.ApproxTopK) and node.args.get("expression") is not None:
        histogram = exp.Anonymous(this="histogram", expressions=[node.this.copy()])
        return call("dplat_top_count", histogram, node.args["expression"])
    if isinstance(node, exp.ApproxTopSum):
        values = exp.Anonymous(this="list", expressions=[node.this.copy()])
        weights = exp.Anonymous(this="list", expressions=[node.expression.copy()])
        return call("dplat_top_sum", values, weights, node.args["count"])
    if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Limit) and not node.meta.get("dplat_done"):
        # STRING_AGG(... ORDER BY x LIMIT n) skips NULLs before the limit; bqemulator
        # takes the first n of ARRAY_AGG(... ORDER BY x), NULLs first (and SQLGlot
        # cannot write NULLS LAST there): a first key `x IS NULL` puts them last
        # (case aggregate.string_agg_distinct_limit).
        order = node.this.this
        if not isinstance(order, exp.Order) or not order.expressions:
            return None
        changed = _done(node.copy())
        changed_order = changed.this.this
        first = changed_order.expressions[0].this
        null_key = exp.Ordered(this=exp.Is(this=first.copy(), expression=exp.Null()), nulls_first=True)
        changed_order.set("expressions", [null_key, *changed_order.expressions])
        return changed
    if isinstance(node, exp.Sum) and not isinstance(node.parent, exp.Window):
        summed = node
    elif isinstance(node, exp.Window) and isinstance(node.this, exp.Sum):
        summed = node.this
    else:
        return None
    if node.meta.get("dplat_done"):
        return None
    # SUM's result types (aggregate_functions#sum): INT64 stays INT64 (DuckDB's
    # HUGEINT became NUMERIC in a table a query made), INTERVAL sums part by part.
    operand = kind(summed.this)
    if operand == "INTERVAL" and summed is node:
        return call("dplat_sum_interval", summed.this)
    checked = call("dplat_checked_sum", _done(node.copy()))
    return exp.cast(checked, exp.DataType.build("BIGINT")) if operand == "INT64" else checked




def _json_path(node: exp.Expression) -> tuple[exp.Literal, str] | None:
    """The string literal at the bottom of a chain of [i], ['key'] and .name, and its JSONPath."""
    steps: list[str] = []
    while isinstance(node, exp.Bracket | exp.Dot):
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
            steps.insert(0, "." + json_key(node.expression.name))
        elif isinstance(node, exp.Bracket) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Literal):
            index = node.expressions[0]
            steps.insert(0, "." + json_key(index.this) if index.is_string else f"[{int(index.this)}]")
        else:
            return None
        node = node.this
    if not (isinstance(node, exp.Literal) and node.is_string and steps):
        return None
    return node, "$" + "".join(steps)


def json_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else '"' + name.replace('"', '\\"') + '"'


# DDL column types SQLGlot writes for DuckDB with DuckDB's defaults:
# NUMERIC as DECIMAL(18, 3), BIGNUMERIC as DECIMAL(38, 5).
DDL_DECIMALS = {exp.DataType.Type.DECIMAL: (38, 9), exp.DataType.Type.BIGDECIMAL: (38, 10)}


def ddl_decimals(node: exp.Expression) -> exp.Expression | None:
    """``CREATE TABLE t (n NUMERIC)``: NUMERIC keeps 9 decimal places, BIGNUMERIC 10.

    SQLGlot made DuckDB's default DECIMAL(18, 3) of a bare NUMERIC, so a value
    stored through SQL DDL lost its digits past the third (1.23456 read back
    1.235) while a table made through the API kept them. Precision 38, scale
    9 is NUMERIC's (data types page); BIGNUMERIC gets the scale
    typed.bignumeric_casts gives it. Also inside ARRAY<...>/STRUCT<...>.
    """
    if not isinstance(node, exp.ColumnDef) or not isinstance(node.args.get("kind"), exp.DataType):
        return None
    changed = node.copy()
    found = False
    for data_type in changed.args["kind"].find_all(exp.DataType):
        params = DDL_DECIMALS.get(data_type.this)
        if params and not data_type.expressions:
            data_type.set("expressions", [exp.DataTypeParam(this=exp.Literal.number(p)) for p in params])
            found = True
    return changed if found else None


WEEKDAYS = ("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")


def dates_and_now(node: exp.Expression) -> exp.Expression | None:
    """EXTRACT(WEEK(<weekday>)/TIME FROM d), LAST_DAY(d, ISOYEAR), CURRENT_DATETIME(): DuckDB took none.

    date_functions#extract: the week number when weeks start on <weekday>,
    0 before the year's first such day (case date.extract_week_monday);
    datetime_functions#current_datetime: now as a DATETIME, in UTC unless a
    zone is given (case datetime.current_datetime_type).
    """
    if isinstance(node, exp.Extract) and isinstance(node.this, exp.WeekStart):
        day = node.this.name.upper()
        if day in WEEKDAYS:
            return call("dplat_week_of_year", node.expression, exp.Literal.number(WEEKDAYS.index(day)))
        return None
    if isinstance(node, exp.Extract) and isinstance(node.this, exp.Var) and node.this.name.upper() == "TIME":
        # EXTRACT(TIME FROM x): x's time of day (case datetime.extract_time).
        return exp.cast(node.expression.copy(), exp.DataType.build("TIME", dialect="bigquery"))
    if isinstance(node, exp.LastDay) and isinstance(node.args.get("unit"), exp.Var) \
            and node.args["unit"].name.upper() == "ISOYEAR":
        # LAST_DAY(d, ISOYEAR): the Sunday before the next ISO year's first Monday
        # (case date.last_day_isoyear).
        return call("dplat_isoyear_last_day", node.this)
    if isinstance(node, exp.CurrentDatetime):
        now = exp.CurrentTimestamp()
        if node.this is None:
            return exp.cast(now, exp.DataType.build("DATETIME", dialect="bigquery"))
        return exp.Anonymous(this="DATETIME", expressions=[now, node.this.copy()])
    return None


def json_literal_access(node: exp.Expression) -> exp.Expression | None:
    """``JSON '...'[1]``, ``JSON '...'['a']``, ``JSON '...'.a`` read the JSON value.

    SQLGlot bound the subscript to the string (``JSON('[10, 20]'[1])``), so
    DuckDB indexed the text. Here it becomes JSON_QUERY of the JSON value with
    the same path (0-based indexes; a missing member is SQL NULL).
    Cases json.subscript_zero_based, json.subscript_key_then_index,
    json.field_access, json.field_access_missing, issue11.json_subscript_zero_based.
    """
    if not isinstance(node, exp.ParseJSON):
        return None
    found = _json_path(node.this)
    if found is None:
        return None
    literal, path = found
    json_value = exp.ParseJSON(this=literal.copy())
    return exp.JSONExtract(this=json_value, expression=exp.Literal.string(path))


SYNTAX_TRANSFORMS = (
    like_escape,
    regexp_rules,
    array_calls,
    geography_calls,
    format_grouping,
    aggregate_calls,
    json_literal_access,
    ddl_decimals,
    dates_and_now,
    struct_tuples,
)
