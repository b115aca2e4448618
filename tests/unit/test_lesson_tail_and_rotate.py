"""The lesson tail-and-rotate without containers: its generated lines, the
server that writes them, both rotations, the pos_file reader, and the
lesson's own agent.conf run in-process (its tail and its two grep filters)."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from dplat.agent.config import parse_config
from dplat.agent.config.element import Element, Param
from dplat.agent.plugins.filter_grep import GrepFilter
from dplat.agent.plugins.in_tail import TailInput
from dplat.agent.plugins.tail.position import PositionFile
from dplat.agent.testing import run_filter, run_input
from dplat.resources import scenarios_dir
from dplat.scenario import catalog

FOLDER = scenarios_dir() / "tail-and-rotate"


def _module(name: str) -> ModuleType:
    """A module of the lesson's folder, imported as the runner imports it."""
    return catalog.lesson_module(FOLDER, name)


app, rotate = _module("app"), _module("rotate")


# -- the generated lines --------------------------------------------------------------
def test_same_seed_same_lines_other_seed_other_lines() -> None:
    assert app.generate(300) == app.generate(300)
    assert app.generate(300, seed=7) != app.generate(300)


def test_each_request_once_with_its_id_in_the_path_and_traces_after_a_500() -> None:
    lines = app.generate(2000)
    ids = [line.request_id for line in lines if line.matched]
    assert len(ids) == len(set(ids)) == 2000
    assert all(f"?rid={line.request_id} " in line.text for line in lines if line.matched)
    traces = [i for i, line in enumerate(lines) if line.text.startswith("java.lang.")]
    assert 10 < len(traces) < 80  # about one request in fifty
    for i in traces:
        assert '" 500 ' in lines[i - 1].text and lines[i - 1].request_id in lines[i].text
        assert [line.text[:4] for line in lines[i + 1:i + 3]] == ["\tat "] * 2
    assert sum(not line.matched for line in lines) == 3 * len(traces)


def test_segments_cover_every_line_once_in_order() -> None:
    lines = app.generate(1001)
    parts = app.segments(lines, 4)
    assert [line for part in parts for line in part] == lines
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


# -- the lesson's agent.conf, in-process ---------------------------------------------
def _root() -> Element:
    return parse_config((FOLDER / "agent.conf").read_text(), "agent.conf",
                        env={"BIGQUERY_EMULATOR_HOST": "http://127.0.0.1:9",
                             "BIGQUERY_PROJECT": "p"})


def _with(element: Element, **values: str) -> Element:
    params = dict(element.params)
    for key, value in values.items():
        params[key] = Param(key, value, element.origin)
    return replace(element, params=params)


def test_the_lessons_tail_and_filters_split_requests_from_unmatched_lines(tmp_path: Path) -> None:
    root = _root()
    (source,) = [s for s in root.sections("source") if s.get("@type") == "tail"]
    log = tmp_path / "access.log"
    lines = app.generate(300)
    log.write_text("".join(line.text + "\n" for line in lines))
    conf = _with(source, path=str(log), pos_file=str(tmp_path / "access.log.pos"),
                 poll_interval="0.01")
    events = run_input(TailInput, conf, expect=len(lines))
    records = [record for _, _, record in events]
    assert len(records) == len(lines)

    labels = {label.arg: label for label in root.sections("label")}
    requests = run_filter(GrepFilter, labels["@REQUESTS"].sections("filter")[0], records)
    unmatched = run_filter(GrepFilter, labels["@UNMATCHED"].sections("filter")[0], records)
    assert [r["path"] for r in requests] == [
        line.text.split(" ")[6] for line in lines if line.matched]
    assert [r["unmatched_line"] for r in unmatched] == [
        line.text for line in lines if not line.matched]
    first = requests[0]
    assert first["code"] in (200, 304, 404, 500) and first["method"] == "GET"

    entries, bad = rotate.read_pos_file(tmp_path / "access.log.pos")
    assert bad == []
    assert rotate.position_of(entries, log.stat().st_ino) == log.stat().st_size


def test_agent_conf_names_what_the_steps_ask_the_monitor_about() -> None:
    text = (FOLDER / "agent.conf").read_text()
    for plugin_id in ("access_tail", "access_bigquery", "backfill_bigquery", "monitor"):
        assert f"@id {plugin_id}\n" in text
    assert "path /dplat/work/tail-and-rotate/access.log\n" in text
    assert "follow_inodes true" in text and "emit_unmatched_lines true" in text


