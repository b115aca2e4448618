"""out_file names and contents, out_stdout lines, formatters, in_sample."""

from __future__ import annotations

import asyncio
import gzip
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.config import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.formatters import new_formatter
from dplat.agent.plugins.in_sample import SampleInput
from dplat.agent.plugins.out_file import FileOutput
from dplat.agent.plugins.out_stdout import StdoutOutput
from dplat.agent.testing import (
    CollectingRouter,
    arun_input,
    configured,
    element,
    run_input,
    run_output,
)

T = EventTime(1704164645, 123456789)  # 2024-01-02T03:04:05.123456789Z


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def write_twice(conf: str, records: list[dict[str, Any]] | None = None, tag: str = "app") -> None:
    """Two flushes of the same time slice (out_file then needs a new index)."""
    for _ in range(2):
        run_output(FileOutput, conf, [(T, r) for r in records or [{"k": "v"}]], tag=tag)


# -- out_file ---------------------------------------------------------------------


def test_default_names_use_a_daily_time_slice_and_a_free_index(tmp_path: Path) -> None:
    write_twice(f"path {tmp_path}/app")
    assert files(tmp_path) == ["app.20240102_0.log", "app.20240102_1.log"]
    assert (tmp_path / "app.20240102_0.log").read_text() == \
        '2024-01-02T03:04:05+00:00\tapp\t{"k":"v"}\n'


def test_append_writes_one_file_per_slice(tmp_path: Path) -> None:
    write_twice(f"path {tmp_path}/app\nappend true")
    assert files(tmp_path) == ["app.20240102.log"]
    assert len((tmp_path / "app.20240102.log").read_text().splitlines()) == 2


@pytest.mark.parametrize(("path", "buffer", "expected"), [
    ("log.*.txt", "", ["log.20240102_0.txt", "log.20240102_1.txt"]),
    ("%Y/%m/%d/app", "", ["2024/01/02/app_0.log", "2024/01/02/app_1.log"]),
    ("${tag}/x", "<buffer tag,time>\n timekey 1h\n</buffer>",
     ["app.web/x.2024010203_0.log", "app.web/x.2024010203_1.log"]),
    ("m", "<buffer time>\n timekey 10m\n</buffer>", ["m.202401020300_0.log", "m.202401020300_1.log"]),
    ("s", "<buffer time>\n timekey 30s\n</buffer>",
     ["s.20240102030400_0.log", "s.20240102030400_1.log"]),
    ("plain", "<buffer []>\n</buffer>", ["plain_0.log", "plain_1.log"]),
    ("daily", "<buffer>\n</buffer>", ["daily.20240102_0.log", "daily.20240102_1.log"]),
    ("n", "add_path_suffix false\n<buffer time>\n timekey 1d\n</buffer>", ["n.20240102_0", "n.20240102_1"]),
])
def test_file_names_follow_out_file_rules(tmp_path: Path, path: str, buffer: str,
                                          expected: list[str]) -> None:
    write_twice(f"path {tmp_path}/{path}\n{buffer}", tag="app.web")
    assert files(tmp_path) == expected


def test_gzip_compression_adds_gz_and_members_append(tmp_path: Path) -> None:
    write_twice(f"path {tmp_path}/z\ncompress gzip\nappend true")
    assert files(tmp_path) == ["z.20240102.log.gz"]
    lines = gzip.decompress((tmp_path / "z.20240102.log.gz").read_bytes()).decode().splitlines()
    assert len(lines) == 2 and lines[0].endswith('{"k":"v"}')


def test_json_format_writes_json_lines(tmp_path: Path) -> None:
    run_output(FileOutput, f"path {tmp_path}/j\n<format>\n @type json\n</format>",
               [(T, {"a": 1, "ü": "ß"}), (T, {"b": [1, 2]})])
    assert (tmp_path / "j.20240102_0.log").read_text() == '{"a":1,"ü":"ß"}\n{"b":[1,2]}\n'


@pytest.mark.parametrize(("conf", "error"), [
    ("path {d}/a.*\n<buffer []>\n</buffer>", r"path including '\*' must be used with buffer"),
    ("path {d}/%Y/a\n<buffer time>\n timekey 1h\n</buffer>", "insufficient timestamp"),
    ("path {d}/a\n<buffer tag,time>\n timekey 1d\n</buffer>", "doesn't have tag placeholder"),
    ("path {d}/${{tag}}\n<buffer time>\n timekey 1d\n</buffer>", "chunk key 'tag' is not"),
    ("path {d}/a_file/a", "is not writable"),
])
def test_path_mistakes_are_config_errors_on_the_path_line(tmp_path: Path, conf: str,
                                                          error: str) -> None:
    (tmp_path / "a_file").write_text("a file where a directory should be")
    with pytest.raises(ConfigError, match=r"<test>:1: .*" + error):
        configured(FileOutput, conf.format(d=tmp_path))


# -- out_stdout and formatters ----------------------------------------------------------


