"""Real clients against the agent run in-process (AgentServer on 127.0.0.1).

Clients: PyPI ``fluent-logger`` (FluentSender with int and nanosecond times,
FluentHandler configured by ``logging.config.dictConfig``), the npm
``fluent-logger`` 3.x (PackedForward and CompressedPackedForward with acks,
and its shared-key handshake; installed at test time), HTTP posts with urllib
and aiohttp. Fluentd and Fluent Bit cannot be installed here: senders written
from their out_forward sources stand in for them (forward_standins.py says
what each reproduces). Every test checks the exact records and tags that
reached a capturing output, or the monitor's figures.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import logging.config
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import msgpack
import pytest
from fluent import sender as fluent_sender

from dplat.agent.event import EventTime
from dplat.waiting import wait_until
from tests.integration.agent_harness import RunningAgent, http_json
from tests.integration.forward_standins import (
    BlockingPeer,
    FluentBitForwardSender,
    FluentdForwardSender,
)

pytestmark = pytest.mark.integration

NODE_DIR = Path(__file__).parent / "node"
SECRET = "s3cret-key"

CONFIG = f"""
<source>
  @type forward
  @id in_fw
  bind 127.0.0.1
  port 0
</source>
<source>
  @type forward
  @id in_secure
  bind 127.0.0.1
  port 0
  <security>
    self_hostname dplat-agent
    shared_key {SECRET}
  </security>
</source>
<source>
  @type http
  @id in_http
  bind 127.0.0.1
  port 0
</source>
<source>
  @type monitor_agent
  @id monitor
  bind 127.0.0.1
  port 0
</source>
<match full.**>
  @type it_blocked
  @id blocked
  <buffer>
    flush_mode immediate
    chunk_limit_size 1k
    total_limit_size 1k
    overflow_action throw_exception
    flush_thread_burst_interval 0.01
  </buffer>
</match>
<match **>
  @type copy
  @id fanout
  <store>
    @type it_capture
    @id capture
  </store>
  <store>
    @type null
    @id discard
  </store>
