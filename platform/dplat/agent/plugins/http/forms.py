"""Form bodies (``application/x-www-form-urlencoded``, ``multipart/form-data``)
read with bounded work and memory.

A form is parameters, not records: in_http reads its ``json``, ``ndjson``
or ``msgpack`` field and ignores the rest. A hostile form costs far more
than its size, though: 30 MiB of ``a=&a=&...`` is 10 million fields (~1.6
GiB of Python strings and tuples), and Python's ``email`` parser spent 17 s
of the event loop's CPU on 4 MiB of empty multipart parts (its cost grows
faster than the number of parts). So, before anything is parsed:

* the fields are counted (``&`` separators, boundary lines) and a form of
  more than :data:`MAX_FIELDS` gets 413 (Django's default field cap; Fluentd,
  through WEBrick, has none);
* the parse is weighed (:func:`form_cost`) against ``memory_limit`` as a
  JSON body is (bodies.weigh);
* a urlencoded form is split and percent-decoded here, a slice at a time
  (urllib's decoder held a piece per ``%``: ~2 GiB for a 30 MiB value);
* multipart is split here, in one linear pass over the bytes, as WEBrick's
  ``parse_form_data`` (Fluentd's) reads it: each part's headers, then its
  data up to the next boundary line; the ``name`` of its
  ``Content-Disposition`` names the field, and ``Content-Transfer-Encoding``
  is not undone (RFC 7578 4.7 forbids senders to use it; WEBrick ignores it).
"""

from __future__ import annotations

import re

Params = dict[str, bytes]

MAX_FIELDS = 1000
"""Most fields (parameters, parts) a form may have; more get 413."""
FIELD_COST = 400
"""Bytes a parsed field costs beyond its text (strings, tuple, dict slot)."""

_BOUNDARY = re.compile(r'boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_DISPOSITION = re.compile(rb"^content-disposition\s*:\s*form-data(.*)$",
                          re.IGNORECASE | re.MULTILINE)
_NAME = re.compile(rb';\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))', re.IGNORECASE)


class BadForm(Exception):
    """The form cannot be read; the text is the 400 reason."""


class TooManyFields(Exception):
    """The form has more than MAX_FIELDS fields; the text is the 413 reason."""


def field_count(body: bytes, content_type: str) -> int:
    """How many fields the form carries, counted without parsing it."""
    if _kind(content_type) == "multipart/form-data":
        return max(body.count(b"--" + boundary_of(content_type)) - 1, 0)
    return body.count(b"&") + 1 if body else 0


def form_cost(body: bytes, content_type: str) -> int:
    """An upper estimate of the bytes parsing the form allocates: the text
    decoded, split and unquoted (~4 copies of a urlencoded body, ~2 of a
    multipart one) plus FIELD_COST a field."""
    copies = 2 if _kind(content_type) == "multipart/form-data" else 4
    return copies * len(body) + FIELD_COST * field_count(body, content_type)


def check_fields(body: bytes, content_type: str) -> None:
    """Raise TooManyFields past MAX_FIELDS."""
    _check_count(field_count(body, content_type))


def _check_count(count: int) -> None:
    if count > MAX_FIELDS:
        raise TooManyFields(f"the form has {count} fields, more than {MAX_FIELDS}; send the "
                            "events as one json, ndjson or msgpack field (or body)")


def parse_query(text: str | bytes) -> Params:
    """``a=1&b=2`` (a query string or a urlencoded body) with byte values,
    the last of a repeated name winning; TooManyFields past MAX_FIELDS."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    _check_count(data.count(b"&") + 1)
    params: Params = {}
    for pair in data.split(b"&"):
        if pair:
            name, _, value = pair.partition(b"=")
            params[unquote_plus(name).decode("latin-1")] = unquote_plus(value)
    return params


_HEX_DIGITS = b"0123456789abcdefABCDEF"
_ESCAPES = {bytes((a, b)): bytes((int(bytes((a, b)), 16),))
            for a in _HEX_DIGITS for b in _HEX_DIGITS}
UNQUOTE_SLICE = 256 * 1024
"""Bytes percent-decoded at a time (urllib's ``unquote_to_bytes`` splits the
whole value at every ``%``: a 30 MiB value of escapes made ~2 GiB of pieces)."""


def unquote_plus(value: bytes) -> bytes:
    """``+`` as a space and ``%XX`` as its byte (a ``%`` without two hex
    digits stays), decoded a slice at a time so the pieces stay small."""
    value = value.replace(b"+", b" ")
    if b"%" not in value:
        return value
    out: list[bytes] = []
    start = 0
    while start < len(value):
        end = start + UNQUOTE_SLICE
        if end < len(value):  # never cut an escape in two
            cut = value.rfind(b"%", end - 2, end)
            end = cut if cut > start else end
        out.append(_unquote_slice(value[start:end]))
        start = end
    return b"".join(out)


def _unquote_slice(chunk: bytes) -> bytes:
    pieces = chunk.split(b"%")
    escape = _ESCAPES.get
    return pieces[0] + b"".join([byte + piece[2:] if (byte := escape(piece[:2])) is not None
                                 else b"%" + piece for piece in pieces[1:]])


def boundary_of(content_type: str) -> bytes:
    """The ``boundary`` parameter of a multipart Content-Type."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise BadForm("multipart/form-data without a boundary parameter")
    return (found.group(1) or found.group(2)).encode("latin-1", "replace")


def parse_multipart(body: bytes, content_type: str) -> Params:
    """The fields of a ``multipart/form-data`` body (the last of a repeated
    name wins); TooManyFields past MAX_FIELDS, BadForm when it has no parts."""
    check_fields(body, content_type)
    delimiter = b"--" + boundary_of(content_type)
    start = body.find(delimiter)
    if start < 0:
        raise BadForm("multipart body without parts")
    fields: Params = {}
    position = start + len(delimiter)
    while not body.startswith(b"--", position):  # the closing delimiter ends with --
        end = body.find(b"\r\n" + delimiter, position)
        if end < 0:
            raise BadForm("multipart body ends inside a part (no closing boundary)")
        head_end = body.find(b"\r\n\r\n", position, end + 2)
        if head_end < 0:
            raise BadForm("multipart part without a blank line after its headers")
        name = _field_name(body[position:head_end])
        if name is not None:
            fields[name] = body[head_end + 4 : end]
        position = end + 2 + len(delimiter)
    return fields


def _field_name(headers: bytes) -> str | None:
    disposition = _DISPOSITION.search(headers)
    if disposition is None:
        return None
    name = _NAME.search(disposition.group(1))
    if name is None:
        return None
    quoted, bare = name.group(1), name.group(2)
    raw = re.sub(rb"\\(.)", rb"\1", quoted) if quoted is not None else bare
    return raw.decode("utf-8", "replace")


def _kind(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()
