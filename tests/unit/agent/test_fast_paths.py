"""The agent's hot-path shortcuts give exactly what the plain paths give.

Each shortcut (benchmarks/agent_forward.py shows why it exists) is checked
against the general code it bypasses, on inputs chosen to hit its edges.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dplat.agent.buffer.metadata import ChunkKeys, Metadata, TimeZone
from dplat.agent.event import EventStream, EventTime

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
