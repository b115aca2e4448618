"""The forward decoder against frames built the way each real peer builds them.

Every ``*_frame``/``*_packed`` helper below imitates one client's encoder as
described in docs/reference/fluentd.md section A (read from the clients'
sources). They deliberately use msgpack directly and ``struct`` for EventTime,
never the codec under test, so an encoding mistake in the codec cannot hide
behind the same mistake in the test.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import struct

import msgpack
import pytest

from dplat.agent.event import EventTime
from dplat.agent.protocol import (
    EventMode,
    ForwardDecoder,
    Message,
    encode_ack,
    unpackb,
)

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def ext_time(sec: int, nsec: int) -> msgpack.ExtType:
    """Fluentd's EventTime as every client writes it: ext 0, ``>II``."""
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def decode_one(frame: bytes) -> Message:
    items = ForwardDecoder().feed(frame)
    assert len(items) == 1, items
    assert isinstance(items[0], Message), items[0]
    return items[0]


# -- fluent-logger-python: Message mode, 3 elements, no option ----------------


def fluent_logger_python_frame(
    tag: str, record: dict, sec: int, nsec: int = 0, *, nanosecond_precision: bool = False
) -> bytes:
    """fluent/sender.py: ``msgpack.packb((tag, timestamp, data))``."""
    timestamp = ext_time(sec, nsec) if nanosecond_precision else sec
    return msgpack.packb((tag, timestamp, record))


def test_python_logger_integer_time() -> None:
    msg = decode_one(fluent_logger_python_frame("app.web", {"path": "/", "status": 200}, T0))
    assert msg.tag == "app.web"
    assert msg.mode is EventMode.MESSAGE
    assert msg.entries == [(EventTime(T0, 0), {"path": "/", "status": 200})]
    assert msg.chunk is None and msg.skipped == 0


def test_python_logger_nanosecond_precision() -> None:
    frame = fluent_logger_python_frame(
        "app", {"k": "v"}, T0, 123_456_789, nanosecond_precision=True
    )
    msg = decode_one(frame)
    assert msg.entries == [(EventTime(T0, 123_456_789), {"k": "v"})]
    assert msg.nbytes == len(frame)


# -- fluent-logger-golang: always 4 elements, option {} or {"chunk": ...} -----


def golang_chunk_id(unixtime: int, random: int) -> str:
    """proto.go: base64.StdEncoding(LE int64 time ++ LE uint64 random)."""
    return base64.b64encode(struct.pack("<qQ", unixtime, random)).decode()


def golang_message_with_ack(
    tag: str, record: dict, sec: int, nsec: int | None = None, chunk: str | None = None
) -> bytes:
    """fluent.go: ``[tag, time, record, option]``; MessageExt when sub-second."""
    time = sec if nsec is None else ext_time(sec, nsec)
    return msgpack.packb([tag, time, record, {} if chunk is None else {"chunk": chunk}])


def golang_json_message(tag: str, record: dict, sec: int, chunk: str | None = None) -> bytes:
    """MarshalAsJSON: the same array as JSON text, integer time."""
    option = {} if chunk is None else {"chunk": chunk}
    return json.dumps([tag, sec, record, option]).encode()


def test_golang_empty_option_and_subsecond_time() -> None:
    msg = decode_one(golang_message_with_ack("go.app", {"n": 1}, T0, nsec=5))
    assert msg.entries == [(EventTime(T0, 5), {"n": 1})]
    assert msg.chunk is None


def test_golang_request_ack_echoes_chunk() -> None:
    chunk = golang_chunk_id(T0, 0xDEADBEEF)
    assert len(chunk) == 24
    msg = decode_one(golang_message_with_ack("go.app", {"n": 1}, T0, chunk=chunk))
    assert msg.chunk == chunk
    # The Go logger decodes the reply as a map whose "ack" is a str.
    assert msgpack.unpackb(encode_ack(msg.chunk, False)) == {"ack": chunk}


def test_golang_json_framed_stream_replies_in_json() -> None:
    chunk = golang_chunk_id(T0, 7)
    decoder = ForwardDecoder()
    stream = golang_json_message("go.json", {"a": [1, "]"]}, T0, chunk) + b"\n"
    stream += golang_json_message("go.json", {"b": '{"x'}, T0 + 1)
    items = decoder.feed(stream)
    assert decoder.is_json
    assert [(m.tag, m.entries, m.chunk) for m in items] == [
        ("go.json", [(EventTime(T0), {"a": [1, "]"]})], chunk),
        ("go.json", [(EventTime(T0 + 1), {"b": '{"x'})], None),
    ]
    assert json.loads(encode_ack(items[0].chunk, decoder.is_json)) == {"ack": chunk}


