"""Retry schedule (Fluentd's numbers), retries in a running output, <secondary>."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from dplat.agent.buffer.retry import RetryPolicy, RetryState
from dplat.agent.core import registry
from dplat.agent.event import EventTime
from dplat.agent.testing import configured
from dplat.waiting import wait_until_async

Sink = registry.lookup("output", "test_sink")  # registered by conftest.py


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def plan(policy: RetryPolicy, failures: int) -> tuple[list[float], RetryState, Clock]:
    """Fail at each planned time; return the planned offsets from the start."""
    clock = Clock()
    state = RetryState(policy, clock=clock, rand=lambda: 0.5)
    planned = [state.next_time - 1000.0]
    for _ in range(failures):
        clock.now = state.next_time
        state.failed()
        planned.append(state.next_time - 1000.0)
    return planned, state, clock


def test_exponential_backoff_doubles_from_retry_wait() -> None:
    planned, state, _ = plan(RetryPolicy(wait=1, randomize=False), 5)
    # first retry at wait; then now + wait * 2**steps: 1, 1+2, 3+4, 7+8, 15+16, 31+32
    assert planned == [1, 3, 7, 15, 31, 63]
    assert state.steps == 5 and not state.limit()


def test_max_interval_caps_and_base_changes_the_growth() -> None:
    assert plan(RetryPolicy(wait=1, max_interval=5, randomize=False), 4)[0] == [1, 3, 7, 12, 17]
    assert plan(RetryPolicy(wait=2, backoff_base=3, randomize=False), 3)[0] == [2, 8, 26, 80]
    assert plan(RetryPolicy(kind="periodic", wait=5, randomize=False), 3)[0] == [5, 10, 15, 20]


def test_the_timeout_clamps_the_last_retry_then_gives_up() -> None:
    planned, state, _ = plan(RetryPolicy(wait=1, timeout=10, randomize=False), 3)
    assert planned == [1, 3, 7, 10] and not state.limit()
    planned, state, _ = plan(RetryPolicy(wait=1, timeout=10, randomize=False), 4)
    assert planned[-1] == 10 and state.limit()


def test_max_times_and_forever() -> None:
    _, state, _ = plan(RetryPolicy(wait=1, max_times=2, randomize=False), 1)
    assert not state.limit()
    _, state, _ = plan(RetryPolicy(wait=1, max_times=2, randomize=False), 2)
    assert state.limit()
    planned, state, _ = plan(RetryPolicy(wait=1, timeout=10, forever=True, randomize=False), 6)
    assert planned[-1] == 127 and not state.limit()


def test_randomize_spreads_by_an_eighth_either_way() -> None:
    for rand, factor in ((0.0, 0.875), (1.0, 1.125), (0.5, 1.0)):
        clock = Clock()
        state = RetryState(RetryPolicy(wait=1), clock=clock, rand=lambda rand=rand: rand)
        clock.now = state.next_time
        state.failed()  # step 1: interval 2
        assert state.next_time - clock.now == pytest.approx(2 * factor)


def test_an_early_failure_replans_without_counting_a_step() -> None:
    clock = Clock()
    state = RetryState(RetryPolicy(wait=1, randomize=False), clock=clock)
    clock.now += 0.5
    state.failed()
    assert state.steps == 0 and state.next_time == clock.now + 1


def test_secondary_takes_over_after_the_threshold() -> None:
    clock = Clock()
    policy = RetryPolicy(wait=1, timeout=100, secondary=True, randomize=False)
    state = RetryState(policy, clock=clock)
    assert state.secondary_transition_at == 1080.0
    while state.next_time < 1080.0:
        clock.now = state.next_time
        state.failed()
    assert clock.now == 1063.0 and state.next_time == 1080.0  # clamped to the transition
    assert not state.secondary()
    clock.now = state.next_time
    assert state.secondary()
    state.failed()
    assert state.current == "secondary" and state.next_time == clock.now + 1  # backoff restarts
    shorter = RetryState(RetryPolicy(wait=1, max_times=3, secondary=True), clock=Clock())
    assert shorter.secondary_transition_at == pytest.approx(1000 + 7 * 0.8)


# -- in a running output ------------------------------------------------------------

T = EventTime(1704164645, 0)
FAST = " retry_wait 0.02\n retry_randomize false\n flush_thread_interval 0.01\n" \
       " flush_thread_burst_interval 0.01\n flush_interval 0.01\n"


async def until(condition: Any, timeout: float = 10.0) -> None:
    await wait_until_async(condition, timeout, interval=0.005, what=repr(condition))


def test_a_failing_write_is_retried_until_it_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> Any:
        out = configured(Sink, f"fail_times 2\n<buffer>\n{FAST}</buffer>")
        await out.open()
        await out.emit("app", [(T, {"n": 1})])
        await until(lambda: out.written)
        await out.close()
        return out

    with caplog.at_level(logging.WARNING, "dplat.agent.plugin"):
        out = asyncio.run(scenario())
    metrics = out.metrics
    assert (metrics.write_count, metrics.retry_count, metrics.rollback_count) == (3, 2, 2)
    assert out.written[0][1] == [{"n": 1}] and out.buffering.flusher.retry is None
    messages = [r.getMessage() for r in caplog.records]
    assert sum("failed to flush the buffer. retry_times=" in m for m in messages) == 2
    assert any("retry succeeded" in m for m in messages)


def test_the_chunk_is_moved_aside_at_the_retry_limit(caplog: pytest.LogCaptureFixture,
                                                    tmp_path: Path) -> None:
    async def scenario() -> Any:
        out = configured(Sink, f"fail_times 100\n<buffer>\n{FAST} retry_max_times 2\n</buffer>")
        out.buffering.buffer.root_dir = str(tmp_path)
        await out.open()
        await out.emit("app", [(T, {"n": 1}), (T, {"n": 2})])
        await until(lambda: out.attempts == 3 and not out.buffering.buffer.has_pending())
        await out.close()
        return out

    with caplog.at_level(logging.ERROR, "dplat.agent.plugin"):
        out = asyncio.run(scenario())
    assert out.written == [] and out.buffering.flusher.retry is None
    assert any("hit limit for retries" in r.getMessage() and "records=2" in r.getMessage()
               for r in caplog.records)
    (backup,) = (tmp_path / "backup" / "worker0").glob("*/*.log")
    assert backup.read_bytes().count(b"\x81\xa1n") == 2  # both records kept aside
    assert out.buffering.statistics()["backed_up_chunks"] == 1


def test_secondary_gets_the_chunks_after_the_threshold() -> None:
    async def scenario() -> Any:
        out = configured(Sink, f"fail_times 1000\n<buffer>\n{FAST} retry_timeout 0.2\n"
                         " retry_secondary_threshold 0.5\n</buffer>\n<secondary>\n</secondary>")
        await out.open()
        await out.emit("app", [(T, {"n": 1})])
        secondary = out.buffering.secondary
        await until(lambda: secondary.written)
        await out.close()
        return out, secondary

    out, secondary = asyncio.run(scenario())
    assert type(secondary) is Sink and secondary.written[0][1] == [{"n": 1}]
    assert out.metrics.write_secondary_count == 1 and out.written == []


def test_unrecoverable_errors_skip_retries_and_go_to_a_different_secondary(
        tmp_path: Path) -> None:
    async def scenario() -> Any:
        out = configured(Sink, f"unrecoverable true\n<buffer time,tag>\n timekey 1d\n{FAST}"
                         f"</buffer>\n<secondary>\n @type file\n path {tmp_path}/failed\n"
                         "</secondary>")
        await out.open()
        await out.emit("app", [(T, {"n": 1})])
        await out.flush()
        await out.close()
        return out

    out = asyncio.run(scenario())
    assert out.attempts == 1 and out.metrics.retry_count == 0
    assert os.listdir(tmp_path) == ["failed.20240102_0.log"]
    text = (tmp_path / "failed.20240102_0.log").read_text()
    assert text == '2024-01-02T03:04:05+00:00\tapp\t{"n":1}\n'


def test_unrecoverable_without_secondary_backs_the_chunk_up(
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """Fluentd's output.rb backup_chunk: ${root_dir}/backup/worker0/<id>/<chunk id>.log."""
    async def scenario() -> Any:
        out = configured(Sink, f"@id sink/1\nunrecoverable true\n<buffer>\n{FAST}</buffer>")
        out.buffering.buffer.root_dir = str(tmp_path)
        await out.open()
        await out.emit("app", [(T, {"n": 1})])
        await out.flush()
        await out.close()
        return out

    with caplog.at_level(logging.WARNING, "dplat.agent.plugin"):
        out = asyncio.run(scenario())
    assert out.attempts == 1 and not out.buffering.buffer.has_pending()
    (backup,) = (tmp_path / "backup" / "worker0" / "sink_1").glob("*.log")
    assert any(f"bad chunk is moved to {backup}" in r.getMessage() for r in caplog.records)
    assert b"\x81\xa1n\x01" in backup.read_bytes()


def test_forced_flush_does_not_cut_a_retry_wait_short() -> None:
    async def scenario() -> tuple[int, int]:
        out = configured(Sink, "fail_times 1\n<buffer>\n retry_wait 1h\n flush_interval 1h\n"
                         "</buffer>")
        await out.open()
        await out.emit("app", [(T, {"n": 1})])
        await out.flush()  # fails, plans a retry in an hour
        await out.emit("app", [(T, {"n": 2})])
        await out.flush()  # only queues
        queued = len(out.buffering.buffer.queue)
        out.buffering.flusher.retry = None  # (pretend the hour passed)
        await out.flush()
        await out.close()
        return queued, sum(len(records) for _, records in out.written)

    assert asyncio.run(scenario()) == (2, 2)
