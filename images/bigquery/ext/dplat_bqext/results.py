"""Values on their way out of bqemulator, as BigQuery writes them.

INTERVAL: BigQuery's canonical text is ``[sign]Y-M [sign]D [sign]H:M:S[.F]``,
one sign per part. bqemulator's ``format_bq_interval`` put one sign in front
of the whole value, so ``INTERVAL -3 HOUR`` reached the client as three hours
(``-0-0 0 3:0:0``) and ``JUSTIFY_DAYS(INTERVAL -65 DAY)`` as -2 months
*plus* 5 days. Cases: interval.literal_negative_hours, interval.interval_negate,
interval.justify_days_negative.

GEOGRAPHY: a GEOGRAPHY column of a query's result (``SELECT ST_GEOGPOINT(1, 2)``)
was typed BYTES in the response schema (DuckDB hands GEOMETRY over as WKB
binary) while its value was WKT text, so google-cloud-bigquery failed to
decode it ("Incorrect padding"). The column is typed GEOGRAPHY and the WKT is
written as BigQuery writes it: ``POINT(1 2)``, not DuckDB's ``POINT (1 2)``.
Case: geography.point_returned_as_wkt.

Arrays with a NULL element: BigQuery can compute such arrays inside a query
but refuses to write one out ("Array cannot have a null element; error in
writing field ...", https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#array_nulls).
bqemulator sent the NULL, which the client cannot decode either (a TypeError
in the client instead of BigQuery's error). A query whose result holds one
now fails with BigQuery's message. Cases: arrays.null_element_in_result,
data_types.array_with_null_element_in_result_errors,
aggregate.array_agg_null_element_errors.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

NANOS_PER_SECOND = 1_000_000_000
GEOARROW_WKB = b"geoarrow.wkb"
_SPACE_BEFORE_PAREN = re.compile(r"([A-Z]) \(")


def format_bq_interval(months: int, days: int, nanoseconds: int) -> str:
    """BigQuery's canonical INTERVAL text of a (months, days, nanoseconds) value."""
    month_sign = "-" if months < 0 else ""
    years, sub_months = divmod(abs(months), 12)
    time_sign = "-" if nanoseconds < 0 else ""
    total_seconds, fraction = divmod(abs(nanoseconds), NANOS_PER_SECOND)
    hours, rest = divmod(total_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    second_text = str(seconds)
    if fraction:
        second_text = f"{seconds}.{fraction // 1000:06d}".rstrip("0").rstrip(".")
    return f"{month_sign}{years}-{sub_months} {days} {time_sign}{hours}:{minutes}:{second_text}"


def bigquery_wkt(wkt: str) -> str:
    """DuckDB's WKT (``POINT (1 2)``) as BigQuery writes it (``POINT(1 2)``)."""
    return _SPACE_BEFORE_PAREN.sub(r"\1(", wkt)


def is_geography(field: pa.Field) -> bool:
    """Whether an Arrow field is DuckDB's GEOMETRY (the sandbox's GEOGRAPHY)."""
    metadata = field.metadata or {}
    return metadata.get(b"ARROW:extension:name") == GEOARROW_WKB or (
        metadata.get(b"bqemu.duckdb_type", b"").upper() == b"GEOMETRY"
    )


def null_element_field(values: Any, name: str) -> str | None:
    """The name of the first field whose array holds a NULL element, or None.

    ``values`` is an Arrow (chunked) array; arrays inside structs and structs
    inside arrays are searched too, as BigQuery refuses them at any depth.
    """
    kind = values.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        elements = pc.list_flatten(values)
        if elements.null_count:
            return name
        return null_element_field(elements, name)
    if pa.types.is_struct(kind):
        for index, child in enumerate(kind):
            found = null_element_field(pc.struct_field(values, [index]), child.name)
            if found is not None:
                return found
    return None


def refuse_null_elements(table: pa.Table) -> None:
    """Raise BigQuery's error when a result column holds an array with a NULL element."""
    for index, field in enumerate(table.schema):
        found = null_element_field(table.column(index), field.name)
        if found is not None:
            from bqemulator.domain.errors import InvalidQueryError

            raise InvalidQueryError(
                f"Array cannot have a null element; error in writing field {found}",
                location="query",
            )


def install() -> None:
    """Hook the three rules into bqemulator's result path (schema, values, checks)."""
    from bqemulator.jobs import executor
    from bqemulator.storage import arrow_bridge

    resolve_type = executor._resolve_bq_type
    finalize = executor._finalize_statement_result
    wkb_to_wkt = arrow_bridge.wkb_to_wkt

    def resolve_type_with_geography(field: pa.Field, inner_type: pa.DataType) -> str:
        return "GEOGRAPHY" if is_geography(field) else resolve_type(field, inner_type)

    def finalize_checked(arrow_table: pa.Table, statement_type: str, **kwargs: Any) -> Any:
        result = finalize(arrow_table, statement_type, **kwargs)
        refuse_null_elements(result[0])
        return result

    def wkb_to_bigquery_wkt(wkb: bytes) -> str:
        return bigquery_wkt(wkb_to_wkt(wkb))

    executor._resolve_bq_type = resolve_type_with_geography
    executor._finalize_statement_result = finalize_checked
    arrow_bridge.wkb_to_wkt = wkb_to_bigquery_wkt
