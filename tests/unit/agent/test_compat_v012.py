"""v0.12 parameters are moved into v1 sections the way Fluentd's compat helper
moves them (fluent/fluentd lib/fluent/plugin_helper/compat_parameters.rb), and a
v0.12 config then *behaves* as its v1 form: same files, same records.

Each config is written here from the v0.12 documentation of the construct
(https://docs.fluentd.org/v/0.12/output/file, /v/0.12/input/tail,
/v/0.12/articles/buffer-plugin-overview, /v/0.12/articles/parser-plugin-overview)
and the v1 pages that replace it (https://docs.fluentd.org/output/file,
/input/tail, /configuration/buffer-section, /configuration/inject-section,
/configuration/format-section, /configuration/parse-section).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from compat_support import T0, T1, converted, files, run_config
from typer.testing import CliRunner

from dplat.agent.buffer.controller import Buffering
from dplat.agent.config import ConfigError
from dplat.agent.plugins.in_tail import TailInput
from dplat.agent.plugins.out_file import FileOutput
from dplat.agent.router import Router
from dplat.agent.testing import CollectingRouter, configured, parse
from dplat.cli import app


def _file_output(text: str) -> FileOutput:
    router = Router.build(parse(text))
    output = router.outputs[0]
    assert isinstance(output, FileOutput)
    return output


# -- <buffer>: time_slice_format and the buffer_* keys -----------------------------


def test_v012_out_file_hourly_slices_write_the_same_files_as_v1(tmp_path: Path) -> None:
    events = [(T0, {"n": 1}), (T1, {"n": 2})]
    run_config(f"""
<match app.**>
  type file
  path {tmp_path}/old/access
  time_slice_format %Y%m%d%H
  time_slice_wait 10m
  utc
</match>""", "app.web", events)
    run_config(f"""
<match app.**>
  @type file
  path {tmp_path}/new/access
  <buffer time>
    timekey 1h
    timekey_wait 10m
    timekey_use_utc true
  </buffer>
  <format>
    utc
  </format>
  <inject>
    localtime false
  </inject>
</match>""", "app.web", events)
    old, new = files(tmp_path / "old"), files(tmp_path / "new")
    assert sorted(old) == ["access.2024010203_0.log", "access.2024010204_0.log"]
    assert old == new


@pytest.mark.parametrize(("slice_format", "timekey"), [
    ("%Y%m%d%H%M%S", 1), ("%Y%m%d%H%M", 60), ("%Y-%m-%d-%H", 3600), ("%Y%m%d", 86400),
])
def test_timekey_is_derived_from_the_finest_field(slice_format: str, timekey: int) -> None:
    root = converted(f"<match a>\n  @type file\n  path /tmp/x\n  time_slice_format {slice_format}\n"
                     "</match>\n")
    buffer = root.elements[0].sections("buffer")[0]
    assert (buffer.arg, buffer.get("timekey")) == ("time", str(timekey))


def test_a_monthly_time_slice_is_refused_at_its_line() -> None:
    with pytest.raises(ConfigError, match=r"test.conf:4: .*only %Y or %m"):
        converted("<match a>\n  @type file\n  path /tmp/x\n  time_slice_format %Y%m\n</match>\n")


def test_buffer_keys_are_honoured_by_the_buffer(tmp_path: Path) -> None:
    """docs.fluentd.org/v/0.12/articles/buffer-plugin-overview names these keys;
    each must reach the buffer, not be dropped."""
    output = _file_output(f"""
<match app.**>
  @type file
  path {tmp_path}/out/app
  buffer_type file
  buffer_path {tmp_path}/buf/app.*.buffer
  buffer_chunk_limit 2m
  buffer_queue_limit 16
  buffer_queue_full_action exception
  flush_interval 5s
  flush_at_shutdown true
  num_threads 2
  retry_limit 4
  max_retry_wait 30s
  retry_wait 2s
