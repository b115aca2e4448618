"""PackedForward frames taken off the stream by the fast path
(protocol/packed_frames.py) decode exactly as the streaming Unpacker decodes
them, however the stream is cut, valid or mutated. Frame shapes from the
Forward protocol spec (github.com/fluent/fluentd/wiki/Forward-Protocol-
Specification-v1: PackedForward ``[tag, MessagePackEventStream, option?]``,
the stream as bin or, from Fluentd's out_forward, as str32)."""

from __future__ import annotations

import gzip
import itertools
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import msgpack
import pytest
from forward_peers import packed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_protocol_fuzz import summarise

from dplat.agent.protocol import ForwardDecoder, FrameTooLarge, StreamError, StreamOverMemory

T0 = 1_700_000_000
EXT = msgpack.ExtType(0, struct.pack(">II", T0, 5))
PACKED = [msgpack.packb([EXT, {"n": n, "s": "é" * n}]) for n in range(20)]
ENTRIES = b"".join(PACKED)
FEW = b"".join(PACKED[:5])
LIMIT = 4096

FRAMES = [
    packed("str32", ENTRIES, {"chunk": "c1", "size": 20}, str32=True),
    packed("str32.no.option", ENTRIES, str32=True),
    packed("bin", ENTRIES, {"chunk": "c2"}),
    packed("t" * 40, FEW, {"chunk": "str8-tag"}),  # a str8 tag
    packed("gz", gzip.compress(ENTRIES), {"compressed": "gzip", "chunk": "c3"}),
    packed("empty", b"", {"chunk": "c4"}),
    packed("bad-option", FEW, ["not", "a", "map"]),  # type: ignore[arg-type]
    msgpack.packb(["message", T0, {"m": 1}, {"chunk": "c5"}]),
    msgpack.packb(["forward", [[EXT, {"f": 1}]]]),
]


@contextmanager
def unpacker_only() -> Iterator[None]:
    """The decoder as it was before the fast path: every frame by the Unpacker."""
    with mock.patch("dplat.agent.protocol.decoder.parse_head", lambda view, offset: None):
        yield


def decode(data: bytes, cuts: list[int]) -> tuple[list, str | None]:
    decoder = ForwardDecoder(chunk_size_limit=LIMIT, decompression_size_limit=4 * LIMIT)
    items = []
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    try:
        for start, end in itertools.pairwise(bounds):
            items += decoder.feed(data[start:end])
            assert decoder.buffered <= LIMIT
    except StreamError as exc:
        return summarise(items + exc.decoded), type(exc).__name__
    return summarise(items), None


def same_both_ways(data: bytes, cuts: list[int]) -> tuple[list, str | None]:
    fast = decode(data, cuts)
    with unpacker_only():
        assert decode(data, cuts) == fast
    assert decode(data, []) == fast
    return fast


def test_every_frame_shape_in_every_two_pieces() -> None:
    data = b"".join(FRAMES)
    items, error = same_both_ways(data, [])
    assert error is None
    assert [item[0] for item in items] == ["str32", "str32.no.option", "bin", "t" * 40, "gz",
                                           "empty", "MalformedMessage", "message", "forward"]
    for cut in range(0, len(data), 7):  # the fast path's state across reads
        assert same_both_ways(data, [cut]) == (items, None)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(b"".join(draw(st.lists(st.sampled_from(FRAMES), min_size=1, max_size=5))))
    for _ in range(draw(st.integers(0, 5))):
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif action == "delete" and data:
            del data[pos]
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=6))
    return bytes(data)


@settings(max_examples=200, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.lists(st.integers(0, 8000), max_size=6))
def test_mutated_streams_decode_the_same_both_ways(data: bytes, cuts: list[int]) -> None:
    same_both_ways(data, cuts)


def test_limits_hold_on_the_fast_path() -> None:
    big = packed("big", b"x" * LIMIT, {"chunk": "c"}, str32=True)
    with pytest.raises(FrameTooLarge):
        ForwardDecoder(chunk_size_limit=LIMIT).feed(big)
    huge_option = packed("t", ENTRIES, {"o": "x" * LIMIT}, str32=True)
    decoder = ForwardDecoder(chunk_size_limit=LIMIT)
    with pytest.raises(FrameTooLarge):
        for offset in range(0, len(huge_option), 1000):
            decoder.feed(huge_option[offset : offset + 1000])
    arriving = packed("t", b"\x00" * 200_000, {"chunk": "c"}, str32=True)
    decoder = ForwardDecoder(over_memory=lambda expected: True)  # the agent is over its limit
    decoder.feed(arriving[:100_000])  # held as bytes, then asked before more is taken
    with pytest.raises(StreamOverMemory):
        decoder.feed(arriving[100_000:])
