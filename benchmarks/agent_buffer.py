"""Write speed of the agent's buffers: memory vs file (a measurement, not a test).

Writes the same ~120-byte packed events into a memory buffer and a file
buffer through ``Buffer.write`` (what an output's emit does after packing),
in batches of 1 (one event per emit and commit: a Message-mode client
waiting for an ack per event), 100 and 1000 (PackedForward-sized emits).
Chunks are queued at 8 MiB, as with the memory buffer's default, so chunk
creation and the ``.b`` -> ``.q`` renames are part of the cost. Prints
appends (writes) per second, events per second and MiB/s, wall time, best
of 3; the file buffer writes to the page cache (Fluentd's default, no
fsync); ``--fsync`` adds the durable variant, which is bound by the disk.

    .venv/bin/python benchmarks/agent_buffer.py [--events N] [--dir DIR] [--fsync]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from functools import partial

from dplat.agent.buffer.buffer import Buffer
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.event import EventTime
from dplat.agent.plugins.buf_file import FileBuffer
from dplat.agent.plugins.buf_memory import MemoryBuffer
from dplat.agent.protocol import pack_entry
from dplat.agent.testing import element

RECORD = {"host": "192.168.0.12", "method": "GET", "path": "/api/v1/items?page=2",
          "status": 200, "bytes": 5316, "agent": "curl/8.5"}
ENTRY = pack_entry(EventTime(1_700_000_000, 123), RECORD)
META = Metadata(None, "bench", ())


def new_buffer(kind: str, directory: str) -> Buffer:
    buffer: Buffer = MemoryBuffer() if kind == "memory" else FileBuffer()
    params = ["chunk_limit_size 8m", "total_limit_size 64g"]
    if kind != "memory":
        params += [f"path {directory}", f"fsync {'true' if kind == 'file+fsync' else 'false'}"]
    buffer.configure(element("\n".join(params), "buffer"))
    buffer.start()
    return buffer


def drain(buffer: Buffer) -> None:
    buffer.enqueue_all()
    while (chunk := buffer.dequeue_chunk()) is not None:
        buffer.purge_chunk(chunk.unique_id)
    buffer.close()


def one_run(kind: str, directory: str, events: int, batch: int) -> float:
    buffer = new_buffer(kind, directory)
    data = {META: [ENTRY] * batch}
    write = buffer.write
    started = time.perf_counter()
    for _ in range(events // batch):
        write(data)
    seconds = time.perf_counter() - started
    drain(buffer)
    return seconds


def best_of_3(run: Callable[[], float]) -> float:
    return min(run() for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--dir", default=None, help="where the file buffer writes (a temp dir)")
    parser.add_argument("--fsync", action="store_true", help="also measure fsync true")
    args = parser.parse_args()
    kinds = ["memory", "file", *(["file+fsync"] if args.fsync else [])]
    print(f"{args.events:,} events of {len(ENTRY)} bytes per run, wall time, best of 3")
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        for batch in (1, 100, 1000):
            memory_per_event = 0.0
            for kind in kinds:
                events = args.events if kind != "file+fsync" else min(args.events, 2_000 * batch)
                seconds = best_of_3(partial(one_run, kind, directory, events, batch))
                per_event = seconds / events
                memory_per_event = memory_per_event or per_event
                print(f"batch {batch:>4}  {kind:<10} {events / batch / seconds:>11,.0f} appends/s "
                      f"{events / seconds:>11,.0f} ev/s "
                      f"{events * len(ENTRY) / seconds / 2**20:>7.1f} MiB/s "
                      f"{per_event / memory_per_event:>6.1f}x memory's time")

if __name__ == "__main__":
    main()
