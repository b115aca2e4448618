"""\\u, \\U, \\x and octal escapes in GoogleSQL string literals, decoded in the SQL text.

SQLGlot turns only the simple escapes (\\n, \\t, \\', \\\\, ...) of a literal
into characters and keeps ``\\u00e9`` as the six characters it is written
with, so DuckDB answered ``'\\u00e9'`` for BigQuery's ``'é'`` (cases
data_types.string_escape_*). This has to happen on the text, before parsing:
in SQLGlot's tree ``'\\\\u0041'`` (a backslash, then u0041) and ``'\\u0041'``
(the letter A) look the same.

Raw (r'...') string literals are left alone; so are escapes of control
characters, which DuckDB's literals cannot hold otherwise.

Bytes literals that DuckDB cannot hold become ``FROM_HEX('..')`` of the same
bytes: a NUL or a byte of 0x80 or more (``b'\\x00\\xff'``) reached DuckDB's
parser as an escape string, which must be valid UTF-8 without NUL, and
failed with "pg_verifymbstr NOT IMPLEMENTED"; raw bytes (``rb'\\x00'``, four
bytes) SQLGlot does not read at all (cases data_types.bytes_escape_hex,
raw_bytes, bytes_length; strings.literal_bytes_escape_length). Other bytes
literals stay as written, so the rules that see a BYTES literal still do.
"""

from __future__ import annotations

import re

# GoogleSQL's escapes in a bytes literal (lexical page, escape sequences).
BYTES_ESCAPE = re.compile(r"\\([0-7]{3}|[xX][0-9a-fA-F]{2}|.)", re.DOTALL)
SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
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


def bytes_value(body: str, raw: bool) -> bytes:
    """The bytes a bytes literal's ``body`` stands for."""
    if raw:
        return body.encode()
    out = bytearray()
    position = 0
    for match in BYTES_ESCAPE.finditer(body):
        out += body[position:match.start()].encode()
        code = match.group(1)
        if len(code) == 3 and code[0] in "xX":
            out.append(int(code[1:], 16))
        elif len(code) == 3:
            out.append(int(code, 8) & 0xFF)
        else:
            out += bytes([SIMPLE_ESCAPES[code]]) if code in SIMPLE_ESCAPES else code.encode()
        position = match.end()
    out += body[position:].encode()
    return bytes(out)


def _needs_hex(value: bytes, raw: bool) -> bool:
    return raw or any(byte == 0 or byte >= 0x80 for byte in value)


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
            prefix = _prefix(sql, i)
            i = body_end + len(quote)
            if "b" in prefix:
                value = bytes_value(body, raw="r" in prefix)
                if _needs_hex(value, raw="r" in prefix):
                    del out[len(out) - len(prefix):]  # the prefix letters, one item each
                    out.append(f"FROM_HEX('{value.hex()}')")
                    continue
            elif "r" not in prefix:
                body = ESCAPE.sub(_decode, body)
            out.append(quote + body + quote)
            continue
        else:
            j = i + 1
        out.append(sql[i:j])
        i = j
    decoded = "".join(out)
    return sql if decoded == sql else decoded
