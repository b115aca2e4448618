"""``CAST(x AS STRING FORMAT '...')`` and ``CAST(s AS DATE|DATETIME|TIME|TIMESTAMP FORMAT '...')``.

BigQuery's format model for CAST (https://cloud.google.com/bigquery/docs/reference/standard-sql/format-elements#formatting_syntax:
``YYYY``, ``MON``, ``HH24``, ``"text"``, ...) is not the strftime model of
FORMAT_*/PARSE_*. bqemulator passed ``CAST ... FORMAT`` to DuckDB, whose
parser refused it; and SQLGlot, parsing a CAST to a temporal type, translated
the model itself, partly (``MON`` as ``%b``, so ``'DEC'`` parsed but ``MON``
never wrote ``DEC``; a DATETIME/TIME target became a TIMESTAMP). Here:

* the CAST is kept as written by ``CastFormatBigQuery``, a BigQuery dialect
  whose parser leaves CAST FORMAT alone, so the model reaches us unchanged;
* ``cast_format`` splits the model into elements as BigQuery does (longest
  element first, case-insensitive, ``"text"`` with ``\\"`` and ``\\\\``), checks
  them by BigQuery's rules (an element the type lacks, a duplicate, ``HH12``
  without a meridian indicator: errors, as in BigQuery), and writes the CAST
  as FORMAT_*/PARSE_* calls (cast_format_parse.py for the parsing side);
  formats.py then fixes their elements like any other call.

Formatting: all the documented elements of DATE, DATETIME, TIME and TIMESTAMP
(``AT TIME ZONE`` too) but ``DAY``, with BigQuery's case matching (``MON``
gives ``MAR``, ``Mon`` ``Mar``, ``mon`` ``mar``). ``DAY`` is refused: the page
pads it to 9 characters, GoogleSQL's reference implementation does not, and a
guess would be a silently different answer. Elements BigQuery does not format
(``Q``, ``WW``, ``CC``, ``SP``, ...) are errors, as in BigQuery.
A number, BYTES, or an operand whose type is not known here is refused with
the function to use instead. Cases: format_elements.cast_*.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.tokens import TokenType

from dplat_bqext.annotation import kind
from dplat_bqext.errors import RewriteError

# Every element of BigQuery's format model (its reference implementation's
# table), matched longest first on the upper-cased text.
ELEMENTS = sorted(
    (
        "YYYY",
        "YYY",
        "YY",
        "Y",
        "RRRR",
        "RR",
        "Y,YYY",
        "IYYY",
        "IYY",
        "IY",
        "I",
        "SYYYY",
        "YEAR",
        "SYEAR",
        "MM",
        "MON",
        "MONTH",
        "RM",
        "DDD",
        "DD",
        "D",
        "DAY",
        "DY",
        "J",
        "HH",
        "HH12",
        "HH24",
        "MI",
        "SS",
        "SSSSS",
        *(f"FF{n}" for n in range(1, 10)),
        "AM",
        "PM",
        "A.M.",
        "P.M.",
        "TZH",
        "TZM",
        "CC",
        "SCC",
        "Q",
        "IW",
        "WW",
        "W",
        "AD",
        "BC",
        "A.D.",
        "B.C.",
        "SP",
        "TH",
        "SPTH",
        "THSP",
        "FM",
    ),
    key=len,
    reverse=True,
)
SIMPLE_LITERALS = "-./,';:"
CATEGORY = {
    **dict.fromkeys(("YYYY", "YYY", "YY", "Y", "RRRR", "RR", "Y,YYY"), "year"),
    **dict.fromkeys(("MM", "MON", "MONTH"), "month"),
    **dict.fromkeys(("DDD", "DD", "D", "DAY", "DY"), "day"),
    **dict.fromkeys(("HH", "HH12", "HH24"), "hour"),
    "MI": "minute",
    **dict.fromkeys(("SS", "SSSSS", *(f"FF{n}" for n in range(1, 10))), "second"),
    **dict.fromkeys(("AM", "PM", "A.M.", "P.M."), "meridian"),
    **dict.fromkeys(("TZH", "TZM"), "zone"),
}
# The categories each type can be formatted with (BigQuery: "DATE does not support 'HH24'").
FORMAT_CATEGORIES = {
    "DATE": {"year", "month", "day"},
    "TIME": {"hour", "minute", "second", "meridian"},
    "DATETIME": {"year", "month", "day", "hour", "minute", "second", "meridian"},
    # TIMESTAMP takes any element at first; those it cannot format fail after ("Unsupported ...").
    "TIMESTAMP": {"year", "month", "day", "hour", "minute", "second", "meridian", "zone", "other"},
}
# A TIME is formatted as a DATETIME on 1970-01-01 (its elements show no date):
# DuckDB's strftime takes no TIME.
FORMAT_FUNCTION = {
    "DATE": "FORMAT_DATE",
    "TIME": "FORMAT_DATETIME",
    "DATETIME": "FORMAT_DATETIME",
    "TIMESTAMP": "FORMAT_DATETIME",
}
V = "__dplat_cast_value__"  # stands for the operand in the SQL written below


class Element:
    """One element of a format model: its upper-cased name (or None for
    literal text), the text as written, and the literal output."""

    def __init__(self, name: str | None, written: str, literal: str = "") -> None:
        self.name, self.written, self.literal = name, written, literal

    @property
    def category(self) -> str | None:
        return CATEGORY.get(self.name or "", "other" if self.name else None)


def elements(model: str) -> list[Element]:
    """``model`` split into elements the way BigQuery splits it; an error where it cannot."""
    out: list[Element] = []
    upper, i = model.upper(), 0
    while i < len(model):
        ch = model[i]
        if ch in SIMPLE_LITERALS and not upper.startswith(("A.M.", "P.M.", "A.D.", "B.C."), i):
            out.append(Element(None, ch, ch))
            i += 1
        elif ch == " ":
            j = i
            while j < len(model) and model[j] == " ":
                j += 1
            out.append(Element(None, model[i:j], model[i:j]))
            i = j
        elif ch == '"':
            text, j = "", i + 1
            while j < len(model) and model[j] != '"':
                if model[j] == "\\":
                    if j + 1 >= len(model) or model[j + 1] not in '"\\':
                        raise RewriteError(
                            f"Unsupported escape sequence in text of format string '{model}'"
                        )
                    j += 1
                text += model[j]
                j += 1
            if j >= len(model):
                raise RewriteError(
                    f"Cannot find matching \" for quoted literal in format string '{model}'"
                )
            out.append(Element(None, model[i : j + 1], text))
            i = j + 1
        else:
            name = next((e for e in ELEMENTS if upper.startswith(e, i)), None)
            if name is None:
                raise RewriteError(
                    f"Cannot find matched format element at {i} in format string '{model}'"
                )
            out.append(Element(name, model[i : i + len(name)]))
            i += len(name)
    return out


def cased(element: Element, sql: str) -> str:
    """BigQuery's case matching: 'MON' upper, 'Mon' as written by %b, 'mon' lower."""
    first, second = element.written[0], element.written[1:2]
    if first.islower():
        return f"LOWER({sql})"
    if element.category == "meridian" or not second.isalpha() or second.isupper():
        return f"UPPER({sql})"
    return sql


