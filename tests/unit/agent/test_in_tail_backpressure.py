"""in_tail when the buffer refuses (BufferOverflowError): it stops reading,
keeps its position, retries the same batch, and loses nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tail_support import append, eventually, messages, pos_entries, run, tail_conf, tailing

from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.event import EventStream
from dplat.agent.plugins.tail.watcher import BLOCK_SIZE
from dplat.agent.testing import CollectingRouter


class FlakyRouter(CollectingRouter):
    """Refuses every ``period``-th emit with an overflow (and counts tries)."""

    def __init__(self, period: int) -> None:
        super().__init__()
        self.period = period
        self.tries = 0

    async def emit_stream(self, tag: str, stream: EventStream) -> None:
        self.tries += 1
        if self.tries % self.period == 0:
            raise BufferOverflowError("buffer space has too many data")
        await super().emit_stream(tag, stream)


def test_refused_emits_keep_the_position_until_accepted(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    log.touch()
    router = CollectingRouter(refuse=BufferOverflowError("buffer space has too many data"))
    conf = tail_conf(log, pos_file=pos, read_from_head=True, read_lines_limit=100)

    async def scenario() -> None:
        async with tailing(conf, router) as (plugin, _):
            append(log, *(f"line {n:05d} " + "x" * 100 for n in range(5000)))
            watcher = next(iter(plugin._tails.values()))
            await eventually(lambda: watcher.pending is not None, what="a refused batch")
            await asyncio.sleep(0.2)  # several retries
            assert router.events == []
            assert pos_entries(pos) == [(str(log), 0, log.stat().st_ino)]
            assert watcher.read_pos == 100 * len(f"line 00000 {'x' * 100}\n")  # one batch out
            assert watcher.offset <= 2 * BLOCK_SIZE  # and nothing more read meanwhile
            router.refuse = None
            await eventually(lambda: len(router.events) == 5000)
            assert messages(router) == [f"line {n:05d} " + "x" * 100 for n in range(5000)]
            await eventually(lambda: pos_entries(pos)[0][1] == log.stat().st_size)

    run(scenario)


def test_intermittent_overflow_while_writing_loses_and_repeats_nothing(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.touch()
    router = FlakyRouter(period=3)
    conf = tail_conf(log, read_from_head=True, read_lines_limit=50)

    async def scenario() -> None:
        async with tailing(conf, router):
            for chunk in range(20):
                append(log, *(f"{chunk}-{n}" for n in range(100)))
                await asyncio.sleep(0.01)
            await eventually(lambda: len(router.events) == 2000, timeout=10)
            await asyncio.sleep(0.1)
            assert messages(router) == [f"{c}-{n}" for c in range(20) for n in range(100)]
            assert router.tries > 40

    run(scenario)


def test_stop_while_refused_then_restart_delivers_everything(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    append(log, *(f"n{n}" for n in range(30)))
    conf = tail_conf(log, pos_file=pos, read_from_head=True)
    refusing = CollectingRouter(refuse=BufferOverflowError("full"))

    async def scenario() -> None:
        async with tailing(conf, refusing) as (plugin, _):
            watcher = next(iter(plugin._tails.values()))
            await eventually(lambda: watcher.pending is not None, what="a refused batch")
        assert refusing.events == [] and pos_entries(pos)[0][1] == 0
        async with tailing(conf) as (_, router):
            await eventually(lambda: len(router.events) == 30)
            assert messages(router) == [f"n{n}" for n in range(30)]

    run(scenario)


def test_a_slow_emit_paces_reading(tmp_path: Path) -> None:
    """With overflow_action block the emit just takes long: reading waits."""
    log = tmp_path / "app.log"
    append(log, *(f"n{n}" for n in range(300)))

    class SlowRouter(CollectingRouter):
        async def emit_stream(self, tag: str, stream: EventStream) -> None:
            await asyncio.sleep(0.02)
            await super().emit_stream(tag, stream)

    router = SlowRouter()

    async def scenario() -> None:
        async with tailing(tail_conf(log, read_from_head=True, read_lines_limit=10), router):
            await eventually(lambda: len(router.events) == 300)
            assert messages(router) == [f"n{n}" for n in range(300)]

    run(scenario)


def test_read_bytes_limit_per_second_spreads_reading(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    line = "z" * 99
    append(log, *([line] * 1500))  # 150 kB at 64 KiB/s: about three seconds' budgets

    async def scenario() -> None:
        conf = tail_conf(log, read_from_head=True, read_bytes_limit_per_second="64k")
        started = time.monotonic()
        async with tailing(conf) as (_, router):
            await eventually(lambda: len(router.events) == 1500, timeout=10)
        assert time.monotonic() - started >= 1.9  # three budgets: at 0 s, 1 s and 2 s

    run(scenario)
