"""The agent server in-process: start, flush, reload, stop, signals."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from dplat.agent.config import ConfigError
from dplat.agent.server import AgentServer, check_config
from dplat.waiting import wait_until_async

PIPELINE = """
<system>
  log_level {level}
</system>
<source>
  @type sample
  @id gen
  tag {tag}
  rate 20
</source>
<match {tag}>
  @type file
  @id out
  path {out}/{tag}
  <buffer time>
    timekey 1d
  </buffer>
</match>
"""

STUCK = """
<source>
  @type sample
  @id gen
  tag s
  rate 20
</source>
<match s>
  @type test_sink
  fail_times 1000000
  <buffer>
    flush_interval 1h
    retry_forever true
    retry_wait 0.01
    retry_randomize false
  </buffer>
</match>
"""


def write_config(path: Path, out: Path, tag: str = "s", level: str = "info") -> Path:
    path.write_text(PIPELINE.format(tag=tag, out=out, level=level))
    return path


def plugin(server: AgentServer, plugin_id: str) -> Any:
    assert server.router is not None
    return next(p for p in server.router.plugins() if p.plugin_id == plugin_id)


async def until(condition: Any, timeout: float = 10.0) -> None:
    await wait_until_async(condition, timeout, interval=0.01, what=repr(condition))


def files(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


def test_start_flush_and_stop_from_code(tmp_path: Path) -> None:
    server = AgentServer(write_config(tmp_path / "agent.conf", tmp_path))
    before = signal.getsignal(signal.SIGTERM)

    async def scenario() -> list[str]:
        serving = asyncio.create_task(server.serve())
        await server.started.wait()
        await until(lambda: plugin(server, "out").metrics.emit_records > 0)
        await server.flush()
        flushed = files(tmp_path)
        seen = plugin(server, "out").metrics.emit_records
        await until(lambda: plugin(server, "out").metrics.emit_records > seen)
        server.stop()
        await asyncio.wait_for(serving, 5)
        return flushed

    flushed = asyncio.run(scenario())
    today = time.strftime("%Y%m%d", time.gmtime())
    assert flushed == ["agent.conf", f"s.{today}_0.log"]
    assert files(tmp_path)[-1] == f"s.{today}_1.log"  # memory buffer flushed at shutdown
    assert signal.getsignal(signal.SIGTERM) is before


def test_signals_flush_reload_and_stop(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.conf", tmp_path)
    server = AgentServer(config)
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGUSR1)}

    async def scenario() -> tuple[list[str], str]:
        serving = asyncio.create_task(server.serve())
        await server.started.wait()
        await until(lambda: plugin(server, "out").metrics.emit_records > 0)
        os.kill(os.getpid(), signal.SIGUSR1)
        await until(lambda: len(files(tmp_path)) == 2)
        after_flush = files(tmp_path)
        first = server.router
        write_config(config, tmp_path, tag="r")
        os.kill(os.getpid(), signal.SIGUSR2)
        await until(lambda: server.router is not first)
        await until(lambda: plugin(server, "gen").tag == "r")
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(serving, 5)
        return after_flush, plugin(server, "gen").tag

    after_flush, tag = asyncio.run(scenario())
    assert len(after_flush) == 2 and tag == "r"
    assert any(name.startswith("r.") for name in files(tmp_path))
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_a_broken_config_on_reload_keeps_the_running_pipeline(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = write_config(tmp_path / "agent.conf", tmp_path)
    server = AgentServer(config)

    async def scenario() -> tuple[bool, bool, int]:
        serving = asyncio.create_task(server.serve())
        await server.started.wait()
        first = server.router
        config.write_text("<match **>\n  @type file\n</match>\n")  # path missing
        reloaded = await server.reload()
        seen = plugin(server, "out").metrics.emit_records
        await until(lambda: plugin(server, "out").metrics.emit_records > seen)
        server.stop()
        await asyncio.wait_for(serving, 5)
        return reloaded, server.router is first, seen

    reloaded, same, _ = asyncio.run(scenario())
    assert not reloaded and same
    assert any("reload failed, keeping the running config" in r.getMessage()
               and "required parameter 'path' is missing" in r.getMessage()
               for r in caplog.records)


async def stuck_then(server: AgentServer, stop: Any) -> float:
    """Serve STUCK until its output holds an event it can never write, call
    ``stop``, and return the seconds until serving ended."""
    serving = asyncio.create_task(server.serve())
    await server.started.wait()
    await until(lambda: plugin(server, "gen").metrics.emit_records > 0)
    started = time.monotonic()
    stop()
    await asyncio.wait_for(serving, 60)
    return time.monotonic() - started


def forced(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if "graceful stop did not finish, forcing it" in r.getMessage()]


def test_the_drain_limit_forces_a_stuck_shutdown(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "agent.conf").write_text(STUCK)
    server = AgentServer(tmp_path / "agent.conf", drain_timeout=0.2)
    # A lower bound only: a loaded host can make the stop slower, never faster.
    assert asyncio.run(stuck_then(server, server.stop)) >= 0.15
    assert [m for m in forced(caplog) if "forced=False" in m]  # by the limit, not a request


def test_a_second_stop_forces_at_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The drain limit is an hour, so serving can only end within the test's
    minute because the second stop (SIGINT, after server.stop()) forced it."""
    (tmp_path / "agent.conf").write_text(STUCK)
    server = AgentServer(tmp_path / "agent.conf", drain_timeout=3600)

    def stop_twice() -> None:
        server.stop()
        os.kill(os.getpid(), signal.SIGINT)

    asyncio.run(stuck_then(server, stop_twice))
    assert [m for m in forced(caplog) if "forced=True" in m]


def test_a_config_error_at_start_restores_handlers(tmp_path: Path) -> None:
    (tmp_path / "agent.conf").write_text("<source>\n  @type sample\n</source>\n")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(ConfigError, match=r"agent\.conf:1: <source>: required parameter 'tag'"):
        asyncio.run(AgentServer(tmp_path / "agent.conf").serve())
    assert signal.getsignal(signal.SIGTERM) is before


def test_check_config_summarises_without_starting(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.conf", tmp_path)
    assert check_config(config) == "inputs 1, filters 0, outputs 1, labels -"
    assert files(tmp_path) == ["agent.conf"]
