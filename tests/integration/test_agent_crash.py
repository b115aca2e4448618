"""An acked event survives a SIGKILL of the agent (file buffer, at-least-once).

The agent runs as a real process (``python -m dplat.cli agent run``) with a
forward input and an out_file output with a file buffer. Its destination is
broken during the first run (the directory out_file wants is a regular
file), so the first write fails, the retry waits 30 s and chunks pile up in
the queue: the flush is stalled, as when a real destination is down. A
client sends events one Message each, with a ``chunk`` option carrying the
event's id, keeps a window of them in flight and records every ack.
Mid-stream the agent is SIGKILLed: no shutdown code runs, so what counts is
what the buffer had handed to the kernel when each ack went out. The
destination is repaired and the agent started again with the same config;
it resumes its chunks and SIGUSR1 flushes them. Every acked id must then be
in the output files. Ids never acked may arrive too, and an id may arrive
twice (at-least-once): the counts are printed.

Loopback only, ephemeral port (read from the agent's log), bounded well
under a minute, and the agent is killed by its PID whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import msgpack
import pytest

from dplat.agent.event import EventTime
from dplat.agent.protocol.eventtime import packer, to_ext
from dplat.agent.testing import agent_process
from dplat.waiting import wait_until

pytestmark = pytest.mark.integration

TOTAL = 30_000
KILL_AFTER = 6_000
"""SIGKILL when this many acks arrived: enough chunks queued and staged."""
WINDOW = 200
"""Messages in flight; in_forward emits consecutive same-tag messages together."""

CONFIG = """
<source>
  @type forward
  bind 127.0.0.1
  port 0
</source>
<match crash.**>
  @type file
  @id crash_out
  path {out}/${{tag}}/events
  <format>
    @type json
  </format>
  <buffer tag>
    @type file
    path {buffer}
    flush_mode interval
    flush_interval 1h
    chunk_limit_records 500
    retry_wait 30s
    retry_randomize false
  </buffer>
</match>
"""


def frame(number: int) -> bytes:
    """A Message-mode frame as the Go and Node loggers send it with acks."""
    record = {"id": number, "message": f"event {number} " + "x" * 80}
    return packer().pack(["crash.app", to_ext(EventTime.now()), record,
                          {"chunk": f"e{number}"}])


async def send_until_cut(port: int, on_ack: Callable[[int], None]) -> tuple[set[int], int]:
    """Send TOTAL events until the connection breaks; the acked ids and the
    number of messages written to the socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    acked: set[int] = set()
    window = asyncio.Semaphore(WINDOW)
    sent = 0

    async def read_acks() -> None:
        unpacker = msgpack.Unpacker(raw=False)
        while True:
            try:
                data = await reader.read(65536)
            except ConnectionError:
                return
            if not data:
                return
            unpacker.feed(data)
            for reply in unpacker:
                number = int(reply["ack"][1:])
                acked.add(number)
                window.release()
                on_ack(len(acked))

    async def send_all() -> None:
        nonlocal sent
        for number in range(TOTAL):
            await window.acquire()
            writer.write(frame(number))
            sent += 1
            await writer.drain()

    sending = asyncio.create_task(send_all())
    try:
        async with asyncio.timeout(30):
            await read_acks()
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
        writer.close()
    return acked, sent


def delivered(out: Path) -> tuple[Counter[int], int]:
    """Ids in the output files, and lines that are not whole JSON (a file
    out_file was writing when the agent was killed)."""
    ids: Counter[int] = Counter()
    torn = 0
    for path in sorted(out.glob("crash.app/events*")):
        for line in path.read_text(errors="replace").splitlines():
            try:
                ids[json.loads(line)["id"]] += 1
            except (ValueError, KeyError, TypeError):
                torn += 1
    return ids, torn


def chunk_files(buffer: Path) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for path in buffer.glob("buffer.*.log"):
        kinds["staged" if ".b" in path.name else "queued"] += 1
    return kinds


def test_every_acked_event_survives_a_sigkill(tmp_path: Path) -> None:
    out, buffer = tmp_path / "out", tmp_path / "buffer"
    config = tmp_path / "agent.conf"
    config.write_text(CONFIG.format(out=out, buffer=buffer))
    out.mkdir()
    blocker = out / "crash.app"
    blocker.write_text("not a directory: every write of the first run fails")
    started = time.monotonic()

    with agent_process(config, tmp_path / "first.log") as first:
        port = first.port()

        def kill_mid_stream(count: int) -> None:
            if count == KILL_AFTER:
                first.signal(signal.SIGKILL)

        acked, sent = asyncio.run(send_until_cut(port, kill_mid_stream))
        assert first.process.wait(10) == -signal.SIGKILL
    on_disk = chunk_files(buffer)
    assert KILL_AFTER <= len(acked) < TOTAL, "the kill must come mid-stream"
    assert on_disk["queued"] >= KILL_AFTER // 500 - 1, "full chunks waited in the queue"
    assert "failed to flush the buffer" in (tmp_path / "first.log").read_text()
    blocker.unlink()  # the destination is back

    with agent_process(config, tmp_path / "second.log") as second:
        second.wait_for_log(r"agent started")
        resumed = second.wait_for_log(r"resumed buffer chunks .*staged=(\d+) queued=(\d+)")
        second.signal(signal.SIGUSR1)
        ids, torn = delivered(out)

        def all_acked_delivered() -> bool:
            nonlocal ids, torn
            ids, torn = delivered(out)
            return acked <= set(ids)

        wait_until(all_acked_delivered, 20)  # the asserts below say what is missing
        second.stop()
        assert second.process.returncode == 0

    missing = sorted(acked - set(ids))
    duplicates = sum(count - 1 for count in ids.values())
    report = (f"sent {sent}, acked {len(acked)}; on disk at the kill: {dict(on_disk)} chunks; "
              f"resumed staged/queued "
              f"{resumed.group(1)}/{resumed.group(2)}; delivered {len(ids)} distinct ids, "
              f"{duplicates} duplicates, {len(set(ids) - acked)} delivered but never acked, "
              f"{torn} torn lines; {time.monotonic() - started:.1f} s")
    print(report)
    assert not missing, f"{len(missing)} acked events lost, e.g. {missing[:10]}; {report}"
    assert not list(buffer.glob("buffer.*")), "every resumed chunk was flushed and purged"
    assert not (buffer / "backup").exists(), "a SIGKILL leaves no broken chunk"
    assert set(ids) <= set(range(sent))
