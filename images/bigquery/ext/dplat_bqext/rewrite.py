"""Transforms of the GoogleSQL syntax tree, applied before bqemulator translates it.

Each transform replaces one construct that bqemulator 1.4.0 (through SQLGlot
30.11) turns into DuckDB SQL with a different answer, by GoogleSQL that it
translates right: a call of one of our DuckDB macros (macros.py), or the same
call with its arguments made explicit. The SQL is re-generated only when a
transform changed something, so every other query reaches bqemulator as the
user wrote it.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp

from dplat_bqext.annotation import annotate, kind
from dplat_bqext.bytes_ops import bytes_calls
from dplat_bqext.calls import call
from dplat_bqext.cast_format import CastFormatBigQuery, cast_format
from dplat_bqext.errors import RewriteError
from dplat_bqext.format_t import format_t
from dplat_bqext.formats import format_elements, parse_elements
from dplat_bqext.functions import (
    json_null_and_type,
    json_text,
    raise_on_bad_arguments,
    string_positions,
    translate_source,
)
from dplat_bqext.json_ops import json_calls
from dplat_bqext.literals import decode_string_escapes
from dplat_bqext.missing import MISSING_TRANSFORMS
from dplat_bqext.net import net_calls
from dplat_bqext.ordering import ORDERING_TRANSFORMS
from dplat_bqext.pivots import PIVOT_TRANSFORMS
from dplat_bqext.ranges import range_calls
from dplat_bqext.refusals import REFUSAL_TRANSFORMS
from dplat_bqext.statements import refuse_unintercepted_external_ddl
from dplat_bqext.syntax import SYNTAX_TRANSFORMS, bitwise_precedence
from dplat_bqext.typed import TYPED_TRANSFORMS
from dplat_bqext.typed_any import untyped_operands
from dplat_bqext.unsupported import refuse_unsupported

WEEKDAYS = ("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")
# TIMESTAMP_DIFF/_ADD/_SUB take these parts only (BigQuery's timestamp_functions page).
TIMESTAMP_PARTS = ("MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY")
# Format elements that set the year; without one, BigQuery's PARSE_* take 1970
# (DuckDB's strptime takes 1900).
YEAR_ELEMENTS = ("%Y", "%y", "%C", "%G", "%g", "%D", "%F", "%x", "%c", "%s", "%E4Y")


def _unit_name(unit: exp.Expression | None) -> str | None:
    """The part's name: SQLGlot keeps it as a Var, or as a string Literal in DATE_TRUNC."""
    if isinstance(unit, exp.Var) or (isinstance(unit, exp.Literal) and unit.is_string):
        return unit.name.upper()
    return None


def week_start_day(unit: exp.Expression | None) -> int | None:
    """0-6 (Sunday-Saturday) for WEEK, WEEK(<weekday>) and ISOWEEK; None for other parts."""
    if isinstance(unit, exp.WeekStart):
        return WEEKDAYS.index(unit.name.upper()) if unit.name.upper() in WEEKDAYS else None
    return {"WEEK": 0, "ISOWEEK": 1}.get(_unit_name(unit) or "")


def week_parts(node: exp.Expression) -> exp.Expression | None:
    """DATE_DIFF/DATETIME_DIFF, DATE_/DATETIME_/TIMESTAMP_TRUNC and LAST_DAY by week.

    Cases: date.diff_week_*, date.trunc_week_*, date.last_day_*week*, and the
    same in datetime and timestamp.
    """
    if not isinstance(
        node,
        exp.DateDiff
        | exp.DatetimeDiff
        | exp.DateTrunc
        | exp.DatetimeTrunc
        | exp.TimestampTrunc
        | exp.LastDay,
    ):
        return None
    day = week_start_day(node.args.get("unit"))
    if day is None:
        return None
    d = exp.Literal.number(day)
    if isinstance(node, exp.DateDiff | exp.DatetimeDiff):
        return call("dplat_week_diff", node.this, node.expression, d)
    if isinstance(node, exp.LastDay):
        return call("dplat_week_last_day", node.this, d)
    if isinstance(node, exp.TimestampTrunc) and node.args.get("zone") is not None:
        return None  # truncation in another zone: left to bqemulator
    start = call("dplat_week_start", node.this, d)
    if isinstance(node, exp.DatetimeTrunc):
        return exp.cast(start, exp.DataType.build("DATETIME", dialect="bigquery"))
    if isinstance(node, exp.TimestampTrunc):
        return exp.cast(start, exp.DataType.build("TIMESTAMP", dialect="bigquery"))
    return start


