"""Placeholders in output parameters: validation against chunk keys, expansion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.buffer.metadata import ChunkKeys, Metadata, TimeZone
from dplat.agent.buffer.placeholders import Placeholders, timekey_format
from dplat.agent.config import ConfigError
from dplat.agent.plugins.buf_memory import MemoryChunk

HOUR = int(datetime(2024, 1, 2, 3, tzinfo=UTC).timestamp())


def placeholders(arg: str, timekey: float | None = None, zone: str | None = None
                 ) -> Placeholders:
    return Placeholders(ChunkKeys.parse(arg, timekey=timekey,
                                        zone=TimeZone(zone) if zone else None))


def test_tag_parts_keys_chunk_id_and_strftime_expand() -> None:
    ph = placeholders("tag,time,team", timekey=3600)
    chunk = MemoryChunk(Metadata(HOUR, "app.web.prod", (("team", "core"),)))
    template = "/d/${tag}/${tag[0]}-${tag[-1]}-${tag[1]}/%Y%m%d%H/${team}/${chunk_id}"
    assert ph.expand(template, chunk) == \
        f"/d/app.web.prod/app-prod-web/2024010203/core/{chunk.dump_id}"


def test_out_of_range_tag_parts_stay_as_written_and_chunk_id_needs_a_chunk() -> None:
    ph = placeholders("tag")
    assert ph.expand("${tag[5]}.${tag[-4]}.${chunk_id}", Metadata(None, "a.b")) == \
        "${tag[5]}.${tag[-4]}.${chunk_id}"


def test_strftime_uses_the_timekey_zone() -> None:
    assert placeholders("time", 3600).expand("%Y%m%d%H%z", Metadata(HOUR)) == "2024010203+0000"
    tokyo = placeholders("time", 3600, zone="+0900")
    assert tokyo.expand("%Y%m%d%H%z", Metadata(HOUR)) == "2024010212+0900"


@pytest.mark.parametrize(("arg", "timekey", "template", "error"), [
    ("tag", None, "/d/%Y%m%d/${tag}", "has timestamp placeholders, but chunk key 'time' is not"),
    ("time", 60, "/d/%Y%m%d%H%M/${tag[1]}", "has tag placeholders, but chunk key 'tag' is not"),
    ("tag", None, "/d/${tag}/${host}", "chunk keys doesn't have keys host"),
])
def test_a_placeholder_its_chunk_key_cannot_fill_is_a_config_error(
        arg: str, timekey: float | None, template: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        placeholders(arg, timekey).validate("path", template)


@pytest.mark.parametrize(("arg", "timekey", "template", "error"), [
    ("time", 3600, "/d/%Y%m%d", r"doesn't have timestamp placeholder for day\('%d'\)"),
    ("time", 3600, "/d/static", "doesn't have timestamp placeholders for timekey 3600"),
    ("tag", None, "/d/static", "doesn't have tag placeholder"),
    ("tag,team", None, "/d/${tag}", "doesn't have enough placeholders for keys team"),
])
def test_strict_validation_wants_every_chunk_key_in_the_template(
        arg: str, timekey: float | None, template: str, error: str) -> None:
    ph = placeholders(arg, timekey)
    ph.validate("path", template)  # fine when not strict
    with pytest.raises(ConfigError, match=error):
        ph.validate("path", template, strict=True)


def test_strict_validation_accepts_a_complete_template() -> None:
    placeholders("tag,time,team", 86400).validate("path", "/d/${tag}/%Y%m%d/${team}",
                                                  strict=True)


def test_values_that_climb_out_of_the_directory_are_refused() -> None:
    ph = placeholders("tag,team")
    with pytest.raises(UnrecoverableError):
        ph.expand("/d/${tag}", Metadata(None, "../../etc"))
    with pytest.raises(UnrecoverableError):
        ph.expand("/d/${tag}/${team}", Metadata(None, "ok", (("team", "/root"),)))


@pytest.mark.parametrize(("timekey", "expected"), [
    (None, ""), (30, "%Y%m%d%H%M%S"), (60, "%Y%m%d%H%M"), (3599, "%Y%m%d%H%M"),
    (3600, "%Y%m%d%H"), (86399, "%Y%m%d%H"), (86400, "%Y%m%d"), (7 * 86400, "%Y%m%d"),
])
def test_time_slice_formats_follow_the_timekey(timekey: float | None, expected: str) -> None:
    assert timekey_format(timekey) == expected