def element_sql(element: Element, function: str) -> str:
    """GoogleSQL giving one element's text of the value V (a DATE, DATETIME or TIME)."""
    name = element.name
    fmt = {
        "YY": "%y",
        "RR": "%y",
        "MM": "%m",
        "MON": "%b",
        "MONTH": "%B",
        "DD": "%d",
        "DDD": "%j",
        "DY": "%a",
        "HH": "%I",
        "HH12": "%I",
        "HH24": "%H",
        "MI": "%M",
        "SS": "%S",
    }.get(name or "")
    if fmt is not None:
        sql = f"{function}('{fmt}', {V})"
        return cased(element, sql) if name in ("MON", "MONTH", "DY") else sql
    year = f"EXTRACT(YEAR FROM {V})"
    if name in ("YYYY", "RRRR"):
        return f"LPAD(CAST({year} AS STRING), 4, '0')"
    if name == "YYY":
        return f"LPAD(CAST(MOD({year}, 1000) AS STRING), 3, '0')"
    if name == "Y":
        return f"CAST(MOD({year}, 10) AS STRING)"
    if name == "D":  # 1 (Sunday) to 7
        return f"CAST(CAST({function}('%w', {V}) AS INT64) + 1 AS STRING)"
    if name == "SSSSS":
        seconds = f"EXTRACT(HOUR FROM {V}) * 3600 + EXTRACT(MINUTE FROM {V}) * 60 + EXTRACT(SECOND FROM {V})"
        return f"LPAD(CAST({seconds} AS STRING), 5, '0')"
    if name and name.startswith("FF"):  # truncated, as GoogleSQL's FormatTime does (%E<n>f)
        digits = int(name[2])
        micros = f"LPAD(CAST(MOD(EXTRACT(MICROSECOND FROM {V}), 1000000) AS STRING), 6, '0')"
        return (
            f"SUBSTR({micros}, 1, {digits})"
            if digits <= 6
            else f"CONCAT({micros}, '{'0' * (digits - 6)}')"
        )
    if element.category == "meridian":
        am, pm = ("A.M.", "P.M.") if "." in name else ("AM", "PM")  # type: ignore[operator]
        return cased(element, f"IF(EXTRACT(HOUR FROM {V}) < 12, '{am}', '{pm}')")
    if name in ("TZH", "TZM"):
        offset = f"DATETIME_DIFF({V}, DATETIME(__dplat_cast_ts__, 'UTC'), MINUTE)"
        if name == "TZM":
            return f"LPAD(CAST(MOD(ABS({offset}), 60) AS STRING), 2, '0')"
        sign = f"IF({offset} < 0, '-', '+')"
        return f"CONCAT({sign}, LPAD(CAST(DIV(ABS({offset}), 60) AS STRING), 2, '0'))"
    if name == "DAY":
        raise RewriteError(
            "CAST(... AS STRING FORMAT 'DAY') is not supported by this sandbox: BigQuery's documentation "
            "pads the day name to 9 characters and GoogleSQL's reference implementation does not, so its "
            "answer is not known here. Use FORMAT_DATE('%A', d) (or RPAD(FORMAT_DATE('%A', d), 9)), with "
            "UPPER() for 'DAY'."
        )
    raise RewriteError(f"Unsupported format element '{element.written}' in CAST ... FORMAT")


