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

``--mode lesson`` instead routes fluent-logger-python's frames one per read
(as the logging-to-bq lesson's FluentHandler sends them) through that
lesson's agent.conf (``copy`` into out_s3 and bigquery_insert, never
flushed): there the per-emit work, not the per-event work, is the cost.

Dec 4 2026, issue 10 (instructions per event, main before -> after):

    decode + out_file            packed  30,528 -> 25,450 (-17%)
                                 message 25,092 -> 23,340 (-7%)
    all four stages              packed  63,720 -> 43,967 (-31%)
                                 message 58,585 -> 36,912 (-37%)
    lesson (one frame per read)          368,227 -> 329,051 (-11%; includes
                                 building the pipeline once, ~3 % of it)

    .venv/bin/python benchmarks/agent_ingest_cost.py [--mode packed|message|lesson]
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
from pathlib import Path
from typing import Any

import msgpack
from _agent_common import ROOT
from _agent_frames import frames_of, message_stream, packed_blobs

from dplat.agent.config import load_config
from dplat.agent.plugins.out_bigquery_insert import BigQueryInsertOutput
from dplat.agent.plugins.out_file import FileOutput
from dplat.agent.plugins.out_s3 import S3Output
from dplat.agent.protocol import ForwardDecoder
from dplat.agent.server import build
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


LESSON_CONFIG = ROOT / "scenarios" / "logging-to-bq" / "agent.conf"
LESSON_ENV = {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
              "BIGQUERY_EMULATOR_HOST": "http://127.0.0.1:9", "BIGQUERY_PROJECT": "p"}


def lesson_config(directory: str) -> str:
    """logging-to-bq's agent.conf without its inputs, its buffers never due
    (nothing listens at the endpoints above; nothing is flushed)."""
    text = re.sub(r"<source>.*?</source>", "", LESSON_CONFIG.read_text(), flags=re.S)
    for old, new in (("flush_interval 1s", "flush_interval 1h"),
                     ("timekey 1h", "timekey 1d\n      timekey_wait 1d"),
                     ("total_limit_size 32m", "total_limit_size 4g")):
        text = text.replace(old, new)
    path = os.path.join(directory, "agent.conf")
    Path(path).write_text(text)
    return path


async def lesson_pass(events: int, directory: str) -> float:
    """CPU seconds per event of fluent-logger-python's frames, one per read
    (as its FluentHandler sends them), decoded and routed through the
    lesson's ``copy`` into out_s3 and bigquery_insert."""
    router, _ = build(load_config(lesson_config(directory), LESSON_ENV))
    await router.start()
    emitter = router.emitter()
    decoder = ForwardDecoder(coalesce=True)
    reads = [msgpack.packb(("app.requests", int(time.time()), lesson_record(n)))
             for n in range(events)]
    started = time.process_time()
    for data in reads:
        for message in decoder.feed(data):
            await emitter.emit_stream(message.tag, message.entries)
    return (time.process_time() - started) / events


def lesson_record(n: int) -> dict[str, object]:
    """A record shaped like the lesson app's (scenarios/logging-to-bq/app.py)."""
    return {"event_time": f"2026-12-04T10:00:00.{n % 10**6:06d}Z", "level": "INFO",
            "logger": "app.http", "request_id": f"r{n:08d}", "user_id": f"u{n % 977:05d}",
            "endpoint": "/api/items", "status": 200, "latency_ms": 12.5,
            "message": "GET /api/items 200"}


def measure(args: argparse.Namespace) -> None:
    if args.mode == "lesson":
        with tempfile.TemporaryDirectory() as directory:
            best = min(asyncio.run(lesson_pass(args.messages * 1000, directory))
                       for _ in range(args.reps))
        print(f"lesson: {best * 1e6:.2f} us/event of CPU (best of {args.reps})", flush=True)
        os._exit(0)  # the lesson's outputs would try to flush at shutdown

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
    for reps in (1, 2) if args.mode == "lesson" else (2, 4):
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
    passes = 1 if args.mode == "lesson" else 2
    per_event = (counts[1] - counts[0]) / (passes * args.messages * 1000)
    print(f"{args.mode} ({args.stages}): {per_event:,.0f} instructions per event")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--mode", choices=("packed", "message", "lesson"), default="packed",
                         help="lesson: logging-to-bq's pipeline, one Message-mode frame per "
                         "read (--stages does not apply)")
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
