"""Per-type corrections for an operand whose type the rewrite cannot know.

typed.py picks BigQuery's rule by the operand's type as annotation.py
works it out: literals, casts, catalog columns and what reaches a query
through its CTEs, derived tables, joins and UNNESTs. What stays unknown (a
query parameter, a UDF's or a function's result SQLGlot does not type, a
table the catalog snapshot has no type for) used to keep DuckDB's answer
silently (issue 11: ``CAST(2.5 AS INT64)`` is 3, DuckDB's cast gives 2).
Here the choice moves to DuckDB, which knows every type when it binds the
query: the call becomes a macro that dispatches on ``typeof(x)``, with
bqemulator's own translation of the original call as the last branch. The
``typeof`` tests are constants, so DuckDB's optimizer keeps only the branch
that applies: no per-row cost. A branch that does not apply must still
bind for any ``x``, so it reads ``TRY_CAST(x AS <its type>)`` (which binds
from every type and is ``x`` itself in the branch that runs).

Only rules whose answer keeps one DuckDB type whatever ``x`` is can be
decided this way (a CASE has one type): the casts, TO_JSON_STRING, ``>>``,
INT64/STRING of JSON, JSON_EXTRACT/JSON_QUERY of a STRING, and SIGN and
ROUND, whose result types follow the operand's through a branch that never
runs (``CASE WHEN false THEN <witness>``). POW and DIV of a NUMERIC, DATE -
DATE, BYTES ``||``, BIT_COUNT, COALESCE's and array ``=``'s errors need the
type in the rewrite; docs/differences.md lists them. Cases typed_scopes.*; unit tests in
tests/unit/test_bigquery_ext_typed_any.py.
"""

from __future__ import annotations

from sqlglot import exp

from dplat_bqext.annotation import kind

_FLOATS = "typeof(x) IN ('DOUBLE', 'FLOAT')"
_INTS = "typeof(x) IN ('BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT')"
_TEXT = "typeof(x) = 'VARCHAR'"
_DECIMALS = "starts_with(typeof(x), 'DECIMAL')"


def _dispatch(*branches: tuple[str, str], witness: str = "") -> str:
    """A macro body ``(x, fallback)``: the first branch whose test holds, else ``fallback``."""
    cases = "".join(f" WHEN {test} THEN {value}" for test, value in branches)
    typed = f" WHEN false THEN {witness}" if witness else ""
    return f"(x, fallback) AS CASE{typed}{cases} ELSE fallback END"


def _cast_macros(suffix: str) -> dict[str, str]:
    """CAST (suffix '') and SAFE_CAST ('_try') by the operand's run-time type (typed.CASTS)."""
    return {
        f"dplat_any_to_int{suffix}": _dispatch(
            (_FLOATS, f"dplat_float_to_int{suffix}(TRY_CAST(x AS DOUBLE))"),
            (_TEXT, f"dplat_string_to_int{suffix}(TRY_CAST(x AS VARCHAR))"),
        ),
        f"dplat_any_to_bool{suffix}": _dispatch((_TEXT, f"dplat_string_to_bool{suffix}(TRY_CAST(x AS VARCHAR))")),
        f"dplat_any_to_string{suffix}": _dispatch(
            (_FLOATS, f"dplat_float_to_string{suffix}(TRY_CAST(x AS DOUBLE))"),
            (_DECIMALS, f"dplat_numeric_to_string{suffix}(x)"),  # works on the text of any x
        ),
        f"dplat_any_to_bytes{suffix}": _dispatch((_TEXT, f"dplat_string_to_bytes{suffix}(TRY_CAST(x AS VARCHAR))")),
    }


