"""BYTES arguments of string functions, BIT_COUNT(BYTES) and INT64 ``<<``.

DuckDB's REVERSE, LPAD/RPAD, TRIM, TRANSLATE, STRPOS, SPLIT, LIKE, LEFT, RIGHT,
ASCII and REGEXP_REPLACE take
VARCHAR only, so with BYTES (a BLOB) bqemulator's translation failed
("No function matches ... (BLOB)"). Bytes that are all ASCII are the same
sequence as text, so the call runs on ``decode(b)`` and its answer is made
BYTES again; bytes beyond ASCII are refused with an error that says so (a
per-character answer would differ from BigQuery's per-byte one). LEFT and
RIGHT take any bytes: they run on the hex text, two digits a byte.
TO_CODE_POINTS of BYTES gives the byte values; FARM_FINGERPRINT of BYTES is
that of the same UTF-8 text. BIT_COUNT of BYTES counts the bits of every byte; ``x << n`` on INT64 drops
what goes past 64 bits (DuckDB raised an overflow; ``1 << 64`` is 0).
Sources: string_functions (each function's BYTES form), bit_functions#bit_count,
operators#bitwise_operators. Cases strings.*_bytes, strings_more.*_bytes*, operators.like_bytes,
bit.count_bytes, operators.shift_left_past_width, strings.to_code_points_bytes,
hash.farm_fingerprint_bytes_same, operators.bit_and_bytes.

SAFE_CONVERT_BYTES_TO_STRING puts U+FFFD where the bytes are not UTF-8
(string_functions#safe_convert_bytes_to_string); bqemulator answered NULL.
``dplat_safe_utf8``, a Python function on the connection, decodes with
replacement (case strings.safe_convert_bad_utf8).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from dplat_bqext.annotation import kind
from dplat_bqext.calls import call
from dplat_bqext.refusals import LENGTH_GUARDED

# BYTES in, BYTES out
TEXT_RESULT = (exp.Reverse, exp.Pad, exp.Trim, exp.Translate, exp.Substring, exp.Left, exp.Right, exp.RegexpReplace)
OTHER_RESULT = (exp.StrPosition, exp.Like, exp.Ascii)  # an INT64 or BOOL answer
ARGUMENTS = ("this", "expression", "fill_pattern", "substr", "from_", "to", "replacement")


def bytes_calls(node: exp.Expression) -> exp.Expression | None:
    """The string function on the bytes' ASCII text; BIT_COUNT(BYTES); INT64 ``<<``."""
    if isinstance(node, exp.SafeConvertBytesToString):
        return call("dplat_safe_utf8", node.this)
    if isinstance(node, exp.BitwiseCount) and kind(node.this) == "BYTES":
        return call("dplat_bit_count_bytes", node.this)
    if isinstance(node, exp.ToCodePoints) and kind(node.this) == "BYTES":
        return call("dplat_byte_values", node.this)  # any bytes: their values, 0-255
    if isinstance(node, exp.FarmFingerprint) and any(kind(a) == "BYTES" for a in node.expressions):
        # The fingerprint of the bytes is the one of the same UTF-8 text (bqemulator's takes text).
        return exp.FarmFingerprint(expressions=[
            call("dplat_utf8_text", a) if kind(a) == "BYTES" else a.copy() for a in node.expressions
        ])
    if isinstance(node, exp.BitwiseAnd | exp.BitwiseOr | exp.BitwiseXor) and kind(node.this) == "BYTES":
        # Bytewise on equal lengths (DuckDB's BIT type refuses different sizes, as BigQuery does).
        operator = {exp.BitwiseAnd: "and", exp.BitwiseOr: "or", exp.BitwiseXor: "xor"}[type(node)]
        return call(f"dplat_bytes_{operator}", node.this, node.expression)
    if isinstance(node, exp.BitwiseLeftShift) and kind(node.this) == "INT64":
        return call("dplat_shift_left", node.this, node.expression)
    if isinstance(node, exp.Left | exp.Right) and kind(node.this) == "BYTES":
        # Per byte, any bytes: the same call on their hex text, two digits a byte
        # (at most the whole text: 2 * a length near 2^63 would overflow). The
        # length is guarded already: refusals.negative_lengths runs first.
        digits = exp.Mul(this=exp.Literal.number(2), expression=exp.Least(
            this=node.expression.copy(), expressions=[call("octet_length", node.this)]))
        on_hex = type(node)(this=call("hex", node.this), expression=digits)
        on_hex.meta[LENGTH_GUARDED] = True
        return call("unhex", on_hex)
    if not isinstance(node, TEXT_RESULT + OTHER_RESULT + (exp.Split,)) or node.meta.get("dplat_done"):
        return None
    if kind(node.this) != "BYTES":
        return None
    changed = node.copy()
    changed.meta["dplat_done"] = True
    for key in ARGUMENTS:
        value = node.args.get(key)
        if isinstance(value, exp.Expression) and kind(value) == "BYTES":
            changed.set(key, call("dplat_bytes_text", value))
    if isinstance(node, TEXT_RESULT):
        return call("dplat_text_to_bytes", changed)
    if isinstance(node, exp.Split):
        return call("dplat_texts_bytes", changed)
    return changed


def safe_utf8(value: bytes | None) -> str | None:
    """``value`` as text, U+FFFD for each sequence that is not UTF-8."""
    return None if value is None else bytes(value).decode("utf-8", "replace")


def register_bytes_functions(connection: Any) -> None:
    """Create ``dplat_safe_utf8`` on a duckdb connection."""
    connection.create_function(
        "dplat_safe_utf8", safe_utf8, ["BLOB"], "VARCHAR", null_handling="special", side_effects=False,
    )