def test_stdout_prints_fluentd_lines_as_events_arrive() -> None:
    out = configured(StdoutOutput, "")
    out.stream = io.StringIO()
    run_output(out, None, [(T, {"k": "v"}), (EventTime(0, 5), {"n": 1})], tag="app.web")
    assert out.stream.getvalue() == (
        '2024-01-02 03:04:05.123456789 +0000 app.web: {"k":"v"}\n'
        '1970-01-01 00:00:00.000000005 +0000 app.web: {"n":1}\n')
    assert out.buffering is None


def test_stdout_with_a_buffer_prints_per_chunk() -> None:
    out = configured(StdoutOutput, "<buffer>\n flush_interval 1h\n</buffer>")
    out.stream = io.StringIO()
    run = run_output(out, None, [(T, {"k": "v"})], tag="t", flush=False)
    assert out.stream.getvalue() == '2024-01-02 03:04:05.123456789 +0000 t: {"k":"v"}\n'
    assert len(run.chunks) == 1  # written at shutdown (memory buffers flush at shutdown)


@pytest.mark.parametrize(("conf", "line"), [
    ("@type json", '{"a":1,"m":"x y"}\n'),
    ("@type ltsv", "a:1\tm:x y\n"),
    ("@type ltsv\ndelimiter ,\nlabel_delimiter =", "a=1,m=x y\n"),
    ("@type single_value\nmessage_key m", "x y\n"),
    ("@type single_value\nmessage_key a\nadd_newline false", "1"),
    ("@type out_file", '2024-01-02T03:04:05+00:00\tapp\t{"a":1,"m":"x y"}\n'),
    ("@type out_file\nutc true\ndelimiter SPACE\noutput_tag false", '2024-01-02T03:04:05Z {"a":1,"m":"x y"}\n'),
    ("@type out_file\ntime_format %H:%M:%S.%3N\ntimezone +0900\ndelimiter COMMA",
     '12:04:05.123,app,{"a":1,"m":"x y"}\n'),
    ("@type out_file\ntime_type unixtime\nnewline crlf", '1704164645\tapp\t{"a":1,"m":"x y"}\r\n'),
    ("@type stdout", '2024-01-02 03:04:05.123456789 +0000 app: {"a":1,"m":"x y"}\n'),
    ("@type stdout\noutput_type ltsv", "2024-01-02 03:04:05.123456789 +0000 app: a:1\tm:x y\n"),
])
def test_formatters(conf: str, line: str) -> None:
    formatter = new_formatter(element(conf, "format", ""), "out_file")
    assert formatter.format("app", T, {"a": 1, "m": "x y"}) == line


def test_unknown_formatter_lists_known_types() -> None:
    with pytest.raises(ConfigError, match=r"unknown formatter plugin type 'yaml'.*json"):
        new_formatter(element("@type yaml", "format", ""), "out_file")


# -- in_sample ------------------------------------------------------------------------


def test_sample_emits_at_its_rate_with_a_counter() -> None:
    events = run_input(SampleInput, "tag s\nrate 50\nauto_increment_key n", expect=10)
    assert [record["n"] for _, _, record in events[:10]] == list(range(10))
    assert {tag for tag, _, _ in events} == {"s"} and events[0][2]["message"] == "sample"
    # 50 a second in ten slices: streams of 5 events, each stream stamped at
    # its slice (not one burst of 50, nor one event per stream).
    slices = Counter(when for _, when, _ in events[:10])
    assert sorted(slices.values()) == [5, 5] and min(slices) < max(slices)


def test_sample_cycles_records_in_streams_of_size() -> None:
    conf = 'tag s\nsize 3\ndummy [{"a":1},{"a":2}]'
    events = run_input(SampleInput, conf, expect=3)
    assert [record["a"] for _, _, record in events[:3]] == [1, 2, 1]


def test_sample_errors_are_counted_not_swallowed() -> None:
    async def scenario() -> int:
        router = CollectingRouter(refuse=BufferOverflowError("full"))
        plugin = configured(SampleInput, "tag s\nrate 10", router, "source")
        await plugin.open()
        await asyncio.sleep(0.15)
        await plugin.close()
        return plugin.metrics.num_errors

    assert asyncio.run(scenario()) >= 1


@pytest.mark.parametrize(("conf", "error"), [
    ("tag s\nsample nope", r"<test>:2: sample is not JSON"),
    ('tag s\nsample [1]', "element 0 of sample, 1, is not an object"),
    ("sample {}", "required parameter 'tag' is missing"),
])
def test_sample_config_errors(conf: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        configured(SampleInput, conf, name="source")


def test_sample_records_are_fresh_copies() -> None:
    events = asyncio.run(arun_input(SampleInput, 'tag s\nrate 20\nsample {"a":{"b":1}}',
                                    expect=2))
    events[0][2]["a"]["b"] = 99
    assert events[1][2] == {"a": {"b": 1}}
