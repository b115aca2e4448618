"""Corrections that depend on an operand's GoogleSQL type.

Many of BigQuery's rules are per type: ``ROUND`` of an INT64 is a FLOAT64,
``CAST(2.5 AS INT64)`` rounds half away from zero but ``CAST('1.5' AS
INT64)`` is an error, ``TO_JSON_STRING`` writes BYTES as base64 and wide
INT64 as a string. DuckDB decides these by its own types, and bqemulator
hands it the call unchanged. Before the transforms run, ``annotate`` gives
every node the type SQLGlot's BigQuery rules derive for it (annotation.py):
known for literals, casts, what is computed from them and the columns of a
one-table SELECT, unknown elsewhere (a join's or subquery's columns). A
transform here acts only when the type is known: an unknown operand keeps
bqemulator's answer, which docs/differences.md lists.

Sources, BigQuery's reference pages:
https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_functions
(CAST to INT64/BOOL/STRING), .../mathematical_functions (ROUND, SIGN, POW,
DIV result types), .../json_functions#json_encodings (TO_JSON_STRING),
.../operators (``||`` of BYTES, ``>>`` shifts without sign extension, DATE -
DATE is an INTERVAL, arrays have no equality), .../bit_functions#bit_count,
.../conditional_expressions#coalesce (no common supertype is an error).
"""

from __future__ import annotations

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import call
from dplat_bqext.errors import RewriteError

NUMBERS = ("INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC")


def without_supertype(kinds: list[str | None]) -> bool:
    """Whether ``kinds`` hold a STRING and a number, which have no common supertype in
    BigQuery (conversion_rules page: no coercion between them); COALESCE, IF and CASE refuse them."""
    return "STRING" in kinds and any(k in NUMBERS for k in kinds)


def _cast(node: exp.Expression, to: str) -> exp.Cast:
    return exp.cast(node, exp.DataType.build(to, dialect="bigquery"))


# CAST(<source> AS <target>) whose DuckDB cast answers otherwise: the macro.
CASTS = {
    ("FLOAT64", "INT64"): "dplat_float_to_int",  # rounds half away from zero
    ("STRING", "INT64"): "dplat_string_to_int",  # '1.5' is an error, not 2
    ("STRING", "BOOL"): "dplat_string_to_bool",  # only 'true'/'false'
    ("FLOAT64", "STRING"): "dplat_float_to_string",  # 1.0 is '1'
    ("NUMERIC", "STRING"): "dplat_numeric_to_string",  # no trailing zeros
    ("BIGNUMERIC", "STRING"): "dplat_numeric_to_string",
    ("STRING", "BYTES"): "dplat_string_to_bytes",  # the UTF-8 bytes of any text
    ("BYTES", "STRING"): "dplat_bytes_to_string",  # UTF-8 text, an error if it is not
}


def typed_casts(node: exp.Expression) -> exp.Expression | None:
    """CAST/SAFE_CAST by source type. Cases conversion.float_to_int_rounds_half_away,
    conversion.float_string_to_int_errors, conversion.bad_string_to_bool_errors,
    conversion.float_to_string_integral, conversion.numeric_to_string,
    conversion.string_to_bytes, strings.length_bytes."""
    if not isinstance(node, exp.Cast | exp.TryCast):
        return None
    to = node.args.get("to")
    macro = CASTS.get((kind(node.this) or "", to.sql(dialect="bigquery").upper() if to else ""))
    if macro is None:
        return None
    return call(macro + ("_try" if isinstance(node, exp.TryCast) else ""), node.this)


def typed_math(node: exp.Expression) -> exp.Expression | None:
    """ROUND(INT64) is FLOAT64; SIGN, POW, DIV and ROUND(.., 'ROUND_HALF_EVEN') keep NUMERIC.

    Cases math.round_int_returns_float, math.sign_float, math.sign_numeric,
    math.pow_numeric, math.div_numeric, math.round_numeric_half_even,
    math.pow_negative_base_fraction (any type: a negative base with a
    fractional exponent is an error, DuckDB gave NaN).
    """
    if isinstance(node, exp.Round) and not node.meta.get("dplat_done"):
        operand = kind(node.this)
        changed = node.copy()
        changed.meta["dplat_done"] = True
        if operand == "INT64":
            changed.set("this", _cast(node.this, "FLOAT64"))
            return changed
        if operand == "NUMERIC" and node.args.get("truncate") is not None:
            return call("dplat_numeric", changed)
        return None
    if isinstance(node, exp.Sign):
        operand = kind(node.this)
        if operand == "FLOAT64":
            return call("dplat_float_sign", node.this)
        if operand == "NUMERIC":
            return call("dplat_numeric", call("sign", node.this))
        return None
    if isinstance(node, exp.Pow):
        power = call("dplat_pow", node.this, node.expression)
        return call("dplat_numeric", power) if kind(node.this) == "NUMERIC" else power
    if isinstance(node, exp.IntDiv) and "NUMERIC" in (kind(node.this), kind(node.expression)):
        return call("dplat_numeric_div", node.this, node.expression)
    return None


