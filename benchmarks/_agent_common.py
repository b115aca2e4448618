"""Pieces the agent benchmarks share: a process to measure, the bare baseline
server, and a forward client that measures ack latency.

* :class:`ServerProcess` - ``dplat agent run -c CONF`` (or the baseline) in a
  subprocess: its port from its log, its peak RSS (``VmHWM``) and CPU time
  from ``/proc``. A subprocess is the honest setting: the agent gets one
  interpreter (one core's worth of Python) and the sender's work is not
  counted against it, nor the other way round.
* :func:`serve_baseline` - the "Python ceiling" the issue compares with: a
  bare asyncio ``Protocol`` that decodes every forward object, decodes the
  entries of PackedForward blobs into ``(time, record)`` tuples, and acks.
  No routing, no buffer, no output. Run it with
  ``python benchmarks/_agent_common.py baseline``.
* :class:`ForwardClient` - writes pre-built frames, counts acks, and records
  each ack's latency from the moment its frame was *due* (not when it was
  written), so a stalled server cannot hide its latency by slowing the
  sender (coordinated omission).
"""

from __future__ import annotations

import asyncio
import os
import pstats
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgpack

from dplat.agent.testing import AgentProcess

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


class ServerProcess(AgentProcess):
    """A server under measurement (the agent, or the bare baseline), run as a
    subprocess with its log in a file."""

    @classmethod
    def agent(cls, config: Path, log: Path, cprofile: Path | None = None) -> ServerProcess:
        """The agent; under cProfile (main thread only, written at its
        graceful exit) when ``cprofile`` names the output file."""
        argv = None if cprofile is None else [
            sys.executable, "-m", "cProfile", "-o", str(cprofile), "-m", "dplat.cli",
            "agent", "run", "-c", str(config)]
        return cls(config, log, argv=argv, cwd=ROOT)

    @classmethod
    def baseline(cls, log: Path) -> ServerProcess:
        return cls("", log, argv=[sys.executable, str(Path(__file__)), "baseline"], cwd=ROOT)

    def peak_rss(self) -> int:
        """Bytes of the process's high-water resident set (``VmHWM``)."""
        return self.proc_status_kib("VmHWM") * 1024

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL if it does not end within 20 s."""
        super().stop(timeout)


class Profiler:
    """``py-spy record`` attached to a running process (``pip install py-spy``):
    collapsed stacks to a file, and the functions that used the most samples."""

    def __init__(self, pid: int, output: Path) -> None:
        self.output = output
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.process = subprocess.Popen([spy, "record", "-p", str(pid), "-o", str(output),
                                         "-f", "raw", "-r", "200", "--nonblocking"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # attached before the load starts

    def stop(self) -> list[tuple[float, str]]:
        """Stop sampling; the top functions as ``(percent of samples, name)``,
        by samples in the function itself, idle threads left out."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)
        own: Counter[str] = Counter()
        for line in self.output.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and "_worker (concurrent/futures" not in stack.rsplit(";", 1)[-1]:
                own[re.sub(r" \(.*/", " (", stack.rsplit(";", 1)[-1])] += int(count)
        total = sum(own.values()) or 1
        return [(100 * n / total, name) for name, n in own.most_common(12)]


def cprofile_top(path: Path, count: int = 16) -> list[str]:
    """The functions with the most own time in a cProfile output file, as
    ``percent  own-s  cumulative-s  calls  function`` lines."""
    stats = pstats.Stats(str(path))
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values()) or 1.0
    rows = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return [f"{100 * own / total:5.1f}%  {own:6.2f}  {cum:6.2f}  {calls:>9}  "
            f"{Path(file).name}:{line}({name})"
            for (file, line, name), (_, calls, own, cum, _) in rows]


# -- the baseline ------------------------------------------------------------------------------

_SEC_NSEC = struct.Struct(">II")


def _ext_hook(code: int, data: bytes) -> Any:
    return _SEC_NSEC.unpack(data) if code == 0 and len(data) == 8 else msgpack.ExtType(code, data)


def _unpacker(limit: int) -> msgpack.Unpacker:
    return msgpack.Unpacker(raw=False, unicode_errors="surrogateescape", strict_map_key=False,
                            ext_hook=_ext_hook, max_buffer_size=limit)