</match>""")
    buffering = output.buffering
    assert isinstance(buffering, Buffering)
    config, buffer = buffering.config, buffering.buffer
    assert type(buffer).__name__ == "FileBuffer"
    assert buffer.storage_path() is not None and str(tmp_path / "buf") in buffer.storage_path()
    assert buffer.chunk_limit_size == 2 * 1024 * 1024
    assert buffer.queue_limit_length == 16
    assert config.overflow_action == "throw_exception"
    assert (config.flush_interval, config.flush_thread_count) == (5.0, 2)
    assert (config.retry_max_times, config.retry_max_interval, config.retry_wait) == (4, 30.0, 2.0)
    assert buffering.flush_at_shutdown is True


def test_a_file_buffer_from_v012_keys_keeps_chunks_on_disk(tmp_path: Path) -> None:
    """buffer_type file must mean a persistent buffer: chunks are files under
    buffer_path until they are written (no flush_at_shutdown, the v1 default)."""
    text = f"""
<match app.**>
  @type forward
  buffer_type file
  buffer_path {tmp_path}/buf/fwd.*.buffer
  flush_interval 1h
  <server>
    host 127.0.0.1
    port 9
  </server>
</match>"""

    async def go() -> None:
        router = Router.build(parse(text))
        await router.start()
        await router.emitter().emit_stream("app.x", [(T0, {"k": "v"})])
        await router.stop()

    asyncio.run(go())
    chunks = [p.name for p in (tmp_path / "buf").iterdir() if not p.name.endswith(".meta")]
    assert len(chunks) == 1 and chunks[0].startswith("fwd.")


def test_disable_retry_limit_means_retry_forever() -> None:
    root = converted("<match a>\n  @type forward\n  disable_retry_limit true\n</match>\n")
    buffer = root.elements[0].sections("buffer")[0]
    assert (buffer.arg, buffer.get("retry_forever")) == ("tag", "true")


def test_a_written_buffer_section_wins_and_flat_keys_are_warned(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        output = _file_output(f"""
<match app.**>
  @type file
  path {tmp_path}/app
  flush_interval 5s
  <buffer>
    flush_mode interval
    flush_interval 30s
  </buffer>
</match>""")
    assert output.buffering is not None and output.buffering.config.flush_interval == 30.0
    assert "test.conf:5: parameter 'flush_interval' in <match app.**> is not used" in caplog.text


def test_buffer_keys_of_a_bigquery_output_are_honoured_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        root = converted("<match a>\n  @type bigquery_insert\n  buffer_type file\n"
                         "  buffer_path /tmp/bq\n  flush_interval 5s\n</match>\n")
    buffer = root.elements[0].sections("buffer")[0]
    assert (buffer.get("@type"), buffer.get("flush_interval")) == ("file", "5s")
    assert "test.conf:1: v0.12 buffer parameters" in caplog.text


# -- <parse>: format, types, time keys, multiline ---------------------------------

APACHE = ('192.168.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET /index.html HTTP/1.1" 200 777 '
          '"-" "Mozilla/5.0"\n'
          '10.0.0.2 - bob [02/Jan/2024:03:04:06 +0000] "POST /api HTTP/1.1" 500 12 '
          '"http://x/" "curl/8"\n')


def _tail(tmp_path: Path, source: str, body: str, expect: int) -> CollectingRouter:
    log = tmp_path / "in.log"
    log.write_text(body)
    root = converted(f"<source>\n  type tail\n  path {log}\n  tag t\n  read_from_head true\n"
                     f"  poll_interval 0.02\n{source}\n</source>\n")

    async def go() -> CollectingRouter:
        router = CollectingRouter()
        plugin = configured(TailInput, root.elements[0], router, "source")
        await plugin.open()
        try:
            for _ in range(500):
                if len(router.events) >= expect:
                    break
                await asyncio.sleep(0.01)
        finally:
            await plugin.close()
        return router

    return asyncio.run(go())


def _records(router: CollectingRouter) -> list[tuple[int, dict[str, object]]]:
    return [(time.sec, record) for _, time, record in router.events]


def test_v012_format_apache2_parses_the_same_records_as_its_parse_section(
        tmp_path: Path) -> None:
    old = _tail(tmp_path, "  format apache2", APACHE, 2)
    new = _tail(tmp_path, "  <parse>\n    @type apache2\n  </parse>", APACHE, 2)
    assert len(old.events) == 2
    assert _records(old) == _records(new)
    assert _records(old)[1][1]["code"] == 500


def test_v012_regexp_format_with_types_and_time_keys(tmp_path: Path) -> None:
    """/v/0.12/input/tail: ``format /re/`` with time_format; types converts."""
    body = "2024-01-02 03:04:05 GET 200 0.25\n"
    source = ("  format /^(?<ts>[^ ]+ [^ ]+) (?<method>\\w+) (?<code>\\d+) (?<took>[\\d.]+)$/\n"
              "  time_key ts\n  time_format %Y-%m-%d %H:%M:%S\n  keep_time_key true\n  utc\n"
              "  types code:integer,took:float")
    old = _tail(tmp_path, source, body, 1)
    assert _records(old) == [(1704164645, {"ts": "2024-01-02 03:04:05", "method": "GET",
                                           "code": 200, "took": 0.25})]


def test_v012_multiline_formats_reach_the_parser(tmp_path: Path) -> None:
    """/v/0.12/parser/multiline: format multiline, format_firstline, format1..N."""
    body = "start 1\nmore a\nstart 2\nmore b\nstart 3\n"
    source = ("  format multiline\n  format_firstline /^start/\n"
              "  format1 /^start (?<n>\\d+)\\n(?<rest>.*)/\n  multiline_flush_interval 0.1")
    old = _tail(tmp_path, source, body, 2)
    assert [record for _, record in _records(old)][:2] == [
        {"n": "1", "rest": "more a"}, {"n": "2", "rest": "more b"}]


def test_utc_and_localtime_together_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"test.conf:\d+: both utc and localtime"):
        converted("<source>\n  @type tail\n  path /x\n  tag t\n  format json\n  utc\n"
                  "  localtime\n</source>\n")


# -- <inject> and <format> ----------------------------------------------------------


def test_v012_include_time_and_tag_keys_inject_as_v1_does(tmp_path: Path) -> None:
    events = [(T0, {"k": "v"})]
    run_config(f"""
