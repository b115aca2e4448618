"""S3 down for 30 s under load: the agent buffers, retries, and delivers everything.

The agent runs as a real process (``python -m dplat.cli agent run``) with
in_forward into out_s3 over a file buffer (``total_limit_size`` 64 MiB,
retries every 1 to 4 s). Its S3 is our ``dplat/s3:local`` image
(``service_factory``). A stand-in for Fluentd's out_forward with
``require_ack_response`` (forward_standins.py) sends chunks of events with
unique ids for 45 s and resends a chunk whose ack does not come. Five
seconds in, the S3 container is stopped; 30 s later it is started again.

Docker publishes a restarted container on a new ephemeral port, while the
agent, like any S3 client, keeps one endpoint. So the agent talks to a relay
on a port this test holds for its whole life, which forwards each
connection to the container's current port: while the container is down,
the relay closes what it accepts, as an unreachable endpoint would fail.
(Binding a fixed host port instead would mean creating the container
ourselves, outside ``service_factory``, and hoping no one takes the port
during the 30 s it is free.)

Checks: every acked id (all of them: the buffer never fills) is in the
bucket at least once (duplicates are allowed, from an upload whose answer
was lost, and are counted and printed); the monitor shows retries and a
queue that grew during the outage; the agent's peak RSS (``VmHWM``) stays
under ``total_limit_size`` + 128 MiB. The agent is killed by its PID
whatever happens; the container is removed by the fixture.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dplat.agent.testing import agent_process
from dplat.stack.s3 import S3
from dplat.waiting import wait_until
from tests.integration.forward_standins import FluentdForwardSender

pytestmark = pytest.mark.integration

SEND_SECONDS = 45.0
OUTAGE_STARTS = 5.0
OUTAGE_SECONDS = 30.0
BATCH = 50
PAUSE = 0.025  # between chunks: ~2,000 events/s, ~10 MB in all
TOTAL_LIMIT = 64 * 2**20

CONFIG = """
<source>
  @type forward
  bind 127.0.0.1
  port 0
</source>
<source>
  @type monitor_agent
  bind 127.0.0.1
  port 0
</source>
<match outage.**>
  @type s3
  @id s3_out
  s3_bucket {bucket}
  s3_endpoint http://127.0.0.1:{relay_port}
  force_path_style true
  path events/
  s3_object_key_format %{{path}}${{chunk_id}}_%{{index}}.%{{file_extension}}
  <format>
    @type json
  </format>
  <buffer time>
    @type file
    path {buffer}
    timekey 1h
    flush_mode interval
    flush_interval 1s
    flush_thread_burst_interval 0.05
    chunk_limit_size 512k
    total_limit_size {total_limit}
    retry_wait 1s
    retry_max_interval 4s
  </buffer>