def format_value(
    operand: exp.Expression, type_name: str, model: str, zone: exp.Expression | None
) -> exp.Expression:
    """CAST(<type_name> AS STRING FORMAT model) as a CONCAT of FORMAT_* pieces."""
    parts = elements(model)
    for part in parts:
        if part.category is not None and part.category not in FORMAT_CATEGORIES[type_name]:
            raise RewriteError(f"{type_name} does not support '{part.written}' in CAST ... FORMAT")
    function = FORMAT_FUNCTION[type_name]
    pieces = [
        exp.Literal.string(p.literal).sql(dialect="bigquery")
        if p.name is None
        else element_sql(p, function)
        for p in parts
    ]
    sql = "''" if not pieces else pieces[0] if len(pieces) == 1 else f"CONCAT({', '.join(pieces)})"
    tree = sqlglot.parse_one(f"IF({V} IS NULL, NULL, {sql})", read="bigquery")
    value = operand
    if type_name == "TIMESTAMP":
        zone_sql = zone if zone is not None else exp.Literal.string("UTC")
        value = exp.Anonymous(this="DATETIME", expressions=[operand.copy(), zone_sql.copy()])
    elif type_name == "TIME":
        value = exp.Anonymous(
            this="DATETIME",
            expressions=[exp.cast(exp.Literal.string("1970-01-01"), "DATE"), operand.copy()],
        )
    for column in list(tree.find_all(exp.Column)):
        if column.name == V:
            column.replace(value.copy())
        elif column.name == "__dplat_cast_ts__":
            column.replace(operand.copy())
    return tree


