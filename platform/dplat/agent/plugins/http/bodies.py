"""What an in_http request carries: parameters, records and their times.

Fluentd's in_http turns every request into *parameters* first: the query
string, then the body by its Content-Type (a form's fields, or the whole
body as ``json``, ``msgpack`` or ``ndjson``), and reads the records from the
first of ``msgpack``, ``json`` and ``ndjson`` that is present. So
``curl -d 'json={"a":1}' host:9880/app.log`` (a form, curl's default) and
``curl -H 'Content-Type: application/json' -d '{"a":1}'`` both work, and so
does ``?json=...`` in the URL. Parameter values are kept as bytes because a
``msgpack`` value is binary.

A body either parses completely or the request is refused with 400 and a
reason; nothing of it is emitted then, so a client can fix and resend the
whole request. (Fluentd answers 200 for invalid JSON and drops it, and
skips array elements that are not objects; both lose data silently.)
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Callable
from typing import Any

import msgpack

from dplat.agent.event import EventTime, Record
from dplat.agent.memory import json_cost
from dplat.agent.plugins.http.forms import (
    BadForm,
    Params,
    check_fields,
    form_cost,
    parse_multipart,
    parse_query,
)
from dplat.agent.protocol.compression import gunzip
from dplat.agent.protocol.errors import MessageRejected
from dplat.agent.protocol.eventtime import MAX_SECONDS, ext_hook

TIME_KEY = "time"
"""The record field read as the event time (Fluentd's in_http ``time_key``)."""

_NDJSON_LINES = re.compile(rb"\r?\n")


class BadRequest(Exception):
    """The request cannot be turned into events; the text is the 400 reason."""


class OverMemory(Exception):
    """Parsing the body would take the agent past its memory limit: 413 when
    the body alone would (``permanent``), else 503 (retry later)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


Weigh = Callable[[int], bool]
"""``over_memory(expected_bytes)``: True when that much more would pass the limit."""
LARGE = 64 * 1024
"""Bodies past this are weighed (JSON) or decoded by slices (msgpack)."""


# -- parameters ----------------------------------------------------------------------


def body_params(body: bytes, content_type: str, over_memory: Weigh | None = None,
                limit: int | None = None) -> Params:
    """The parameters a body contributes, by its Content-Type (Fluentd's rules).

    A form is counted first (TooManyFields: 413) and, past LARGE bytes with
    ``over_memory``, weighed as a JSON body is (:func:`weigh`): forms.py."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            check_fields(body, content_type)
            if over_memory is not None and len(body) > LARGE:
                weigh(form_cost(body, content_type), over_memory, limit)
            if kind == "multipart/form-data":
                return parse_multipart(body, content_type)
            return parse_query(body)
        except BadForm as exc:
            raise BadRequest(str(exc)) from exc
    if kind in ("application/json", "application/csp-report"):
        return {"json": body}
    if kind == "application/msgpack":
        return {"msgpack": body}
    if kind == "application/x-ndjson":
        return {"ndjson": body}
    return {}


def inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """The body without its Content-Encoding (gzip, deflate), at most ``limit`` bytes."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        try:
            return gunzip(body, limit)
        except MessageRejected as exc:
            raise BadRequest(f"gzip body: {exc.reason}") from exc
    if encoding == "deflate":
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            raise BadRequest(f"deflate body does not decode: {exc}") from exc
        if len(data) > limit:
            raise BadRequest(f"deflate body inflates past {limit} bytes")
        return data
    raise BadRequest(f"Content-Encoding '{encoding}' is not supported (gzip, deflate)")


# -- records -------------------------------------------------------------------------


def records_of(params: Params, over_memory: Weigh | None = None,
               limit: int | None = None) -> list[Record]:
    """The records of the first of ``msgpack``, ``json``, ``ndjson``.

    With ``over_memory``, a large body is weighed before it is parsed (JSON:
    :func:`~dplat.agent.memory.json_cost`, over ``limit`` alone: permanent)
    or decoded by slices, asking after each (msgpack); OverMemory then."""
    if "msgpack" in params:
        return _from_msgpack(params["msgpack"], over_memory)
    text = params.get("json", params.get("ndjson", b""))
    if over_memory is not None and len(text) > LARGE:
        weigh(json_cost(text), over_memory, limit)
    if "json" in params:
        return _objects(_json(params["json"], "json"), "json")
    if "ndjson" in params:
        records: list[Record] = []
        for number, line in enumerate(_NDJSON_LINES.split(params["ndjson"]), 1):
            if line.strip():
                value = _json(line, f"ndjson line {number}")
                if not isinstance(value, dict):
                    raise BadRequest(f"ndjson line {number} is not a JSON object")
                records.append(value)
        return records
    raise BadRequest("'json', 'ndjson' or 'msgpack' parameter is required")


def weigh(cost: int, over_memory: Weigh, limit: int | None) -> None:
    """Raise OverMemory when parsing a body that costs ``cost`` bytes would
    pass ``limit`` alone (permanent: 413) or on top of what the agent holds
    now (503, retry later)."""
    if limit is not None and cost > limit:
        raise OverMemory(f"a body this size would take ~{cost >> 20} MiB to parse, more "
                         "than memory_limit; send smaller batches", permanent=True)
    if over_memory(cost):
        raise OverMemory("the agent's memory is near memory_limit; retry later",
                         permanent=False)


def text_cost(body: bytes) -> int:
    """An upper estimate of what a ``<parse>`` parser allocates reading
    ``body``: the decoded text (up to 4 bytes a character, Python's widest
    string form), its fields copied into records and packed into the buffer
    (once more each), and ~400 bytes (dict, keys, time) per line, as a
    line-based parser (multiline) may make a record per line. A JSON body
    (``@type json``) may cost more: :func:`~dplat.agent.memory.json_cost`
    is taken then."""
    return max(6 * len(body) + 400 * body.count(b"\n"), json_cost(body))


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadRequest(f"{what} is not valid JSON: {exc}") from exc


def _from_msgpack(data: bytes, over_memory: Weigh | None) -> list[Record]:
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, ext_hook=ext_hook,
                                max_buffer_size=max(len(data), 1))
    records: list[Record] = []
    step = LARGE if over_memory is not None else max(len(data), 1)
    view = memoryview(data)
    try:
        for offset in range(0, len(view), step):
            if offset and over_memory is not None and over_memory(0):
                raise OverMemory("the agent's memory passed memory_limit while the body "
                                 "decoded; retry later", permanent=False)
            unpacker.feed(view[offset : offset + step])
            for obj in unpacker:
                records.extend(_objects(obj, "msgpack"))
        unpacker.feed(b"\xc0")  # a nil after the last object: found only at a boundary
        whole = next(unpacker, unpacker) is None
    except (BadRequest, OverMemory):
        raise
    except Exception as exc:  # FormatError, StackError, UnicodeDecodeError...
        raise BadRequest(f"msgpack does not decode: {exc}") from exc
    if not whole:
        raise BadRequest("msgpack ends in the middle of an object")
    return records


def _objects(value: Any, what: str) -> list[Record]:
    """An object, or an array of objects (a batch)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise BadRequest(f"{what} array element {index} is not an object")
        return value
    raise BadRequest(f"{what} is not an object or an array of objects")


# -- times ---------------------------------------------------------------------------


def query_time(value: bytes | None) -> EventTime | None:
    """The ``time`` parameter: float seconds; 0 means now; None when absent."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError as exc:
        raise BadRequest(f"time parameter '{value.decode('latin-1')}' is not a number") from exc
    return _from_seconds(seconds, "time parameter")


def record_time(record: Record) -> EventTime:
    """The record's ``time`` field (removed from it), else now."""
    value = record.pop(TIME_KEY, None)
    if value is None or value is False:
        return EventTime.now()
    if isinstance(value, EventTime):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"record field '{TIME_KEY}' is not a number: {value!r:.40}")
    return _from_seconds(value, f"record field '{TIME_KEY}'")


def _from_seconds(seconds: float, what: str) -> EventTime:
    if not math.isfinite(seconds) or not 0 <= seconds < MAX_SECONDS:
        raise BadRequest(f"{what} {seconds!r} is out of range")
    if seconds == 0:
        return EventTime.now()
    if isinstance(seconds, int):
        return EventTime(seconds)
    return EventTime.from_float(seconds)