# -- fluent-logger-node: Message, PackedForward, CompressedPackedForward ------


def node_chunk_id() -> str:
    return base64.b64encode(bytes(range(16))).decode()


def node_packed_gzip(tag: str, events: list[tuple[int, dict]], *, compress: bool) -> bytes:
    """lib/sender.js: entries are a Buffer (msgpack bin), option always has a
    chunk, ``size`` is the BYTE length of the (compressed) entries."""
    raw = b"".join(msgpack.packb([sec, record]) for sec, record in events)
    entries = gzip.compress(raw) if compress else raw
    option = {
        "chunk": node_chunk_id(),
        "size": len(entries),
        "compressed": "gzip" if compress else "text",
        "eventEntryDataSize": len(raw),
    }
    return msgpack.packb([tag, entries, option], use_bin_type=True)


@pytest.mark.parametrize("compress", [False, True])
def test_node_packed_forward(compress: bool) -> None:
    events = [(T0 + i, {"i": i, "msg": "héllo"}) for i in range(5)]
    msg = decode_one(node_packed_gzip("node.app", events, compress=compress))
    assert msg.mode is (EventMode.COMPRESSED if compress else EventMode.PACKED)
    assert msg.entries == [(EventTime(sec), rec) for sec, rec in events]
    assert msg.chunk == node_chunk_id()  # acked although the app did not ask
    assert msg.size_hint is not None and msg.size_hint != len(events)  # a byte count


def test_node_message_with_eventtime_and_ack() -> None:
    frame = msgpack.packb(["node.msg", ext_time(T0, 999_999_999), {"x": None}, {"chunk": "c1"}])
    msg = decode_one(frame)
    assert msg.entries == [(EventTime(T0, 999_999_999), {"x": None})]
    assert msg.chunk == "c1"


# -- Fluent Bit out_forward: Forward mode, v2 metadata entries, gzip ----------


def fluent_bit_forward_with_metadata(
    tag: str, events: list[tuple[int, int, dict]], options: dict | None = None
) -> bytes:
    """forward_format.c: ``[tag, [entries]]``; with retain_metadata_in_forward_mode
    (default) each entry is ``[[EventTime, {metadata}], record]``."""
    entries = [[[ext_time(s, ns), {"otel": {"k": 1}}], rec] for s, ns, rec in events]
    return msgpack.packb([tag, entries] if options is None else [tag, entries, options])


def fluent_bit_chunk_id(payload: bytes) -> str:
    """First 16 bytes of SHA-512 of the payload, base64 (24 characters)."""
    return base64.b64encode(hashlib.sha512(payload).digest()[:16]).decode()


def fluent_bit_gzip(tag: str, events: list[tuple[int, int, dict]], signal: int = 0) -> bytes:
    """``compress gzip``: bin of gzip(raw entries), option size = event count."""
    raw = b"".join(msgpack.packb([ext_time(s, ns), rec]) for s, ns, rec in events)
    payload = gzip.compress(raw)
    option = {
        "size": len(events),
        "compressed": "gzip",
        "fluent_signal": signal,
        "chunk": fluent_bit_chunk_id(payload),
    }
    return msgpack.packb([tag, payload, option], use_bin_type=True)


def test_fluent_bit_forward_mode_takes_time_from_metadata_array() -> None:
    events = [(T0, 1, {"log": "a"}), (T0 + 1, 2, {"log": "b"})]
    msg = decode_one(fluent_bit_forward_with_metadata("fb.tail", events))
    assert msg.mode is EventMode.FORWARD
    assert msg.entries == [(EventTime(T0, 1), {"log": "a"}), (EventTime(T0 + 1, 2), {"log": "b"})]


def test_fluent_bit_plain_entries_and_require_ack() -> None:
    frame = msgpack.packb(
        ["fb", [[ext_time(T0, 3), {"log": "x"}], [T0, {"log": "y"}]], {"chunk": "abc="}]
    )
    msg = decode_one(frame)
    assert msg.entries == [(EventTime(T0, 3), {"log": "x"}), (EventTime(T0), {"log": "y"})]
    assert msg.chunk == "abc="


def test_fluent_bit_gzip_counts_events_in_size() -> None:
    events = [(T0, i, {"i": i}) for i in range(3)]
    frame = fluent_bit_gzip("fb.gz", events)
    msg = decode_one(frame)
    assert msg.mode is EventMode.COMPRESSED
    assert msg.size_hint == 3
    assert [t for t, _ in msg.entries] == [EventTime(T0, i) for i in range(3)]
    assert msg.chunk is not None and len(msg.chunk) == 24