# TO_JSON_STRING(x) by x's type, when DuckDB's JSON text differs from BigQuery's.
JSON_ENCODERS = {
    "BYTES": "dplat_json_bytes",
    "TIMESTAMP": "dplat_json_timestamp",
    "DATETIME": "dplat_json_datetime",
    "NUMERIC": "dplat_json_numeric",
    "INT64": "dplat_json_int",
    "FLOAT64": "dplat_json_float",
}


def typed_json(node: exp.Expression) -> exp.Expression | None:
    """TO_JSON_STRING of a scalar as BigQuery encodes it (#json_encodings).

    Cases json.to_json_string_bytes_base64, _timestamp, _datetime,
    _numeric_fraction, _numeric_integral, _wide_int64, _float_integral, _nan.
    """
    if isinstance(node, exp.Int64 | exp.String) and kind(node.this) == "JSON" and not node.args.get("zone"):
        # INT64(JSON '"42"') and STRING(JSON '1') are errors (#int64_for_json,
        # #string_for_json); cases json.int64_of_json_string, json.string_of_json_number.
        return call("dplat_json_int64" if isinstance(node, exp.Int64) else "dplat_json_string", node.this)
    if not isinstance(node, exp.JSONFormat) or node.args.get("to_json") or node.expressions:
        return None
    extracted = isinstance(node.this, exp.JSONExtract) or (
        isinstance(node.this, exp.ParseJSON) and isinstance(node.this.this, exp.Bracket | exp.Dot)
    )  # the second: JSON '...'[1], which syntax.json_literal_access makes a JSON_QUERY
    if extracted and kind(node.this) == "JSON":
        # A JSON value extracted from JSON: its text (cases json.query_json_null_from_json,
        # issue11.json_subscript_zero_based).
        return call("dplat_json_text", node.this)
    encoder = JSON_ENCODERS.get(kind(node.this) or "")
    return call(encoder, node.this) if encoder else None


def typed_operators(node: exp.Expression) -> exp.Expression | None:
    """``||``/CONCAT of BYTES, ``>>`` of INT64, BIT_COUNT(INT64), DATE - DATE, array =.

    Cases strings.concat_bytes, operators.concat_bytes,
    operators.shift_right_no_sign_extension, bit.count_negative,
    interval.date_minus_date, arrays.array_equality_not_defined.
    """
    if isinstance(node, exp.DPipe | exp.Concat) and not isinstance(node.parent, exp.Cast):
        parts = [node.this, node.expression] if isinstance(node, exp.DPipe) else node.expressions
        if parts and all(kind(p) == "BYTES" for p in parts):
            return _cast(node.copy(), "BYTES")
        return None
    if isinstance(node, exp.BitwiseRightShift) and kind(node.this) == "INT64":
        return call("dplat_shift_right", node.this, node.expression)
    if isinstance(node, exp.BitwiseCount) and kind(node.this) == "INT64":
        return exp.BitwiseCount(this=_cast(node.this, "INT64"))
    if isinstance(node, exp.Sub) and kind(node.this) == kind(node.expression) == "DATE":
        return call("dplat_date_minus_date", node.this, node.expression)
    if isinstance(node, exp.EQ | exp.NEQ):
        for side in (node.this, node.expression):
            if (kind(side) or "").startswith("ARRAY"):
                raise RewriteError(f"Equality is not defined for arguments of type {kind(side)}")
    return None


def parse_numeric(node: exp.Expression) -> exp.Expression | None:
    """PARSE_NUMERIC takes spaces around the value and sign and ',' between digits
    (conversion_functions#parse_numeric; case conversion.parse_numeric: DuckDB's
    DECIMAL cast refused ' -1,234.50 ')."""
    if isinstance(node, exp.ParseNumeric):
        return call("dplat_parse_numeric", node.this)
    return None