ANY_MACROS: dict[str, str] = {
    **_cast_macros(""),
    **_cast_macros("_try"),
    # TO_JSON_STRING: typed.JSON_ENCODERS by DuckDB type.
    # dplat_json_numeric on the NUMERIC's text: text binds from any x, and
    # no DECIMAL(p, s) it takes loses digits.
    "dplat_json_numeric_text": (
        "(s) AS coalesce(CASE WHEN contains(s, '.') OR abs(TRY_CAST(s AS HUGEINT)) > 9007199254740992"
        " THEN '\"' || s || '\"' ELSE s END, 'null')"
    ),
    "dplat_any_json": _dispatch(
        ("typeof(x) = 'BLOB'", "dplat_json_bytes(TRY_CAST(x AS BLOB))"),
        ("typeof(x) = 'TIMESTAMP WITH TIME ZONE'", "dplat_json_timestamp(TRY_CAST(x AS TIMESTAMPTZ))"),
        ("typeof(x) = 'TIMESTAMP'", "dplat_json_datetime(TRY_CAST(x AS TIMESTAMP))"),
        (_DECIMALS, "dplat_json_numeric_text(dplat_numeric_to_string(x))"),
        (_INTS, "dplat_json_int(TRY_CAST(x AS BIGINT))"),
        (_FLOATS, "dplat_json_float(TRY_CAST(x AS DOUBLE))"),
    ),
    "dplat_any_json_int64": _dispatch(("typeof(x) = 'JSON'", "dplat_json_int64(TRY_CAST(x AS JSON))")),
    "dplat_any_json_string": _dispatch(("typeof(x) = 'JSON'", "dplat_json_string(TRY_CAST(x AS JSON))")),
    # JSON_EXTRACT/JSON_QUERY of a JSON null in a STRING is SQL NULL
    # (functions.json_null_and_type), in a JSON value JSON null. A STRING
    # either way, as bqemulator's answer at the top of a query is.
    "dplat_any_json_sql_null": (
        f"(x, fallback) AS CAST(CASE WHEN {_TEXT} THEN dplat_json_sql_null(fallback) ELSE fallback END AS VARCHAR)"
    ),
    "dplat_any_json_of_extract": "(x, json_text, fallback) AS CASE WHEN typeof(x) = 'JSON' THEN json_text ELSE fallback END",
    # SIGN keeps the operand's type (x is the witness) and NaN; ROUND of an
    # INT64 is a FLOAT64, of a NUMERIC a NUMERIC: list_median's types exactly.
    "dplat_any_sign": _dispatch(("isnan(TRY_CAST(x AS DOUBLE))", "x"), witness="x"),
    "dplat_any_round": _dispatch(witness="list_median([x])"),
}
# x >> n: two operands, so its own body.
ANY_MACROS["dplat_any_shift_right"] = (
    f"(x, n, fallback) AS CASE WHEN {_INTS} THEN dplat_shift_right(TRY_CAST(x AS BIGINT), n) ELSE fallback END"
)
ANY_MACROS["dplat_any_bit_count"] = _dispatch((_INTS, "bit_count(TRY_CAST(x AS BIGINT))"))  # not 32 bits


def _refusal(test: str, what: str, answer: str, advice: str) -> str:
    """A macro ``(x, y, fallback)`` that raises when ``test`` holds (its answer would be
    of another type than BigQuery's, which no CASE can give), else is ``fallback``."""
    message = (
        f"{what} of a value whose type this sandbox learns only as the query runs (a query parameter,"
        f" a function result) is not supported: BigQuery answers {answer}; {advice}"
    )
    return f"(x, y, fallback) AS CASE WHEN {test} THEN error('{message}') ELSE fallback END"


_DECIMAL_EITHER = "starts_with(typeof(x), 'DECIMAL') OR starts_with(typeof(y), 'DECIMAL')"
ANY_MACROS.update({
    "dplat_any_pow": _refusal(_DECIMAL_EITHER, "POW of a NUMERIC", "a NUMERIC", "CAST it AS NUMERIC"),
    "dplat_any_div": _refusal(_DECIMAL_EITHER, "DIV of a NUMERIC", "a NUMERIC", "CAST it AS NUMERIC"),
    "dplat_any_minus": _refusal(
        "typeof(x) = 'DATE' AND typeof(y) = 'DATE'", "DATE - DATE", "an INTERVAL", "CAST it AS DATE, or use DATE_DIFF"
    ),
    "dplat_any_concat": _refusal(
        "typeof(x) = 'BLOB' AND typeof(y) = 'BLOB'", "BYTES || BYTES", "BYTES", "CAST it AS BYTES"
    ),
})

# Two operands, either of which may be the unknown one, and the known types
# with which the rule may still apply (a known NUMERIC, DATE, BYTES pair is typed.py's).
BINARY: dict[type[exp.Expression], tuple[str, frozenset[str]]] = {
    exp.Pow: ("dplat_any_pow", frozenset({"INT64", "FLOAT64"})),
    exp.IntDiv: ("dplat_any_div", frozenset({"INT64", "FLOAT64"})),
    exp.Sub: ("dplat_any_minus", frozenset({"DATE"})),
    exp.DPipe: ("dplat_any_concat", frozenset({"BYTES"})),
}
CALLS = (
    exp.Cast, exp.TryCast, exp.JSONFormat, exp.JSONExtract, exp.Int64, exp.String, exp.Round, exp.BitwiseRightShift,
    exp.Sign, exp.BitwiseCount, *BINARY,
)
PARAMETER = "_dplat_parameter"  # a positional parameter's column in its subquery
CAST_TARGETS = {"INT64": "int", "BOOL": "bool", "STRING": "string", "BYTES": "bytes"}


