"""Which files in_tail follows: globs by policy, braces, strftime, excludes,
directories, limit_recently_modified; and a strftime path and an encoding
end to end."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tail_support import append, eventually, messages, run, tail_conf, tailing

from dplat.agent.plugins.tail.paths import PathExpander, expand_braces, use_glob


def names(found: dict[str, os.stat_result]) -> list[str]:
    return sorted(os.path.basename(path) for path in found)


def test_glob_policies() -> None:
    assert use_glob("/a/*.log", "backward_compatible")
    assert not use_glob("/a/?.log", "backward_compatible")
    assert use_glob("/a/?.log", "extended") and use_glob("/a/[ab].log", "extended")
    assert not use_glob("/a/{x,y}.log", "extended")
    assert use_glob("/a/{x,y}.log", "always")
    assert expand_braces("/a/{x,y}.{1,2}") == ["/a/x.1", "/a/x.2", "/a/y.1", "/a/y.2"]


def test_expand_skips_directories_excluded_missing_and_old_files(tmp_path: Path) -> None:
    for name in ("a.log", "b.log", "c.log", "old.log"):
        (tmp_path / name).write_text("x\n")
    (tmp_path / "dir.log").mkdir()
    week_ago = time.time() - 7 * 86400
    os.utime(tmp_path / "old.log", (week_ago, week_ago))
    expander = PathExpander([str(tmp_path / "*.log"), str(tmp_path / "missing.log")],
                            exclude=[str(tmp_path / "c.*")], limit_recently_modified=3600)
    assert names(expander.expand()) == ["a.log", "b.log"]
    braces = PathExpander([str(tmp_path / "{a,c}.log")], policy="always")
    assert names(braces.expand()) == ["a.log", "c.log"]


def test_strftime_in_path_uses_utc(tmp_path: Path) -> None:
    today = tmp_path / time.strftime("app.%Y%m%d.log", time.gmtime())
    append(today, "dated")

    async def scenario() -> None:
        conf = tail_conf(tmp_path / "app.%Y%m%d.log", read_from_head=True)
        async with tailing(conf) as (_, router):
            await eventually(lambda: messages(router) == ["dated"])

    run(scenario)


def test_encoding_of_the_files(tmp_path: Path) -> None:
    log = tmp_path / "latin1.log"
    log.write_bytes("café\n".encode("latin-1") + b"bad \xff\xfe utf8\n")

    async def scenario() -> None:
        conf = tail_conf(log, read_from_head=True, encoding="ISO-8859-1")
        async with tailing(conf) as (_, router):
            await eventually(lambda: len(router.events) == 2)
            assert messages(router)[0] == "café"
        async with tailing(tail_conf(log, read_from_head=True)) as (_, router):
            await eventually(lambda: len(router.events) == 2)
            assert messages(router)[1] == "bad \ufffd\ufffd utf8"  # invalid UTF-8 replaced

    run(scenario)
