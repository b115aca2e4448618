"""``ANY TYPE`` parameters of SQL UDFs (templated arguments).

bqemulator's script parser reads a parameter's type as one type name, so
``CREATE TEMP FUNCTION twice(x ANY TYPE) AS (x * 2)`` failed with "Expected
')', got IDENT:'TYPE'". It materialises a SQL UDF as a DuckDB MACRO, which has
untyped parameters anyway, so a templated parameter needs only to be read:
``ANY TYPE`` is taken as one type and given no declared type (None, which is
what bqemulator's REST routines.insert stores for an ANY_TYPE argument).
https://cloud.google.com/bigquery/docs/user-defined-functions#templated-sql-udf-parameters
Cases: udf.any_type_*, issue11.sql_udf_any_type.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Teach bqemulator's script parser the two-word type ``ANY TYPE``."""
    from bqemulator.scripting import parser

    read_type_name = parser.Parser._read_type_name
    parse_type = parser.parse_bq_type_string

    def read_type_name_or_any(self: Any) -> str:
        current, following = self._cursor.current, self._cursor.peek()
        if str(current.value).upper() == "ANY" and str(following.value).upper() == "TYPE":
            self._cursor.advance()
            self._cursor.advance()
            return "ANY TYPE"
        return read_type_name(self)

    def parse_type_or_any(text: str) -> dict[str, Any] | None:
        return None if text.strip().upper() == "ANY TYPE" else parse_type(text)

    parser.Parser._read_type_name = read_type_name_or_any  # type: ignore[method-assign]
    parser.parse_bq_type_string = parse_type_or_any  # type: ignore[assignment]
