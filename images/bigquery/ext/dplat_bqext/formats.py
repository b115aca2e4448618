"""Format elements DuckDB's strftime/strptime lack, for FORMAT_* and PARSE_*.

bqemulator hands BigQuery's format strings to DuckDB, which refuses ``%E3S``,
``%E*S``, ``%R``, ``%k``, ``%l``, ``%C``, ``%Q``, ``%s``, ``%t``, ``%n`` and
writes ``%e`` (and so ``%c``) without BigQuery's space padding. Here:

* ``FORMAT_DATE/DATETIME/TIME/TIMESTAMP(fmt, v)`` with such an element becomes
  the concatenation of the pieces: runs of elements DuckDB formats right stay
  one FORMAT_* call, each other element is computed from ``v`` (e.g. ``%e`` is
  the day padded with a space). FORMAT_TIMESTAMP with a time zone is left to
  bqemulator's own helper.
* ``PARSE_*`` formats get the DuckDB spelling where one exists (``%R`` is
  ``%H:%M``, ``%E3S`` is ``%S.%f``, ...).

Cases: the format_elements family, time.format_r, time.parse_fraction,
datetime.format_c, datetime.parse_c, timestamp.format_s_epoch.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.time import format_time

ELEMENT = re.compile(r"%(E\*S|E\d+S|E4Y|Ez|.)", re.DOTALL)
# Elements DuckDB writes the way BigQuery does, as BigQuery spells them.
NATIVE = set("aAbBhdDFGHIjmMpSTuUVwWxXyYz%") | {"Ez"}
# Elements spelled another way, both directions.
RESPELL = {"R": "%H:%M", "E4Y": "%Y", "E0S": "%S", "n": "\n", "t": "\t"}
FORMAT_FUNCTIONS = {
    exp.TsOrDsToDate: "FORMAT_DATE",
    exp.TsOrDsToDatetime: "FORMAT_DATETIME",
    exp.TsOrDsToTime: "FORMAT_TIME",
    exp.TsOrDsToTimestamp: "FORMAT_TIMESTAMP",
}
PARSE_RESPELL = {"R": "%H:%M", "E4Y": "%Y", "E0S": "%S", "E*S": "%S.%f", "k": "%H", "l": "%I",
                 "e": "%d", "n": " ", "t": " ", "c": "%a %b %d %H:%M:%S %Y"}


def bigquery_format(internal: str) -> str:
    """A format as BigQuery spells it (SQLGlot keeps Python's spelling in the tree)."""
    return format_time(internal, BigQuery.INVERSE_TIME_MAPPING, BigQuery.INVERSE_TIME_TRIE) or internal


def _micros(v: str) -> str:
    return f"LPAD(CAST(MOD(EXTRACT(MICROSECOND FROM {v}), 1000000) AS STRING), 6, '0')"


def computed(element: str, v: str, function: str) -> str | None:
    """GoogleSQL for one element of ``v``'s text, or None when DuckDB formats it right."""
    pad = "LPAD(CAST({} AS STRING), 2, '{}')"
    if element == "e":
        return pad.format(f"EXTRACT(DAY FROM {v})", " ")
    if element == "k":
        return pad.format(f"EXTRACT(HOUR FROM {v})", " ")
    if element == "l":
        return pad.format(f"MOD(EXTRACT(HOUR FROM {v}) + 11, 12) + 1", " ")
    if element == "C":
        return pad.format(f"DIV(EXTRACT(YEAR FROM {v}), 100)", "0")
    if element == "g":
        return pad.format(f"MOD(EXTRACT(ISOYEAR FROM {v}), 100)", "0")
    if element == "Q":
        return f"CAST(EXTRACT(QUARTER FROM {v}) AS STRING)"
    if element == "s":
        ts = v if function == "FORMAT_TIMESTAMP" else f"TIMESTAMP({v})"
        return f"CAST(UNIX_SECONDS({ts}) AS STRING)"
    if re.fullmatch(r"E[1-6]S", element):
        digits = element[1]
        return f"CONCAT({function}('%S', {v}), '.', SUBSTR({_micros(v)}, 1, {digits}))"
    if element == "E*S":
        return (f"CONCAT({function}('%S', {v}), IF(MOD(EXTRACT(MICROSECOND FROM {v}), 1000000) = 0, '', "
                f"CONCAT('.', RTRIM({_micros(v)}, '0'))))")
    return None


def format_pieces(fmt: str, v: str, function: str) -> list[str] | None:
    """GoogleSQL pieces whose concatenation is ``function(fmt, v)``; None if nothing to fix."""
    fmt = fmt.replace("%c", "%a %b %e %H:%M:%S %Y")
    pieces: list[str] = []
    run = ""  # elements and text DuckDB formats right, still to be emitted
    fixed = False
    position = 0
    for match in ELEMENT.finditer(fmt):
        run += fmt[position:match.start()].replace("%", "%%")
        position = match.end()
        element = match.group(1)
        if element in RESPELL:
            run += RESPELL[element]
            fixed = True
            continue
        piece = computed(element, v, function)
        if piece is None:
            run += match.group(0)
            continue
        fixed = True
        if run:
            pieces.append(f"{function}({_quote(run)}, {v})")
            run = ""
        pieces.append(piece)
    run += fmt[position:].replace("%", "%%") if position < len(fmt) else ""
    if run:
        pieces.append(f"{function}({_quote(run)}, {v})")
    return pieces if fixed else None


def _quote(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="bigquery")


def format_elements(node: exp.Expression) -> exp.Expression | None:
    """FORMAT_* with elements DuckDB lacks: a CONCAT of pieces (see the module docstring)."""
    if not isinstance(node, exp.TimeToStr) or node.args.get("zone") is not None:
        return None
    fmt = node.args.get("format")
    function = FORMAT_FUNCTIONS.get(type(node.this))
    if function is None or not isinstance(fmt, exp.Literal) or not fmt.is_string:
        return None
    v = f"({node.this.this.sql(dialect='bigquery')})"
    pieces = format_pieces(bigquery_format(fmt.this), v, function)
    if pieces is None:
        return None
    sql = pieces[0] if len(pieces) == 1 else f"CONCAT({', '.join(pieces)})"
    return sqlglot.parse_one(sql, read="bigquery")


def parse_elements(node: exp.Expression) -> exp.Expression | None:
    """PARSE_* with elements DuckDB spells differently: the DuckDB spelling."""
    if not isinstance(node, exp.StrToDate | exp.ParseDatetime | exp.StrToTime | exp.ParseTime):
        return None
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        return None
    original = bigquery_format(fmt.this)
    respelled = ELEMENT.sub(
        lambda m: PARSE_RESPELL.get(m.group(1), "%S.%f" if re.fullmatch(r"E\d+S", m.group(1)) else m.group(0)),
        original,
    )
    if respelled == original:
        return None
    changed = node.copy()
    changed.set("format", exp.Literal.string(respelled))
    return changed
