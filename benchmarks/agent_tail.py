"""Throughput of in_tail (a measurement to rerun, not a test).

A writer thread appends Apache combined-log lines (~190 bytes, times moving
one second every 500 lines) to a file in 1 MiB writes while a tail source
follows it from the head with the given parser and emits into a sink that
only counts. Prints MiB/s and lines/s by wall clock and by this process's
CPU time, best of ``--repeat`` runs. The CPU figure is the per-core one the
goals are judged by (>= 20 MiB/s with ``none``, >= 5.2 MiB/s with
``apache2``; Fluentd's regexp-parsing figure in the reference doc, section L,
is 2.6 MiB/s): on a shared host other load stretches the wall clock, not
the CPU time. The writer thread's CPU (pre-built bytes, one write per MiB)
counts against the tail.

    .venv/bin/python benchmarks/agent_tail.py [--mib 32] [--repeat 3] [--parsers none,apache2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta

from dplat.agent.event import EventStream
from dplat.agent.plugins.in_tail import TailInput
from dplat.agent.testing import configured

GOALS = {"none": 20.0, "apache2": 5.2}
PARSE = {
    "none": "@type none",
    "apache2": "@type apache2",
    "json": "@type json",
    "regexp": "@type regexp\nexpression /^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) "
              "\\[(?<time>[^\\]]*)\\] \"(?<request>[^\"]*)\" (?<code>\\d+) (?<size>\\d+)/\n"
              "time_format %d/%b/%Y:%H:%M:%S %z",
}
CHUNK = 1 << 20


def access_log(target_bytes: int, as_json: bool = False) -> tuple[bytes, int]:
    """Log text of about ``target_bytes`` and its number of lines."""
    start = datetime(2024, 1, 2, tzinfo=UTC)
    paths = ["/", "/api/v1/items?page=2", "/static/app.js", "/login", "/search?q=tail"]
    lines = []
    size = 0
    n = 0
    while size < target_bytes:
        stamp = (start + timedelta(seconds=n // 500)).strftime("%d/%b/%Y:%H:%M:%S +0000")
        host = f"10.0.{n % 250}.{n % 7}"
        if as_json:
            line = (f'{{"time":{1704153600 + n // 500},"host":"{host}","path":"{paths[n % 5]}",'
                    f'"code":200,"size":{n % 9000},"agent":"Mozilla/5.0 (X11; Linux x86_64)"}}\n')
        else:
            line = (f'{host} - - [{stamp}] "GET {paths[n % 5]} HTTP/1.1" 200 {n % 9000} '
                    f'"https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"\n')
        lines.append(line)
        size += len(line)
        n += 1
    return "".join(lines).encode(), n


class CountingSink:
    """Stands in for the router: counts what the tail emits."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.done = asyncio.Event()

    async def emit_stream(self, tag: str, stream: EventStream) -> None:
        self.count += len(stream)
        if self.count >= self.expected:
            self.done.set()

    def emit_error_event(self, *args: object) -> None:
        raise AssertionError(f"unexpected error event {args!r}")


def writer(path: str, data: bytes) -> None:
    with open(path, "ab") as handle:
        for offset in range(0, len(data), CHUNK):
            handle.write(data[offset:offset + CHUNK])
            handle.flush()


async def measure(parser: str, data: bytes, lines: int) -> tuple[float, float]:
    """Wall and CPU seconds to tail ``data`` while it is being written."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "access.log")
        open(path, "wb").close()
        conf = (f"path {path}\ntag bench\nread_from_head true\npoll_interval 0.01\n"
                f"pos_file {directory}/pos\n<parse>\n{PARSE[parser]}\n</parse>")
        sink = CountingSink(lines)
        plugin = configured(TailInput, conf, name="source")
        plugin.router = sink  # type: ignore[assignment]
        thread = threading.Thread(target=writer, args=(path, data))
        wall, cpu = time.perf_counter(), time.process_time()
        await plugin.open()
        thread.start()
        await sink.done.wait()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        thread.join()
        await plugin.close()
    assert sink.count == lines, (sink.count, lines)
    return wall, cpu


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--mib", type=int, default=32, help="MiB of log per run")
    options.add_argument("--repeat", type=int, default=3, help="runs per parser (best counts)")
    options.add_argument("--parsers", default="none,apache2", help="comma list: "
                         + ", ".join(PARSE))
    args = options.parse_args()
    print(f"{'parser':<8} {'MiB':>5} {'lines':>9} {'MiB/s wall':>11} {'MiB/s cpu':>10} "
          f"{'lines/s cpu':>11} {'goal':>6}  result")
    for parser in args.parsers.split(","):
        data, lines = access_log(args.mib << 20, as_json=parser == "json")
        runs = [asyncio.run(measure(parser, data, lines)) for _ in range(args.repeat)]
        wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
        mib = len(data) / (1 << 20)
        goal = GOALS.get(parser)
        verdict = "" if goal is None else ("ok" if mib / cpu >= goal else "BELOW GOAL")
        print(f"{parser:<8} {mib:>5.0f} {lines:>9} {mib / wall:>11.1f} {mib / cpu:>10.1f} "
              f"{lines / cpu:>11.0f} {goal or '':>6}  {verdict}"
              f"{f' ({mib / cpu / goal:.2f}x)' if goal else ''}")


if __name__ == "__main__":
    main()
