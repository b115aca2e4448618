"""JSON_ARRAY_APPEND, TO_JSON_STRING(x, true) and CONTAINS_SUBSTR over structs and arrays.

bqemulator 1.4.0 has no JSON_ARRAY_APPEND ("Function not found"), sends
TO_JSON_STRING's pretty flag to DuckDB's one-argument ``to_json`` (an
error), and translates CONTAINS_SUBSTR to ``contains(lower(x), ...)``,
which DuckDB refuses for a STRUCT. Each becomes a call of a Python function
of ours on bqemulator's DuckDB connection, made from BigQuery's
json_functions and string_functions pages:

* JSON_ARRAY_APPEND(json, path, value [, path, value ...]
  [, append_each_element => bool]) (json_functions#json_array_append):
  pairs apply left to right; a SQL ARRAY value adds each of its elements
  unless ``append_each_element => FALSE``; a path that points at a JSON
  null makes it an array of the value; a path that does not exist or does
  not end at an array leaves the document as it is. Case json.json_array_append.
* TO_JSON_STRING(value, true) (json_functions#to_json_string): the same
  text, one member or element a line, indented by two spaces. The compact
  text is re-laid token by token, so numbers keep their exact digits. Case
  json.to_json_string_pretty.
* CONTAINS_SUBSTR(struct_or_array, text) (string_functions#contains_substr):
  every field and element is searched, at any depth, not the field names;
  the search is case-insensitive after NFKC normalisation; TRUE when found,
  else NULL when a searched value is NULL, else FALSE. Case
  strings.contains_substr_struct_fields.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import call

_PATH_STEP = re.compile(
    r"\.(?:\"((?:[^\"\\]|\\.)*)\"|([^.\[]+))|\[(?:(\d+)|\"((?:[^\"\\]|\\.)*)\")\]"
)


def path_steps(path: str) -> list[str | int] | None:
    """A JSONPath (``$``, ``.key``, ``."key"``, ``[0]``, ``["key"]``) as its keys and indexes; None if malformed."""
    if not path.startswith("$"):
        return None
    steps: list[str | int] = []
    at = 1
    while at < len(path):
        match = _PATH_STEP.match(path, at)
        if match is None:
            return None
        key, bare, index, bracket_key = match.groups()
        steps.append(
            int(index) if index is not None else (key if key is not None else bare or bracket_key)
        )
        at = match.end()
    return steps


def json_array_append(document: str, path: str, value: str, each: bool) -> str:
    """``document`` with ``value`` (JSON text) appended to the array at ``path``."""
    root = json.loads(document)
    steps = path_steps(path)
    if steps is None:
        raise ValueError(f"JSON_ARRAY_APPEND: invalid JSONPath {path!r}")
    items = json.loads(value)
    items = items if each and isinstance(items, list) else [items]
    holder: Any = None
    step: str | int | None = None
    target: Any = root
    for step in steps:
        holder = target
        found = (isinstance(step, int) and isinstance(target, list) and step < len(target)) or (
            isinstance(step, str) and isinstance(target, dict) and step in target
        )
        if found:
            target = target[step]
        else:
            return document  # no such path: nothing to append to
    if isinstance(target, list):
        target.extend(items)
    elif target is None:
        if holder is None:
            root = list(items)
        else:
            holder[step] = list(items)
    else:
        return document  # not an array: the pair is ignored
    return json.dumps(root, separators=(",", ":"), ensure_ascii=False)


def json_pretty(text: str) -> str:
    """Compact JSON text laid out one member a line, two spaces an indent, ``": "`` after keys."""
    out: list[str] = []
    depth = 0
    in_string = escaped = False
    for position, char in enumerate(text):
        if in_string:
            out.append(char)
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
            continue
        if char == '"':
            in_string = True
            out.append(char)
        elif char in "[{":
            depth += 1
            closing = text[position + 1 : position + 2] in ("]", "}")
            out.append(char if closing else char + "\n" + "  " * depth)
        elif char in "]}":
            depth -= 1
            opened = text[position - 1] in "[{"
            out.append(char if opened else "\n" + "  " * depth + char)
        elif char == ",":
            out.append(",\n" + "  " * depth)
        elif char == ":":
            out.append(": ")
        elif not char.isspace():
            out.append(char)
    return "".join(out)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def contains_substr_deep(json_text: str, search: str) -> bool | None:
    """CONTAINS_SUBSTR over every value (not key) of a struct or array given as JSON text."""
    wanted = _folded(search)
    saw_null = False
    pending: list[Any] = [json.loads(json_text)]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif value is None:
            saw_null = True
        else:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if wanted in _folded(text):
                return True
    return None if saw_null else False


def json_calls(node: exp.Expression) -> exp.Expression | None:
    """The three calls as calls of the Python functions (see the module's docstring)."""
    if isinstance(node, exp.JSONArrayAppend):
        arguments = list(node.expressions)
        each = True
        if arguments and isinstance(arguments[-1], exp.Kwarg):
            flag = arguments.pop()
            each = not (isinstance(flag.expression, exp.Boolean) and flag.expression.this is False)
        document: exp.Expression = node.this
        for path, value in zip(arguments[::2], arguments[1::2], strict=False):
            array_value = (kind(value) or "").startswith("ARRAY")
            appended = call(
                "dplat_json_array_append",
                exp.JSONFormat(this=document.copy()),
                path,
                exp.JSONFormat(this=value.copy()),
                exp.Boolean(this=each and array_value),
            )
            document = exp.ParseJSON(this=appended)
        return document
    if isinstance(node, exp.JSONFormat) and isinstance(node.args.get("options"), exp.Boolean):
        plain = exp.JSONFormat(this=node.this.copy())
        return call("dplat_json_pretty", plain) if node.args["options"].this else plain
    if isinstance(node, exp.Contains) and isinstance(node.this, exp.Lower):
        searched = node.this.this
        if (kind(searched) or "").startswith(("STRUCT", "ARRAY")):
            search = (
                node.expression.this if isinstance(node.expression, exp.Lower) else node.expression
            )
            return call("dplat_contains_substr_deep", exp.JSONFormat(this=searched.copy()), search)
    return None


def register_json_functions(connection: Any) -> None:
    """Create the Python functions on a duckdb connection."""
    pure = {"side_effects": False}
    connection.create_function(
        "dplat_json_array_append",
        json_array_append,
        ["VARCHAR", "VARCHAR", "VARCHAR", "BOOLEAN"],
        "VARCHAR",
        **pure,
    )
    connection.create_function("dplat_json_pretty", json_pretty, ["VARCHAR"], "VARCHAR", **pure)
    connection.create_function(
        "dplat_contains_substr_deep",
        contains_substr_deep,
        ["VARCHAR", "VARCHAR"],
        "BOOLEAN",
        **pure,
    )
