"""Message-mode frames folded into one Message (``ForwardDecoder(coalesce=True)``).

A logger writes one frame per event, back to back; in_forward's decoder folds
the consecutive frames of one tag that a read completes into one Message, so
the connection emits and buffers them at once. What must not change: every
event in order, each ``chunk`` acked only after its frame's events were
emitted, a bad frame affecting only itself, and the same events however the
bytes are cut into reads.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from forward_peers import T1, T2, GateRouter, Peer, eventually, message, pack, running

from dplat.agent.event import EventTime
from dplat.agent.protocol import EventMode, ForwardDecoder, MalformedMessage, Message
from dplat.agent.protocol.decoder import Decoded

S0 = 1_704_164_645


def frames(tag: str, first: int, count: int, option: dict[str, Any] | None = None) -> bytes:
    """``count`` fluent-logger-python frames ``[tag, int time, {"n": ...}]``;
    ``option`` goes on the last one."""
    return b"".join(message(tag, S0, {"n": n}, option if n == first + count - 1 else None)
                    for n in range(first, first + count))


BAD = pack(["t"])  # one element: malformed, the stream goes on


def mixed() -> bytes:
    """Six frames of t (the last with chunk a), one more t, a bad frame, a t
    frame with chunk b, a frame of another tag with chunk c."""
    return (frames("t", 0, 6, {"chunk": "a"}) + frames("t", 6, 1) + BAD
            + frames("t", 7, 1, {"chunk": "b"}) + frames("u", 8, 1, {"chunk": "c"}))


def summary(items: list[Decoded]) -> list[tuple[Any, ...]]:
    return [(i.tag, [r["n"] for _, r in i.entries], i.chunk, i.frames)
            if isinstance(i, Message) else (type(i).__name__,) for i in items]


def events(items: list[Decoded]) -> list[tuple[str, EventTime, int]]:
    return [(m.tag, t, r["n"]) for m in items if isinstance(m, Message) for t, r in m.entries]


def test_one_read_of_frames_becomes_one_message_per_run() -> None:
    items = ForwardDecoder(coalesce=True).feed(mixed())
    assert summary(items) == [
        ("t", [0, 1, 2, 3, 4, 5], "a", 6),  # a chunk ends the run
        ("t", [6], None, 1),  # the bad frame ends it too
        ("MalformedMessage",),
        ("t", [7], "b", 1),
        ("u", [8], "c", 1),
    ]
    assert all(m.mode is EventMode.MESSAGE for m in items if isinstance(m, Message))
    assert items[0].entries[0] == (EventTime(S0, 0), {"n": 0})


def test_without_coalesce_every_frame_stays_a_message() -> None:
    items = ForwardDecoder().feed(mixed())
    assert [s[3] for s in summary(items) if len(s) > 1] == [1] * 9
    assert len(items) == 10


def test_the_same_events_chunks_and_errors_however_the_bytes_are_cut() -> None:
    stream = mixed()
    whole = ForwardDecoder(coalesce=True).feed(stream)
    for size in (1, 7, 50, 333):
        decoder = ForwardDecoder(coalesce=True)
        items = [i for at in range(0, len(stream), size) for i in decoder.feed(stream[at:at + size])]
        assert events(items) == events(whole)
        assert [m.chunk for m in items if isinstance(m, Message) and m.chunk] == ["a", "b", "c"]
        assert sum(m.frames for m in items if isinstance(m, Message)) == 9
        assert [type(i) for i in items].count(MalformedMessage) == 1


def test_times_of_a_run_stay_right() -> None:
    seconds = [S0, S0, S0 + 1, S0, 7]
    stream = b"".join(message("t", s, {"n": n}) for n, s in enumerate(seconds))
    stream += message("t", T1, {"n": 5}) + message("t", T2, {"n": 6}) + message("t", S0, {"n": 7})
    (item,) = ForwardDecoder(coalesce=True).feed(stream)
    assert [t for t, _ in item.entries] == [EventTime(s, 0) for s in seconds] + [T1, T2,
                                                                                  EventTime(S0, 0)]
    assert all(type(t) is EventTime for t, _ in item.entries)


def test_an_invalid_event_inside_a_run_is_skipped_and_counted() -> None:
    stream = (message("t", S0, {"n": 0}) + message("t", -5, {"n": 1})
              + message("t", S0, [1, 2]) + message("t", S0, {"n": 3}, {"chunk": "k"}))
    (item,) = ForwardDecoder(coalesce=True).feed(stream)
    assert [r["n"] for _, r in item.entries] == [0, 3]
    assert (item.skipped, item.skip_reason, item.frames, item.chunk) == (
        2, "invalid event time", 4, "k")


def test_a_run_reports_its_largest_frame_and_heartbeats_do_not_end_it() -> None:
    small, large = message("t", S0, {"n": 0}), message("t", S0, {"n": 1, "pad": "x" * 300})
    (item,) = ForwardDecoder(coalesce=True).feed(small + b"\xc0" + large + small)
    assert item.nbytes == len(large) and item.frames == 3


def test_other_modes_are_never_folded() -> None:
    forward = pack(["t", [[S0, {"n": 1}]]])
    stream = message("t", S0, {"n": 0}) + forward + message("t", S0, {"n": 2})
    items = ForwardDecoder(coalesce=True).feed(stream)
    assert [(m.mode, m.frames) for m in items if isinstance(m, Message)] == [
        (EventMode.MESSAGE, 1), (EventMode.FORWARD, 1), (EventMode.MESSAGE, 1)]


def test_json_frames_coalesce_too() -> None:
    stream = "".join(json.dumps(["t", S0, {"n": n}] + ([{"chunk": "j"}] if n == 2 else []))
                     for n in range(4)).encode()
    items = ForwardDecoder(coalesce=True).feed(stream)
    assert summary(items) == [("t", [0, 1, 2], "j", 3), ("t", [3], None, 1)]


def test_frames_of_one_write_are_acked_after_their_emit_and_a_bad_one_is_alone() -> None:
    async def scenario() -> None:
        router = GateRouter()
        async with running(router=router) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(mixed())
            await eventually(lambda: router.started == 1)
            assert await peer.silent_for(0.3), "acked before the events were emitted"
            router.gate.set()
            acks = [await peer.read_object() for _ in range(3)]
            await peer.close()
        assert acks == [{"ack": "a"}, {"ack": "b"}, {"ack": "c"}]
        assert [(tag, record["n"]) for tag, _, record in router.events] == [
            *(("t", n) for n in range(8)), ("u", 8)]
        stats = plugin.counters()
        assert (stats["messages"], stats["malformed_messages"], stats["acks"]) == (9, 1, 3)

    asyncio.run(scenario())


def test_a_refused_run_counts_every_frame() -> None:
    async def scenario() -> None:
        router = GateRouter()
        router.refuse = RuntimeError("buffer full")
        router.gate.set()
        async with running(router=router) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            await peer.send(frames("t", 0, 5, {"chunk": "x"}))
            assert await peer.closed_by_server()
            stats = plugin.counters()
        assert (stats["refused_messages"], stats["refused_events"], stats["acks"]) == (5, 5, 0)

    asyncio.run(scenario())