def timestamp_parts(node: exp.Expression) -> exp.Expression | None:
    """TIMESTAMP_DIFF truncates elapsed time; TIMESTAMP_ADD/SUB refuse calendar parts.

    Cases: timestamp.diff_*, timestamp.add_month_errors.
    """
    if isinstance(node, exp.TimestampDiff):
        part = _unit_name(node.args.get("unit"))
        if part not in TIMESTAMP_PARTS:
            return None
        return call("dplat_timestamp_diff", node.this, node.expression, exp.Literal.string(part))
    if isinstance(node, exp.TimestampAdd | exp.TimestampSub):
        part = _unit_name(node.args.get("unit"))
        if part is not None and part not in TIMESTAMP_PARTS:
            name = "TIMESTAMP_ADD" if isinstance(node, exp.TimestampAdd) else "TIMESTAMP_SUB"
            raise RewriteError(
                f"{name} does not support the {part} date part when the argument is TIMESTAMP type"
            )
    return None


def unix_seconds(node: exp.Expression) -> exp.Expression | None:
    """UNIX_SECONDS rounds down (case timestamp.unix_seconds*)."""
    if isinstance(node, exp.UnixSeconds):
        return call("dplat_unix_seconds", node.this)
    return None


def parse_default_year(node: exp.Expression) -> exp.Expression | None:
    """PARSE_DATE/DATETIME/TIMESTAMP without a year element take 1970.

    Cases: date.parse_month_only_defaults_1970, datetime.parse_time_only_defaults,
    format_elements.parse_day_only_defaults.
    """
    if not isinstance(node, exp.StrToDate | exp.ParseDatetime | exp.StrToTime):
        return None
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        return None
    text = fmt.this.replace("%%", "")
    if any(element in text for element in YEAR_ELEMENTS):
        return None
    changed = node.copy()
    changed.set("format", exp.Literal.string("%Y-" + fmt.this))
    changed.set("this", exp.func("CONCAT", exp.Literal.string("1970-"), node.this.copy()))
    return changed


def parse_timestamp_zone(node: exp.Expression) -> exp.Expression | None:
    """PARSE_TIMESTAMP keeps its time zone argument and its TIMESTAMP type.

    bqemulator drops the zone argument (case timestamp.parse_zone_argument)
    and types a result parsed with ``%z`` as DATETIME
    (case format_elements.parse_z_offset).
    """
    if not isinstance(node, exp.StrToTime):
        return None
    zone = node.args.get("zone")
    if zone is None:
        fmt = node.args.get("format")
        if (
            isinstance(fmt, exp.Literal)
            and "%z" in fmt.this
            and not isinstance(node.parent, exp.Cast)
        ):
            return exp.cast(node.copy(), exp.DataType.build("TIMESTAMP", dialect="bigquery"))
        return None
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal) or any(z in fmt.this for z in ("%z", "%Z", "%Ez")):
        return None  # the text names its own zone: left to bqemulator
    local = exp.ParseDatetime(this=node.this.copy(), format=fmt.copy())
    return sqlglot.parse_one(
        f"TIMESTAMP({local.sql(dialect='bigquery')}, {zone.sql(dialect='bigquery')})",
        read="bigquery",
    )


def zoned_text_and_justify(node: exp.Expression) -> exp.Expression | None:
    """STRING(ts, zone) ends with the zone's offset; JUSTIFY_INTERVAL carries into months.

    Cases timestamp.string_zone (bqemulator dropped the offset) and
    interval.justify_interval (it justified days before adding the days that
    hours carried, so 29 days 49 hours stayed 31 days 1 hour).
    """
    if isinstance(node, exp.String) and node.args.get("zone") is not None:
        return call("dplat_string_zone", node.this, node.args["zone"])
    if isinstance(node, exp.JustifyInterval):
        return exp.JustifyDays(this=exp.JustifyHours(this=node.this.copy()))
    return None


def numeric_casts(node: exp.Expression) -> exp.Expression | None:
    """CAST(x AS NUMERIC) keeps NUMERIC's 9 decimal digits (case conversion.string_to_numeric).

    SQLGlot writes a bare NUMERIC as DuckDB's DECIMAL, whose default is
    DECIMAL(18, 3): CAST('3.14159' AS NUMERIC) gave 3.142. NUMERIC is
    DECIMAL(38, 9) (BigQuery's data types page: precision 38, scale 9).
    """
    if not isinstance(node, exp.Cast | exp.TryCast):
        return None
    to = node.args.get("to")
    if not isinstance(to, exp.DataType) or to.this != exp.DataType.Type.DECIMAL or to.expressions:
        return None
    # A macro, not CAST(x AS NUMERIC(38, 9)): SQLGlot's BigQuery writer drops
    # the parameters when the operand is a string literal.
    return call(
        "dplat_try_numeric" if isinstance(node, exp.TryCast) else "dplat_numeric", node.this
    )


def dml_needs_where(node: exp.Expression) -> exp.Expression | None:
    """UPDATE and DELETE without WHERE are refused, as BigQuery does (cases
    dml_ddl.update_without_where_errors, dml_ddl.delete_without_where_errors);
    bqemulator changed every row. Statements only: MERGE's WHEN ... THEN UPDATE
    has no WHERE by design."""
    if (
        isinstance(node, exp.Update | exp.Delete)
        and node.parent is None
        and node.args.get("where") is None
    ):
        statement = "UPDATE" if isinstance(node, exp.Update) else "DELETE"
        raise RewriteError(f"{statement} must have a WHERE clause")
    return None


