"""The agent under hostile input stays under 512 MiB and keeps working (issue 10 B).

``dplat agent run`` as a real process on 127.0.0.1 takes the flood of
dplat.agent.hostile (gzip and packed-entry bombs, 4 GiB headers, deep
nesting, invalid UTF-8, wrong types, 300 idle connections, 64 MiB http
bodies, forms of millions of empty fields or parts, 3000 mutated frames) while a thread samples its RSS; its kernel
peak (VmHWM) must stay under the container's 512 MiB. Then a good batch
with an ack must be delivered to its file, a tag that climbs out of the
output folder must write nothing outside it, and the monitor must refuse
state-changing GETs and cross-site POSTs. Fluentd's behaviour for the
limits: lib/fluent/plugin/in_forward.rb (chunk_size_limit,
decompression_size_limit), in_http.rb (body_size_limit, 413).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import msgpack
import pytest

from dplat.agent import hostile
from dplat.agent.event import EventTime
from dplat.agent.protocol.eventtime import packer, to_ext
from dplat.agent.testing import agent_process
from tests.integration.agent_harness import http_json

pytestmark = pytest.mark.integration

LIMIT_KIB = 512 * 1024


async def good_batch(port: int, count: int) -> object:
    """A PackedForward batch with a chunk id, as Fluentd's out_forward sends it."""
    entries = b"".join(packer().pack([to_ext(EventTime.now()), {"n": i}]) for i in range(count))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(packer().pack(["good.app", entries, {"chunk": "good-1", "size": count}]))
    async with asyncio.timeout(10):
        reply = msgpack.unpackb(await reader.read(1024))
    writer.close()
    return reply


def test_hostile_flood_stays_bounded_and_good_events_still_arrive(tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = tmp_path / "agent.conf"
    config.write_text(hostile.CONFIG.format(out=out))
    started = time.monotonic()
    with agent_process(config, tmp_path / "agent.log") as agent:
        forward_port = agent.port()
        monitor = int(agent.wait_for_log(r"monitoring http server url=\S+:(\d+)/").group(1))
        flood = hostile.run_flood(agent)
        assert agent.process.poll() is None, "the agent survived"

        assert asyncio.run(good_batch(forward_port, 1000)) == {"ack": "good-1"}
        climb = packer().pack(["climb.x/../../../escape", to_ext(EventTime.now()), {"a": 1}])
        asyncio.run(hostile.send(forward_port, climb))

        base = f"http://127.0.0.1:{monitor}"
        assert http_json(f"{base}/api/plugins.flushBuffers")[0] == 404  # no rpc_endpoint
        assert http_json(f"{base}/api/config.gracefulReload")[0] == 404
        assert http_json(f"{base}/api/flush", "POST",
                         headers={"Origin": "http://evil.example"})[0] == 403
        assert http_json(f"{base}/api/flush", "POST",
                         headers={"Host": "evil.example"})[0] == 403
        assert http_json(f"{base}/api/flush", "POST")[0] == 200
        _, plugins = http_json(f"{base}/api/plugins.json")
        agent.stop()

    rows = plugins["plugins"]  # type: ignore[index]
    forward = next(p for p in rows if p["type"] == "forward")
    files = next(p for p in rows if p["type"] == "file")
    lines = (out / "good.app" / "events.log").read_text().splitlines()
    escaped = [p for p in tmp_path.rglob("*") if "escape" in p.name]
    seen = flood.seen
    report = (f"peak RSS {flood.peak_rss_kib // 1024} MiB (sampled max "
              f"{max(flood.samples_kib) // 1024} MiB, {len(flood.samples_kib)} samples); "
              f"client saw {seen}; flood {flood.seconds:.1f} s, all "
              f"{time.monotonic() - started:.1f} s; counters "
              f"{ {k: v for k, v in forward.items() if isinstance(v, int) and v} }")
    print(report)
    assert flood.peak_rss_kib < LIMIT_KIB, report
    assert len(lines) == 1000, report
    assert not escaped, f"written outside the output folder: {escaped}"
    assert files["unsafe_placeholder_events"] == 1, files
    # too large; inflates past the limit; would parse past memory_limit; passed it
    # decoding; a form of too many fields, urlencoded and multipart
    assert seen["http_statuses"] == [413, 400, 413, 503, 413, 413], report
    assert seen["idle_closed_seen"] >= 250, report
    for counter in ("entries_limit_exceeded", "decompression_limit_exceeded",
                    "frames_too_large", "undecodable_streams", "idle_closed",
                    "connections_refused", "malformed_messages", "skipped_events",
                    "memory_limit_exceeded"):
        assert forward.get(counter, 0) > 0, f"{counter} never counted; {report}"