def test_fluent_bit_metrics_signal_is_skipped_but_acked() -> None:
    msg = decode_one(fluent_bit_gzip("fb.metrics", [(T0, 0, {"m": 1})] * 4, signal=2))
    assert msg.entries == []
    assert msg.skipped == 4 and "fluent_signal" in (msg.skip_reason or "")
    assert msg.chunk is not None


# -- Fluentd out_forward: PackedForward with str32 entries --------------------


def str32(raw: bytes) -> bytes:
    """out_forward writes ``[0xdb, size].pack('CN')`` then the raw entries."""
    return b"\xdb" + struct.pack(">I", len(raw)) + raw


def fluentd_out_forward_packed(
    tag: str, events: list[tuple[int, int, dict]], *, compress: str = "text", members: int = 1
) -> tuple[bytes, str]:
    """out_forward.rb send_data_actual: array header 0x93, tag, str32 entries,
    option ``{size, compressed, chunk}``; chunk = Base64.encode64 (trailing
    newline). With gzip the chunk may hold several concatenated members."""
    raw = b"".join(msgpack.packb([ext_time(s, ns), rec]) for s, ns, rec in events)
    if compress == "gzip":
        step = max(1, len(raw) // members)
        entries = b"".join(gzip.compress(raw[i : i + step]) for i in range(0, len(raw), step))
    else:
        entries = raw
    chunk = base64.encodebytes(b"\x01" * 16).decode()
    option = {"size": len(events), "compressed": compress, "chunk": chunk}
    frame = b"\x93" + msgpack.packb(tag) + str32(entries) + msgpack.packb(option)
    return frame, chunk


def test_fluentd_out_forward_str32_binary_entries() -> None:
    events = [(T0, 500, {"message": "binary \xff ok", "n": n}) for n in range(3)]
    frame, chunk = fluentd_out_forward_packed("fluentd.fwd", events)
    with pytest.raises(UnicodeDecodeError):  # why the decoder needs surrogateescape
        msgpack.unpackb(frame, raw=False)
    msg = decode_one(frame)
    assert msg.mode is EventMode.PACKED
    assert msg.entries == [(EventTime(T0, 500), rec) for _, _, rec in events]
    assert msg.chunk == chunk and chunk.endswith("\n")
    assert msg.size_hint == 3
    assert unpackb(encode_ack(msg.chunk)) == {"ack": chunk}


def test_fluentd_out_forward_multi_member_gzip() -> None:
    events = [(T0 + n, n, {"n": n, "pad": "x" * 50}) for n in range(40)]
    frame, chunk = fluentd_out_forward_packed("fluentd.gz", events, compress="gzip", members=4)
    msg = decode_one(frame)
    assert msg.mode is EventMode.COMPRESSED
    assert msg.entries == [(EventTime(s, ns), rec) for s, ns, rec in events]
    assert msg.chunk == chunk


# -- invalid events inside good messages (skip_invalid_event) -----------------


def test_invalid_entries_are_counted_and_the_rest_kept() -> None:
    entries = [
        [T0, {"ok": 1}],
        [T0, "not a map"],
        ["yesterday", {"bad": "time"}],
        [-5, {"bad": "negative"}],
        [T0 * 1000, {"bad": "node milliseconds quirk, beyond 2106"}],
        42,
        [T0 + 0.25, {"float": True}],
        [msgpack.Timestamp(T0, 10), {"ts": True}],
        [T0, {"extra": "element"}, "ignored like Fluentd"],
        [[[T0, {}], {}], {"bad": "time nested twice"}],
        [[T0, {"meta": 1}], {"v2": "metadata"}],
    ]
    msg = decode_one(msgpack.packb(["mixed", entries, {"chunk": "k"}], datetime=False))
    assert msg.entries == [
        (EventTime(T0), {"ok": 1}),
        (EventTime(T0, 250_000_000), {"float": True}),
        (EventTime(T0, 10), {"ts": True}),
        (EventTime(T0), {"extra": "element"}),
        (EventTime(T0), {"v2": "metadata"}),
    ]
    assert msg.skipped == 6
    assert msg.skip_reason == "record is str, not a map"
    assert msg.chunk == "k"


@pytest.mark.parametrize("time", [0, None, ext_time(0, 0)])
def test_zero_or_nil_time_means_now(time: object) -> None:
    before = EventTime.now()
    msg = decode_one(msgpack.packb(["t", [[time, {"a": 1}]]]))
    assert before <= msg.entries[0][0] <= EventTime.now()


def test_invalid_message_mode_event_is_skipped_but_still_acked() -> None:
    msg = decode_one(msgpack.packb(["t", T0, "record as a string", {"chunk": "c9"}]))
    assert msg.entries == [] and msg.skipped == 1
    assert msg.chunk == "c9"