<match app.**>
  @type file
  path {tmp_path}/old/app
  format json
  include_time_key true
  time_format %Y-%m-%dT%H:%M:%S
  include_tag_key true
  tag_key src
  utc
</match>""", "app.web", events)
    run_config(f"""
<match app.**>
  @type file
  path {tmp_path}/new/app
  <format>
    @type json
  </format>
  <inject>
    time_key time
    time_type string
    time_format %Y-%m-%dT%H:%M:%S
    tag_key src
    localtime false
  </inject>
</match>""", "app.web", events)
    old, new = files(tmp_path / "old"), files(tmp_path / "new")
    assert old == new
    assert list(old.values()) == ['{"k":"v","src":"app.web","time":"2024-01-02T03:04:05"}\n']


def test_v012_time_as_epoch_injects_and_formats_unixtime(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """compat_parameters.rb: ``time_as_epoch true`` sets ``time_type unixtime``
    in the <inject> (``time_key`` defaulting to ``time``) and the <format> it
    makes. It was warned "not used", and the time injected as a string."""
    events = [(T0, {"k": "v"})]
    with caplog.at_level(logging.WARNING):
        run_config(f"""
<match app.**>
  @type file
  path {tmp_path}/json/app
  format json
  include_time_key true
  time_as_epoch true
</match>""", "app.web", events)
        run_config(f"<match other.**>\n  @type file\n  path {tmp_path}/columns/app\n"
                   "  format out_file\n  time_as_epoch true\n</match>", "other.web", events)
    assert "not used" not in caplog.text
    assert list(files(tmp_path / "json").values()) == ['{"k":"v","time":1704164645}\n']
    assert list(files(tmp_path / "columns").values()) == ['1704164645\tother.web\t{"k":"v"}\n']
    old = tmp_path / "stdout.conf"
    old.write_text("<match a>\n  @type stdout\n  format out_file\n  time_as_epoch true\n</match>\n")
    text = CliRunner().invoke(app, ["agent", "check", "--v1", "-c", str(old)]).output
    assert "<format>\n    @type out_file\n    time_type unixtime\n  </format>" in text, text
    assert "time_as_epoch" not in text.split("\n", 1)[1]


def test_v012_stdout_output_type(capsys: pytest.CaptureFixture[str]) -> None:
    """/v/0.12/output/stdout: ``output_type`` picks the record's format."""
    run_config("<match a>\n  @type stdout\n  output_type ltsv\n  include_tag_key true\n</match>\n",
               "a", [(T0, {"k": "v"})])
    assert capsys.readouterr().out.endswith(" a: k:v\ttag:a\n")


