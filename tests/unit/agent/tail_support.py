"""Helpers for the in_tail tests: a tail source on real files in tmp_path,
with real asyncio and short intervals, emitting into a CollectingRouter."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from dplat.agent.plugins.in_tail import TailInput
from dplat.agent.testing import CollectingRouter, configured
from dplat.waiting import wait_until_async

POS_LINE = re.compile(r"^([^\t]+)\t([0-9a-f]{16})\t([0-9a-f]{16})$")


def tail_conf(path: str | Path, *, parse: str = "@type none", **params: object) -> str:
    """The text inside ``<source>``; ``params`` are written as ``key value``."""
    lines = [f"path {path}", "tag t", "poll_interval 0.02"]
    for key, value in params.items():
        lines = [line for line in lines if not line.startswith(f"{key} ")]
        lines.append(f"{key} {str(value).lower() if isinstance(value, bool) else value}")
    return "\n".join([*lines, "<parse>", parse, "</parse>"])


@asynccontextmanager
async def tailing(conf: str, router: CollectingRouter | None = None
                  ) -> AsyncIterator[tuple[TailInput, CollectingRouter]]:
    """A started tail source; closed (gracefully) on exit."""
    router = router or CollectingRouter()
    plugin = configured(TailInput, conf, router, "source")
    await plugin.open()
    try:
        yield plugin, router
    finally:
        await plugin.close()


async def eventually(check: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    """Wait until ``check()`` holds; WaitTimeout after ``timeout`` seconds."""
    await wait_until_async(check, timeout, interval=0.01, what=what or repr(check))


def messages(router: CollectingRouter, key: str = "message") -> list[str]:
    return [record[key] for _, _, record in router.events]


def pos_entries(pos_file: Path) -> list[tuple[str, int, int]]:
    """(path, position, inode) of each line, checking Fluentd's exact format."""
    text = pos_file.read_text()
    assert text == "" or text.endswith("\n"), text
    entries = []
    for line in text.splitlines():
        found = POS_LINE.match(line)
        assert found is not None, f"not Fluentd's pos_file format: {line!r}"
        entries.append((found.group(1), int(found.group(2), 16), int(found.group(3), 16)))
    return entries


def append(path: Path, *lines: str, end: str = "\n") -> None:
    with path.open("a") as handle:
        handle.write("".join(line + end for line in lines))


def run(scenario: Callable[[], object], timeout: float = 20.0) -> None:
    """Run an async test scenario (a coroutine function) with a time limit."""

    async def limited() -> None:
        async with asyncio.timeout(timeout):
            await scenario()  # type: ignore[misc]

    asyncio.run(limited())