</match>
"""


class Relay:
    """TCP from a port of ours to the container's current published port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="s3-relay", daemon=True)

    def __enter__(self) -> Relay:
        self._thread.start()
        assert self._ready.wait(10), "the relay did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._connect, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _connect(self, client_reader: asyncio.StreamReader,
                       client_writer: asyncio.StreamWriter) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:  # S3 is down: fail the client's connection
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, writer), _pipe(reader, client_writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


class Sender(threading.Thread):
    """Fluentd's out_forward with acks: a chunk is resent until it is acked."""

    def __init__(self, port: int) -> None:
        super().__init__(name="forward-sender", daemon=True)
        self.port = port
        self.acked: list[int] = []
        self.resent = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._send_for(SEND_SECONDS)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _send_for(self, seconds: float) -> None:
        peer: FluentdForwardSender | None = None
        next_id = 0
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            ids = range(next_id, next_id + BATCH)
            events = [(int(time.time()), n % 1000, {"id": n, "message": f"outage event {n}"})
                      for n in ids]
            while True:
                try:
                    peer = peer or FluentdForwardSender(self.port)
                    chunk = peer.send_chunk("outage.app", events)
                    if peer.read_ack() == chunk:
                        break
                except OSError:
                    pass
                if peer is not None:
                    peer.close()
                    peer = None
                self.resent += 1
                time.sleep(0.5)
            self.acked.extend(ids)
            next_id += BATCH
            time.sleep(PAUSE)
        if peer is not None:
            peer.close()


def s3_out_row(monitor_port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{monitor_port}/api/plugins.json?@id=s3_out"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["plugins"][0]  # type: ignore[no-any-return]


def ids_in_bucket(client: Any, bucket: str, seen: dict[str, Counter[int]]) -> Counter[int]:
    """Ids of every object in the bucket (objects already read are not read again)."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key not in seen:
                body = gzip.decompress(client.get_object(Bucket=bucket, Key=key)["Body"].read())
                seen[key] = Counter(json.loads(line)["id"] for line in body.splitlines())
    return sum(seen.values(), Counter())


def current_port(running: Any) -> int:
    wrapped = running.container.get_wrapped_container()
    wrapped.reload()
    return int(wrapped.ports[f"{S3.endpoints[0].container_port}/tcp"][0]["HostPort"])


def test_events_sent_during_a_30s_s3_outage_all_arrive(service_factory: Any,
                                                       tmp_path: Path) -> None:
    running = service_factory(S3)  # our own container: it is stopped and started
    s3: S3 = running.service
    bucket = f"outage-{secrets.token_hex(4)}"
    env = {"AWS_ACCESS_KEY_ID": s3.credentials.s3_access_key,
           "AWS_SECRET_ACCESS_KEY": s3.credentials.s3_secret_key, "AWS_REGION": "us-east-1"}
    started = time.monotonic()
    with Relay(s3.port()) as relay:
        config = tmp_path / "agent.conf"
        config.write_text(CONFIG.format(bucket=bucket, relay_port=relay.port,
                                        buffer=tmp_path / "buffer", total_limit=TOTAL_LIMIT))
        log = tmp_path / "agent.log"
        with agent_process(config, log, env) as agent:
            agent.wait_for_log(r"agent started")
            port = agent.port()
            monitor = int(agent.wait_for_log(r"monitoring http server url=\"http://[^:]+:(\d+)")
                          .group(1))
            sender = Sender(port)
            sender.start()

            time.sleep(OUTAGE_STARTS)
            wrapped = running.container.get_wrapped_container()
            wrapped.stop(timeout=5)
            outage_began = time.monotonic()
            time.sleep(OUTAGE_SECONDS)
            during = s3_out_row(monitor)
            wrapped.start()
            outage = time.monotonic() - outage_began
            relay.target_port = current_port(running)
            S3(s3.credentials, {"s3": relay.target_port}).wait_ready(60)

            sender.join(SEND_SECONDS + 30)
            assert not sender.is_alive() and sender.error is None, sender.error
            client = S3(s3.credentials, {"s3": relay.target_port}).client()
            seen: dict[str, Counter[int]] = {}
            ids = ids_in_bucket(client, bucket, seen)

            def all_acked_stored() -> bool:
                nonlocal ids
                ids = ids_in_bucket(client, bucket, seen)
                return set(sender.acked) <= set(ids)

            wait_until(all_acked_stored, 60, interval=2)  # the asserts say what is missing
            after = s3_out_row(monitor)
            peak_rss = agent.proc_status_kib("VmHWM") * 1024
            assert agent.process.poll() is None, "the agent died"

    missing = sorted(set(sender.acked) - set(ids))
    duplicates = sum(count - 1 for count in ids.values())
    print(f"sent {len(sender.acked)} events in {len(sender.acked) // BATCH} chunks "
          f"({sender.resent} resends); S3 down {outage:.1f} s; queue during the outage "
          f"{during['buffer_queue_length']} chunks, {during['buffer_total_queued_size']} bytes, "
          f"retries {after['retry_count']}; {len(seen)} objects, {len(ids)} distinct ids, "
          f"{duplicates} duplicates; peak RSS {peak_rss / 2**20:.0f} MiB; "
          f"{time.monotonic() - started:.0f} s")
    assert not missing, f"{len(missing)} acked events never arrived, e.g. {missing[:10]}"
    assert set(ids) == set(sender.acked)
    assert during["retry_count"] >= 3 and during["buffer_queue_length"] >= 3, during
    assert after["retry_count"] >= during["retry_count"]
    assert peak_rss < TOTAL_LIMIT + 128 * 2**20
