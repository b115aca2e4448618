"""String-function semantics and the errors BigQuery raises where DuckDB gives a value.

Each transform here replaces a call, or one argument of it, by a call of one
of our DuckDB macros (macros.py). The argument guards (``dplat_nonzero``,
``dplat_nonnegative``) keep the call itself as bqemulator translates it and
only make the bad argument raise, so operand types are DuckDB's business, not
guessed here. Sources, BigQuery's reference pages:
https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions
(SUBSTR, INSTR, LPAD/RPAD, REPEAT, CHR, UNICODE),
https://cloud.google.com/bigquery/docs/reference/standard-sql/mathematical_functions
(DIV, MOD: "Generates an error if Y is 0"),
https://cloud.google.com/bigquery/docs/reference/standard-sql/array_functions
(GENERATE_ARRAY: step 0 is an error).
"""

from __future__ import annotations

from sqlglot import exp

from dplat_bqext.calls import call, guard
from dplat_bqext.errors import RewriteError


def _is_positive_literal(node: exp.Expression | None) -> bool:
    """A literal start >= 1: DuckDB's SUBSTRING agrees with BigQuery's there."""
    return isinstance(node, exp.Literal) and node.is_number and float(node.this) >= 1


def raise_on_bad_arguments(node: exp.Expression) -> exp.Expression | None:
    """DIV/MOD by zero, GENERATE_ARRAY step 0, negative REPEAT/LPAD/RPAD lengths raise.

    Cases math.div_by_zero, math.mod_by_zero, arrays.generate_zero_step,
    strings.repeat_negative, strings.lpad_negative_length (DuckDB gave NULL,
    an empty array or an empty string).
    """
    if isinstance(node, exp.IntDiv | exp.Mod) and not _is_guarded(node.expression):
        changed = node.copy()
        changed.set("expression", guard("dplat_nonzero", node.expression,
                                        f"division by zero: {node.sql(dialect='bigquery')}"))
        return changed
    if isinstance(node, exp.GenerateSeries) and node.args.get("step") is not None:
        step = node.args["step"]
        if isinstance(step, exp.Interval) or _is_guarded(step):
            return None
        changed = node.copy()
        changed.set("step", guard("dplat_nonzero", step, "Sequence step cannot be 0."))
        return changed
    if isinstance(node, exp.Repeat) and not _is_guarded(node.args.get("times")):
        changed = node.copy()
        changed.set("times", guard("dplat_nonnegative", node.args["times"],
                                   "Second argument in REPEAT() cannot be negative"))
        return changed
    if isinstance(node, exp.Pad) and not _is_guarded(node.expression):
        name = "LPAD" if node.args.get("is_left") else "RPAD"
        changed = node.copy()
        changed.set("expression", guard("dplat_nonnegative", node.expression,
                                        f"Second argument (return_length) in {name}() cannot be negative"))
        return changed
    return None


def _is_wrapped(node: exp.Expression) -> bool:
    parent = node.parent
    return isinstance(parent, exp.Anonymous) and parent.name == "dplat_json_sql_null"


def _is_guarded(node: exp.Expression | None) -> bool:
    """True for an argument this module has wrapped already (transforms run bottom-up once)."""
    return isinstance(node, exp.Anonymous) and node.name in ("dplat_nonzero", "dplat_nonnegative")


