"""EventTime on the wire (ext 0), time coercion, entry packing and acks."""

from __future__ import annotations

import json
import math
import struct

import msgpack
import pytest

from dplat.agent.event import EventTime
from dplat.agent.protocol import (
    coerce_time,
    encode_ack,
    ext_hook,
    pack_entries,
    pack_entry,
    to_ext,
    unpackb,
)

T0 = 1_700_000_000


def test_ext_bytes_are_fluentds_fixext8() -> None:
    assert msgpack.packb(to_ext(EventTime(T0, 7))) == (b"\xd7\x00" + struct.pack(">II", T0, 7))


def test_ext_hook_decodes_type_0_and_leaves_others() -> None:
    assert ext_hook(0, struct.pack(">II", T0, 999_999_999)) == EventTime(T0, 999_999_999)
    assert ext_hook(0, b"short") == msgpack.ExtType(0, b"short")
    assert ext_hook(5, b"12345678") == msgpack.ExtType(5, b"12345678")


def test_pack_entry_is_what_a_peer_would_write() -> None:
    record = {"msg": "hi", "n": [1, 2]}
    expected = msgpack.packb([msgpack.ExtType(0, struct.pack(">II", T0, 5)), record])
    assert pack_entry(EventTime(T0, 5), record) == expected
    assert pack_entry(EventTime(T0, 5), record, time_as_integer=True) == msgpack.packb([T0, record])


def test_namedtuple_trap_is_avoided() -> None:
    """A stock packer writes EventTime as an array; ours writes the ext."""
    assert msgpack.packb(EventTime(T0, 5)) == msgpack.packb([T0, 5])
    assert unpackb(pack_entry(EventTime(T0, 5), {}))[0] == EventTime(T0, 5)


def test_pack_entries_round_trips_through_unpacker() -> None:
    stream = [(EventTime(T0 + i, i * 1000), {"i": i, "b": b"\x00\xff"}) for i in range(50)]
    blob = pack_entries(stream)
    unpacker = msgpack.Unpacker(ext_hook=ext_hook, raw=False)
    unpacker.feed(blob)
    assert [(t, rec) for t, rec in unpacker] == stream
    assert pack_entries([]) == b""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (T0, EventTime(T0, 0)),
        (EventTime(T0, 3), EventTime(T0, 3)),
        (T0 + 0.5, EventTime(T0, 500_000_000)),
        (msgpack.Timestamp(T0, 42), EventTime(T0, 42)),
        ([EventTime(T0, 9), {"meta": 1}], EventTime(T0, 9)),  # Fluent Bit v2
        ([T0, {}], EventTime(T0, 0)),
        (2**32 - 1, EventTime(2**32 - 1, 0)),
    ],
)
def test_coerce_time_accepts_every_time_form(value: object, expected: EventTime) -> None:
    assert coerce_time(value) == expected


@pytest.mark.parametrize(
    "value",
    [-1, 2**32, T0 * 1000, "1700000000", True, math.nan, math.inf, -0.5, {"t": 1}, [[T0]], b"x"],
)
def test_coerce_time_refuses_non_times(value: object) -> None:
    assert coerce_time(value) is None


@pytest.mark.parametrize("value", [0, None, 0.0, 0.4, EventTime(0, 5), msgpack.Timestamp(0, 0), []])
def test_coerce_time_zero_and_nil_mean_now(value: object) -> None:
    before = EventTime.now()
    got = coerce_time(value)
    assert got is not None and before <= got <= EventTime.now()


def test_ack_in_msgpack_and_json() -> None:
    assert encode_ack("abc") == b"\x81\xa3ack\xa3abc"
    assert encode_ack("YWJj\n", json_mode=True) == b'{"ack":"YWJj\\n"}'
    assert json.loads(encode_ack("é", json_mode=True)) == {"ack": "é"}


def test_ack_echoes_invalid_utf8_chunk_byte_for_byte() -> None:
    chunk = b"\xff\xfeid".decode("utf-8", "surrogateescape")  # as the decoder holds it
    assert encode_ack(chunk) == b"\x81\xa3ack\xa4\xff\xfeid"
    assert encode_ack(chunk, json_mode=True) == b'{"ack":"\xff\xfeid"}'
