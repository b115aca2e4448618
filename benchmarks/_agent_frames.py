"""The frames benchmarks/agent_forward.py sends, built before the clock starts:
PackedForward blobs of ~100-byte access-log records, as Fluentd's out_forward
sends them (str32 entries, ``size`` and ``chunk`` options), and Message-mode
frames as fluent-logger-python builds them."""

from __future__ import annotations

import time

import msgpack
from _agent_common import FrameOf

TAG = "bench.forward"


def record(n: int) -> dict[str, object]:
    """~100 bytes packed: an access-log line with a sequence number."""
    return {"host": f"192.168.{n % 250}.{n % 7}", "method": "GET",
            "path": f"/api/v1/items?page={n % 50}", "status": 200, "bytes": 5316,
            "agent": "curl/8.5", "seq": n}


def event_time(sec: int, nsec: int) -> msgpack.ExtType:
    return msgpack.ExtType(0, sec.to_bytes(4, "big") + nsec.to_bytes(4, "big"))


def packed_blobs(batch: int, distinct: int) -> list[bytes]:
    """``distinct`` entry blobs of ``batch`` events each (cycled when sending)."""
    now = int(time.time())
    pack = msgpack.Packer(use_bin_type=True).pack
    return [b"".join(pack([event_time(now, i), record(b * batch + i)]) for i in range(batch))
            for b in range(distinct)]


def packed_frame(blob: bytes, batch: int, ack_id: str) -> bytes:
    """``[tag, entries, {size, chunk}]`` with the entries as str32, as out_forward writes."""
    return (b"\x93" + msgpack.packb(TAG) + b"\xdb" + len(blob).to_bytes(4, "big") + blob
            + msgpack.packb({"size": batch, "chunk": ack_id}))


def frames_of(blobs: list[bytes], batch: int) -> FrameOf:
    """PackedForward message number N, acked as ``cN``, cycling through ``blobs``."""
    return lambda number: packed_frame(blobs[number % len(blobs)], batch, f"c{number}")


def message_stream(events: int) -> bytes:
    """fluent-logger-python's frames (``packb((tag, int(time.time()), data))``)
    for ``events - 1`` events, then one with a ``chunk`` option: the barrier."""
    now = int(time.time())
    frames = [msgpack.packb((TAG, now, record(n))) for n in range(events - 1)]
    frames.append(msgpack.packb((TAG, now, record(events - 1), {"chunk": "end"})))
    return b"".join(frames)
