"""Stream behaviour of the forward decoder: framing, splits, limits, garbage.

What a TCP peer can do to the byte stream: several objects per read, objects
cut at any byte, objects larger than allowed, bytes that are not msgpack,
gzip bombs, JSON framing. The decoder must return exactly the same messages
however the bytes are cut, and never buffer more than its limit.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib

import msgpack
import pytest

from dplat.agent.event import EventTime
from dplat.agent.protocol import (
    CorruptPayload,
    DecompressionLimit,
    EventMode,
    ForwardDecoder,
    FrameTooLarge,
    MalformedMessage,
    Message,
    MessageRejected,
    Ping,
    UndecodableStream,
    UnsupportedCompression,
    pack_entries,
)
from dplat.agent.protocol.decoder import Decoded

T0 = 1_700_000_000


def ext_time(sec: int, nsec: int) -> msgpack.ExtType:
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def raw_entries(n: int, start: int = 0) -> bytes:
    return b"".join(msgpack.packb([ext_time(T0 + i, i), {"i": i}]) for i in range(start, n))


def mixed_stream() -> bytes:
    """One frame of every mode, a heartbeat and a rejectable object."""
    return b"".join(
        [
            msgpack.packb(["m", T0, {"a": 1}]),
            msgpack.packb(["m.ext", ext_time(T0, 42), {"b": "é"}, {"chunk": "c1"}]),
            b"\xc0",  # nil heartbeat
            msgpack.packb(["fwd", [[ext_time(T0, 1), {"c": 3}], [T0, {"d": 4}]]]),
            msgpack.packb(["packed", raw_entries(3), {"size": 3}], use_bin_type=True),
            msgpack.packb(["gz", gzip.compress(raw_entries(4)), {"compressed": "gzip"}]),
            msgpack.packb({"not": "an array"}),
            msgpack.packb(["last", T0 + 9, {"z": [1, 2, {"deep": None}]}, {"chunk": "c2"}]),
        ]
    )


def summary(items: list[Decoded]) -> list[tuple]:
    """Comparable form of a result (exceptions compare by type and reason)."""
    out: list[tuple] = []
    for item in items:
        if isinstance(item, Message):
            out.append((item.tag, item.mode, item.entries, item.chunk, item.skipped, item.nbytes))
        elif isinstance(item, Ping):
            out.append(("PING", item.payload))
        else:
            out.append((type(item).__name__, item.reason))
    return out


def test_one_feed_decodes_every_object_in_order() -> None:
    items = ForwardDecoder().feed(mixed_stream())
    assert [i.tag if isinstance(i, Message) else type(i).__name__ for i in items] == [
        "m", "m.ext", "fwd", "packed", "gz", "MalformedMessage", "last",
    ]  # fmt: skip
    assert [i.mode for i in items if isinstance(i, Message)] == [
        EventMode.MESSAGE,
        EventMode.MESSAGE,
        EventMode.FORWARD,
        EventMode.PACKED,
        EventMode.COMPRESSED,
        EventMode.MESSAGE,
    ]
    assert items[3].entries[2] == (EventTime(T0 + 2, 2), {"i": 2})
    assert sum(i.nbytes for i in items if isinstance(i, Message)) == len(mixed_stream()) - 1 - len(
        msgpack.packb({"not": "an array"})
    )


def test_split_at_every_byte_boundary_gives_the_same_messages() -> None:
    stream = mixed_stream()
    expected = summary(ForwardDecoder().feed(stream))
    for cut in range(len(stream) + 1):
        decoder = ForwardDecoder()
        got = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert summary(got) == expected, cut
    decoder = ForwardDecoder()
    one_by_one = [item for i in range(len(stream)) for item in decoder.feed(stream[i : i + 1])]
    assert summary(one_by_one) == expected


def test_json_split_at_every_byte_boundary() -> None:
    values = [
        ["j", T0, {"s": 'quote " bracket ] brace } backslash \\ ü'}, {"chunk": "a"}],
        ["j2", [[T0, {"n": 1}]]],
        {"not": "an array"},
        ["j3", T0, {"e": "\u00e9\ud83d\ude00"}],
    ]
    stream = b" \n".join(json.dumps(v).encode() for v in values)
    stream = b"[" + stream[1:]  # first byte decides the framing
    expected = summary(ForwardDecoder().feed(stream))
    assert [e[0] for e in expected] == ["j", "j2", "MalformedMessage", "j3"]
    assert expected[3][2] == [(EventTime(T0), {"e": "é😀"})]
    for cut in range(len(stream) + 1):
        decoder = ForwardDecoder()
        got = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert summary(got) == expected, cut


def test_json_broken_value_is_skipped_and_the_stream_continues() -> None:
    decoder = ForwardDecoder()
    items = decoder.feed(b'["a", 1, {"x": tru}] null ] 12 ["b", 2, {}] ')
    assert [type(i).__name__ for i in items] == [
        "MalformedMessage",  # invalid JSON literal
        "MalformedMessage",  # stray closer
        "MalformedMessage",  # a number is not a message ('null' is a heartbeat)
        "Message",
    ]
    assert items[-1].tag == "b"


def test_frame_of_exactly_the_limit_passes_one_byte_more_is_refused() -> None:
    frame = msgpack.packb(["t", T0, {"pad": "x" * 100}])
    assert ForwardDecoder(chunk_size_limit=len(frame)).feed(frame)[0].tag == "t"
    decoder = ForwardDecoder(chunk_size_limit=len(frame) - 1)
    decoder.feed(frame[:10])
    with pytest.raises(FrameTooLarge):
        for i in range(10, len(frame)):  # byte by byte: the limit holds while arriving
            decoder.feed(frame[i : i + 1])
    assert decoder.buffered <= len(frame) - 1
    with pytest.raises(FrameTooLarge):  # the connection stays broken
        decoder.feed(msgpack.packb(["t", T0, {}]))


def test_many_small_frames_in_one_read_larger_than_the_limit_are_fine() -> None:
    frame = msgpack.packb(["t", T0, {"k": "v"}])
    items = ForwardDecoder(chunk_size_limit=64).feed(frame * 1000)
    assert len(items) == 1000 and all(isinstance(i, Message) for i in items)


def test_header_announcing_a_huge_array_is_refused_at_once() -> None:
    decoder = ForwardDecoder(chunk_size_limit=1024)
    with pytest.raises(FrameTooLarge):
        decoder.feed(b"\x92\xa1t\xdd\x7f\xff\xff\xff")  # array32 of 2**31 entries


def test_huge_string_is_refused_once_the_limit_is_reached() -> None:
    decoder = ForwardDecoder(chunk_size_limit=1024)
    assert decoder.feed(b"\x93\xa1t\xdb\x7f\xff\xff\xff") == []  # str32 of 2 GiB
    with pytest.raises(FrameTooLarge):
        for _ in range(20):
            decoder.feed(b"x" * 100)
    assert decoder.buffered <= 1024


def test_json_value_over_the_limit_is_refused() -> None:
    decoder = ForwardDecoder(chunk_size_limit=100)
    good = json.dumps(["t", T0, {}]).encode()
    with pytest.raises(FrameTooLarge) as caught:
        decoder.feed(good + json.dumps(["t", T0, {"pad": "y" * 200}]).encode())
    assert [m.tag for m in caught.value.decoded] == ["t"]  # what came before survives


def test_garbage_breaks_the_stream_but_keeps_what_came_before() -> None:
    decoder = ForwardDecoder()
    with pytest.raises(UndecodableStream) as caught:
        decoder.feed(msgpack.packb(["ok", T0, {"a": 1}]) + b"\xc1\x00\x00")
    assert [m.tag for m in caught.value.decoded] == ["ok"]
    with pytest.raises(UndecodableStream) as again:
        decoder.feed(msgpack.packb(["ok", T0, {}]))
    assert again.value.decoded == []
    assert isinstance(decoder.error, UndecodableStream)


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (42, "message is int, not an array"),
        (["only-tag"], "message has 1 element(s)"),
        ([1, T0, {}], "tag is int, not a string"),
        (["t", T0, {}, {}, {}], "5 elements in a Message-mode message"),
        (["t", T0], "2 elements in a Message-mode message"),
        (["t", [], {}, {}], "4 elements in a Forward message"),
        (["t", T0, {}, "opt"], "option is str, not a map"),
        (["t", [[T0, {}]], {"chunk": 5}], "option chunk is int"),
    ],
)
def test_malformed_objects_are_returned_not_raised(obj: object, reason: str) -> None:
    items = ForwardDecoder().feed(msgpack.packb(obj) + msgpack.packb(["next", T0, {}]))
    assert isinstance(items[0], MalformedMessage)
    assert items[0].reason == reason
    assert items[1].tag == "next"


def test_invalid_utf8_survives_as_the_same_bytes() -> None:
    raw_str = b"\xa4ab\xff\xfe"  # fixstr of 4 bytes, not UTF-8
    frame = b"\x93\xa1t" + msgpack.packb(T0) + b"\x81\xa3msg" + raw_str
    record = ForwardDecoder().feed(frame)[0].entries[0][1]
    assert record["msg"].encode("utf-8", "surrogateescape") == b"ab\xff\xfe"
    assert pack_entries([(EventTime(T0), record)]).endswith(b"\x81\xa3msg" + raw_str)


def test_bin_tag_is_accepted() -> None:
    assert ForwardDecoder().feed(msgpack.packb([b"bin.tag", T0, {}]))[0].tag == "bin.tag"


def gz_frame(payload: bytes, option: dict | None = None) -> bytes:
    option = {"compressed": "gzip", "chunk": "g"} | (option or {})
    return msgpack.packb(["gz", payload, option], use_bin_type=True)


def test_gzip_multi_member_with_zero_padding() -> None:
    payload = gzip.compress(raw_entries(2)) + gzip.compress(raw_entries(5, 2)) + b"\0" * 8
    msg = ForwardDecoder().feed(gz_frame(payload))[0]
    assert [rec["i"] for _, rec in msg.entries] == [0, 1, 2, 3, 4]


def test_gzip_bomb_is_refused_within_the_limit() -> None:
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    block = b"\x90" * 1_000_000  # empty arrays: would decode as invalid entries
    bomb = b"".join(deflate.compress(block) for _ in range(20)) + deflate.flush()
    assert len(bomb) < 50_000  # 20 MB inflated
    decoder = ForwardDecoder(decompression_size_limit=1_000_000)
    items = decoder.feed(gz_frame(bomb) + msgpack.packb(["after", T0, {}]))
    assert isinstance(items[0], DecompressionLimit) and items[0].tag == "gz"
    assert items[1].tag == "after"  # the connection carries on


@pytest.mark.parametrize(
    ("payload", "option", "error"),
    [
        (b"not gzip at all", {}, CorruptPayload),
        (gzip.compress(raw_entries(3))[:-12], {}, CorruptPayload),
        (b"(\xb5/\xfd", {"compressed": "zstd"}, UnsupportedCompression),
    ],
    ids=["not-gzip", "cut-short", "zstd"],
)
def test_bad_compressed_payloads(payload: bytes, option: dict, error: type) -> None:
    items = ForwardDecoder().feed(gz_frame(payload, option))
    assert type(items[0]) is error


@pytest.mark.parametrize(
    "blob",
    [raw_entries(3)[:-2], raw_entries(2) + b"\xc1"],
    ids=["cut-short", "garbage-inside"],
)
def test_corrupt_packed_entries_reject_the_message(blob: bytes) -> None:
    items = ForwardDecoder().feed(msgpack.packb(["p", blob, {"chunk": "x"}], use_bin_type=True))
    assert isinstance(items[0], CorruptPayload)
    assert isinstance(items[0], MessageRejected)


def test_heartbeats_are_ignored() -> None:
    assert ForwardDecoder().feed(b"\xc0\xc0\xc0") == []


def test_expect_ping_returns_the_first_object_raw() -> None:
    ping = ["PING", "client", "salt", "d" * 128, "", ""]
    decoder = ForwardDecoder(expect_ping=True)
    items = decoder.feed(msgpack.packb(ping) + msgpack.packb(["t", T0, {}]))
    assert isinstance(items[0], Ping) and items[0].payload == ping
    assert items[1].tag == "t"


def test_empty_feed_decides_nothing() -> None:
    decoder = ForwardDecoder()
    assert decoder.feed(b"") == []
    decoder.feed(b'["t",1,{}]')
    assert decoder.is_json
