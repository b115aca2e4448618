"""``schema_path`` with placeholders, read per chunk when it is written, as
fluent-plugin-bigquery does (README "Dynamic table creating"/"Table schema":
https://github.com/fluent-plugins-nursery/fluent-plugin-bigquery); our own files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_out_bigquery import BASE, FakeClient, T, insert_plugin

from dplat.agent.config import ConfigError
from dplat.agent.plugins.out_bigquery_insert import BigQueryInsertOutput
from dplat.agent.testing import configured


def test_schema_path_placeholders_pick_the_file_per_chunk(tmp_path: Path) -> None:
    (tmp_path / "web.json").write_text('[{"name": "n", "type": "INTEGER"}]')
    plugin = configured(BigQueryInsertOutput, f"{BASE}schema_path {tmp_path}/${{tag[1]}}.json\n"
                        "table t_${tag[1]}\n<buffer tag>\n</buffer>")
    plugin.client = fake = FakeClient()  # type: ignore[assignment]
    # read when written, not at configure: a file made after configure counts
    (tmp_path / "api.json").write_text('[{"name": "n", "type": "FLOAT"}]')

    async def go() -> None:
        await plugin.open()
        try:
            await plugin.emit("app.web", [(T, {"n": "2"})])
            await plugin.emit("app.api", [(T, {"n": "2.5"})])
            await plugin.flush()
        finally:
            await plugin.close()

    asyncio.run(go())
    assert sorted((ref.table_id, row["n"]) for ref, row, _ in fake.inserted) == [
        ("t_api", 2.5), ("t_web", 2)]


def test_schema_path_placeholders_need_their_chunk_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"schema_path.*chunk key 'tag' is not configured"):
        insert_plugin(f"schema_path {tmp_path}/${{tag}}.json")