def cast_format(node: exp.Expression) -> exp.Expression | None:
    """CAST ... FORMAT as FORMAT_*/PARSE_* calls (see the module docstring)."""
    from dplat_bqext.cast_format_parse import parse_value

    if not isinstance(node, exp.Cast) or node.args.get("format") is None:
        return None
    fmt, zone = node.args["format"], None
    if isinstance(fmt, exp.AtTimeZone):
        fmt, zone = fmt.this, fmt.args.get("zone")
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        raise RewriteError(
            "CAST ... FORMAT with a format that is not a string literal is not supported by "
            "this sandbox: write the format as a literal."
        )
    target = node.to.sql(dialect="bigquery").upper()
    if target in ("DATE", "DATETIME", "TIME", "TIMESTAMP"):
        return parse_value(node.this, target, fmt.this, zone, safe=isinstance(node, exp.TryCast))
    operand = kind(node.this)
    if target == "STRING" and operand in FORMAT_FUNCTION:
        if zone is not None and operand != "TIMESTAMP":
            raise RewriteError(f"AT TIME ZONE is not allowed in CAST of {operand} to STRING FORMAT")
        return format_value(node.this, operand, fmt.this, zone)
    if target == "STRING" and operand in ("INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC"):
        raise RewriteError(
            "CAST(<number> AS STRING FORMAT '...') is not supported by this sandbox: use FORMAT() with a "
            "printf-style format instead, e.g. FORMAT('%.2f', x) or FORMAT(\"%'d\", x)."
        )
    if target != "STRING" and target != "BYTES":
        raise RewriteError(f"CAST(... AS {target} FORMAT '...') is not supported by this sandbox.")
    if operand == "BYTES" or target == "BYTES":
        raise RewriteError(
            "CAST ... FORMAT between BYTES and STRING is not supported by this sandbox: use TO_HEX, "
            "FROM_HEX, TO_BASE64, FROM_BASE64, or CAST without FORMAT for UTF-8."
        )
    raise RewriteError(
        "CAST(... AS STRING FORMAT '...') needs an operand whose type this sandbox can tell: cast it "
        "first, e.g. CAST(CAST(x AS DATE) AS STRING FORMAT 'YYYY-MM-DD')."
    )


class CastFormatBigQuery(BigQuery):
    """BigQuery, except that CAST(s AS DATE ... FORMAT 'model') stays a CAST with its model.

    SQLGlot's parser makes a StrToDate/StrToTime of it with the model half
    translated (and a TIMESTAMP of a DATETIME or TIME target); cast_format
    needs the model as written and the type.
    """

    class Parser(BigQuery.Parser):
        def _parse_cast(self, strict: bool, safe: bool | None = None) -> exp.Expression:
            start = self._index
            node = super()._parse_cast(strict, safe)
            if not isinstance(node, exp.StrToDate | exp.StrToTime):
                return node
            tokens = self._tokens[start : self._index]
            at = max(
                (i for i, t in enumerate(tokens) if t.token_type == TokenType.FORMAT), default=None
            )
            if at is None or at == 0 or at + 1 >= len(tokens):
                return node
            string = (
                tokens[at + 2] if tokens[at + 1].token_type == TokenType.L_PAREN else tokens[at + 1]
            )
            model: exp.Expression = exp.Literal.string(string.text)
            if node.args.get("zone") is not None:
                model = exp.AtTimeZone(this=model, zone=node.args["zone"])
            to = exp.DataType.build(tokens[at - 1].text, dialect="bigquery")
            return self.build_cast(strict=strict, this=node.this, to=to, format=model, safe=safe)