# Calls whose rule is for a JSON operand. bqemulator's catalog lists a JSON
# column made by SQL (CREATE TABLE, CTAS) as STRING while DuckDB holds JSON,
# so for these a column said to be a STRING is not trusted either.
JSON_CALLS = (exp.JSONExtract, exp.Int64, exp.String)


def _unknown(call: exp.Expression, node: object) -> bool:
    """The operand's type is unknown here (and it is not a NULL literal)."""
    if not isinstance(node, exp.Expression) or isinstance(node, exp.Null):
        return False
    operand = kind(node)
    return operand is None or (operand == "STRING" and isinstance(call, JSON_CALLS) and not node.is_string)


def _macro(node: exp.Expression) -> str | None:
    """The dispatching macro for ``node``, when it is a typed.py rule's call."""
    if isinstance(node, exp.Cast | exp.TryCast):
        to = node.args.get("to")
        target = CAST_TARGETS.get(to.sql(dialect="bigquery").upper() if to else "")
        return target and f"dplat_any_to_{target}{'_try' if isinstance(node, exp.TryCast) else ''}"
    if isinstance(node, exp.JSONFormat):
        return None if node.args.get("to_json") or node.expressions else "dplat_any_json"
    if isinstance(node, exp.JSONExtract):
        return None if node.expressions else "dplat_any_json_sql_null"
    if isinstance(node, exp.Int64 | exp.String):
        return None if node.args.get("zone") else f"dplat_any_json_{type(node).__name__.lower()}"
    if isinstance(node, exp.Round):
        return None if node.args.get("truncate") is not None else "dplat_any_round"
    if type(node) in BINARY:
        return BINARY[type(node)][0]
    return {
        exp.BitwiseRightShift: "dplat_any_shift_right", exp.Sign: "dplat_any_sign", exp.BitwiseCount: "dplat_any_bit_count"
    }.get(type(node))


def _applies(node: exp.Expression) -> bool:
    """The rule's operand is of unknown type; for BINARY, one is and the other may be its pair."""
    if type(node) not in BINARY:
        return _unknown(node, node.this)
    operands = (node.this, node.expression)
    if any(isinstance(o, exp.Null) for o in operands):
        return False
    kinds = {kind(o) for o in operands}
    return None in kinds and kinds - {None} <= BINARY[type(node)][1]


def untyped_operands(node: exp.Expression) -> exp.Expression | None:
    """The typed.py rules for an operand of unknown type, decided by DuckDB at bind time."""
    if not isinstance(node, CALLS) or node.meta.get("dplat_any_done"):
        return None
    if isinstance(node, exp.JSONFormat) and isinstance(node.this, exp.JSONExtract) and not node.expressions:
        return _json_of_extract(node)
    if not _applies(node):
        return None
    name = _macro(node)
    if name is None:
        return None
    placeholders = list(node.find_all(exp.Placeholder))
    if not placeholders:
        return _dispatched(name, node)
    if len(placeholders) == 1 and node.this is placeholders[0]:
        return _parameter_dispatched(name, node)
    return None


def _json_of_extract(node: exp.JSONFormat) -> exp.Expression | None:
    """TO_JSON_STRING(JSON_QUERY(x, path)): x a JSON value gives the JSON text, a STRING
    the quoted STRING (typed.typed_json knows a JSON x; case typed_scopes.json_null_in_json_*)."""
    extract = node.this
    if not _unknown(extract, extract.this) or extract.find(exp.Placeholder) is not None:
        return None
    fallback = node.copy()
    fallback.meta["dplat_any_done"] = True
    text = exp.Anonymous(this="dplat_json_text", expressions=[extract.copy()])
    return exp.Anonymous(this="dplat_any_json_of_extract", expressions=[extract.this.copy(), text, fallback])


def _dispatched(name: str, node: exp.Expression) -> exp.Anonymous:
    """``name(<operands>, <the call as it was>)``."""
    fallback = node.copy()
    fallback.meta["dplat_any_done"] = True
    two = isinstance(node, exp.BitwiseRightShift) or type(node) in BINARY
    operands = [node.this, node.expression] if two else [node.this]
    return exp.Anonymous(this=name, expressions=[*(o.copy() for o in operands), fallback])


def _parameter_dispatched(name: str, node: exp.Expression) -> exp.Subquery:
    """The same for a positional parameter ``?``, read once in a scalar subquery.

    Written twice, a ``?`` would take the next parameter's place (bqemulator
    binds them by position in the SQL text), so ``CAST(? AS INT64)`` becomes
    ``(SELECT dplat_any_to_int(p, CAST(p AS INT64)) FROM (SELECT ? AS p))``.
    """
    call = node.copy()
    call.set("this", exp.column(PARAMETER))
    inner = exp.select(exp.alias_(node.this.copy(), PARAMETER)).subquery()
    return exp.select(_dispatched(name, call)).from_(inner).subquery()
