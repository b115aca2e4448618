"""FORMAT's ``%t`` and ``%T``: a value's text, and the value as a GoogleSQL literal.

DuckDB's printf has neither (bqemulator hands FORMAT to it), so each ``%t``/
``%T`` becomes ``%s`` with its argument replaced by the text BigQuery prints
(https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions#format_string:
``%t`` prints NULL as ``NULL``, ``%T`` quotes strings, a STRUCT is
``(field, ...)``). The text is built only for types whose rule is clear here
(by the operand's type, typed.py): STRING, INT64, BOOL for both; FLOAT64,
NUMERIC, DATE and ARRAY<INT64> for ``%t``; STRUCT literals of those. Other
types keep DuckDB's error.

Cases: string_format.t_*, string_format.upper_t_*, format_elements.format_t_date,
format_elements.format_upper_t_string.
"""

from __future__ import annotations

import re

from sqlglot import exp

from dplat_bqext.annotation import kind

ELEMENT = re.compile(r"%%|%([-+ #0']*)(\d+|\*)?(\.(?:\d+|\*))?([a-zA-Z])")
PLAIN = ("FLOAT64", "NUMERIC", "DATE", "ARRAY<INT64>")  # %t as CAST(x AS STRING)


def _concat(*parts: exp.Expression) -> exp.Expression:
    return exp.Concat(expressions=list(parts))


def _field_value(field: exp.Expression) -> exp.Expression:
    """A STRUCT literal's field value: ``1 AS a`` is a PropertyEQ (name = value) or an Alias."""
    if isinstance(field, exp.PropertyEQ):
        return field.expression
    return field.this if isinstance(field, exp.Alias) else field


def _text(arg: exp.Expression, literal: bool) -> exp.Expression | None:
    """GoogleSQL giving ``arg``'s %t (``literal``: %T) text, or None when not known here."""
    if isinstance(arg, exp.Null):
        return exp.Literal.string("NULL")
    if isinstance(arg, exp.Struct):
        fields = [_text(_field_value(f), literal) for f in arg.expressions]
        if not fields or any(f is None for f in fields):
            return None
        parts: list[exp.Expression] = [exp.Literal.string("(")]
        for i, field in enumerate(fields):
            parts += [exp.Literal.string(", ")] * (i > 0) + [field]  # type: ignore[list-item]
        return _concat(*parts, exp.Literal.string(")"))
    operand = kind(arg)
    if operand == "STRING":
        text: exp.Expression = arg.copy()
        if literal:
            escaped = exp.Anonymous(this="REPLACE", expressions=[
                exp.Anonymous(this="REPLACE", expressions=[arg.copy(), exp.Literal.string("\\"),
                                                          exp.Literal.string("\\\\")]),
                exp.Literal.string('"'), exp.Literal.string('\\"')])
            text = _concat(exp.Literal.string('"'), escaped, exp.Literal.string('"'))
    elif operand and operand.startswith("ARRAY") and not literal and operand in PLAIN:
        text = exp.Anonymous(this="dplat_text", expressions=[arg.copy()])  # DuckDB's '[1, 2]'
    elif operand in ("INT64", "BOOL") or (not literal and operand in PLAIN):
        text = exp.cast(arg.copy(), exp.DataType.build("STRING", dialect="bigquery"))
    else:
        return None
    coalesced = exp.Coalesce(this=text, expressions=[exp.Literal.string("NULL")])
    coalesced.meta["dplat_internal"] = True
    return coalesced


def format_t(node: exp.Expression) -> exp.Expression | None:
    """FORMAT('..%t..', x) as FORMAT('..%s..', <x's text>)."""
    if not isinstance(node, exp.Format) or not isinstance(node.this, exp.Literal) or not node.this.is_string:
        return None
    fmt, args = node.this.this, list(node.expressions)
    pieces: list[str] = []
    position, index, changed = 0, 0, False
    for match in ELEMENT.finditer(fmt):
        if match.group(0) == "%%":
            continue
        if "*" in match.group(0) or index >= len(args):
            return None
        if match.group(4) in "tT":
            text = _text(args[index], literal=match.group(4) == "T")
            if text is None:
                return None
            args[index] = text
            pieces.append(fmt[position:match.start()] + "%" + (match.group(1) or "") + (match.group(2) or "") + "s")
            position, changed = match.end(), True
        index += 1
    if not changed:
        return _plain_s(node)
    fmt = "".join(pieces) + fmt[position:]
    # FORMAT('%s', x) reaches DuckDB as '{}' (SQLGlot/bqemulator): the text is the answer.
    return args[0] if fmt == "%s" and len(args) == 1 else exp.Format(this=exp.Literal.string(fmt), expressions=args)


def _plain_s(node: exp.Format) -> exp.Expression | None:
    """FORMAT('%s', <STRING>) is the string (bqemulator answered '{}')."""
    if node.this.this == "%s" and len(node.expressions) == 1 and kind(node.expressions[0]) == "STRING":
        return node.expressions[0].copy()
    return None
