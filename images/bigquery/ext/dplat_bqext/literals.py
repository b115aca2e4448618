"""\\u, \\U, \\x and octal escapes in GoogleSQL string literals, decoded in the SQL text.

SQLGlot turns only the simple escapes (\\n, \\t, \\', \\\\, ...) of a literal
into characters and keeps ``\\u00e9`` as the six characters it is written
with, so DuckDB answered ``'\\u00e9'`` for BigQuery's ``'é'`` (cases
data_types.string_escape_*). This has to happen on the text, before parsing:
in SQLGlot's tree ``'\\\\u0041'`` (a backslash, then u0041) and ``'\\u0041'``
(the letter A) look the same.

Raw (r'...') and bytes (b'...') literals are left alone; so are escapes of
control characters, which DuckDB's literals cannot hold otherwise.
"""

from __future__ import annotations

import re

ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[0-7]{3}|.)", re.DOTALL)


def _decode(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "uUx":
        char = chr(int(code[1:], 16))
    elif code[0] in "01234567":
        char = chr(int(code, 8))
    else:
        return match.group(0)  # \n, \', \\ ...: SQLGlot handles these
    if ord(char) < 32:
        return match.group(0)
    return "\\" + char if char in "'\"\\" else char


def _skip_to(sql: str, start: int, end_token: str) -> int:
    """The index after ``end_token`` at or after ``start`` (the end of ``sql`` if none)."""
    found = sql.find(end_token, start)
    return len(sql) if found < 0 else found + len(end_token)


def _literal_end(sql: str, start: int, quote: str) -> int:
    """The index of the closing ``quote`` of a literal whose body starts at ``start``."""
    i = start
    while i < len(sql):
        if sql[i] == "\\":
            i += 2
        elif sql.startswith(quote, i):
            return i
        else:
            i += 1
    return len(sql)


def _prefix(sql: str, quote_at: int) -> str:
    """The literal's r/b prefix letters (lower case), '' when there are none."""
    k = quote_at
    while k > 0 and sql[k - 1] in "rRbB" and quote_at - k < 2:
        k -= 1
    if k > 0 and (sql[k - 1].isalnum() or sql[k - 1] == "_"):
        return ""
    return sql[k:quote_at].lower()


def decode_string_escapes(sql: str) -> str:
    """``sql`` with the \\u, \\U, \\x and octal escapes of its string literals decoded."""
    if "\\" not in sql:
        return sql
    out: list[str] = []
    i = 0
    while i < len(sql):
        if sql.startswith(("--", "#"), i):
            j = _skip_to(sql, i, "\n")
        elif sql.startswith("/*", i):
            j = _skip_to(sql, i + 2, "*/")
        elif sql[i] == "`":
            j = _skip_to(sql, i + 1, "`")
        elif sql[i] in "'\"":
            quote = sql[i] * 3 if sql.startswith(sql[i] * 3, i) else sql[i]
            body_start = i + len(quote)
            body_end = _literal_end(sql, body_start, quote)
            body = sql[body_start:body_end]
            if not set(_prefix(sql, i)) & {"r", "b"}:
                body = ESCAPE.sub(_decode, body)
            out.append(quote + body + quote)
            i = body_end + len(quote)
            continue
        else:
            j = i + 1
        out.append(sql[i:j])
        i = j
    decoded = "".join(out)
    return sql if decoded == sql else decoded
