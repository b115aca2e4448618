"""in_tail on real files: where it starts, resuming from a pos_file (ours and
one written by "Fluentd"), parsers, unmatched lines, globs, multiline."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from tail_support import append, eventually, messages, pos_entries, run, tail_conf, tailing

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.in_tail import TailInput
from dplat.agent.testing import configured

APACHE = ('192.168.0.{n} - - [28/Feb/2013:12:00:00 +0900] "GET /p{n} HTTP/1.1" 200 777 "-" '
          '"Opera/12.0"')


def test_read_from_head_then_follows_appends(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "one", "two")

    async def scenario() -> None:
        async with tailing(tail_conf(log, read_from_head=True)) as (_, router):
            await eventually(lambda: len(router.events) == 2)
            append(log, "three")
            await eventually(lambda: len(router.events) == 3)
            assert messages(router) == ["one", "two", "three"]
            assert {tag for tag, _, _ in router.events} == {"t"}

    run(scenario)


async def read_to_the_end(plugin: TailInput, log: Path) -> None:
    """Wait until the tail of ``log`` has read all of it (a partial line too)."""
    await eventually(lambda: [w.offset for w in plugin._tails.values()] == [log.stat().st_size],
                     what=f"{log.name} read to its end")


def test_default_start_is_the_end_of_the_file(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "old")

    async def scenario() -> None:
        async with tailing(tail_conf(log)) as (plugin, router):
            # Appending before the tail opened the file would put "new" before its start.
            await eventually(lambda: plugin.counts["opened"] == 1, what="the file opened")
            append(log, "new")
            await eventually(lambda: len(router.events) == 1)
            await asyncio.sleep(0.1)
            assert messages(router) == ["new"]

    run(scenario)


def test_partial_line_waits_for_its_newline_and_crlf_is_stripped(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.touch()

    async def scenario() -> None:
        async with tailing(tail_conf(log, read_from_head=True)) as (plugin, router):
            append(log, "par", end="")
            await read_to_the_end(plugin, log)
            assert router.events == []
            append(log, "tial\r\nnext", end="")
            await eventually(lambda: len(router.events) == 1)
            assert messages(router) == ["partial"]

    run(scenario)


def test_restart_resumes_from_pos_file_without_rereading(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "state" / "app.pos"
    append(log, *(f"line {n}" for n in range(5)))
    conf = tail_conf(log, pos_file=pos, read_from_head=True)

    async def scenario() -> None:
        async with tailing(conf) as (_, router):
            await eventually(lambda: len(router.events) == 5)
        append(log, "while stopped 1", "while stopped 2")
        assert pos_entries(pos) == [(str(log), log.stat().st_size - 32, log.stat().st_ino)]
        async with tailing(conf) as (_, router):
            await eventually(lambda: len(router.events) == 2)
            await asyncio.sleep(0.1)
            assert messages(router) == ["while stopped 1", "while stopped 2"]
        assert pos_entries(pos) == [(str(log), log.stat().st_size, log.stat().st_ino)]

    run(scenario)


def test_pos_file_written_by_fluentd_is_honoured_and_compacted(tmp_path: Path) -> None:
    log, other, pos = tmp_path / "app.log", tmp_path / "gone.log", tmp_path / "fluentd.pos"
    append(log, *(f"line {n}" for n in range(10)))
    offset = len("".join(f"line {n}\n" for n in range(4)))
    ino = log.stat().st_ino
    pos.write_text(f"{log}\t{0:016x}\t{ino:016x}\n"  # an older entry for the same path
                   f"{other}\t{99:016x}\t{12345:016x}\n"  # a file that no longer exists
                   f"{tmp_path / 'x.log'}\tffffffffffffffff\t{7:016x}\n"  # unwatched
                   f"{log}\t{offset:016x}\t{ino:016x}\n")

    async def scenario() -> None:
        async with tailing(tail_conf(log, pos_file=pos)) as (_, router):
            await eventually(lambda: len(router.events) == 6)
            assert messages(router) == [f"line {n}" for n in range(4, 10)]
            assert pos_entries(pos) == [(str(log), log.stat().st_size, ino)]

    run(scenario)


def test_pos_file_with_another_inode_reads_the_new_file_from_head(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    append(log, "a", "b")
    pos.write_text(f"{log}\t{100:016x}\t{log.stat().st_ino + 1:016x}\n")  # rotated meanwhile

    async def scenario() -> None:
        async with tailing(tail_conf(log, pos_file=pos)) as (_, router):
            await eventually(lambda: len(router.events) == 2)

    run(scenario)


def test_pos_file_updates_in_place(tmp_path: Path) -> None:
    log, pos = tmp_path / "app.log", tmp_path / "app.pos"
    append(log, "a")

    async def scenario() -> None:
        async with tailing(tail_conf(log, pos_file=pos, read_from_head=True)) as (_, router):
            await eventually(lambda: len(router.events) == 1)
            first_inode = os.stat(pos).st_ino
            size = pos.stat().st_size
            for n in range(20):
                append(log, f"more {n}")
                await eventually(lambda n=n: len(router.events) == n + 2)
            assert (os.stat(pos).st_ino, pos.stat().st_size) == (first_inode, size)

    run(scenario)


def test_apache2_lines_tag_expansion_and_path_key(tmp_path: Path) -> None:
    log = tmp_path / "www" / "access.log"
    log.parent.mkdir()
    append(log, APACHE.format(n=1), "garbage", APACHE.format(n=2))
    conf = tail_conf(log, parse="@type apache2", tag="web.*", read_from_head=True,
                     path_key="file")

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: len(router.events) == 2)
            await eventually(lambda: plugin.counts["unmatched"] == 1)
            tag, time, record = router.events[0]
            assert tag == "web" + str(log).replace("/", ".")
            assert time == EventTime(1362020400)
            assert (record["host"], record["path"], record["file"]) == ("192.168.0.1", "/p1",
                                                                        str(log))

    run(scenario)


def test_unmatched_lines_are_emitted_when_asked(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "id=1", "???", "id=2")
    parse = "@type regexp\nexpression /^id=(?<id>\\d+)$/"
    conf = tail_conf(log, parse=parse, read_from_head=True, emit_unmatched_lines=True,
                     path_key="path")

    async def scenario() -> None:
        async with tailing(conf) as (_, router):
            await eventually(lambda: len(router.events) == 3)
            assert [record for _, _, record in router.events] == [
                {"id": "1", "path": str(log)}, {"unmatched_line": "???", "path": str(log)},
                {"id": "2", "path": str(log)}]

    run(scenario)


def test_values_that_fail_go_to_the_error_route(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "time:2013-02-28", "time:not-a-date", "time:2013-03-01")
    conf = tail_conf(log, parse="@type ltsv\ntime_format %Y-%m-%d", read_from_head=True)

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: len(router.events) == 2 and len(router.errors) == 1)
            assert router.errors[0][2] == {"unmatched_line": "time:not-a-date"}
            assert plugin.metrics.num_errors == 1

    run(scenario)


def test_glob_picks_up_a_new_file_from_its_head(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("a1\n")
    (tmp_path / "skip.log").write_text("nope\n")
    (tmp_path / "other.txt").write_text("nope\n")
    conf = tail_conf(tmp_path / "*.log", read_from_head=True, refresh_interval=0.1,
                     exclude_path=f"[\"{tmp_path / 'skip*'}\"]", tag="g.*.x")

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: messages(router) == ["a1"])
            (tmp_path / "b.log").write_text("b1\nb2\n")
            await eventually(lambda: len(router.events) == 3)
            assert sorted(messages(router)) == ["a1", "b1", "b2"]
            assert router.events[-1][0] == f"g.{str(tmp_path / 'b.log')[1:].replace('/', '.')}.x"
            assert plugin.statistics()["tracked_file_count"] == 2

    run(scenario)


def test_max_line_size_skips_long_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "short", "x" * 100, "ok")
    conf = tail_conf(log, read_from_head=True, max_line_size=50)

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: len(router.events) == 2)
            assert messages(router) == ["short", "ok"]
            append(log, "y" * 60, end="")  # an unfinished long line is dropped as it grows
            await read_to_the_end(plugin, log)
            append(log, "y" * 60 + "\nafter")
            await eventually(lambda: len(router.events) == 3)
            assert messages(router)[-1] == "after"
            assert plugin.counts["skipped"] == 2

    run(scenario)


def test_max_line_size_with_small_batches_keeps_the_lines_after_a_batch(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, *(f"line {n:02d} " + "." * 12 for n in range(10)))
    conf = tail_conf(log, read_from_head=True, max_line_size=50, read_lines_limit=2)

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: len(router.events) == 10)
            assert plugin.counts["skipped"] == 0

    run(scenario)


def test_lines_longer_than_a_read_block(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    huge = "h" * (600 * 1024)
    append(log, "small", huge, "after")

    async def scenario() -> None:
        async with tailing(tail_conf(log, read_from_head=True)) as (_, router):
            await eventually(lambda: len(router.events) == 3)
            assert messages(router) == ["small", huge, "after"]

    run(scenario)


JAVA = r"""@type multiline
format_firstline /\d{4}-\d{1,2}-\d{1,2}/
format1 /^(?<time>\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}) \[(?<thread>.*)\] (?<level>[^\s]+)(?<message>.*)/"""


def test_multiline_with_format_firstline_and_flush_interval(tmp_path: Path) -> None:
    log = tmp_path / "java.log"
    append(log, "stray line before any record",
           "2013-3-03 14:27:33 [main] INFO  Main - Start",
           "2013-3-03 14:27:33 [main] ERROR Main - Exception",
           "javax.management.RuntimeErrorException: null",
           "    at Main.main(Main.java:16) ~[bin/:na]")
    conf = tail_conf(log, parse=JAVA, read_from_head=True, multiline_flush_interval=0.3)

    async def scenario() -> None:
        async with tailing(conf) as (plugin, router):
            await eventually(lambda: len(router.events) == 1)
            assert router.events[0][2] == {"thread": "main", "level": "INFO",
                                           "message": "  Main - Start"}
            assert plugin.counts["unmatched"] == 1
            await eventually(lambda: len(router.events) == 2)  # flushed after 0.3 s
            assert router.events[1][2]["message"] == (
                " Main - Exception\njavax.management.RuntimeErrorException: null\n"
                "    at Main.main(Main.java:16) ~[bin/:na]")
            append(log, "2013-3-03 14:27:34 [main] INFO  Main - End")
        assert router.events[2][2]["message"] == "  Main - End"  # emitted on stop

    run(scenario)


def test_multiline_without_firstline_gathers_until_it_parses(tmp_path: Path) -> None:
    log = tmp_path / "pairs.log"
    append(log, "BEGIN 1", "END", "BEGIN 2", "still 2", "END")
    # As in Fluentd, a gathered record is parsed without its last newline.
    parse = "@type multiline\nformat1 /^BEGIN (?<n>\\d+)\\n(?<body>(?:.*\\n)*?)END$/"

    async def scenario() -> None:
        async with tailing(tail_conf(log, parse=parse, read_from_head=True)) as (_, router):
            await eventually(lambda: len(router.events) == 2)
            assert [r for _, _, r in router.events] == [{"n": "1", "body": ""},
                                                        {"n": "2", "body": "still 2\n"}]

    run(scenario)


@pytest.mark.parametrize(("conf", "message"), [
    ("path /x\ntag t", "a <parse> section is required"),
    ("path /x\ntag t\nfollow_inodes true\n<parse>\n@type none\n</parse>", "follow inodes"),
    ("path /x\ntag t\npath_delimiter *\n<parse>\n@type none\n</parse>", "reserved"),
    ("path /x\ntag t\nglob_policy always\n<parse>\n@type none\n</parse>", "path_delimiter"),
    ("path /x\ntag t\nencoding nope\n<parse>\n@type none\n</parse>", "unknown encoding"),
    ("path /x\ntag t\n<parse>\nkeys a\n</parse>", "missing '@type' parameter"),
])
def test_config_errors(conf: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        configured(TailInput, conf, name="source")


def test_two_sources_cannot_share_a_pos_file(tmp_path: Path) -> None:
    conf = tail_conf(tmp_path / "a.log", pos_file=tmp_path / "shared.pos")

    async def scenario() -> None:
        async with tailing(conf):
            with pytest.raises(ConfigError, match="same pos_file"):
                configured(TailInput, conf, name="source")
        configured(TailInput, conf, name="source")  # free again once the first stopped

    run(scenario)


def test_whole_pipeline_tail_grep_record_transformer(tmp_path: Path) -> None:
    """Through the real router: tail -> grep -> record_transformer -> a
    buffered output (conftest's test_sink)."""
    from dplat.agent.core import registry
    from dplat.agent.router import Router
    from dplat.agent.testing import parse

    log = tmp_path / "www" / "access.log"
    log.parent.mkdir()
    append(log, *(APACHE.format(n=n) for n in range(6)))
    router = Router.build(parse(f"""
      <source>
        @type tail
        path {log}
        pos_file {tmp_path}/access.pos
        read_from_head true
        poll_interval 0.02
        tag web.*
        <parse>
          @type apache2
        </parse>
      </source>
      <filter web.**>
        @type grep
        <regexp>
          key path
          pattern /^\\/p[024]$/
        </regexp>
      </filter>
      <filter web.**>
        @type record_transformer
        remove_keys referer,agent
        <record>
          file ${{tag_parts[-1]}}
        </record>
      </filter>
      <match web.**>
        @type test_sink
        @id sink
      </match>
    """))
    sink = next(o for o in router.outputs if o.plugin_id == "sink")
    assert isinstance(sink, registry.lookup("output", "test_sink"))

    async def scenario() -> None:
        await router.start()
        try:
            await eventually(lambda: router.inputs[0].metrics.emit_records == 6)
        finally:
            await router.stop()
        records = [record for _, batch in sink.written for record in batch]  # type: ignore[attr-defined]
        assert [r["path"] for r in records] == ["/p0", "/p2", "/p4"]
        assert records[0] == {"host": "192.168.0.0", "user": None, "method": "GET",
                              "path": "/p0", "code": 200, "size": 777, "file": "log"}

    run(scenario)
