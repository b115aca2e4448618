"""A hostile-input flood against a running agent on loopback (issue 10 B).

Used by tests/integration/test_agent_hostile.py (which asserts) and by
benchmarks/agent_forward.py (which reports the peak RSS). Everything goes
to 127.0.0.1, is seeded, and is bounded in count and time. The pieces:

    bombs        gzip bombs (packed entries inflating past the limit, and
                 under it but with too many entries), an uncompressed
                 packed-entry bomb, a Forward-mode array announcing 4 Gi items
    expansion    objects that grow ~80x when decoded: 20 connections each
                 holding an unfinished Forward frame of 240,000 tiny entries,
                 and one message of 12 million empty arrays
    lengths      str/bin/array/map headers announcing 4 GiB
    nesting      100,000 nested arrays (msgpack) and JSON brackets
    types        invalid UTF-8 tags and keys, wrong types everywhere
    idle         300 connections that send nothing
    http         64 MiB bodies (plain and gzip'd zeros), bodies that grow
                 30-80x when parsed (JSON and msgpack empty objects, forms
                 of millions of empty fields or parts)
    mutations    a few thousand seeded mutations of valid frames

Each piece only sends; what the agent did is for the caller to check
(counters, RSS, whether good traffic still gets through). :func:`run_flood`
runs them all at an :class:`~dplat.agent.testing.AgentProcess` started with
:data:`CONFIG`, sampling its RSS.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import random
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import msgpack

from dplat.agent.event import EventTime
from dplat.agent.protocol.eventtime import packer, to_ext
from dplat.agent.testing import AgentProcess, agent_process

CONFIG = """
<source>
  @type forward
  port 0
  idle_timeout 2s
  max_connections 256
</source>
<source>
  @type http
  port 0
</source>
<source>
  @type monitor_agent
  port 0
</source>
<match good.** climb.**>
  @type file
  path {out}/${{tag}}/events
  append true
  <format>
    @type json
  </format>
  <buffer tag>
    flush_mode interval
    flush_interval 1h
  </buffer>
</match>
<match **>
  @type null
