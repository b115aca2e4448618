"""secondary_file as https://docs.fluentd.org/output/secondary_file describes it:
the failed chunk dumped as it was buffered; our own primary and records."""

from __future__ import annotations

import asyncio
import gzip
import io
from pathlib import Path
from typing import Any

import msgpack
import pytest
from compat_support import T0

from dplat.agent.config import ConfigError
from dplat.agent.core import registry
from dplat.agent.testing import configured

FAST = " retry_wait 0.02\n retry_randomize false\n flush_thread_interval 0.01\n"


def failing(tmp_path: Path, secondary: str, buffer_keys: str = "tag") -> Any:
    sink = registry.lookup("output", "test_sink")
    return configured(sink, f"unrecoverable true\n<buffer {buffer_keys}>\n{FAST}</buffer>\n"
                      f"<secondary>\n @type secondary_file\n directory {tmp_path}/failed\n"
                      f"{secondary}</secondary>")


def run(out: Any, *records: dict[str, Any]) -> None:
    async def go() -> None:
        await out.open()
        await out.emit("app.web", [(T0, record) for record in records])
        await out.flush()
        await out.close()

    asyncio.run(go())


def test_failed_chunks_are_dumped_as_msgpack_with_a_new_index_each(tmp_path: Path) -> None:
    out = failing(tmp_path, " basename dump.${tag}\n")
    run(out, {"n": 1}, {"n": 2})
    run(failing(tmp_path, " basename dump.${tag}\n"), {"n": 3})
    files = sorted(p.name for p in (tmp_path / "failed").iterdir())
    assert files == ["dump.app.web.0", "dump.app.web.1"]
    data = (tmp_path / "failed" / files[0]).read_bytes()
    entries = list(msgpack.Unpacker(io.BytesIO(data), raw=False))
    assert [record for _, record in entries] == [{"n": 1}, {"n": 2}]
    assert out.metrics.write_secondary_count == 1


def test_append_and_gzip(tmp_path: Path) -> None:
    for n in (1, 2):
        run(failing(tmp_path, " append true\n compress gzip\n"), {"n": n})
    # two gzip members (one a chunk) decompress to both chunks, in order
    data = gzip.decompress((tmp_path / "failed" / "dump.bin.gz").read_bytes())
    assert [record for _, record in msgpack.Unpacker(io.BytesIO(data), raw=False)] == [
        {"n": 1}, {"n": 2}]


@pytest.mark.parametrize(("conf", "error"), [
    (" basename a/b\n", "basename should not include '/'"),
    (" basename dump.%Y%m%d\n", "remove time formats"),
    (" basename dump.${host}\n", "chunk keys doesn't have keys host"),
])
def test_config_mistakes(tmp_path: Path, conf: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        failing(tmp_path, conf)


def test_only_as_a_secondary(tmp_path: Path) -> None:
    from dplat.agent.plugins.out_secondary_file import SecondaryFileOutput

    with pytest.raises(ConfigError, match="only be used in the <secondary> section"):
        configured(SecondaryFileOutput, f"directory {tmp_path}")
