"""Fuzzing the decoder: whatever a peer sends, in whatever pieces, the decoder
returns items or raises a ProtocolError, quickly, within its memory bound, and
cuts do not change the outcome."""

from __future__ import annotations

import gzip
import itertools
import json
import struct

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dplat.agent.protocol import ForwardDecoder, Message, MessageRejected, Ping, StreamError
from dplat.agent.protocol.decoder import Decoded

LIMIT = 2048
T0 = 1_700_000_000
EXT = msgpack.ExtType(0, struct.pack(">II", T0, 5))

SEEDS = [
    msgpack.packb(["m", T0, {"a": 1}]),
    msgpack.packb(["m", EXT, {"a": "é"}, {"chunk": "c"}]),
    msgpack.packb(["f", [[EXT, {"b": 2}], [[EXT, {"meta": 1}], {"c": 3}]], {"size": 2}]),
    msgpack.packb(["p", msgpack.packb([EXT, {"d": [1, 2]}]) * 3], use_bin_type=True),
    msgpack.packb(
        ["g", gzip.compress(msgpack.packb([T0, {"e": None}]) * 2), {"compressed": "gzip"}],
        use_bin_type=True,
    ),
    b"\xc0",
    json.dumps(["j", T0, {"s": 'a"]}\\'}, {"chunk": "x"}]).encode(),
    msgpack.packb(["PING", "host", "salt", "d" * 128, "", ""]),
]

FUZZ = settings(
    max_examples=120,
    deadline=1000,  # milliseconds per example: a hang or a blow-up fails
    suppress_health_check=[HealthCheck.too_slow],
)


def decode_in_pieces(data: bytes, cuts: list[int], expect_ping: bool) -> tuple[list, str | None]:
    """Feed ``data`` cut at ``cuts``; return a comparable summary of every
    item and the name of the stream error, if one ended the stream."""
    decoder = ForwardDecoder(
        chunk_size_limit=LIMIT, decompression_size_limit=8 * LIMIT, expect_ping=expect_ping
    )
    items: list[Decoded] = []
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    try:
        for start, end in itertools.pairwise(bounds):
            items += decoder.feed(data[start:end])
            assert decoder.buffered <= LIMIT
    except StreamError as exc:  # only ProtocolErrors may escape, and only these
        assert exc.decoded == [] or all(isinstance(i, Decoded) for i in exc.decoded)
        return summarise(items + exc.decoded), type(exc).__name__
    return summarise(items), None


def summarise(items: list[Decoded]) -> list:
    out = []
    for item in items:
        if isinstance(item, Message):
            assert all(isinstance(r, dict) for _, r in item.entries)
            records = [r for _, r in item.entries]
            out.append((item.tag, item.mode, repr(records), item.chunk, item.skipped))
        elif isinstance(item, Ping):
            out.append(("PING", repr(item.payload)))
        else:
            assert isinstance(item, MessageRejected)
            out.append((type(item).__name__, item.reason))
    return out


def check(data: bytes, cuts: list[int], expect_ping: bool) -> None:
    whole = decode_in_pieces(data, [], expect_ping)
    assert decode_in_pieces(data, cuts, expect_ping) == whole


@FUZZ
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=8), st.booleans())
def test_random_bytes(data: bytes, cuts: list[int], expect_ping: bool) -> None:
    check(data, cuts, expect_ping)


@st.composite
def mutated_stream(draw: st.DrawFn) -> bytes:
    """A few valid frames, then byte flips, deletions and insertions."""
    frames = draw(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=5))
    data = bytearray(b"".join(frames))
    for _ in range(draw(st.integers(0, 6))):
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if not data:
            break
        if action == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[pos]
        elif action == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=6))
        else:
            del data[pos:]
    return bytes(data)


@FUZZ
@given(mutated_stream(), st.lists(st.integers(0, 4000), max_size=8), st.booleans())
def test_mutated_valid_frames(data: bytes, cuts: list[int], expect_ping: bool) -> None:
    check(data, cuts, expect_ping)


# Strings rich in the bytes the JSON framer must see through.
TRICKY_TEXT = st.text(st.sampled_from('[]{}"\\ aé\n') | st.characters(), max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY_TEXT | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT, inner, max_size=3),
    max_leaves=12,
)


@FUZZ
@given(
    st.lists(st.tuples(st.booleans(), JSON_VALUES), min_size=1, max_size=4),
    st.lists(st.integers(0, 2000), max_size=5),
)
def test_json_values(values: list[tuple[bool, object]], cuts: list[int]) -> None:
    """A JSON stream of Message-mode frames (record {"v": value}) and of bare
    values: every frame decodes to exactly its record, every bare value to
    one rejection (or nothing for null), however the stream is cut."""
    objs: list = [["t", T0, {"v": "first"}]]  # a JSON stream starts with [ or {
    objs += [["t", T0, {"v": v}] if as_message else v for as_message, v in values]
    data = b" ".join(json.dumps(o).encode() for o in objs) + b"\n"  # a scalar ends at a delimiter
    items, error = decode_in_pieces(data, cuts, False)
    assert error is None
    expected = [
        ("t", repr([o[2]])) if isinstance(o, list) and o[:2] == ["t", T0] else "rejected"
        for o in objs
        if o is not None
    ]
    got = [item[:3:2] if len(item) == 5 else "rejected" for item in items]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if e != "rejected":
            assert g == e
    check(data, cuts, False)
