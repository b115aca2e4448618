"""Decode speed of the agent's forward codec (a sanity check, not a test).

Decodes 1,000,000 events in each mode the way a peer would send them, fed in
64 KiB reads as a socket would deliver them, and prints events per second,
next to a bare msgpack loop over the same bytes (the floor no Python codec
can beat) and the ratio of the two. Times are this process's CPU time (best
of 3), so other load on a shared host skews them less; events/s is per core.
Reference points (docs/reference/fluentd.md, sections L and M): a bare msgpack
Unpacker loop reaches ~2.2M events/s in Message mode on the 2-vCPU sandbox;
Fluentd quotes 13k events/s per core.

    .venv/bin/python benchmarks/agent_codec.py [--events N]
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections.abc import Callable

import msgpack
from _agent_common import host_speed

from dplat.agent.event import EventTime
from dplat.agent.protocol import ForwardDecoder, Message, new_unpacker, pack_entries, to_ext

READ_SIZE = 64 * 1024
T0 = 1_700_000_000
RECORD = {
    "host": "192.168.0.12",
    "method": "GET",
    "path": "/api/v1/items?page=2",
    "status": 200,
    "bytes": 5316,
    "agent": "curl/8.5",
}  # ~100 bytes packed: a typical access-log line


def message_mode_stream(events: int) -> bytes:
    """fluent-logger-python with nanosecond precision: one frame per event."""
    frame = msgpack.packb(["bench.msg", to_ext(EventTime(T0, 123)), RECORD])
    return frame * events


def packed_stream(events: int, per_message: int, compress: bool) -> bytes:
    """Fluentd out_forward style: PackedForward messages of ``per_message`` entries."""
    blob = pack_entries([(EventTime(T0 + i, i), RECORD) for i in range(per_message)])
    payload = gzip.compress(blob, compresslevel=1) if compress else blob
    option = {"size": per_message, "chunk": "Y2h1bmstaWQ=\n"}
    if compress:
        option["compressed"] = "gzip"
    frame = msgpack.packb(["bench.packed", payload, option], use_bin_type=True)
    return frame * (events // per_message)


def forward_stream(events: int, per_message: int) -> bytes:
    """Fluent Bit style Forward mode with v2 metadata entries."""
    entry = [[to_ext(EventTime(T0, 5)), {}], RECORD]
    frame = msgpack.packb(["bench.fwd", [entry] * per_message])
    return frame * (events // per_message)


def decode(stream: bytes) -> int:
    """Events decoded by the codec, fed as a socket would deliver the stream."""
    decoder = ForwardDecoder()
    count = 0
    view = memoryview(stream)
    for offset in range(0, len(view), READ_SIZE):
        for item in decoder.feed(view[offset : offset + READ_SIZE]):
            assert isinstance(item, Message)
            count += len(item.entries)
    return count


def msgpack_only(stream: bytes) -> int:
    """The floor: the same unpacking (settings, ext_hook, inner blobs and
    gzip) with no protocol logic, to express the codec's cost as a ratio that
    holds on a loaded machine too."""
    count = 0
    outer = new_unpacker(len(stream))
    outer.feed(stream)
    for _tag, body, *rest in outer:
        if type(body) is bytes:
            if rest and rest[0].get("compressed") == "gzip":
                body = gzip.decompress(body)
            inner = new_unpacker(len(body))
            inner.feed(body)
            count += sum(1 for _ in inner)
        else:
            count += len(body) if type(body) is list else 1
    return count


def best_of_3(run: Callable[[bytes], int], stream: bytes, events: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()  # CPU time: other load on the host does not count
        count = run(stream)
        best = min(best, time.process_time() - started)
    assert count == events, (count, events)
    return best


def measure(name: str, build: Callable[[], bytes], events: int) -> None:
    stream = build()
    ours = best_of_3(decode, stream, events)
    floor = best_of_3(msgpack_only, stream, events)
    print(
        f"{name:<36} {events / ours:>10,.0f} ev/s {len(stream) / ours / 2**20:>6.1f} MiB/s"
        f"   msgpack alone {events / floor:>10,.0f} ev/s   codec/msgpack {ours / floor:4.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    n = parser.parse_args().events
    print(f"{n:,} events per mode, {READ_SIZE // 1024} KiB reads, CPU time, best of 3")
    print(f"host speed: a 10M-step Python loop takes {host_speed():.2f}s here")
    measure("Message (python logger, EventTime)", lambda: message_mode_stream(n), n)
    measure("PackedForward (1000/msg)", lambda: packed_stream(n, 1000, False), n)
    measure("CompressedPackedForward (1000/msg)", lambda: packed_stream(n, 1000, True), n)
    measure("Forward + metadata (1000/msg)", lambda: forward_stream(n, 1000), n)


if __name__ == "__main__":
    main()
