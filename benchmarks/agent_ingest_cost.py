"""The agent's CPU cost per event on the ingest path, in process (a measurement, not a test).

What one event costs from bytes on the wire to bytes in a buffer, stage by
stage, with no sockets, threads or other processes in the way:

    decode    ForwardDecoder.feed: PackedForward frames as Fluentd's out_forward
              sends them (1000 ~100-byte events, entries as str32), or
              fluent-logger-python's Message-mode frames read 256 KiB at a time
    out_file  emitting the decoded stream into out_file (default format, a
              memory buffer with a one-day time key): split, format, append
    s3_json   out_s3's ``<format> @type json`` of the stream (logging-to-bq)
    bq_lines  bigquery_insert's chunk lines of the stream (logging-to-bq)

Two figures: microseconds per event of process CPU time (the best of
``--reps`` passes), and with ``--instructions`` the instructions per event as
valgrind's cachegrind counts them (``valgrind`` on the PATH; the run is
~50x slower): the difference between a run of 4 passes and one of 2, so
start-up and frame building drop out. Instruction counts do not move with
the load of a shared host, where CPU times swing by 2x; run the script with
another tree first on PYTHONPATH to compare code.

Dec 4 2026, issue 10 (instructions per event, main before -> after):

    decode + out_file            packed 30,408 -> 24,716 (-19%)
                                 message 24,543 -> 23,603 (-4%)
    all four stages              packed 66,131 -> 53,980 (-18%)
                                 message 61,484 -> 47,742 (-22%)

    .venv/bin/python benchmarks/agent_ingest_cost.py [--mode packed|message]
        [--messages N] [--stages all|forward] [--instructions]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Any

from _agent_frames import frames_of, message_stream, packed_blobs

from dplat.agent.plugins.out_bigquery_insert import BigQueryInsertOutput
from dplat.agent.plugins.out_file import FileOutput
from dplat.agent.plugins.out_s3 import S3Output
from dplat.agent.protocol import ForwardDecoder
from dplat.agent.testing import configured

READ = 256 * 1024
"""Bytes per read of the Message-mode stream (asyncio's largest read)."""


def frames(mode: str, messages: int) -> list[bytes]:
    """The reads the decoder is fed: one PackedForward frame each, or
    ``messages`` x 1000 Message-mode frames cut into reads."""
    if mode == "packed":
        frame_of = frames_of(packed_blobs(1000, 64), 1000)
        return [frame_of(n) for n in range(messages)]
    data = message_stream(messages * 1000)
    return [data[i : i + READ] for i in range(0, len(data), READ)]


def outputs(directory: str) -> tuple[Any, Any, Any]:
    """out_file, out_s3 and bigquery_insert as configured, never flushed
    (nothing listens at their endpoints; only ``format_stream`` is called on
    the last two)."""
    out_file = configured(FileOutput, f"path {directory}/events\n<buffer time>\n@type memory\n"
                          "timekey 1d\nflush_mode interval\nflush_interval 1h\n"
                          "total_limit_size 64g\n</buffer>")
    s3 = configured(S3Output, "s3_bucket b\ns3_endpoint http://127.0.0.1:9\ncheck_object false\n"
                    "auto_create_bucket false\n<format>\n@type json\n</format>")
    bigquery = configured(BigQueryInsertOutput, "auth_method application_default\nproject p\n"
                          "dataset d\ntable t\nschema [{\"name\": \"host\", \"type\": \"STRING\"}]")
    return out_file, s3, bigquery


def pack(output: Any, tag: str, stream: Any) -> list[bytes]:
    """What Buffering._pack stores: the output's ``format_stream`` where it
    has one, else ``format`` per event (the code before issue 10's)."""
    format_stream = getattr(output, "format_stream", None)
    if format_stream is not None:
        return format_stream(tag, stream)  # type: ignore[no-any-return]
    return [output.format(tag, time, record) for time, record in stream]


async def one_pass(reads: list[bytes], directory: str, stages: str) -> dict[str, float]:
    """Seconds of CPU per stage for all of ``reads``; and the event count."""
    out_file, s3, bigquery = outputs(directory)
    await out_file.open()
    decoder = ForwardDecoder(coalesce=True)
    spent = dict.fromkeys(("decode", "out_file", "s3_json", "bq_lines"), 0.0)
    events = 0
    clock = time.process_time
    for data in reads:
        started = clock()
        messages = decoder.feed(data)
        decoded = clock()
        for message in messages:
            await out_file.emit(message.tag, message.entries)
            events += len(message.entries)
        emitted = clock()
        spent["decode"] += decoded - started
        spent["out_file"] += emitted - decoded
        if stages == "all":
            for message in messages:
                pack(s3, message.tag, message.entries)
            formatted = clock()
            for message in messages:
                pack(bigquery, message.tag, message.entries)
            spent["s3_json"] += formatted - emitted
            spent["bq_lines"] += clock() - formatted
        assert out_file.buffering is not None
        out_file.buffering.buffer.clear_queue()
    out_file.buffering.buffer.enqueue_all()
    out_file.buffering.buffer.clear_queue()
    await out_file.close()
    return {**spent, "events": events}


def measure(args: argparse.Namespace) -> None:
    reads = frames(args.mode, args.messages)
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(args.reps):
            spent = asyncio.run(one_pass(reads, directory, args.stages))
            events = spent.pop("events")
            for stage, seconds in spent.items():
                best[stage] = min(best.get(stage, float("inf")), seconds / events * 1e6)
    shown = {stage: us for stage, us in best.items() if args.stages == "all" or us}
    print(f"{args.mode}: " + "  ".join(f"{stage} {us:.2f}" for stage, us in shown.items())
          + f"  total {sum(shown.values()):.2f} us/event of CPU (best of {args.reps})")


def instructions(args: argparse.Namespace) -> None:
    """Instructions per event: a run of 4 passes minus a run of 2."""
    counts = []
    for reps in (2, 4):
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                   "--cachegrind-out-file=/dev/null", sys.executable, __file__,
                   "--mode", args.mode, "--messages", str(args.messages),
                   "--stages", args.stages, "--reps", str(reps)]
        result = subprocess.run(command, capture_output=True, text=True, check=True,
                                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        found = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
        if found is None:
            raise SystemExit(f"no instruction count from valgrind:\n{result.stderr[-2000:]}")
        counts.append(int(found.group(1).replace(",", "")))
    per_event = (counts[1] - counts[0]) / (2 * args.messages * 1000)
    print(f"{args.mode} ({args.stages}): {per_event:,.0f} instructions per event")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--mode", choices=("packed", "message"), default="packed")
    options.add_argument("--messages", type=int, default=20, help="x 1000 events")
    options.add_argument("--stages", choices=("all", "forward"), default="all",
                         help="forward: decode and out_file only (benchmarks/agent_forward.py)")
    options.add_argument("--reps", type=int, default=5)
    options.add_argument("--instructions", action="store_true",
                         help="count instructions with valgrind instead of timing")
    args = options.parse_args()
    if args.instructions:
        instructions(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