def arrays(node: exp.Expression) -> exp.Expression | None:
    """arr[OFFSET(i)] / arr[ORDINAL(i)] past the end raise; [..] || [..] is an ARRAY.

    Cases data_types.array_offset_out_of_range_errors (DuckDB's list index
    gives NULL past the end; BigQuery raises, only SAFE_OFFSET gives NULL) and
    issue11.array_concat_operator (``||`` of array literals became a STRING;
    only arrays whose type is known here are recognised, not a column's).
    """
    if (
        isinstance(node, exp.Bracket)
        and node.args.get("offset") in (0, 1)
        and not node.args.get("safe")
    ):
        if len(node.expressions) != 1:
            return None
        base = exp.Literal.number(node.args["offset"])
        return call("dplat_array_at", node.this, node.expressions[0], base)
    if isinstance(node, exp.DPipe) and (_is_array(node.this) or _is_array(node.expression)):
        return exp.ArrayConcat(this=node.this.copy(), expressions=[node.expression.copy()])
    return None


def _is_array(node: exp.Expression) -> bool:
    """An array literal, a typed array, or a ``||`` chain of them (operators.concat_three_arrays)."""
    if isinstance(node, exp.Array | exp.ArrayConcat) or (kind(node) or "").startswith("ARRAY"):
        return True
    return isinstance(node, exp.DPipe) and (_is_array(node.this) or _is_array(node.expression))


def div_operands(node: exp.Expression) -> exp.Expression | None:
    """DIV(a + b, c): keep the operands whole (case issue11.div_of_sum).

    SQLGlot writes DIV as DuckDB's ``//`` operator without parentheses, so
    ``DIV(7 + 3, 2)`` became ``7 + 3 // 2``.
    """
    if not isinstance(node, exp.IntDiv):
        return None
    wrap = [isinstance(a, exp.Binary) for a in (node.this, node.expression)]
    if not any(wrap):
        return None
    changed = node.copy()
    for key, needs in zip(("this", "expression"), wrap, strict=True):
        if needs:
            changed.set(key, exp.Paren(this=changed.args[key]))
    return changed


TRANSFORMS = (
    refuse_unsupported,  # first: nothing else should turn these into other calls
    *REFUSAL_TRANSFORMS,
    bitwise_precedence,  # first: the others must see the operators nested as BigQuery nests them
    cast_format,  # before the typed ones, which would see its CAST as a plain one
    untyped_operands,  # before typed.py's, which leave an untyped POW no longer a POW
    *TYPED_TRANSFORMS,
    bytes_calls,
    *MISSING_TRANSFORMS,
    *ORDERING_TRANSFORMS,
    range_calls,
    json_calls,
    *SYNTAX_TRANSFORMS,
    net_calls,
    format_t,
    week_parts,
    timestamp_parts,
    unix_seconds,
    parse_default_year,
    parse_timestamp_zone,
    zoned_text_and_justify,
    numeric_casts,
    dml_needs_where,
    arrays,
    *PIVOT_TRANSFORMS,
    div_operands,
    format_elements,
    parse_elements,
    raise_on_bad_arguments,
    string_positions,
    json_null_and_type,
    json_text,
    translate_source,
)


def rewrite(sql: str, schema: dict[str, Any] | None = None) -> str:
    """``sql`` with every transform applied; unchanged when none applies or it does not parse.

    ``schema``: bqemulator's catalog snapshot of the tables ``sql`` reads, for
    the corrections that depend on a column's type (annotation.py).
    """
    refuse_unintercepted_external_ddl(sql)
    sql = decode_string_escapes(sql)
    try:
        # CastFormatBigQuery: BigQuery, with CAST ... FORMAT kept as written (cast_format.py).
        statements = sqlglot.parse(sql, read=CastFormatBigQuery)
    except Exception:  # any parse failure: bqemulator reports it in its own words
        return sql
    if len(statements) != 1 or statements[0] is None:
        return sql  # scripts: left to bqemulator's script runner
    changed = False

    def apply(node: exp.Expression) -> exp.Expression:
        # Every transform in turn: PARSE_DATETIME('%H:%M:%E3S', s) needs two.
        nonlocal changed
        original = node
        for transform in TRANSFORMS:
            replacement = transform(node)
            if replacement is not None:
                changed = True
                node = replacement
        if node is not original:
            # SQLGlot's transform does not walk into a replacement: the
            # arguments it carries (SUBSTR(FORMAT_DATE(...), 0, 2)) are done here.
            for child in list(node.iter_expressions()):
                done = child.transform(apply, copy=False)
                if done is not child:
                    child.replace(done)
        return node

    tree = annotate(statements[0], schema).transform(apply)
    return tree.sql(dialect="bigquery") if changed else sql
