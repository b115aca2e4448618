"""Raw-string bodies of JavaScript UDFs: ``AS r\"\"\"return x * 2;\"\"\"``.

BigQuery's JavaScript UDF examples write the body as a raw string
(https://cloud.google.com/bigquery/docs/user-defined-functions#javascript-udf-structure),
so that backslashes reach JavaScript unchanged
(https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#string_and_bytes_literals).
bqemulator's script parser unquotes only plain and triple-quoted strings and
hands ``r"..."`` to V8 with its prefix, which then fails to compile. This wraps
its ``_unquote_string``: a raw literal loses its prefix and quotes, and its
backslashes are kept as written.
"""

from __future__ import annotations

from collections.abc import Callable

_QUOTES = ('"""', "'''", '"', "'")


def unquote_raw(unquote: Callable[[str], str]) -> Callable[[str], str]:
    """``unquote`` that also reads raw literals (``r'...'``, ``R\"\"\"...\"\"\"``)."""

    def unquote_string(raw: str) -> str:
        if raw[:1] in ("r", "R"):
            body = raw[1:]
            for quote in _QUOTES:
                if len(body) >= 2 * len(quote) and body.startswith(quote) and body.endswith(quote):
                    return body[len(quote):-len(quote)]
        return unquote(raw)

    return unquote_string


def install() -> None:
    from bqemulator.scripting import parser

    parser._unquote_string = unquote_raw(parser._unquote_string)