</match>
"""


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[RunningAgent]:
    with RunningAgent(CONFIG, tmp_path) as running:
        yield running


def received(agent: RunningAgent, count: int) -> list[tuple[str, EventTime, dict]]:
    return agent.plugin("capture").wait_for(count)


# -- PyPI fluent-logger ------------------------------------------------------------------


def test_fluent_sender_with_int_and_nanosecond_times(agent: RunningAgent) -> None:
    port = agent.port("in_fw")
    plain = fluent_sender.FluentSender("py", host="127.0.0.1", port=port)
    precise = fluent_sender.FluentSender("py", host="127.0.0.1", port=port,
                                         nanosecond_precision=True)
    try:
        assert plain.emit_with_time("int", 1704164645, {"n": 1, "text": "h\u00e9llo"})
        assert precise.emit_with_time("ns", fluent_sender.EventTime(1704164646, 123456789),
                                      {"n": 2, "nested": {"list": [1, 2]}})
        assert plain.emit("now", {"n": 3})
    finally:
        plain.close()
        precise.close()
    events = sorted(received(agent, 3), key=lambda event: event[2]["n"])  # two connections
    assert events[:2] == [
        ("py.int", EventTime(1704164645, 0), {"n": 1, "text": "h\u00e9llo"}),
        ("py.ns", EventTime(1704164646, 123456789), {"n": 2, "nested": {"list": [1, 2]}}),
    ]
    tag, when, record = events[2]
    assert (tag, record) == ("py.now", {"n": 3}) and abs(when.sec - time.time()) < 60


def test_fluent_handler_configured_by_dict_config(agent: RunningAgent) -> None:
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"fluent": {
            "()": "fluent.handler.FluentRecordFormatter",
            "format": {"level": "%(levelname)s", "where": "%(module)s.%(funcName)s",
                       "host": "%(hostname)s"},
        }},
        "handlers": {"fluent": {
            "class": "fluent.handler.FluentHandler", "host": "127.0.0.1",
            "port": agent.port("in_fw"), "tag": "app.logs", "formatter": "fluent",
            "level": "DEBUG",
        }},
        "loggers": {"it.fluent": {"handlers": ["fluent"], "level": "DEBUG", "propagate": False}},
    })
    logger = logging.getLogger("it.fluent")
    before = int(time.time())
    try:
        logger.info("plain text")
        logger.warning({"user": "ada", "action": "login"})
        logger.error('{"json": "message"}')
    finally:
        for handler in logger.handlers:
            handler.close()
        logger.handlers.clear()
    where = f"{Path(__file__).stem}.test_fluent_handler_configured_by_dict_config"
    common = {"where": where, "host": socket.gethostname()}
    events = received(agent, 3)
    assert [(tag, record) for tag, _, record in events] == [
        ("app.logs", {"level": "INFO", **common, "message": "plain text"}),
        ("app.logs", {"level": "WARNING", **common, "user": "ada", "action": "login"}),
        ("app.logs", {"level": "ERROR", **common, "json": "message"}),
    ]
    assert all(before <= when.sec <= time.time() and when.nsec == 0 for _, when, _ in events)


# -- npm fluent-logger ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def node_sender() -> Path:
    """The Node fluent-logger, which scripts/test.sh installs into tests/integration/node
    (ignored by git); the test does not download anything itself."""
    if shutil.which("node") is None:
        pytest.skip("node is needed for the Node fluent-logger test: scripts/test.sh installs "
                    "it (or install Node.js yourself)")
    if not (NODE_DIR / "node_modules" / "fluent-logger" / "package.json").exists():
        pytest.skip(f"the npm package fluent-logger is not installed: run "
                    f"`npm install --prefix {NODE_DIR}` (scripts/test.sh does)")
    return NODE_DIR / "sender.js"


def run_node(script: Path, **options: object) -> dict:
    done = subprocess.run(["node", str(script), json.dumps(options)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["PackedForward", "CompressedPackedForward", "Message"])
def test_node_fluent_logger_with_acks(agent: RunningAgent, node_sender: Path,
                                      mode: str) -> None:
    result = run_node(node_sender, port=agent.port("in_fw"), mode=mode, count=6)
    assert result == {"acked": 6, "errors": []}
    events = received(agent, 6)
    assert [(tag, when, record) for tag, when, record in events] == [
        ("node.js", EventTime(1704164645 + i, 0 if i % 2 == 0 else 1000 + i),
         {"i": i, "mode": mode, "text": "h\u00e9llo"}) for i in range(6)]
    assert agent.plugin("in_fw").counters()["acks"] == (6 if mode == "Message" else 1)


def test_node_fluent_logger_shared_key_handshake(agent: RunningAgent, node_sender: Path) -> None:
    security = {"clientHostname": "node-client", "sharedKey": SECRET}
    result = run_node(node_sender, port=agent.port("in_secure"), mode="PackedForward", count=2,
                      security=security, label="secure")
    assert result == {"acked": 2, "errors": []}
    assert [(t, r["i"]) for t, _, r in received(agent, 2)] == [("node.secure", 0),
                                                               ("node.secure", 1)]


# -- stand-ins for Fluentd and Fluent Bit -----------------------------------------------------


@pytest.mark.parametrize(("compress", "writes"), [("text", 1), ("gzip", 3)])
def test_fluentd_out_forward_stand_in(agent: RunningAgent, compress: str, writes: int) -> None:
    events = [(1704164645, n * 1000, {"n": n, "bin": "\u00e9\u00e8"}) for n in range(7)]
    peer = FluentdForwardSender(agent.port("in_fw"))
    try:
        chunk = peer.send_chunk("fluentd.app", events, compress=compress, writes=writes)
        assert chunk.endswith("\n")
        assert peer.read_ack() == chunk
    finally:
        peer.close()
    assert received(agent, 7) == [("fluentd.app", EventTime(sec, nsec), record)
                                  for sec, nsec, record in events]


def test_fluentd_out_forward_stand_in_with_security(agent: RunningAgent) -> None:
    peer = FluentdForwardSender(agent.port("in_secure"))
    try:
        pong = peer.handshake_fluentd("fluentd-client", SECRET)
        assert pong[1] is True and pong[3] == b"dplat-agent"
        chunk = peer.send_chunk("fluentd.secure", [(1704164645, 0, {"s": 1})])
        assert peer.read_ack() == chunk
    finally:
        peer.close()
    assert received(agent, 1) == [("fluentd.secure", EventTime(1704164645), {"s": 1})]


def test_fluent_bit_stand_in_with_shared_key(agent: RunningAgent) -> None:
    events = [(1704164645, 5, {"log": "one"}), (1704164646, 6, {"log": "two"})]
    peer = FluentBitForwardSender(agent.port("in_secure"))
    try:
        assert peer.handshake_fluent_bit("fluent-bit", SECRET)[1] is True
        chunk = peer.send_records("fb.tail", events)
        assert peer.read_ack() == chunk
    finally:
        peer.close()
    assert received(agent, 2) == [("fb.tail", EventTime(sec, nsec), record)
                                  for sec, nsec, record in events]


def test_fluent_bit_stand_in_with_a_wrong_key_is_refused(agent: RunningAgent) -> None:
    peer = FluentBitForwardSender(agent.port("in_secure"))
    try:
        pong = peer.handshake_fluent_bit("fluent-bit", "not-the-key")
        assert pong[1] is False and pong[2] == b"shared_key mismatch"
    finally:
        peer.close()
    assert agent.plugin("in_secure").counters()["handshake_failures"] == 1


# -- HTTP ----------------------------------------------------------------------------------


def test_http_posts_with_urllib_and_aiohttp(agent: RunningAgent) -> None:
    base = f"http://127.0.0.1:{agent.port('in_http')}"
    json_type = {"Content-Type": "application/json"}
    assert http_json(f"{base}/web/click", "POST", b'{"x": 1, "time": 1704164645}',
                     json_type) == (200, None)
    assert http_json(f"{base}/web/batch?time=1704164646.5", "POST",
                     b'[{"x": 2}, {"x": 3}]', json_type) == (200, None)
    assert http_json(f"{base}/web/mp", "POST", msgpack.packb({"x": 4}),
                     {"Content-Type": "application/msgpack"}) == (200, None)

    async def gzipped() -> int:
        body = gzip.compress(b'{"x": 5}\n{"x": 6}\n')
        async with aiohttp.ClientSession() as session, session.post(
                f"{base}/web/nd", data=body, headers={
                    "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}) as r:
            return r.status

    assert asyncio.run(gzipped()) == 200
    events = received(agent, 6)
    assert [(tag, record["x"]) for tag, _, record in events] == [
        ("web.click", 1), ("web.batch", 2), ("web.batch", 3), ("web.mp", 4), ("web.nd", 5),
        ("web.nd", 6)]
    assert events[0][1] == EventTime(1704164645) and "time" not in events[0][2]
    assert events[1][1] == EventTime(1704164646, 500_000_000)
    status, text = http_json(f"{base}/web/bad", "POST", b"{not json", json_type)
    assert status == 400 and text.startswith("400 Bad Request\njson is not valid JSON")


# -- trouble ---------------------------------------------------------------------------------


def test_malformed_frames_on_one_connection_while_another_keeps_delivering(
        agent: RunningAgent) -> None:
    port = agent.port("in_fw")
    good = BlockingPeer(port)
    stop = threading.Event()

    def misbehave() -> None:
        while not stop.is_set():
            bad = BlockingPeer(port)
            try:
                bad.sock.sendall(msgpack.packb({"not": "an array"}) + msgpack.packb([1, 2, 3])
                                 + b"\xc1 this is not msgpack")
                bad.sock.recv(10)  # the server closes it
            except OSError:
                pass
            finally:
                bad.close()

    attacker = threading.Thread(target=misbehave)
    attacker.start()
    try:
        for n in range(50):
            good.sock.sendall(msgpack.packb(["steady", 1704164645, {"n": n}, {"chunk": str(n)}]))
            assert good.read() == {b"ack": str(n).encode()}
    finally:
        stop.set()
        attacker.join(10)
        good.close()
    events = agent.plugin("capture").wait_for(50)
    assert [r["n"] for tag, _, r in events if tag == "steady"] == list(range(50))
    counters = agent.plugin("in_fw").counters()
    assert counters["undecodable_streams"] >= 1 and counters["malformed_messages"] >= 2
    metrics = urlopen_text(f"http://127.0.0.1:{agent.port('monitor')}/metrics")
    line = next(line for line in metrics.splitlines()
                if line.startswith("dplat_input_undecodable_streams_total{plugin_id=\"in_fw\""))
    assert int(line.rsplit(" ", 1)[1]) == counters["undecodable_streams"]


def test_ack_is_withheld_while_the_buffer_overflows(agent: RunningAgent) -> None:
    port = agent.port("in_fw")
    record = {"payload": "x" * 100}
    acked = 0
    peer = BlockingPeer(port)
    for n in range(100):  # 1 KiB total_limit_size: a handful of records fill it
        peer.sock.sendall(msgpack.packb(["full.app", 1704164645, record, {"chunk": str(n)}]))
        try:
            assert peer.read() == {b"ack": str(n).encode()}
        except ConnectionError:
            break  # refused: no ack, connection closed so the client resends
        acked += 1
    else:
        pytest.fail("the buffer never overflowed")
    peer.close()
    assert 1 <= acked < 20
    counters = agent.plugin("in_fw").counters()
    assert counters["refused_messages"] == 1 and counters["acks"] == acked
    blocked = agent.plugin("blocked")
    blocked.unblock()
    wait_until(lambda: len(blocked.written) >= acked, 10, interval=0.05,
               what=f"the {acked} acked events written")
    retry = BlockingPeer(port)  # the client resends the refused message
    try:
        retry.sock.sendall(msgpack.packb(["full.app", 1704164645, record, {"chunk": "again"}]))
        assert retry.read() == {b"ack": b"again"}
    finally:
        retry.close()


# -- the monitor -------------------------------------------------------------------------------


def urlopen_text(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_monitor_sees_the_whole_pipeline_flushes_and_reloads(agent: RunningAgent) -> None:
    monitor = f"http://127.0.0.1:{agent.port('monitor')}"
    status, answer = http_json(f"{monitor}/api/plugins.json")
    assert status == 200
    assert [p["plugin_id"] for p in answer["plugins"]] == [
        "in_fw", "in_secure", "in_http", "monitor", "blocked", "fanout", "capture", "discard"]
    agent.plugin("blocked").unblock()
    assert http_json(f"{monitor}/api/flush", "POST") == (200, {"ok": True})

    agent.config_path.write_text(CONFIG.replace("@id discard", "@id discard_v2"))
    old_router = agent.server.router
    assert http_json(f"{monitor}/api/reload", "POST")[0] == 200
    wait_until(lambda: agent.server.router is not old_router, 20, interval=0.05,
               what="the reload")
    status, answer = http_json(f"http://127.0.0.1:{agent.port('monitor')}/api/plugins.json")
    assert status == 200 and answer["plugins"][-1]["plugin_id"] == "discard_v2"
