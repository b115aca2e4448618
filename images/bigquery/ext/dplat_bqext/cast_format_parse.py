"""``CAST(s AS DATE|DATETIME|TIME|TIMESTAMP FORMAT 'model')`` as a PARSE_* call.

The format model (cast_format.py splits it) becomes a PARSE_DATE/DATETIME/
TIME/TIMESTAMP format: ``YYYY``/``RRRR`` ``%Y``, ``YY`` ``%y`` moved into the
current century, ``MM`` ``%m``, ``MON``/``MONTH`` ``%b``/``%B`` (any case),
``DD`` ``%d``, ``HH24`` ``%H``, ``HH``/``HH12`` with ``A.M.``/``P.M.``
``%I``/``%p``, ``MI`` ``%M``, ``SS`` ``%S``, ``SS.FFn`` ``%S.%f``, ``TZH``
(``TZH:TZM``) ``%z``; literal text as itself. A year or month the model lacks
is the current one (BigQuery's rule; PARSE_* would take 1970 and January).

BigQuery's checks of the model are made here, as errors: an element twice,
an element the type lacks (``HH24`` into DATE), ``HH12`` without a meridian
indicator, ``DAY``/``DY``/``D``/``DDD``/``AM``/``PM`` (not for parsing).
Refused, with what to write instead: ``YYY``, ``Y``, ``RR``, ``Y,YYY``,
``SSSSS``, ``FFn`` not right after ``SS.``, ``TZM`` without ``TZH``.
DuckDB's strptime is a little more lenient than BigQuery about digit counts
(``MM`` takes one digit before a separator in both; before a digit BigQuery
wants two), see docs/differences.md.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from dplat_bqext.cast_format import Element, V, elements
from dplat_bqext.errors import RewriteError

PARSE_FUNCTION = {
    "DATE": "PARSE_DATE",
    "DATETIME": "PARSE_DATETIME",
    "TIME": "PARSE_TIME",
    "TIMESTAMP": "PARSE_TIMESTAMP",
}
STRFTIME = {
    "YYYY": "%Y",
    "RRRR": "%Y",
    "YY": "%y",
    "MM": "%m",
    "MON": "%b",
    "MONTH": "%B",
    "DD": "%d",
    "HH24": "%H",
    "HH": "%I",
    "HH12": "%I",
    "MI": "%M",
    "SS": "%S",
    "A.M.": "%p",
    "P.M.": "%p",
    "TZH": "%z",
}
REFUSED = {
    "YYY": "YYYY",
    "Y": "YYYY",
    "RR": "YYYY (or YY)",
    "Y,YYY": "YYYY",
    "SSSSS": "HH24:MI:SS",
    "TZM": "TZH:TZM",
}
NOT_FOR_PARSING = {"DAY", "DY", "D", "DDD", "AM", "PM"}
# Categories with at most one element in a model.
SINGLE = {"year", "month", "day", "hour", "minute", "meridian"}
# Categories a type may not be parsed with (BigQuery: "... is not allowed for output type DATE").
NOT_IN = {
    "DATE": {"hour", "minute", "second", "meridian", "zone"},
    "TIME": {"year", "month", "day", "zone"},
    "DATETIME": {"zone"},
    "TIMESTAMP": set(),
}


def check(parts: list[Element], target: str) -> None:
    """BigQuery's rules for a format model it parses with (format_model_rules_date_time)."""
    names: set[str] = set()
    categories: set[str] = set()
    for part in parts:
        if part.name is None:
            continue
        category = part.category or ""
        if part.name in NOT_FOR_PARSING or category == "other":
            raise RewriteError(f"Format element '{part.written}' is not supported for parsing")
        if category in NOT_IN[target]:
            raise RewriteError(
                f"Format element in category {category.upper()} ('{part.written}') is not allowed for "
                f"output type {target}"
            )
        if part.name in names or category in categories & SINGLE:
            raise RewriteError(
                f"Format element '{part.written}' appears more than once in the format string"
            )
        names.add(part.name)
        categories.add(category)
    twelve = names & {"HH", "HH12"}
    meridian = names & {"A.M.", "P.M."}
    if "HH24" in names and meridian:
        raise RewriteError("Format element HH24 cannot exist together with a meridian indicator")
    if bool(twelve) != bool(meridian):
        raise RewriteError(
            "Format elements HH/HH12 and a meridian indicator (A.M./P.M.) must appear together"
        )


