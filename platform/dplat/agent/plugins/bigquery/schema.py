"""Table schemas of the BigQuery outputs and the conversion of records to rows.

A schema is what ``schema`` (inline JSON), ``schema_path`` or ``fetch_schema``
gives: ``[{"name": "status", "type": "INTEGER", "mode": "NULLABLE"},
{"name": "remote", "type": "RECORD", "fields": [...]}, ...]``, as in BigQuery's
own JSON schema files. It serves twice: to create tables (``auto_create_table``)
and to shape each record the way fluent-plugin-bigquery does before sending:

* ``null`` values are left out; fields the schema does not know are sent as
  they are (``ignore_unknown_values`` decides whether BigQuery accepts them);
* STRING gets text (hashes and arrays as JSON, true/false in lowercase),
  INTEGER and FLOAT numbers, NUMERIC text, JSON a JSON string (inserts),
  RECORD its sub-fields, REPEATED each element.

One deliberate difference: Ruby's conversions never fail (``"abc".to_i`` is
0, ``!!"false"`` is true), so fluent-plugin-bigquery silently stores wrong
values. Here a value that does not convert cleanly is sent as it is, BigQuery
rejects the row, and the row goes to the error route where someone sees it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from dplat.agent.config.errors import ConfigError
from dplat.agent.plugins.formatters import to_json_roundtrip

FIELD_NAME = re.compile(r"^[_A-Za-z][_A-Za-z0-9]{0,299}$")
INTEGER_TEXT = re.compile(r"^-?\d+$")
FLOAT_TEXT = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
TYPES = frozenset({
    "STRING", "BYTES", "INTEGER", "INT64", "FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC",
    "BOOLEAN", "BOOL", "TIMESTAMP", "DATE", "TIME", "DATETIME", "GEOGRAPHY", "JSON",
    "RECORD", "STRUCT",
})
MODES = ("NULLABLE", "REQUIRED", "REPEATED")
KEEP: Any = object()
"""Marker: the value does not convert, send it unchanged."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    mode: str = "NULLABLE"
    fields: tuple[Field, ...] = ()

    def api_repr(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "mode": self.mode}
        if self.fields:
            out["fields"] = [child.api_repr() for child in self.fields]
        return out


@dataclass(frozen=True)
class TableSchema:
    """Top-level fields of a table, in order."""

    fields: tuple[Field, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, value: Any, where: str = "schema") -> TableSchema:
        """From BigQuery's JSON form (a list of field objects); ConfigError
        naming the first field that is wrong."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{where} is not JSON: {exc}") from exc
        if isinstance(value, dict) and isinstance(value.get("fields"), list):
            value = value["fields"]  # the {"fields": [...]} wrapper of `bq show --schema`
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a JSON array of fields")
        return cls(tuple(_parse_field(item, where) for item in value))

    @property
    def empty(self) -> bool:
        return not self.fields

    def api_repr(self) -> list[dict[str, Any]]:
        return [f.api_repr() for f in self.fields]

    def to_row(self, record: dict[str, Any], *, is_load: bool = False) -> dict[str, Any]:
        """The record shaped for BigQuery (see the module docstring)."""
        return _format_record(record, {f.name: f for f in self.fields}, is_load)


def _parse_field(item: Any, where: str) -> Field:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: each field must be an object, got {item!r}")
    name, kind = item.get("name"), item.get("type")
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        raise ConfigError(f"{where}: invalid bigquery field name: {name!r}")
    if not isinstance(kind, str):
        raise ConfigError(f"{where}: field '{name}' must have type")
    kind = kind.upper()
    if kind not in TYPES:
        raise ConfigError(f"{where}: Invalid field type: {item['type']} (field '{name}')")
    mode = str(item.get("mode") or "NULLABLE").upper()
    if mode not in MODES:
        raise ConfigError(f"{where}: Unrecognized mode for {name}: {item.get('mode')}")
    children: tuple[Field, ...] = ()
    if kind in ("RECORD", "STRUCT"):
        if not isinstance(item.get("fields"), list):
            raise ConfigError(f"{where}: record field '{name}' must have fields")
        children = tuple(_parse_field(child, f"{where}.{name}") for child in item["fields"])
    return Field(name, kind, mode, children)


def _format_record(record: dict[str, Any], fields: dict[str, Field],
                   is_load: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if value is None:
            continue
        spec = fields.get(key)
        out[key] = value if spec is None else _format_field(spec, value, is_load)
    return out


def _format_field(spec: Field, value: Any, is_load: bool) -> Any:
    if spec.mode == "REPEATED":
        if not isinstance(value, list):
            return value
        return [_converted(spec, item, True) for item in value if item is not None]
    return _converted(spec, value, is_load)


def _converted(spec: Field, value: Any, is_load: bool) -> Any:
    result = _convert(spec, value, is_load)
    return value if result is KEEP else result


def _convert(spec: Field, value: Any, is_load: bool) -> Any:
    kind = spec.type
    if kind in ("RECORD", "STRUCT"):
        if not isinstance(value, dict):
            return KEEP
        return _format_record(value, {f.name: f for f in spec.fields}, is_load)
    if kind in ("STRING", "GEOGRAPHY"):
        if isinstance(value, dict | list):
            return to_json_roundtrip(value)  # type: ignore[arg-type]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    if kind in ("INTEGER", "INT64"):
        return _to_integer(value)
    if kind in ("FLOAT", "FLOAT64"):
        return _to_float(value)
    if kind in ("NUMERIC", "BIGNUMERIC"):
        return KEEP if isinstance(value, bool | dict | list) else str(value)
    if kind in ("BOOLEAN", "BOOL"):
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        return {"true": True, "false": False}.get(text, KEEP)
    if kind == "TIMESTAMP":
        if isinstance(value, str) and INTEGER_TEXT.match(value):
            return int(value)
        if isinstance(value, str) and FLOAT_TEXT.match(value):
            return float(value)
        return KEEP
    if kind == "JSON":
        return value if is_load else to_json_roundtrip(value)
    return KEEP


def _to_integer(value: Any) -> Any:
    if isinstance(value, bool):
        return KEEP
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and INTEGER_TEXT.match(value.strip()):
        return int(value)
    return KEEP


def _to_float(value: Any) -> Any:
    if isinstance(value, bool):
        return KEEP
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and FLOAT_TEXT.match(value.strip()):
        return float(value)
    return KEEP
