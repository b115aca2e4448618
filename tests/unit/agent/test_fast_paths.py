"""The agent's hot-path shortcuts give exactly what the plain paths give.

Each shortcut (benchmarks/agent_forward.py shows why it exists) is checked
against the general code it bypasses, on inputs chosen to hit its edges.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import msgpack
import pytest

from dplat.agent.buffer.metadata import ChunkKeys, Metadata, TimeZone
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.bigquery.rows import decode_lines, encode_line, encode_lines
from dplat.agent.plugins.formatters import (
    new_formatter,
    to_json,
    to_json_roundtrip,
    to_json_roundtrip_bytes,
)
from dplat.agent.plugins.out_file import FileOutput
from dplat.agent.protocol import ForwardDecoder
from dplat.agent.testing import element, run_output

# 2024-03-31 01:00 UTC: Europe/Berlin jumps from +01:00 to +02:00.
DST = int(datetime(2024, 3, 31, 1, 0, tzinfo=UTC).timestamp())


def split_event_by_event(keys: ChunkKeys, tag: str, stream: EventStream) -> dict[Metadata, EventStream]:
    """What ``ChunkKeys.split`` did before its time-only shortcut."""
    groups: dict[Metadata, EventStream] = {}
    for time, record in stream:
        groups.setdefault(keys.metadata(tag, time, record), []).append((time, record))
    return groups


def test_time_only_split_matches_the_per_event_metadata_across_a_dst_change() -> None:
    seconds = [DST - 3601, DST - 1, DST - 1, DST, DST + 5, DST - 2, DST + 3600, DST - 1, DST]
    stream = [(EventTime(sec, n), {"n": n}) for n, sec in enumerate(seconds)]
    for spec in ("time", "tag, time"):
        keys = ChunkKeys.parse(spec, timekey=3600, zone=TimeZone("Europe/Berlin"))
        groups = keys.split("app.web", stream)
        assert groups == split_event_by_event(keys, "app.web", stream)
        assert list(groups) == list(split_event_by_event(keys, "app.web", stream))  # same order
        assert sum(len(events) for events in groups.values()) == len(stream)


def test_time_only_split_keeps_one_group_per_timekey() -> None:
    keys = ChunkKeys.parse("time", timekey=86400)
    day = 1_704_153_600  # 2024-01-02 00:00 UTC
    stream = [(EventTime(day + 10, 0), {"a": 1}), (EventTime(day - 10, 0), {"a": 2}),
              (EventTime(day + 20, 0), {"a": 3})]
    groups = keys.split("x", stream)
    assert groups == {Metadata(day, None, ()): [stream[0], stream[2]],
                      Metadata(day - 86400, None, ()): [stream[1]]}


# -- JSON and out_file's format ------------------------------------------------------------------

RECORDS: list[Record] = [
    {"host": "192.168.0.1", "status": 200, "ok": True, "none": None, "ratio": 0.25},
    {"unicode": "héllo ✓ 日本", "quote": 'say "hi"\n\ttab', "nested": {"a": [1, 2.5, {"b": None}]}},
    {"bytes": b"\xff\xferaw", "time": EventTime(1, 2), "nan": float("nan"), "big": 10**30},
    {"invalid utf-8": b"\xc3(".decode("utf-8", "surrogateescape"), 7: "int key"},
    {},
]


def test_to_json_writes_what_json_dumps_writes() -> None:
    for record in RECORDS:
        expected = json.dumps(record, ensure_ascii=False, separators=(",", ":"),
                              default=lambda v: v.decode("utf-8", "replace")
                              if isinstance(v, bytes) else str(v))
        assert to_json(record) == expected


def test_to_json_writes_nan_and_infinities_as_null_which_is_valid_json() -> None:
    # json would write NaN and Infinity, which no JSON parser but Python's reads.
    assert to_json({"nan": float("nan"), "inf": float("inf"), "x": 1.5}) == (
        '{"nan":null,"inf":null,"x":1.5}'
    )


def test_bigquery_chunk_lines_keep_nan_where_the_text_outputs_write_null() -> None:
    # The BigQuery outputs read their chunk lines back: a NaN must stay a NaN
    # (the BigQuery client sends it as "NaN"), not turn into a missing value.
    line = encode_line("app", EventTime(1, 2), {"latency": float("nan"), "n": 1})
    (row,), broken = decode_lines(line)
    assert broken == [] and math.isnan(row.record["latency"]) and row.record["n"] == 1


FORMATS = [
    "",
    "output_tag false",
    "output_time false",
    "output_time false\noutput_tag false",
    "delimiter COMMA\nnewline crlf",
    "time_format %Y-%m-%d %H:%M:%S.%N\nutc true",
    "time_type float",
    "time_type unixtime",
    "timezone Asia/Tokyo",
]


@pytest.mark.parametrize("params", [f"@type out_file\n{p}" for p in FORMATS] + [
    "@type json", "@type json\nadd_newline false\nnewline crlf", "@type ltsv"])
def test_format_bytes_is_format_per_event_in_utf8(params: str) -> None:
    """The stream-at-once bytes path (out_file, json) writes what ``format``
    writes, encoded as the outputs encode it (undecodable bytes kept)."""
    formatter = new_formatter(element(params, "format"), "out_file")
    times = [EventTime(1_704_164_645, 0), EventTime(1_704_164_645, 5), EventTime(1_704_164_646, 0),
             EventTime(1_704_164_645, 0)]
    records = [*RECORDS, {"raw": b"\xff\xfe".decode("utf-8", "surrogateescape")},
               {"big": 2**70, "text": "na\u00efve \u2603"}]
    stream = [(time, records[n % len(records)]) for n, time in enumerate(times * 3)]
    assert formatter.format_bytes("app.web", stream) == [
        formatter.format("app.web", time, record).encode("utf-8", "surrogateescape")
        for time, record in stream]


def test_bigquery_chunk_lines_of_a_stream_are_its_lines_one_by_one() -> None:
    times = [EventTime(1_704_164_645, 0), EventTime(1_704_164_645, 0), EventTime(1_704_164_645, 9),
             EventTime(1_704_164_646, 0)]
    stream = [(time, RECORDS[n % len(RECORDS)]) for n, time in enumerate(times * 3)]
    assert encode_lines("app.web", stream) == [
        encode_line("app.web", time, record) for time, record in stream]


ROUNDTRIP_VALUES: list[object] = [
    math.nan, math.inf, -math.inf, -0.0, 1e-05, 1e300, 0.1 + 0.2, 2**63 - 1, 2**64, 2**70,
    None, "null", "", "tab\there\nnewline", b"\xff\xfe".decode("utf-8", "surrogateescape"),
    "snow \u2603", True, [1, [2.5, {"k": None}]], {"nested": {"x": math.nan}}, b"raw\xff",
    EventTime(1, 2), datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), {7: "int key"},
]


@pytest.mark.parametrize("value", ROUNDTRIP_VALUES, ids=repr)
def test_bigquery_chunk_json_reads_back_as_json_wrote_it(value: object) -> None:
    """The chunk lines are made by orjson where it reads back the same, else
    by json's encoder (NaN, None, what orjson refuses): either way
    ``json.loads`` gives what it gave for json's own text."""
    record = {"v": value}
    text = to_json_roundtrip_bytes(record)
    read = json.loads(text.decode("utf-8", "surrogateescape"))  # as decode_lines reads
    assert repr(read) == repr(json.loads(to_json_roundtrip(record)))
    assert b"\t" not in text  # the chunk line's columns stay three