def strptime_format(parts: list[Element]) -> str:
    """The PARSE_* format (BigQuery's spelling) of a checked model."""
    out = ""
    for i, part in enumerate(parts):
        if part.name is None:
            out += part.literal.replace("%", "%%")
            continue
        if part.name in REFUSED:
            raise RewriteError(
                f"Format element '{part.written}' in CAST(... AS <date/time type> FORMAT ...) is not supported "
                f"by this sandbox: write {REFUSED[part.name]}, or use PARSE_DATE/PARSE_DATETIME/PARSE_TIMESTAMP."
            )
        if part.name.startswith("FF"):
            if not out.endswith("%S.") or int(part.name[2]) > 6:
                raise RewriteError(
                    f"Format element '{part.written}' is supported by this sandbox only as SS.FF1 to SS.FF6: "
                    "use PARSE_TIME('%H:%M:%E*S', s) or the like."
                )
            out = out[: -len("%S.")] + "%E*S"
            continue
        if part.name == "TZH" and i + 2 < len(parts) and parts[i + 2].name == "TZM":
            if parts[i + 1].name is not None or parts[i + 1].literal not in (":", ""):
                raise RewriteError(
                    "TZH and TZM are supported by this sandbox as TZH:TZM or TZH only"
                )
            parts[i + 2] = Element(None, "", "")
            parts[i + 1] = Element(None, "", "")
        out += STRFTIME[part.name]
    return out


def parse_value(
    operand: exp.Expression, target: str, model: str, zone: exp.Expression | None, safe: bool
) -> exp.Expression:
    """CAST(operand AS target FORMAT model [AT TIME ZONE zone]) as a PARSE_* call."""
    parts = elements(model)
    check(parts, target)
    if zone is not None and target != "TIMESTAMP":
        raise RewriteError(
            f"AT TIME ZONE is only allowed in CAST of STRING to TIMESTAMP, not to {target}"
        )
    fmt = strptime_format(parts)
    names = {p.name for p in parts}
    text = V
    if target != "TIME":  # the current year and month where the model has none (BigQuery's default)
        prefix = ("" if names & {"YYYY", "RRRR", "YY"} else "%Y-") + (
            "" if names & {"MM", "MON", "MONTH"} else "%m-"
        )
        if prefix:
            fmt = prefix + fmt
            text = f"CONCAT(FORMAT_DATE('{prefix}', CURRENT_DATE()), {V})"
    if names & {"A.M.", "P.M."}:  # DuckDB's %p reads AM/PM, not A.M./P.M.
        text = f"REGEXP_REPLACE({text}, r'([AaPp])\\.([Mm])\\.', r'\\1\\2')"
    function = ("SAFE." if safe else "") + PARSE_FUNCTION[target]
    args = [exp.Literal.string(fmt).sql(dialect="bigquery"), text]
    if zone is not None:
        args.append(zone.sql(dialect="bigquery"))
    sql = f"{function}({', '.join(args)})"
    if "YY" in names:  # %y took 1969-2068; BigQuery's YY keeps the current century
        sql = _current_century(sql, target)
    tree = sqlglot.parse_one(sql, read="bigquery")
    for column in list(tree.find_all(exp.Column)):
        if column.name == V:
            column.replace(operand.copy())
    return tree


def _current_century(parsed: str, target: str) -> str:
    """``parsed`` moved by whole centuries into the current one (its last two year digits kept)."""
    shift = f"(DIV(EXTRACT(YEAR FROM CURRENT_DATE()), 100) - DIV(EXTRACT(YEAR FROM {parsed}), 100)) * 100"
    if target == "TIMESTAMP":
        local = f"DATETIME({parsed}, 'UTC')"
        return f"TIMESTAMP(DATETIME_ADD({local}, INTERVAL {shift} YEAR), 'UTC')"
    if target == "DATE":
        return f"DATE(DATETIME_ADD(DATETIME({parsed}), INTERVAL {shift} YEAR))"
    return f"DATETIME_ADD({parsed}, INTERVAL {shift} YEAR)"