</match>
"""
"""The agent the flood is aimed at (``{out}``: out_file's folder). Every
input on 127.0.0.1 by default; idle connections are closed after 2 s and at
most 256 are open, so the 300 idle ones meet both limits."""

HOST = "127.0.0.1"
IDLE_HOLD_SECONDS = 3.0
"""How long the idle connections are held: past CONFIG's idle_timeout (2 s)
plus one sweep (0.5 s)."""
NOW = EventTime(1704164645, 0)
TINY_ENTRY = msgpack.packb([1704164645, {}])
"""7 bytes on the wire, about 230 bytes once decoded."""


async def send(port: int, data: bytes, *, linger: float = 0.2) -> None:
    """Open, write ``data``, wait a moment for the server's reaction, close."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return  # refused (max_connections): also an answer
    try:
        writer.write(data)
        with contextlib.suppress(ConnectionError, TimeoutError):
            await writer.drain()
            async with asyncio.timeout(linger):
                await reader.read(65536)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


def _packed(tag: str, blob: bytes, option: dict[str, object]) -> bytes:
    return packer().pack([tag, blob, option])


async def bombs(port: int) -> None:
    raw = zlib.compressobj(6, zlib.DEFLATED, 31)
    inflating = raw.compress(TINY_ENTRY * 6_000_000) + raw.flush()  # 42 MB inflated
    many = gzip.compress(TINY_ENTRY * 2_000_000, 6)  # 14 MB: under the bytes, over entries
    frames = [
        _packed("bomb.gzip", inflating, {"compressed": "gzip", "chunk": "g1"}),
        _packed("bomb.gzip", many, {"compressed": "gzip", "chunk": "g2"}),
        _packed("bomb.packed", TINY_ENTRY * 2_000_000, {"chunk": "p1"}),
        b"\x93\xa4bomb\xdd\xff\xff\xff\xff",  # Forward mode: 4 Gi entries announced
    ]
    for frame in frames:
        await send(port, frame, linger=1.0)


async def expansion(port: int, connections: int = 20, hold: float = 1.0) -> None:
    unfinished = packer().pack(["grow.partial", [[1704164645, {}]] * 240_000])[:-1]
    writers = []
    for _ in range(connections):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection(HOST, port)
            writer.write(unfinished)
            writers.append(writer)
    with contextlib.suppress(ConnectionError):
        await asyncio.gather(*(writer.drain() for writer in writers))
    await asyncio.sleep(hold)
    for writer in writers:
        writer.close()
    nested = packer().pack(["grow.nested", [[1704164645, {"a": [[[]] * 60] * 200_000}]],
                            {"chunk": "n"}])
    await send(port, nested, linger=1.0)


async def lengths(port: int) -> None:
    for header in (b"\xdb", b"\xc6", b"\xdd", b"\xdf"):  # str32 bin32 array32 map32
        await send(port, b"\x93\xa3len" + header + b"\xff\xff\xff\xff" + b"x" * 65536)


async def nesting(port: int) -> None:
    await send(port, b"\x91" * 100_000)
    await send(port, b"[" * 100_000)
    await send(port, b'{"a":' * 50_000)


async def wrong_types(port: int) -> None:
    t = to_ext(NOW)
    frames = [
        b"\x93\xa2\xff\xfe" + packer().pack(t) + packer().pack({"a": 1}),  # bad UTF-8 tag
        packer().pack(["ok", t, {b"\xff\xfe": b"\xc3\x28"}]),  # bad UTF-8 key and value
        packer().pack([1, t, {}]), packer().pack(["t", "yesterday", {}]),
        packer().pack(["t", t, [1, 2]]), packer().pack(["t", t, {}, "not a map"]),
        packer().pack(["t", [[t]], {"chunk": 7}]), packer().pack({"not": "an array"}),
        packer().pack(["t", b"\x92\x01", {"compressed": "zstd"}]),
        packer().pack(["t", -1, {}]), packer().pack(["t", 2**63, {}]),
    ]
    await send(port, b"".join(frames))


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def open_idle(port: int, count: int = 300) -> list[Connection]:
    """Open ``count`` connections that will send nothing (those refused at
    once past max_connections are kept too: they read as closed)."""
    connections = []
    for _ in range(count):
        with contextlib.suppress(OSError):
            connections.append(await asyncio.open_connection(HOST, port))
    return connections


async def count_closed(connections: list[Connection]) -> int:
    """How many of ``connections`` the server has closed; closes them all."""
    closed = 0
    for reader, writer in connections:
        with contextlib.suppress(TimeoutError, ConnectionError):
            async with asyncio.timeout(0.01):
                if await reader.read(1) == b"":
                    closed += 1
        writer.close()
    return closed


async def _post(port: int, head: bytes, body: bytes | None, size: int) -> int:
    """POST ``body`` (or ``size`` bytes of ``[{},{},...`` streamed); the status."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return 0
    length = size if body is None else len(body)
    writer.write(head.replace(b"LENGTH", str(length).encode()))
    try:
        if body is None:
            block = b"{}," * (1024 * 1024 // 3)
            for _ in range(size // len(block)):
                writer.write(block)
                await writer.drain()
        else:
            writer.write(body)
            await writer.drain()
    except ConnectionError:
        pass  # the server answered 413 and closed while we were still sending
    try:
        async with asyncio.timeout(10):
            line = await reader.readline()
        return int(line.split()[1]) if line else 0
    except (TimeoutError, ConnectionError, IndexError, ValueError):
        return 0
    finally:
        writer.close()


async def http_bodies(port: int, size: int = 64 * 1024 * 1024) -> list[int]:
    """The statuses of: ``size`` bytes as sent (over body_size_limit), a gzip
    bomb inflating to ``size``, 30 MB of JSON empty objects (~800 MiB parsed),
    24 MB of msgpack empty maps (~1.8 GiB decoded), a 30 MiB urlencoded
    form of 10 million empty fields (~1.6 GiB parsed) and 4 MiB of empty
    multipart parts (17 s of CPU in Python's email parser)."""
    def head(kind: str, extra: str = "") -> bytes:
        return (f"POST /hostile.http HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: {kind}"
                f"\r\nContent-Length: LENGTH\r\n{extra}\r\n").encode()

    json, msgpack_type = "application/json", "application/msgpack"
    json_empties = b"[" + b"{}," * 10_000_000 + b"{}]"
    msgpack_empties = b"\xdd" + (24_000_000).to_bytes(4, "big") + b"\x80" * 24_000_000
    form_empties = b"a=&" * (10 * 1024 * 1024)
    part = b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n\r\n'
    parts_empties = part * (4 * 1024 * 1024 // len(part)) + b"--B--\r\n"
    return [
        await _post(port, head(json), None, size),
        await _post(port, head(json, "Content-Encoding: gzip\r\n"),
                    gzip.compress(b"0" * size, 6), 0),
        await _post(port, head(json), json_empties, 0),
        await _post(port, head(msgpack_type), msgpack_empties, 0),
        await _post(port, head("application/x-www-form-urlencoded"), form_empties, 0),
        await _post(port, head("multipart/form-data; boundary=B"), parts_empties, 0),
    ]


def mutated_frames(count: int, seed: int = 10) -> list[bytes]:
    """``count`` seeded mutations (bit flips, cuts, splices, length bytes) of
    valid frames of the four modes."""
    rng = random.Random(seed)
    t = to_ext(NOW)
    entries = b"".join(packer().pack([t, {"n": i, "s": "x" * i}]) for i in range(20))
    seeds = [
        packer().pack(["m.a", t, {"k": "v", "n": 1}, {"chunk": "a"}]),
        packer().pack(["m.b", [[t, {"k": i}] for i in range(10)], {"chunk": "b"}]),
        packer().pack(["m.c", entries, {"chunk": "c", "size": 20}]),
        packer().pack(["m.d", gzip.compress(entries), {"compressed": "gzip", "chunk": "d"}]),
    ]
    out = []
    for _ in range(count):
        frame = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            pos = rng.randrange(len(frame))
            if kind < 0.4:
                frame[pos] ^= 1 << rng.randrange(8)
            elif kind < 0.6:
                frame[pos] = rng.choice((0xC1, 0xDB, 0xDD, 0xDF, 0xFF, 0x00, 0x7F))
            elif kind < 0.8:
                del frame[pos:pos + rng.randint(1, 8)]
            else:
                frame[pos:pos] = rng.randbytes(rng.randint(1, 8))
        out.append(bytes(frame))
    return out


async def mutations(port: int, count: int = 3000, per_connection: int = 50) -> None:
    frames = mutated_frames(count)
    batches = [frames[i:i + per_connection] for i in range(0, count, per_connection)]
    sem = asyncio.Semaphore(8)

    async def one(batch: list[bytes]) -> None:
        async with sem:
            await send(port, b"".join(batch), linger=0.05)

    await asyncio.gather(*(one(batch) for batch in batches))


async def flood(forward_port: int, http_port: int) -> dict[str, object]:
    """Every piece, the cheap ones alongside each other; what the client saw.
    The idle connections come first, alone: while they hold every one of
    max_connections, the other pieces would only be refused at the door."""
    idle = await open_idle(forward_port)
    await asyncio.sleep(IDLE_HOLD_SECONDS)
    closed = await count_closed(idle)
    await asyncio.gather(bombs(forward_port), lengths(forward_port), nesting(forward_port),
                         wrong_types(forward_port))
    await expansion(forward_port)
    statuses = await http_bodies(http_port)
    await mutations(forward_port)
    return {"idle_closed_seen": closed, "http_statuses": statuses}


@dataclass
class FloodReport:
    """What :func:`run_flood` measured."""

    peak_rss_kib: int
    """The kernel's high-water mark of the agent's RSS (VmHWM) after the flood."""
    seconds: float
    seen: dict[str, object]
    """What the flooding client saw (idle connections closed, http statuses)."""
    samples_kib: list[int] = field(default_factory=list)
    """VmRSS every 50 ms during the flood."""


def run_flood(agent: AgentProcess) -> FloodReport:
    """The whole flood at ``agent`` (started with :data:`CONFIG`), its RSS
    sampled throughout by a thread."""
    forward_port = agent.port()
    http_port = int(agent.wait_for_log(r"listening http .*port=(\d+)").group(1))
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                samples.append(agent.proc_status_kib("VmRSS"))
            except (OSError, KeyError):
                return
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, name="rss sampler", daemon=True)
    started = time.monotonic()
    sampler.start()
    try:
        seen = asyncio.run(flood(forward_port, http_port))
    finally:
        done.set()
        sampler.join()
    return FloodReport(agent.proc_status_kib("VmHWM"), time.monotonic() - started, seen,
                       samples)


def flood_new_agent(directory: Path) -> FloodReport:
    """:func:`run_flood` at a new ``dplat agent run`` with :data:`CONFIG`,
    its files in ``directory`` (benchmarks/agent_forward.py)."""
    config = directory / "agent.conf"
    config.write_text(CONFIG.format(out=directory / "out"))
    with agent_process(config, directory / "agent.log") as agent:
        report = run_flood(agent)
        agent.stop()
    return report
