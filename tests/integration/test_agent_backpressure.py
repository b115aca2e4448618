"""Backpressure, not death: an output slower than its input fills the buffer
to ``total_limit_size``, then ``overflow_action block`` stops the forward
input reading, so the client's socket send waits; nothing is lost or doubled.

What Fluentd does, read in its source (fluent/fluentd):

* ``lib/fluent/plugin/output.rb`` (``handle_stream_simple`` /
  ``write_guard``): on ``BufferOverflowError`` with ``overflow_action
  block`` the emitting thread sleeps and retries until the buffer takes the
  write; ``throw_exception`` re-raises it to the input.
* ``lib/fluent/plugin/in_forward.rb``: each connection is read by the thread
  that emits, so while an emit blocks nothing more is read from that socket
  and TCP pushes back on the sender.

The client is fluent-logger-python (``fluent/sender.py``), which does not
wait for acks: its ``send()`` blocks while the socket's send buffer is full
and, after ``timeout`` seconds, closes the socket and keeps the unsent bytes
(``pendings``, up to ``bufmax``) for the next emit. So with ``block`` the
app waits instead of losing anything.

The slow output is a real ``out_forward`` to a receiver in this test that
reads at most 64 KiB per 20 ms (about 3 MB/s) and counts every event
(``flush_thread_burst_interval`` is short so that the receiver, not the
flush pacing, sets the rate); the
agent is a real process (``dplat agent run``). The monitor API is sampled
during the run: the buffer must reach its limit and never pass it, and the
agent's peak RSS (VmHWM) must stay small. Loopback only, ephemeral ports,
bounded to well under a minute, the agent killed by its PID at the end.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import msgpack
import pytest
from fluent.sender import FluentSender

from dplat.agent.testing import agent_process
from dplat.waiting import wait_until

pytestmark = pytest.mark.integration

EVENTS = 30_000
PAYLOAD = "x" * 900
"""About 1 KB per event: 28 MB in all, far more than the buffer (512 KiB)
and the loopback socket buffers can hold, so the client must wait."""
TOTAL_LIMIT = 512 * 1024
CHUNK_LIMIT = 64 * 1024
READ_BYTES = 64 * 1024
READ_PAUSE_S = 0.02
ONE_WRITE = 256 * 1024
"""What one emit can add past the limit: as in Fluentd's ``buffer.rb``
(``write`` raises BufferOverflowError only when the buffer is already not
``storable?``, then takes the whole write), a write is refused only once the
limit is reached, so the buffer can pass it by one write: one socket read of
in_forward (asyncio reads at most 256 KiB) re-packed."""
RSS_LIMIT_KIB = 300 * 1024
"""Far below the container's 512 MiB; an agent that held the whole 28 MB
stream decoded would not pass it either way, but an unbounded one on a
longer stream would."""

CONFIG = """
<source>
  @type forward
  @id in
  bind 127.0.0.1
  port 0
</source>
<source>
  @type monitor_agent
  @id monitor
  bind 127.0.0.1
  port {monitor_port}
</source>
<match bp.**>
  @type forward
  @id slow
  <server>
    host 127.0.0.1
    port {receiver_port}
  </server>
  <buffer>
    @type memory
    chunk_limit_size {chunk_limit}
    total_limit_size {total_limit}
    overflow_action block
    flush_mode immediate
    flush_thread_burst_interval 0.02
  </buffer>
</match>
"""


class SlowReceiver:
    """A forward server that drains slowly and counts the events by id."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.ids: list[int] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        unpacker = msgpack.Unpacker(raw=True)
        with conn:
            while data := conn.recv(READ_BYTES):
                unpacker.feed(data)
                for message in unpacker:
                    self._count(message)
                time.sleep(READ_PAUSE_S)

    def _count(self, message: list[Any]) -> None:
        """out_forward sends PackedForward ``[tag, entries, options]``, the
        entries a msgpack stream inside a str (so the outer unpack is raw)."""
        entries = message[1]
        assert isinstance(entries, bytes), f"not PackedForward: {message!r:.200}"
        with self._lock:
            self.ids.extend(record["id"] for record in _unpack_stream(entries))

    def count(self) -> int:
        with self._lock:
            return len(self.ids)

    def close(self) -> None:
        self.server.close()


def _unpack_stream(raw: bytes) -> list[dict[str, Any]]:
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
    unpacker.feed(raw)
    return [entry[1] for entry in unpacker]


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def _queued_bytes(monitor_port: int) -> int:
    url = f"http://127.0.0.1:{monitor_port}/api/plugins.json"
    with urllib.request.urlopen(url, timeout=5) as response:
        plugins = json.load(response)["plugins"]
    return next(p for p in plugins if p.get("plugin_id") == "slow")["buffer_total_queued_size"]


def test_a_slow_output_makes_the_forward_client_wait_and_loses_nothing(tmp_path: Path) -> None:
    receiver = SlowReceiver()
    monitor_port = _free_port()
    config = tmp_path / "agent.conf"
    config.write_text(CONFIG.format(monitor_port=monitor_port, receiver_port=receiver.port,
                                    chunk_limit=CHUNK_LIMIT, total_limit=TOTAL_LIMIT))
    samples: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.05):
            samples.append(_queued_bytes(monitor_port))

    try:
        with agent_process(config, tmp_path / "agent.log") as agent:
            port = agent.port()
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            lost: list[bytes] = []
            sender = FluentSender("bp", host="127.0.0.1", port=port, timeout=30.0,
                                  buffer_overflow_handler=lost.append)
            started = time.monotonic()
            try:
                for n in range(EVENTS):
                    assert sender.emit("app", {"id": n, "payload": PAYLOAD}), sender.last_error
                sender.close()
                sent_in = time.monotonic() - started
                wait_until(lambda: receiver.count() >= EVENTS, 120, interval=0.1,
                           what=f"{EVENTS} events at the receiver")
            finally:
                sampling.set()
                sampler.join(10)
            peak_kib = agent.proc_status_kib("VmHWM")
            log = agent.log.read_text(errors="replace")
    finally:
        receiver.close()

    assert not lost and sender.last_error is None
    assert sorted(receiver.ids) == list(range(EVENTS)), "an event was lost or doubled"
    # The buffer reached its limit (within two chunks) and passed it by one write at most.
    assert max(samples) <= TOTAL_LIMIT + ONE_WRITE + CHUNK_LIMIT, max(samples)
    assert max(samples) >= TOTAL_LIMIT - 2 * CHUNK_LIMIT, max(samples)
    assert "buffer overflow" in log and 'action="block"' in log
    # The client was held back: sending took at least half as long as the
    # receiver's pace allows (unhindered, fluent-logger sends 28 MB in ~1 s).
    drain_s = EVENTS * (len(PAYLOAD) + 30) / (READ_BYTES / READ_PAUSE_S)
    assert sent_in > drain_s / 2, (sent_in, drain_s)
    assert peak_kib < RSS_LIMIT_KIB, f"agent peak RSS {peak_kib} KiB"
