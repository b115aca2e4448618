"""An error the engine raised, said as the sandbox's limit, with what to do.

bqemulator maps the DuckDB errors it knows to BigQuery's words and passes the
rest on as ``Query execution failed: <DuckDB's message>``: "Parser Error:
syntax error at or near "FORMAT"" for a ``CAST(d AS STRING FORMAT '...')``
that BigQuery runs, or "Binder Error: No function matches ..." for a
function whose GoogleSQL form DuckDB has no match for. A user cannot tell
from that whether their query is wrong or the sandbox cannot run it
(issue 11: a query BigQuery runs gets BigQuery's answer or a clear error that
says this sandbox does not support it). This adds one translator after
bqemulator's own: a construct we know the sandbox lacks gets a message that
names it and the form to use instead; any other engine error keeps DuckDB's
text and says what it is. The reason stays ``invalidQuery``.
"""

from __future__ import annotations

import re
from typing import Any

# Constructs the sandbox does not run, as DuckDB reports them: (pattern, message).
KNOWN_LIMITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r'syntax error at or near "FORMAT"'),
        "CAST(... AS STRING FORMAT '...') and CAST(... AS DATE FORMAT '...') are not "
        "supported by this sandbox: use FORMAT_DATE, FORMAT_DATETIME, FORMAT_TIME or "
        "FORMAT_TIMESTAMP (or PARSE_*) with format elements, e.g. "
        "FORMAT_DATE('%d/%m/%Y', d).",
    ),
    (
        re.compile(r'syntax error at or near "ROW"'),
        "MERGE ... WHEN NOT MATCHED THEN INSERT ROW is not supported by this sandbox: "
        "name the columns, INSERT (c1, c2) VALUES (s.c1, s.c2).",
    ),
)

ENGINE_ERROR = re.compile(r"^(Parser|Binder|Not implemented) Error: ")


def sandbox_limit(raw: str, _duckdb_sql: str | None = None) -> Any:
    """The error for ``raw`` (DuckDB's message) when it is the sandbox's limit, else None."""
    from bqemulator.domain.errors import InvalidQueryError

    for pattern, message in KNOWN_LIMITS:
        if pattern.search(raw):
            return InvalidQueryError(message, location="query")
    if ENGINE_ERROR.match(raw):
        return InvalidQueryError(
            "This sandbox's engine (DuckDB, through bqemulator) cannot run this query "
            f"as it was translated: {raw.splitlines()[0]} If BigQuery runs it, it is "
            "something the sandbox does not support (docs/differences.md lists what is known).",
            location="query",
        )
    return None


def install() -> None:
    from bqemulator.jobs import error_mapper

    error_mapper._DUCKDB_TRANSLATORS = (*error_mapper._DUCKDB_TRANSLATORS, sandbox_limit)