def avg_of_unnest(node: exp.Expression) -> exp.Expression | None:
    """AVG of a NUMERIC element of ``UNNEST(<array>) AS x`` is NUMERIC (case
    aggregate.avg_numeric_is_numeric). bqemulator makes AVG of a NUMERIC *column*
    NUMERIC; the element of an UNNEST it cannot type, so DuckDB's DOUBLE came out."""
    if not isinstance(node, exp.Avg) or not isinstance(node.this, exp.Column) or node.this.table:
        return None
    select = node.find_ancestor(exp.Select)
    if select is None:
        return None
    for unnest in select.find_all(exp.Unnest):
        if node.this.name in unnest.alias_column_names and unnest.expressions:
            if kind(unnest.expressions[0]) == "ARRAY<NUMERIC>":
                return call("dplat_numeric", node)
            return None
    return None


def typed_coalesce(node: exp.Expression) -> exp.Expression | None:
    """COALESCE of a number and a STRING has no common supertype: an error
    (case conditional.coalesce_no_common_type; DuckDB took the first)."""
    if not isinstance(node, exp.Coalesce) or node.meta.get("dplat_internal"):
        return None
    kinds = [kind(a) for a in [node.this, *node.expressions]]
    if without_supertype(kinds):
        names = ", ".join(k or "NULL" for k in kinds)
        raise RewriteError(f"No matching signature for function COALESCE for argument types: {names}")
    return None


# BIGNUMERIC in DuckDB: at most 38 digits (BigQuery's has 76, 38 of them after
# the point). bqemulator's own choice, DECIMAL(38, 5) through SQLGlot, cut
# fractions to 5 places and reported NUMERIC; 10 places is its scale for a
# BIGNUMERIC literal, and a scale above 9 is what it reports as BIGNUMERIC.
BIGNUMERIC_SCALE = 10
DECIMAL_DIGITS = 38


def bignumeric_casts(node: exp.Expression) -> exp.Expression | None:
    """CAST(x AS BIGNUMERIC) and BIGNUMERIC literals: a DuckDB DECIMAL that holds the value.

    A literal gets the scale its digits need (case conversion.string_to_bignumeric:
    '1e-38' was 0); one that needs more than 38 digits is refused with an error
    that says so (case data_types.bignumeric_literal: a digit was dropped
    silently). Any other operand gets DECIMAL(38, 10). docs/differences.md.
    """
    if not isinstance(node, exp.Cast | exp.TryCast):
        return None
    to = node.args.get("to")
    if not isinstance(to, exp.DataType) or to.this != exp.DataType.Type.BIGDECIMAL or to.expressions:
        return None
    scale = BIGNUMERIC_SCALE
    value = node.this
    if isinstance(value, exp.Literal):
        digits = _decimal_digits(value.this)
        if digits is not None:
            whole, fraction, plain = digits
            if value.is_string:
                value = exp.Literal.string(plain)  # DuckDB reads no exponent into a DECIMAL
            scale = max(BIGNUMERIC_SCALE, fraction)
            if whole + scale > DECIMAL_DIGITS:
                raise RewriteError(
                    f"BIGNUMERIC value {value.this} has {whole} integer and {fraction} fractional digits: "
                    f"this sandbox stores BIGNUMERIC as a {DECIMAL_DIGITS}-digit DECIMAL with at least "
                    f"{BIGNUMERIC_SCALE} fractional digits, so it cannot hold it exactly (BigQuery can)"
                )
    macro = f"dplat_decimal_{scale}" + ("_try" if isinstance(node, exp.TryCast) else "")
    return call(macro, value)


def _decimal_digits(text: str) -> tuple[int, int, str] | None:
    """(integer digits, fractional digits, fixed-point text) of a decimal literal; None if not one."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    _sign, digits, exponent = number.as_tuple()
    fraction = max(0, -int(exponent))
    whole = max(0, len(digits) + int(exponent))
    return whole, fraction, f"{number:f}"


TYPED_TRANSFORMS = (
    typed_casts, bignumeric_casts, typed_math, typed_json, typed_operators, avg_of_unnest, typed_coalesce,
    parse_numeric,
)
