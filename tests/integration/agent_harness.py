"""The real agent (``server.AgentServer``) run in-process for client tests.

:class:`RunningAgent` serves a config from a file in a thread with its own
event loop, so the tests can use blocking clients (fluent-logger, urllib,
a Node process) from the test thread. Two test-only outputs show what
arrived:

* ``@type it_capture``: not buffered; keeps every event in ``events`` and
  lets the test wait for a count (the emit returns once it is stored, so an
  in_forward ack means "captured");
* ``@type it_blocked``: buffered, but ``write()`` waits until the test calls
  :meth:`BlockedOutput.unblock`, so a small buffer fills up and overflows.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.core.base import Plugin
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.output import Output
from dplat.agent.server import AgentServer

Event = tuple[str, EventTime, Record]


@register("it_capture")
class CaptureOutput(Output):
    buffered_by_default = False

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []
        self._changed = threading.Condition()

    async def process(self, tag: str, stream: EventStream) -> None:
        with self._changed:
            self.events.extend((tag, time, record) for time, record in stream)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Event]:
        """The events once there are at least ``count`` (from another thread)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.events) >= count, timeout):
                raise TimeoutError(f"{len(self.events)} of {count} events arrived: "
                                   f"{self.events!r:.500}")
            return list(self.events)


@register("it_blocked")
class BlockedOutput(Output):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[Record] = []
        self._open: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._open = asyncio.Event()

    async def write(self, chunk: Chunk) -> None:
        assert self._open is not None
        await self._open.wait()
        self.written.extend(record for _, record in chunk.events())

    def unblock(self) -> None:
        """Let writes through (callable from the test thread)."""
        assert self._loop is not None and self._open is not None
        self._loop.call_soon_threadsafe(self._open.set)


class RunningAgent:
    """``with RunningAgent(config, tmp_path) as agent:`` serves until the block ends."""

    def __init__(self, config: str, directory: Path) -> None:
        self.config_path = directory / "agent.conf"
        self.config_path.write_text(config)
        self.server = AgentServer(self.config_path, drain_timeout=10.0, env={})
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="dplat-agent", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def __enter__(self) -> RunningAgent:
        self._thread.start()
        if not self._ready.wait(20):
            raise TimeoutError("the agent did not start within 20 s")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.loop is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.server.stop)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the agent did not stop within 30 s"

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the test thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        serving = asyncio.ensure_future(self.server.serve())
        started = asyncio.ensure_future(self.server.started.wait())
        await asyncio.wait({serving, started}, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        self._ready.set()
        await serving

    # -- looking inside ----------------------------------------------------------------
    def call(self, coro: Any, timeout: float = 20.0) -> Any:
        """Run a coroutine on the agent's loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def plugin(self, plugin_id: str) -> Any:
        assert self.server.router is not None
        for plugin in self.server.router.plugins():
            if plugin.plugin_id == plugin_id:
                return plugin
        raise KeyError(plugin_id)

    def plugins(self) -> list[Plugin]:
        assert self.server.router is not None
        return list(self.server.router.plugins())

    def port(self, plugin_id: str) -> int:
        port = self.plugin(plugin_id).bound_port
        assert isinstance(port, int)
        return port


def http_json(url: str, method: str = "GET", body: bytes | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """Status and decoded JSON (else text, None when empty) of a request made
    with urllib, as a user's script would."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    if not raw:
        return status, None
    try:
        return status, json.loads(raw)
    except ValueError:  # in_http answers errors in text/plain
        return status, raw.decode("utf-8", "replace")
