"""dplat's corrections to bqemulator 1.4.0's GoogleSQL, loaded into its process at start.

bqemulator turns GoogleSQL into DuckDB SQL with SQLGlot, and for some
constructs the DuckDB SQL answers differently from BigQuery, silently
(the conformance suite, tests/conformance/bigquery/, lists them). This layer
fixes those at the right depth without editing bqemulator's files:

* ``rewrite``: transforms of the GoogleSQL syntax tree that run before
  bqemulator's own pipeline (e.g. ``TIMESTAMP_DIFF`` truncates elapsed time,
  ``DATE_DIFF(..., WEEK(MONDAY))`` counts Monday boundaries); the tree is
  typed first by SQLGlot's BigQuery rules, for the per-type ones (``typed``),
  and ``syntax``, ``format_t``, ``functions``, ``formats`` and ``net`` hold
  the rest by theme; ``cast_format`` (and ``cast_format_parse``) writes
  ``CAST ... FORMAT`` as FORMAT_*/PARSE_* calls, its model kept as written by
  a BigQuery dialect whose parser leaves it alone;
* ``net``: the NET.* functions, as Python functions on bqemulator's DuckDB
  connection; ``any_type``: ``ANY TYPE`` parameters in bqemulator's script parser;
* ``macros`` (and ``macros_more``): the DuckDB macros those transforms call, created on
  bqemulator's DuckDB connection right after its own helper functions;
* ``results``: values written out as BigQuery writes them (INTERVAL signs,
  GEOGRAPHY as WKT, no array with a NULL element);
* ``missing`` and ``json_ops``: forms bqemulator does not translate (STRING_AGG
  of BYTES, HLL_COUNT sketches, JSON_ARRAY_APPEND, ...); ``zones``: UTC offsets
  as time zones in bqemulator's Python date helpers.

``install()`` hooks both into bqemulator (``python -m dplat_bqext start ...``
does it, then runs bqemulator's own CLI). Each transform names the cases
that check it and has a unit test in tests/unit/test_bigquery_ext.py.
"""

from __future__ import annotations

from typing import Any

from dplat_bqext.macros import register_macros
from dplat_bqext.rewrite import RewriteError, rewrite

__all__ = ["RewriteError", "install", "register_macros", "rewrite"]


def install() -> None:
    """Wrap bqemulator's translator and DuckDB engine start-up with this layer."""
    from bqemulator.domain.errors import InvalidQueryError
    from bqemulator.domain.result import Err
    from bqemulator.sql.translator import SQLTranslator
    from bqemulator.storage import arrow_bridge
    from bqemulator.storage.engine import DuckDBEngine
    from bqemulator.types import interval

    from dplat_bqext import any_type, results, zones
    from dplat_bqext.bytes_ops import register_bytes_functions
    from dplat_bqext.json_ops import register_json_functions
    from dplat_bqext.net import register_net
    from dplat_bqext.results import format_bq_interval

    translate = SQLTranslator.translate
    register_udfs = DuckDBEngine._register_builtin_udfs

    def translate_rewritten(self: SQLTranslator, bq_sql: str, **kwargs: Any) -> Any:
        try:
            rewritten = rewrite(bq_sql, kwargs.get("schema"))
        except RewriteError as exc:  # BigQuery refuses this query: say so as it does
            return Err(InvalidQueryError(str(exc), location="query"))
        return translate(self, rewritten, **kwargs)

    def register_udfs_and_macros(self: DuckDBEngine) -> None:
        register_udfs(self)
        register_macros(self.connection)
        register_net(self.connection)
        register_bytes_functions(self.connection)
        register_json_functions(self.connection)

    # arrow_bridge imported the function by name: replace it in both places.
    any_type.install()
    results.install()
    zones.install()
    interval.format_bq_interval = format_bq_interval
    arrow_bridge.format_bq_interval = format_bq_interval  # type: ignore[attr-defined]
    SQLTranslator.translate = translate_rewritten  # type: ignore[method-assign]
    DuckDBEngine._register_builtin_udfs = register_udfs_and_macros  # type: ignore[method-assign]