# -- the server -----------------------------------------------------------------------
def test_writer_writes_every_line_pauses_and_reopens_after_a_rename(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    lines = [f"line {n}" for n in range(200)]
    with app.Writer(log, lines, per_second=2000) as writer:
        writer.wait_written(50)
        paused_at = writer.pause()
        time.sleep(0.05)
        assert writer.written == paused_at
        log.rename(tmp_path / "access.log.1")
        writer.reopen()
        writer.resume()
        assert writer.finish() == 200
    old = (tmp_path / "access.log.1").read_text().splitlines()
    new = log.read_text().splitlines()
    assert old + new == lines
    assert len(old) == paused_at


# -- rotation -------------------------------------------------------------------------
def _fill(log: Path, *lines: str) -> None:
    with log.open("a") as handle:
        handle.write("".join(f"{line}\n" for line in lines))


def test_by_hand_create_renames_and_creates_and_shifts_older_files(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _fill(log, "a", "b")
    inode = log.stat().st_ino
    rotate.by_hand(log, "create")
    _fill(log, "c")
    done = rotate.by_hand(log, "create")
    assert done == "mv access.log.1 access.log.2; mv access.log access.log.1; touch access.log"
    assert (tmp_path / "access.log.2").read_text() == "a\nb\n"
    assert (tmp_path / "access.log.2").stat().st_ino == inode
    assert (tmp_path / "access.log.1").read_text() == "c\n"
    assert log.read_text() == ""


def test_by_hand_copytruncate_keeps_the_inode_and_empties_the_file(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _fill(log, "a", "b")
    inode = log.stat().st_ino
    rotate.by_hand(log, "copytruncate")
    assert (log.stat().st_ino, log.stat().st_size) == (inode, 0)
    assert (tmp_path / "access.log.1").read_text() == "a\nb\n"


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate is not installed")
@pytest.mark.parametrize("mode", ["create", "copytruncate"])
def test_logrotate_does_what_the_by_hand_version_does(tmp_path: Path, mode: str) -> None:
    results = []
    for name in ("tool", "hand"):
        folder = tmp_path / name
        folder.mkdir(mode=0o755)
        log = folder / "access.log"
        _fill(log, "a", "b")
        inode = log.stat().st_ino
        if name == "tool":
            assert rotate.rotate(log, mode).tool.startswith("logrotate")
        else:
            rotate.by_hand(log, mode)
        results.append((log.read_text(), (folder / "access.log.1").read_text(),
                        log.stat().st_ino == inode))
    assert results[0] == results[1] == ("", "a\nb\n", mode == "copytruncate")


def test_without_logrotate_the_step_rotates_itself_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rotate.shutil, "which", lambda name: None)
    log = tmp_path / "access.log"
    _fill(log, "a")
    done = rotate.rotate(log, "create")
    assert (done.tool, done.command) == (rotate.BY_HAND, "mv access.log access.log.1; "
                                                          "touch access.log")
    assert "    create\n" in done.config and not list(tmp_path.glob("logrotate*"))


def test_logrotate_config_refuses_an_unknown_mode(tmp_path: Path) -> None:
    assert "    copytruncate\n" in rotate.logrotate_config(tmp_path / "x.log", "copytruncate")
    with pytest.raises(ValueError, match="unknown rotation mode"):
        rotate.logrotate_config(tmp_path / "x.log", "compress")


# -- the pos_file ---------------------------------------------------------------------
def test_pos_file_written_by_the_agent_reads_back_and_bad_lines_are_reported(
        tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _fill(log, "one", "two")
    path = tmp_path / "access.log.pos"
    positions = PositionFile.load(str(path), follow_inodes=True)
    positions.entry(str(log), log.stat().st_ino).update(log.stat().st_ino, 4)
    entries, bad = rotate.read_pos_file(path)
    assert bad == []
    assert entries == [rotate.PosEntry(str(log), 4, log.stat().st_ino)]
    with path.open("a") as handle:
        handle.write(f"{log}\t{rotate.UNWATCHED:016x}\t{log.stat().st_ino:016x}\n")
        handle.write(f"{log}\t4\t{log.stat().st_ino:x}\n")  # not zero-padded: not Fluentd's
    entries, bad = rotate.read_pos_file(path)
    assert len(entries) == 2 and len(bad) == 1
    assert rotate.position_of(entries, log.stat().st_ino) == 4  # unwatched is skipped
    assert rotate.position_of(entries, log.stat().st_ino + 1) is None


def test_lines_after_counts_what_a_tail_at_an_offset_has_yet_to_read(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _fill(log, "one", "two", "three")
    assert rotate.lines_after(log, 0) == 3
    assert rotate.lines_after(log, len("one\n")) == 2
    assert rotate.lines_after(log, os.path.getsize(log)) == 0


# -- the lesson as the catalogue sees it ----------------------------------------------
def test_the_lesson_is_third_in_order_and_its_readme_covers_its_steps() -> None:
    lesson = catalog.find("tail-and-rotate")
    assert (lesson.order, lesson.options) == (30, {"events": 3000})
    names = [step.name for step in lesson.steps]
    assert names == ["tail", "rename", "restart", "copytruncate", "warehouse"]
    readme = (FOLDER / "README.md").read_text()
    assert all(f"| {name} |" in readme for name in names)
    assert readme.rstrip().splitlines()[-2].startswith("Next lesson: [tag-routing]")
