"""Chunks that can never be written, and values that would climb out (issue 10 B).

Fluentd moves a chunk that fails for good aside (lib/fluent/plugin/output.rb
``backup_chunk``, buffer.rb ``backup``: ``${root_dir}/backup/worker0/<id>/``)
and refuses ``${key}`` values with ``../`` or a leading ``/`` in paths
(output.rb ``extract_placeholders``, ``INVALID_PATH_COMPONENT_PATTERN``:
an UnrecoverableError for the whole chunk at write time). Here the refusal
happens per event at emit, to the error route, also for ``..`` alone and
NUL, and a poison chunk never holds up the chunks queued behind it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from dplat.agent.buffer.errors import UnsafePlaceholderError
from dplat.agent.buffer.flush import is_permanent
from dplat.agent.buffer.placeholders import unsafe_path_value
from dplat.agent.core import registry
from dplat.agent.event import EventTime
from dplat.agent.plugins.out_file import FileOutput
from dplat.agent.testing import CollectingRouter, configured

Sink = registry.lookup("output", "test_sink")  # registered by conftest.py
T = EventTime(1704164645, 0)
FAST = (" retry_wait 0.02\n retry_randomize false\n flush_thread_interval 0.01\n"
        " flush_thread_burst_interval 0.01\n flush_interval 0.01\n")


async def until(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


@pytest.mark.parametrize(("value", "why"), [
    ("..", "'..' segment"), ("a/../b", "'..' segment"), ("a\\..", "'..' segment"),
    ("/etc", "absolute"), ("\\share", "absolute"), ("a\0b", "NUL"),
])
def test_values_that_climb_or_cut_are_unsafe(value: str, why: str) -> None:
    reason = unsafe_path_value(value)
    assert reason is not None and why in reason


@pytest.mark.parametrize("value", ["app.log", "a..b", "...", "x/y", "dt=2024-01-02", ""])
def test_ordinary_values_are_safe(value: str) -> None:
    assert unsafe_path_value(value) is None


def test_permanent_errors_are_the_ones_a_retry_cannot_fix() -> None:
    assert is_permanent(OSError(36, "File name too long"))
    assert is_permanent(ValueError("embedded null byte"))
    assert not is_permanent(OSError(28, "No space left on device"))  # frees up: retry
    assert not is_permanent(ConnectionError("refused"))


def test_climbing_tags_go_to_the_error_route_and_nothing_is_written_outside(
        tmp_path: Path) -> None:
    router = CollectingRouter()
    out_dir = tmp_path / "out"

    async def scenario() -> FileOutput:
        out = configured(FileOutput, f"path {out_dir}/${{tag}}/events\nappend true\n"
                         f"<buffer tag>\n{FAST}</buffer>", router)
        await out.open()
        for tag in ("..", "/abs", "a\0b", "ok"):
            await out.emit(tag, [(T, {"tag": tag})])
        await out.flush()
        await out.close()
        return out

    out = asyncio.run(scenario())
    assert [(tag, type(error)) for tag, _, _, error in router.errors] == [
        ("..", UnsafePlaceholderError), ("/abs", UnsafePlaceholderError),
        ("a\0b", UnsafePlaceholderError)]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "out", "out/ok", "out/ok/events.log"]
    assert out.buffering.statistics()["unsafe_placeholder_events"] == 3


def test_a_file_name_the_os_refuses_is_backed_up_and_the_next_chunk_is_written(
        tmp_path: Path) -> None:
    long_tag = "x" * 300  # one path segment longer than NAME_MAX (255)
    out_dir = tmp_path / "out"

    async def scenario() -> FileOutput:
        out = configured(FileOutput, f"@id files\npath {out_dir}/${{tag}}/events\n"
                         f"append true\n<buffer tag>\n{FAST}</buffer>")
        out.buffering.buffer.root_dir = str(tmp_path / "root")
        await out.open()
        await out.emit(long_tag, [(T, {"n": 1})])
        await out.emit("fine", [(T, {"n": 2})])
        await out.flush()
        await out.close()
        return out

    out = asyncio.run(scenario())
    assert (out_dir / "fine" / "events.log").read_text().endswith('{"n":2}\n')
    (backup,) = (tmp_path / "root" / "backup" / "worker0" / "files").glob("*.log")
    assert backup.read_text().endswith('{"n":1}\n')
    assert out.metrics.retry_count == 0  # no retries: the name will never fit
    assert out.buffering.statistics()["backed_up_chunks"] == 1


def test_a_chunk_at_its_retry_limit_does_not_take_the_others_with_it(tmp_path: Path) -> None:
    """Fluentd drops the whole queue at the retry limit; here only the failing chunk
    is moved aside and the ones behind it start afresh."""
    async def scenario() -> Any:
        out = configured(Sink, f"fail_tag bad\n<buffer tag>\n{FAST} retry_max_times 2\n"
                         "</buffer>")
        out.buffering.buffer.root_dir = str(tmp_path)
        await out.open()
        await out.emit("bad", [(T, {"n": 1})])
        await out.emit("good", [(T, {"n": 2})])
        await until(lambda: out.written and not out.buffering.buffer.has_pending())
        await out.close()
        return out

    out = asyncio.run(scenario())
    assert [(m.tag, records) for m, records in out.written] == [("good", [{"n": 2}])]
    assert len(list(tmp_path.glob("backup/worker0/*/*.log"))) == 1
