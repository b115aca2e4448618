"""An external table's ``externalDataConfiguration`` as the DuckDB reader of its files.

Every key of the configuration is either implemented here or refused with an
``invalidQuery`` error naming it: an option that changed how BigQuery reads
the files and was ignored here would give a silently different table
(issue 11). The keys and what they become (DuckDB's ``read_csv`` parameters,
https://duckdb.org/docs/data/csv/overview):

* ``sourceFormat``, ``sourceUris``, ``schema``, ``autodetect`` (the schema is
  read from the files when none is declared, whatever its value);
* ``compression``: ``NONE``, or ``GZIP`` for CSV and JSON;
* ``maxBadRecords``: 0 only (a bad record fails the query, as BigQuery's default);
* ``ignoreUnknownValues``: false only;
* ``csvOptions``: ``skipLeadingRows`` (that many rows skipped, none read as a
  header: columns match the schema by position), ``fieldDelimiter``,
  ``quote`` (``""``: no quoting), ``allowQuotedNewlines`` (true only: DuckDB
  always reads them), ``allowJaggedRows`` (missing trailing columns are NULL),
  ``nullMarker``, ``encoding`` (UTF-8 or ISO-8859-1);
* ``jsonOptions``: ``encoding`` UTF-8 only.

Anything else (``hivePartitioningOptions``, ``connectionId``,
``metadataCacheMode``, ``parquetOptions``, ``avroOptions``, ...) is refused.
"""

from __future__ import annotations

from typing import Any

from bqemulator.domain.errors import InvalidQueryError
from dplat_bq import api_s3

FORMATS = {"CSV": "CSV", "NEWLINE_DELIMITED_JSON": "NEWLINE_DELIMITED_JSON", "JSON": "NEWLINE_DELIMITED_JSON",
           "PARQUET": "PARQUET", "AVRO": "AVRO"}
_TOP_KEYS = {"sourceFormat", "sourceUris", "schema", "autodetect", "compression", "maxBadRecords",
             "ignoreUnknownValues", "csvOptions", "jsonOptions"}
_CSV_KEYS = {"skipLeadingRows", "fieldDelimiter", "quote", "allowQuotedNewlines", "allowJaggedRows",
             "nullMarker", "encoding"}
_ENCODINGS = {"UTF-8": "utf-8", "UTF8": "utf-8", "ISO-8859-1": "latin-1"}


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _refuse(what: str, location: str) -> InvalidQueryError:
    return InvalidQueryError(f"External table option {what} is not supported by this sandbox.", location=location)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def check_keys(config: dict[str, Any]) -> None:
    """Refuse every key and value this sandbox does not implement (module docstring)."""
    for key in sorted(set(config) - _TOP_KEYS):
        raise _refuse(key, key)
    for key in sorted(set(config.get("csvOptions") or {}) - _CSV_KEYS):
        raise _refuse(f"csvOptions.{key}", key)
    for key in sorted(set(config.get("jsonOptions") or {}) - {"encoding"}):
        raise _refuse(f"jsonOptions.{key}", key)
    if int(config.get("maxBadRecords") or 0) != 0:
        raise _refuse("maxBadRecords other than 0", "maxBadRecords")
    if _truthy(config.get("ignoreUnknownValues")):
        raise _refuse("ignoreUnknownValues = true", "ignoreUnknownValues")
    compression = str(config.get("compression") or "NONE").upper()
    if compression not in ("NONE", "GZIP"):
        raise _refuse(f"compression = {compression}", "compression")
    csv = config.get("csvOptions") or {}
    if "allowQuotedNewlines" in csv and not _truthy(csv["allowQuotedNewlines"]):
        raise _refuse("allowQuotedNewlines = false (quoted newlines are always read here)", "allowQuotedNewlines")
    for section in ("csvOptions", "jsonOptions"):
        encoding = str((config.get(section) or {}).get("encoding") or "UTF-8").upper()
        allowed = _ENCODINGS if section == "csvOptions" else {"UTF-8": "", "UTF8": ""}
        if encoding not in allowed:
            raise _refuse(f"{section}.encoding = {encoding}", "encoding")


def reader(config: dict[str, Any], fields: list[dict[str, Any]]) -> str:
    """The DuckDB table function reading the configuration's URIs.

    CSV columns are matched to declared ``fields`` by position, as BigQuery
    does; the other formats carry names and are matched by name.
    """
    fmt = FORMATS.get(str(config.get("sourceFormat", "")).upper())
    if fmt is None:
        raise InvalidQueryError(
            f"External tables in format {config.get('sourceFormat')!r} are not supported by this sandbox; "
            "use CSV, NEWLINE_DELIMITED_JSON, PARQUET or AVRO.", location="format")
    check_keys(config)
    uris = config.get("sourceUris") or []
    if not uris:
        raise InvalidQueryError("An external table needs at least one source URI (uris / sourceUris).",
                                location="uris")
    files = "[" + ", ".join(quote(api_s3.to_s3(u)) for u in uris) + "]"
    gzip = str(config.get("compression") or "NONE").upper() == "GZIP"
    if gzip and fmt in ("PARQUET", "AVRO"):
        raise _refuse(f"compression = GZIP for {fmt}", "compression")
    compression = ", compression = 'gzip'" if gzip else ""
    if fmt == "PARQUET":
        return f"read_parquet({files}, union_by_name = true)"
    if fmt == "AVRO":
        return f"read_avro({files})"
    if fmt == "NEWLINE_DELIMITED_JSON":
        return f"read_json({files}, format = 'newline_delimited'{compression})"
    return f"read_csv({files}{_csv_parameters(config.get('csvOptions') or {}, fields)}{compression})"


def _csv_parameters(csv: dict[str, Any], fields: list[dict[str, Any]]) -> str:
    """read_csv's parameters for BigQuery's csvOptions (module docstring)."""
    skip = int(csv.get("skipLeadingRows", 0) or 0)
    if fields:  # the declared columns, by position: every leading row is skipped, none is a header
        parts = [f"skip = {skip}", "header = false", f"names = [{', '.join(quote(f['name']) for f in fields)}]"]
    else:  # no schema: the first skipped row names the columns, as BigQuery's autodetect does
        parts = [f"skip = {max(skip - 1, 0)}", f"header = {'true' if skip else 'false'}"]
    parts.append(f"delim = {quote(csv.get('fieldDelimiter', ','))}")
    if "quote" in csv:
        parts.append(f"quote = {quote(csv['quote'] or '')}")
    if _truthy(csv.get("allowJaggedRows")):
        parts.append("null_padding = true")
    if "nullMarker" in csv:
        parts.append(f"nullstr = {quote(csv['nullMarker'])}")
    encoding = _ENCODINGS[str(csv.get("encoding") or "UTF-8").upper()]
    if encoding != "utf-8":
        parts.append(f"encoding = {quote(encoding)}")
    return "".join(", " + p for p in parts)