def test_legacy_type_is_renamed_with_a_warning_naming_the_line(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        root = converted("<match a>\n  type null\n  id x\n</match>\n")
    assert list(root.elements[0].params) == ["@type", "@id"]
    assert "test.conf:2: 'type' is a deprecated parameter name; use '@type'" in caplog.text
    assert "test.conf:3: 'id' is a deprecated" in caplog.text


def test_conversion_keeps_keys_out_of_unused_warnings(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        _file_output(f"<match a>\n  @type file\n  path {tmp_path}/a\n  format json\n"
                     "  time_slice_format %Y%m%d\n  include_time_key true\n</match>\n")
    assert "is not used" not in caplog.text


def test_check_v1_prints_the_migrated_config(tmp_path: Path) -> None:
    """``dplat agent check --v1``: the v0.12 keys appear only in their sections,
    and the printed text is itself a config that builds the same output."""
    old = tmp_path / "td-agent.conf"
    old.write_text(f"<match app.**>\n  type file\n  path {tmp_path}/out/app\n"
                   "  time_slice_format %Y%m%d%H\n  buffer_type memory\n  format json\n"
                   "</match>\n")
    result = CliRunner().invoke(app, ["agent", "check", "--v1", "-c", str(old)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "time_slice_format" not in text and "buffer_type" not in text
    assert "  @type file\n" in text and "<buffer time>" in text and "timekey 3600" in text
    new = tmp_path / "v1.conf"
    new.write_text(text)
    output = _file_output(new.read_text())
    assert output.buffering is not None and output.buffering.keys.timekey == 3600


def test_a_file_buffer_without_path_uses_the_output_path(tmp_path: Path) -> None:
    """out_file.rb: a file <buffer> (here from v0.12 buffer_type file) without a
    path keeps its chunks at the output's path, treated as a folder."""
    text = f"<match a>\n  @type file\n  path {tmp_path}/logs/app\n  buffer_type file\n</match>\n"
    output = _file_output(text)
    assert output.buffering is not None
    assert output.buffering.buffer.storage_path() == f"{tmp_path}/logs/app/buffer.*.log"


def test_v012_keys_in_a_copy_store_are_converted_per_store(tmp_path: Path) -> None:
    """A <store> is an output of its own: its v0.12 keys convert by its type."""
    run_config(f"""
<match app.**>
  type copy
  <store>
    type file
    path {tmp_path}/copy/app
    time_slice_format %Y%m%d%H
    format json
    utc
  </store>
</match>""", "app.web", [(T0, {"n": 1}), (T1, {"n": 2})])
    assert files(tmp_path / "copy") == {"app.2024010203_0.log": '{"n":1}\n',
                                        "app.2024010204_0.log": '{"n":2}\n'}


def test_s3_keeps_its_own_time_slice_format_for_keys(tmp_path: Path) -> None:
    """fluent-plugin-s3 reads time_slice_format itself (%{time_slice}), besides
    the timekey the helper derives; check --v1 keeps it for s3."""
    old = tmp_path / "s3.conf"
    old.write_text("<match a>\n  @type s3\n  s3_bucket b\n  s3_endpoint http://127.0.0.1:9\n"
                   "  time_slice_format %Y-%m-%d-%H\n  format_json true\n</match>\n")
    result = CliRunner().invoke(app, ["agent", "check", "--v1", "-c", str(old)])
    assert result.exit_code == 0, result.output
    assert "  time_slice_format %Y-%m-%d-%H\n" in result.output
    assert "timekey 3600" in result.output and "format_json" not in result.output
    assert "<format>\n    @type json\n  </format>" in result.output
