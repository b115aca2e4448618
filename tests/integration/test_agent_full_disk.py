"""A file buffer on a disk that fills up: the agent refuses, never acks what it
did not buffer, and delivers everything it acked once space comes back.

The buffer lives on an 8 MiB tmpfs mounted for the test (we are root; the
test is skipped, saying why, where mounting is not permitted) and its
``total_limit_size`` is far larger, so the *disk* is what runs out: writes
meet ENOSPC. The output is ``it_blocked`` (agent_harness.py): every write
waits until the test unblocks it, as a destination that is down would, so
chunks pile up until the disk is full. The agent runs in-process
(``RunningAgent``); a stand-in for Fluentd's out_forward with
``require_ack_response`` (forward_standins.py) sends PackedForward chunks of
100 events with unique ids and waits for each ack; a refusal shows as the
connection closing without an ack, and the sender then reconnects.

* ``throw_exception``: once the disk is full every chunk is refused; the ids
  delivered after unblocking are exactly the acked ones (no refused id got
  in, even partly), and the refused chunks, sent again once space is free,
  are acked and delivered too: every id exactly once.
* ``drop_oldest_chunk``: queued chunks are deleted to make room, so sending
  goes on; the ids delivered are acked ones, each once, and the acked ids
  missing are exactly as many as the records the agent logged as dropped.
"""

from __future__ import annotations

import logging
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from dplat.waiting import wait_until
from tests.integration.agent_harness import RunningAgent
from tests.integration.forward_standins import FluentdForwardSender

pytestmark = pytest.mark.integration

DISK = "8m"
BATCH = 100
PAYLOAD = "p" * 220  # ~300 bytes per packed event: ~30 KiB per chunk sent

CONFIG = """
<source>
  @type forward
  @id in_fw
  bind 127.0.0.1
  port 0
</source>
<match disk.**>
  @type it_blocked
  @id blocked
  <buffer>
    @type file
    path {disk}/buffer
    flush_mode interval
    flush_interval 1h
    chunk_limit_size 256k
    total_limit_size 256m
    overflow_action {action}
    flush_thread_burst_interval 0.01
  </buffer>
</match>
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MiB tmpfs, unmounted (lazily, if something still holds it) after the test."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs",
                             str(mount_point)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=False)


class Client:
    """Sends numbered chunks and remembers which ids were acked and which refused."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.peer: FluentdForwardSender | None = None
        self.acked: list[int] = []
        self.refused: list[list[int]] = []

    def send(self, ids: list[int]) -> bool:
        """One chunk with ack; False (and the connection dropped) when refused."""
        if self.peer is None:
            self.peer = FluentdForwardSender(self.port)
        now = int(time.time())
        events = [(now, n % 1000, {"id": n, "payload": PAYLOAD}) for n in ids]
        try:
            chunk = self.peer.send_chunk("disk.app", events)
            assert self.peer.read_ack() == chunk
        except OSError:  # closed without an ack (ConnectionError), or no answer in 10 s
            self.peer.close()
            self.peer = None
            self.refused.append(ids)
            return False
        self.acked.extend(ids)
        return True

    def close(self) -> None:
        if self.peer is not None:
            self.peer.close()


def delivered(agent: RunningAgent) -> Counter[int]:
    return Counter(record["id"] for record in agent.plugin("blocked").written)


def flush_everything(agent: RunningAgent, expected: int) -> Counter[int]:
    """Let the output write, flush what is staged, and wait for ``expected`` ids."""
    agent.plugin("blocked").unblock()
    ids: Counter[int] = Counter()

    def enough() -> bool:
        nonlocal ids
        agent.call(agent.server.flush())
        ids = delivered(agent)
        return sum(ids.values()) >= expected

    wait_until(enough, 30, interval=0.1)
    return ids  # the caller's asserts say what is missing


def chunks(count: int, start: int = 0) -> Iterator[list[int]]:
    for number in range(start, start + count):
        yield list(range(number * BATCH, (number + 1) * BATCH))


def test_throw_exception_refuses_on_a_full_disk_and_acks_only_what_it_buffered(
        small_disk: Path, tmp_path: Path) -> None:
    with RunningAgent(CONFIG.format(disk=small_disk, action="throw_exception"), tmp_path) as agent:
        client = Client(agent.port("in_fw"))
        for ids in chunks(1000):  # ~30 MiB offered to an 8 MiB disk
            if not client.send(ids) and len(client.refused) == 3:
                break
        client.close()
        assert len(client.refused) == 3, "the disk never filled up"
        assert len(client.acked) * len(PAYLOAD) > 4 * 2**20, "most of the disk was used first"
        counters = agent.plugin("in_fw").counters()
        assert counters["refused_messages"] == 3 and counters["acks"] == len(client.acked) // BATCH

        ids = flush_everything(agent, len(client.acked))
        assert set(ids) == set(client.acked), "delivered = acked: nothing refused got in"
        assert max(ids.values()) == 1

        retry = Client(agent.port("in_fw"))  # the client resends what was refused
        for refused in client.refused:
            assert retry.send(refused), "space was freed: the resent chunk is acked"
        retry.close()
        everything = client.acked + retry.acked
        ids = flush_everything(agent, len(everything))
    print(f"acked {len(client.acked)} ids before the disk filled, refused "
          f"{sum(map(len, client.refused))} (then resent and acked); delivered {len(ids)}")
    assert sorted(ids) == sorted(everything) and max(ids.values()) == 1


def test_drop_oldest_chunk_keeps_accepting_and_accounts_for_what_it_dropped(
        small_disk: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="dplat.agent")
    with RunningAgent(CONFIG.format(disk=small_disk, action="drop_oldest_chunk"),
                      tmp_path) as agent:
        client = Client(agent.port("in_fw"))
        for ids in chunks(800):  # ~24 MiB through an 8 MiB disk
            client.send(ids)
        client.close()
        drops = agent.plugin("blocked").metrics.drop_oldest_chunk_count
        dropped = sum(int(found) for found in re.findall(
            r"dropping oldest chunk to make space .*records=(\d+)", caplog.text))
        ids = flush_everything(agent, len(client.acked) - dropped)
    refused = sum(map(len, client.refused))
    print(f"acked {len(client.acked)}, refused {refused}, {drops} chunks dropped "
          f"({dropped} records), delivered {len(ids)}")
    assert drops >= 1 and len(client.acked) > 2 * len(ids), "far more went through than fits"
    assert set(ids) <= set(client.acked) and max(ids.values()) == 1
    assert set(client.acked[-BATCH:]) <= set(ids), "the newest chunk survives"
    assert len(client.acked) > 2 * len(ids), "far more went through than the disk holds"
    assert len(client.acked) - len(ids) == dropped, "every acked id is delivered or dropped"
