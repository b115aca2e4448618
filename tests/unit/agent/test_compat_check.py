"""``dplat agent check`` reports every error of a file in one run, each with
its file:line, and every warning names its line (issue 10, "Messages")."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dplat.agent.config import ConfigError, ConfigErrors
from dplat.agent.server import check_config

BROKEN = """\
<system>
  workers 2
</system>
<source>
  @type tail
  path "#{ENV['DPLAT_TEST_UNSET_DIR']}/a.log"
  tag t
  format json
  rotate_wait 1.5h
</source>
<source>
  @type forward
  port abc
</source>
<match a.**>
  @type file
  path /tmp/x
  time_slice_format %Y%m
</match>
<label errors>
  <match **>
    @type nope
  </match>
</label>
"""


def test_check_reports_every_error_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "td.conf"
    config.write_text(BROKEN)
    with pytest.raises(ConfigErrors) as caught:
        check_config(config)
    lines = [str(error).split(": ", 1)[0] for error in caught.value.errors]
    assert lines == [f"{config}:{n}" for n in (6, 2, 9, 13, 18, 21)]
    assert "DPLAT_TEST_UNSET_DIR is not set" in str(caught.value)
    assert str(caught.value).startswith("6 errors in the config")


def test_at_most_twenty_errors_are_listed(tmp_path: Path) -> None:
    config = tmp_path / "td.conf"
    config.write_text("".join(f"<match t{n}>\n  @type nope\n</match>\n" for n in range(25)))
    with pytest.raises(ConfigErrors) as caught:
        check_config(config)
    assert len(caught.value.errors) == 25
    assert len(str(caught.value).splitlines()) == 1 + 20
    assert "25 errors in the config (the first 20 shown)" in str(caught.value)


def test_a_single_error_stays_itself(tmp_path: Path) -> None:
    config = tmp_path / "td.conf"
    config.write_text("<match a>\n  @type nope\n</match>\n")
    with pytest.raises(ConfigError) as caught:
        check_config(config)
    assert not isinstance(caught.value, ConfigErrors)
    assert str(caught.value).startswith(f"{config}:1: unknown output plugin type 'nope'")


def test_configure_time_warnings_name_the_line(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """Warnings a plugin logs while it is configured carried only an object
    id; with the line known, an object id is noise and only an @id is kept."""
    config = tmp_path / "td.conf"
    config.write_text(f"<match a>\n  @type file\n  path {tmp_path}/out\n</match>\n"
                      f"<match b>\n  @type file\n  @id files_b\n  path {tmp_path}/b\n"
                      "</match>\n")
    with caplog.at_level(logging.WARNING):
        check_config(config)
    assert f"{config}:1: default timekey interval (1d) will be used" in caplog.text
    assert f"{config}:5: [files_b] default timekey interval (1d) will be used" in caplog.text
    assert "object:" not in caplog.text


def test_broken_values_are_all_reported_and_the_parse_goes_on(tmp_path: Path) -> None:
    config = tmp_path / "td.conf"
    config.write_text("<match a>\n  @type null\n  k1 'not closed\n  k2 \"bad \\q escape\"\n"
                      "  k3 [1, 2\n</match>\n<match b>\n  @type nope\n</match>\n")
    with pytest.raises(ConfigErrors) as caught:
        check_config(config)
    lines = [str(error).split(": ", 1)[0] for error in caught.value.errors]
    assert lines == [f"{config}:{n}" for n in (3, 4, 5, 7)]


def test_every_bad_value_of_a_section_is_reported(tmp_path: Path) -> None:
    """Configurable.configure stopped at a plugin's first bad value: a
    <buffer> of three took three rounds of fix-and-retry."""
    config = tmp_path / "td.conf"
    config.write_text("<source>\n  @type forward\n  port abc\n  chunk_size_limit 1q\n</source>\n"
                      f"<match a>\n  @type file\n  path {tmp_path}/out\n  <buffer>\n"
                      "    flush_interval soon\n    chunk_limit_size 1q\n"
                      "    retry_max_times many\n  </buffer>\n</match>\n")
    with pytest.raises(ConfigErrors) as caught:
        check_config(config)
    found = sorted((error.origin.line, error.message.split("'")[1])
                   for error in caught.value.errors if error.origin is not None)
    assert found == [(3, "port"), (4, "chunk_size_limit"), (10, "flush_interval"),
                     (11, "chunk_limit_size"), (12, "retry_max_times")], caught.value
    assert len(caught.value.errors) == 5
