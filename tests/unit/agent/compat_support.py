"""Helpers for the v0.12 compat tests: run a whole config (router, real
plugins, real files) and compare what its v0.12 and v1 forms produce."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dplat.agent.config import compat
from dplat.agent.config.element import Element
from dplat.agent.event import EventTime, Record
from dplat.agent.router import Router
from dplat.agent.testing import parse

T0 = EventTime(1704164645, 0)
"""2024-01-02T03:04:05Z."""
T1 = EventTime(1704164645 + 3600, 0)
"""An hour later: another hourly time slice."""


def converted(text: str) -> Element:
    """The parsed config after the v0.12 conversion."""
    root = parse(text)
    compat.convert(root)
    return root


def run_config(text: str, tag: str, events: list[tuple[EventTime, Record]]) -> Router:
    """Build, start, emit into @ROOT, flush and stop a whole config."""

    async def go() -> Router:
        router = Router.build(parse(text))
        await router.start()
        try:
            await router.emitter().emit_stream(tag, list(events))
            await router.flush_all()
        finally:
            await router.stop()
        return router

    return asyncio.run(go())


def files(root: Path) -> dict[str, str]:
    """Relative name -> text of every file under ``root``."""
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file()}