def test_bigquery_chunk_lines_read_back_whatever_the_strings_hold() -> None:
    """U+2028, U+0085 and U+001C are line breaks to str.splitlines() that
    JSON writers leave unescaped (the first two) or escape (the last)."""
    texts = ["line\u2028separator", "next\x85line", "file\x1cseparator", "cr\rlf\n", "\t"]
    stream = [(EventTime(1_704_164_645, n), {"text": text}) for n, text in enumerate(texts)]
    rows, broken = decode_lines(b"".join(encode_lines("app", stream)))
    assert broken == []
    assert [(row.time, row.record) for row in rows] == stream


def test_out_file_isolates_an_event_it_cannot_format(tmp_path: Path) -> None:
    records: list[Record] = [{"n": 1}, {b"bytes key": 2}, {"n": 3}]
    run = run_output(FileOutput, f"path {tmp_path}/out\n<format>\n@type json\n</format>", records)
    assert [body for _, body in run.chunks] == [b'{"n":1}\n{"n":3}\n']
    assert [type(error).__name__ for *_, error in run.errors] == ["TypeError"]


# -- decoding ------------------------------------------------------------------------------------


def test_message_mode_integer_times_stay_right_when_reused() -> None:
    seconds = [1_704_164_645, 1_704_164_645, 1_704_164_646, 1_704_164_645, 7]
    stream = b"".join(msgpack.packb(["t", sec, {"n": n}]) for n, sec in enumerate(seconds))
    items = ForwardDecoder().feed(stream)
    assert [(m.entries[0][0], m.entries[0][1]["n"]) for m in items] == [
        (EventTime(sec, 0), n) for n, sec in enumerate(seconds)]
    assert all(type(m.entries[0][0]) is EventTime for m in items)
