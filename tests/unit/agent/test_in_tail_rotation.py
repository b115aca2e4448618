"""in_tail while files rotate under a writer: rename+create (every line
exactly once, counted by unique ids), copytruncate, truncation, a path that
disappears for a while, and follow_inodes with a glob that also matches the
rotated files."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

from tail_support import append, eventually, messages, pos_entries, run, tail_conf, tailing


def ids(messages_: list[str]) -> Counter[int]:
    return Counter(int(message.removeprefix("id=")) for message in messages_)


class RotatingWriter(threading.Thread):
    """An application writing ``id=N`` lines, rotated by rename+create every
    ``every`` lines. Like a real program it writes a few more lines into the
    renamed file before it reopens its log (so the tail must keep reading
    the old file during rotate_wait)."""

    def __init__(self, path: Path, total: int, every: int, late_lines: int = 3) -> None:
        super().__init__(daemon=True)
        self.path, self.total, self.every, self.late_lines = path, total, every, late_lines
        self.rotations = 0

    def run(self) -> None:
        handle = self.path.open("a", buffering=1)
        written = 0
        while written < self.total:
            handle.write(f"id={written}\n")
            written += 1
            if written % self.every == 0 and written < self.total:
                os.rename(self.path, f"{self.path}.{self.rotations}")
                for _ in range(min(self.late_lines, self.total - written)):
                    handle.write(f"id={written}\n")
                    written += 1
                handle.close()
                handle = self.path.open("a", buffering=1)
                self.rotations += 1
            if written % 25 == 0:
                time.sleep(0.002)
        handle.close()


def test_rename_and_create_while_writing_delivers_every_line_once(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    log.touch()
    total = 4000
    conf = tail_conf(log, pos_file=pos, read_from_head=True, rotate_wait=2)

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            writer = RotatingWriter(log, total, every=900)
            writer.start()
            await eventually(lambda: len(router.events) >= total, timeout=15, what="all lines")
            await asyncio.to_thread(writer.join)
            # Once every rotated file is let go, none of them can send a line twice.
            await eventually(lambda: plugin.counts["closed"] >= 4, timeout=15,
                             what="rotated files closed after rotate_wait")
            seen = ids(messages(router))
            assert set(seen) == set(range(total))
            assert max(seen.values()) == 1, "a line arrived twice"
            assert writer.rotations == 4 and plugin.counts["rotated"] >= 4
        assert pos_entries(pos) == [(str(log), log.stat().st_size, log.stat().st_ino)]

    run(scenario)


def test_path_missing_for_a_while_then_recreated(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "before")

    async def scenario() -> None:
        conf = tail_conf(log, read_from_head=True, rotate_wait=0.2)
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: messages(router) == ["before"])
            log.rename(tmp_path / "app.log.1")
            append(tmp_path / "app.log.1", "late in old")
            await eventually(lambda: plugin.counts["closed"] == 1,
                             what="the old file let go after rotate_wait")
            append(log, "new 1", "new 2")
            await eventually(lambda: len(router.events) == 4)
            assert messages(router) == ["before", "late in old", "new 1", "new 2"]

    run(scenario)


def test_copytruncate_with_the_writer_paused_during_the_copy(tmp_path: Path) -> None:
    """copytruncate copies the file, then empties it; the writer (appending)
    goes on at offset 0. The tail sees the file shrink and starts again
    from the head. The window: lines written after the tail's last read and
    before the truncation are only in the copy. Here the writer pauses until
    the tail has read everything, so no line is lost."""
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    log.touch()

    async def scenario() -> None:
        async with tailing(tail_conf(log, pos_file=pos, read_from_head=True)) as (plugin, router):
            with log.open("a", buffering=1) as app:
                for n in range(500):
                    app.write(f"id={n}\n")
                await eventually(lambda: len(router.events) == 500)
                shutil.copy(log, tmp_path / "app.log.1")
                os.truncate(log, 0)
                await eventually(lambda: plugin.counts["rotated"] == 1, what="truncation seen")
                for n in range(500, 1000):
                    app.write(f"id={n}\n")
                await eventually(lambda: len(router.events) >= 1000)
            await asyncio.sleep(0.1)
            assert ids(messages(router)) == Counter(range(1000))
            assert pos_entries(pos)[0][1] == log.stat().st_size

    run(scenario)


def test_truncation_restarts_from_the_head(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "a", "b", "c")

    async def scenario() -> None:
        async with tailing(tail_conf(log, read_from_head=True)) as (plugin, router):
            await eventually(lambda: len(router.events) == 3)
            with log.open("w") as handle:
                handle.write("x\n")
            await eventually(lambda: len(router.events) == 4)
            append(log, "y")
            await eventually(lambda: len(router.events) == 5)
            assert messages(router) == ["a", "b", "c", "x", "y"]
            assert plugin.counts["rotated"] == 1

    run(scenario)


def test_follow_inodes_with_a_glob_matching_rotated_files(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    log.touch()
    total = 1500
    conf = tail_conf(tmp_path / "app.log*", pos_file=pos, read_from_head=True,
                     follow_inodes=True, refresh_interval=0.1, rotate_wait=0.5)

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            writer = RotatingWriter(log, total, every=400)
            writer.start()
            await eventually(lambda: len(router.events) >= total, timeout=15)
            await asyncio.to_thread(writer.join)
            await asyncio.sleep(0.4)  # several refreshes: rotated files stay known by inode
            assert ids(messages(router)) == Counter(range(total))
            inodes = {entry[2] for entry in pos_entries(pos)}
            assert log.stat().st_ino in inodes
            assert len(inodes) == len(pos_entries(pos))
            assert plugin.statistics()["tracked_file_count"] == writer.rotations + 1

    run(scenario)


def test_follow_inodes_lets_go_of_files_no_longer_matched(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    append(log, "one")
    conf = tail_conf(tmp_path / "*.log", pos_file=pos, read_from_head=True, follow_inodes=True,
                     refresh_interval=0.05, rotate_wait=0.1)

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: len(router.events) == 1)
            old_inode = log.stat().st_ino
            log.rename(tmp_path / "app.log.old")  # no longer matches *.log
            await eventually(lambda: plugin.counts["closed"] == 1, what="old file closed")
            assert pos_entries(pos) == [(str(log), 0xFFFFFFFFFFFFFFFF, old_inode)]

    run(scenario)