def string_positions(node: exp.Expression) -> exp.Expression | None:
    """SUBSTR's position 0 and before-the-start, INSTR backwards, CHR(0), UNICODE('').

    Cases strings.substr_position_zero (0 is 1), strings.substr_before_start
    (a start before the first character starts at it), strings.substr_negative_length,
    strings.instr_backwards (a negative position searches from the end),
    strings.instr_position_zero (an error), strings.chr_zero_is_empty,
    strings.unicode_empty.
    """
    if isinstance(node, exp.Substring) and node.args.get("length") is not None:
        length = node.args["length"]
        if not _is_guarded(length):
            length = guard("dplat_nonnegative", length, "Third argument in SUBSTR() cannot be negative")
        start = node.args.get("start")
        if _is_positive_literal(start) or isinstance(node.this, exp.ByteString):
            if length is node.args["length"]:
                return None
            return exp.Substring(this=node.this.copy(), start=start.copy(), length=length)
        return call("dplat_substr", node.this, start, length)
    if isinstance(node, exp.StrPosition) and node.args.get("position") is not None:
        occurrence = node.args.get("occurrence") or exp.Literal.number(1)
        return call("dplat_instr", node.this, node.args["substr"], node.args["position"], occurrence)
    if isinstance(node, exp.Chr) and len(node.expressions) == 1 and not node.args.get("charset"):
        return call("dplat_chr", node.expressions[0])
    if isinstance(node, exp.Unicode):
        return call("dplat_unicode", node.this)
    return None


def json_null_and_type(node: exp.Expression) -> exp.Expression | None:
    """JSON_EXTRACT/JSON_QUERY of a JSON null in a STRING is SQL NULL; JSON_TYPE's names.

    https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions
    (#json_query: a JSON null in a JSON-formatted STRING gives SQL NULL, in a
    JSON value JSON 'null'; #json_type: object, array, string, number,
    boolean, null). Cases json.extract_json_null_is_sql_null,
    json.query_json_null_from_string, issue11.json_extract_null_is_sql_null,
    json.type_number, json.type_string.
    """
    if (isinstance(node, exp.JSONExtract) and not node.expressions and not _is_wrapped(node)
            and isinstance(node.this, exp.Literal) and node.this.is_string):
        # The extraction itself stays bqemulator's (its JSONPath rules: 0-based
        # subscripts, quoted keys); only a JSON null result is looked at, and
        # the result stays a STRING. A column is typed_any.py's: it may be
        # JSON in DuckDB where bqemulator's catalog says STRING.
        wrapped = call("dplat_json_sql_null", node)
        return exp.cast(wrapped, exp.DataType.build("STRING", dialect="bigquery"))
    if isinstance(node, exp.JSONType) and not node.args.get("expression"):
        return call("dplat_json_type", node.this)
    return None


def json_text(node: exp.Expression) -> exp.Expression | None:
    """TO_JSON_STRING(NULL) is 'null'; JSON_OBJECT's keys come out sorted.

    https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions
    (#to_json_string: a NULL value is written as null; #json_object: the JSON
    value keeps its keys in sorted order). Cases json.to_json_string_null,
    json.json_object_sorted_keys. Keys are sorted only when every key is a
    distinct string literal (BigQuery's duplicate-key rule is left alone).
    """
    if isinstance(node, exp.JSONFormat) and not (
        isinstance(node.parent, exp.Coalesce) and node.parent.this is node
    ):
        return exp.Coalesce(this=node.copy(), expressions=[exp.Literal.string("null")])
    if isinstance(node, exp.JSONObject) and len(node.expressions) > 1:
        pairs = node.expressions
        keys = [p.this for p in pairs if isinstance(p, exp.JSONKeyValue)]
        if len(keys) != len(pairs) or not all(isinstance(k, exp.Literal) and k.is_string for k in keys):
            return None
        names = [k.this for k in keys]
        if len(set(names)) != len(names) or names == sorted(names):
            return None
        changed = node.copy()
        changed.set("expressions", [p.copy() for _, p in sorted(zip(names, pairs, strict=True), key=lambda kv: kv[0])])
        return changed
    return None


def translate_source(node: exp.Expression) -> exp.Expression | None:
    """TRANSLATE refuses a source character given twice (case strings.translate_duplicate_source).

    https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions#translate
    (a repeated character in source_characters is an error). Checked for a
    literal source only; DuckDB's translate used the first mapping silently.
    """
    if not isinstance(node, exp.Translate):
        return None
    source = node.args.get("from_")
    if isinstance(source, exp.Literal) and source.is_string:
        seen: set[str] = set()
        for char in source.this:
            if char in seen:
                raise RewriteError(f'Duplicate character "{char}" in TRANSLATE source characters')
            seen.add(char)
    return None