class _BareForward(asyncio.Protocol):
    """Decode every object, every PackedForward entry, and ack."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.unpacker = _unpacker(64 << 20)
        self.events: list[tuple[Any, Any]] = []

    def data_received(self, data: bytes) -> None:
        self.unpacker.feed(data)
        acks = []
        events = self.events
        for message in self.unpacker:
            body = message[1]
            if type(body) is bytes or type(body) is str:
                blob = body.encode("utf-8", "surrogateescape") if type(body) is str else body
                inner = _unpacker(len(blob) + 1)
                inner.feed(blob)
                events.extend((t, record) for t, record in inner)
                option = message[2] if len(message) > 2 else None
            elif type(body) is list:
                events.extend((t, record) for t, record in body)
                option = message[2] if len(message) > 2 else None
            else:
                events.append((body, message[2]))
                option = message[3] if len(message) > 3 else None
            if option and option.get("chunk") is not None:
                acks.append(msgpack.packb({"ack": option["chunk"]}))
        events.clear()
        if acks:
            self.transport.write(b"".join(acks))


async def serve_baseline() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_BareForward, "127.0.0.1", 0)
    print(f"listening port port={server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


# -- the client --------------------------------------------------------------------------------


class ForwardClient(asyncio.Protocol):
    """One connection that sends frames and times their acks."""

    def __init__(self) -> None:
        self.unpacker = msgpack.Unpacker(raw=False)
        self.due: dict[str, float] = {}
        """ack id -> when its frame was due to be sent (perf_counter)."""
        self.latencies: list[float] = []
        self.lateness: list[float] = []
        """How late each paced frame left this process: the host's own share
        of the latency (a busy host delays the sender too)."""
        self.acked = 0
        self.progress = asyncio.Event()
        self.closed = asyncio.Event()
        self.transport: asyncio.Transport | None = None

    @classmethod
    async def connect(cls, port: int) -> ForwardClient:
        loop = asyncio.get_running_loop()
        _, client = await loop.create_connection(cls, "127.0.0.1", port)
        return client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.unpacker.feed(data)
        now = time.perf_counter()
        for reply in self.unpacker:
            self.latencies.append(now - self.due.pop(reply["ack"]))
            self.acked += 1
        self.progress.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()
        self.progress.set()

    def send(self, data: bytes, ack_id: str | None = None, due: float | None = None) -> None:
        now = time.perf_counter()
        if due is not None:
            self.lateness.append(now - due)
        if ack_id is not None:
            self.due[ack_id] = now if due is None else due
        assert self.transport is not None
        self.transport.write(data)

    async def wait_acks(self, count: int, timeout: float) -> None:
        """Until ``count`` acks arrived in total (RuntimeError on timeout or close)."""
        async with asyncio.timeout(timeout):
            while self.acked < count:
                if self.closed.is_set():
                    raise RuntimeError(f"connection closed after {self.acked} of {count} acks")
                self.progress.clear()
                await self.progress.wait()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


FrameOf = Callable[[int], bytes]
"""Builds frame number N, whose option asks for the ack ``cN``."""


async def send_window(port: int, frame_of: FrameOf, messages: int,
                      window: int) -> tuple[ForwardClient, int]:
    """``messages`` frames at full speed, ``window`` of them awaiting their
    ack at any time; returns the client and the bytes sent."""
    client = await ForwardClient.connect(port)
    sent_bytes = 0
    for number in range(messages):
        if number >= window:
            await client.wait_acks(number - window + 1, timeout=120)
        frame = frame_of(number)
        sent_bytes += len(frame)
        client.send(frame, f"c{number}")
    await client.wait_acks(messages, timeout=120)
    client.close()
    return client, sent_bytes


async def send_paced(port: int, frame_of: FrameOf, messages: int,
                     interval: float) -> tuple[ForwardClient, int]:
    """A frame due every ``interval`` s, sent when due whatever the acks do."""
    client = await ForwardClient.connect(port)
    start = time.perf_counter() + 0.05
    sent_bytes = 0
    for number in range(messages):
        due = start + number * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = frame_of(number)
        sent_bytes += len(frame)
        client.send(frame, f"c{number}", due)
    await client.wait_acks(messages, timeout=120)
    client.close()
    return client, sent_bytes


async def send_stream(port: int, data: bytes, piece: int = 256 * 1024) -> ForwardClient:
    """A pre-built stream whose last frame asks for the ack ``end``: written
    in ``piece``-byte writes, keeping the socket's send buffer short."""
    client = await ForwardClient.connect(port)
    assert client.transport is not None
    view = memoryview(data)
    for offset in range(0, len(view), piece):
        client.send(bytes(view[offset:offset + piece]))
        while client.transport.get_write_buffer_size() > piece:
            await asyncio.sleep(0.0005)
    client.due["end"] = time.perf_counter()
    await client.wait_acks(1, timeout=300)
    client.close()
    return client


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction <= 1)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def host_speed() -> float:
    """Seconds a 10M-step Python loop takes here: when several times slower
    than on an idle run, the host is busy and every figure shrinks alike."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


if __name__ == "__main__":
    if sys.argv[1:] != ["baseline"]:
        sys.exit("usage: _agent_common.py baseline")
    asyncio.run(serve_baseline())
