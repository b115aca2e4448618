"""Drive one plugin without a whole agent, like Fluentd's ``Test::Driver``.

    records = run_filter(GrepFilter, "<regexp>\\n key k\\n pattern /x/\\n</regexp>",
                         [{"k": "x"}, {"k": "y"}])
    run = run_output(FileOutput, "path /tmp/out", [{"k": "v"}], tag="app")
    run.chunks      # what write() got: [(metadata, body bytes)]
    events = run_input(SampleInput, "tag t\\nrate 10", expect=5)

``conf`` is the text *inside* the directive (parsed with the real parser) or
an Element. The sync helpers run their own event loop; inside async tests
use the ``a...`` variants. A ``CollectingRouter`` stands in for the router:
it records what plugins emit and the error events they raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.config import parse_config
from dplat.agent.config.element import Element
from dplat.agent.core.base import Filter, Input, Plugin
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.output import Output
from dplat.waiting import wait_until

P = TypeVar("P", bound=Plugin)
DEFAULT_TIME = EventTime(1704164645, 0)
"""2024-01-02T03:04:05Z: a fixed time so outputs give predictable names."""


@dataclass
class CollectingRouter:
    """An EventEmitter that remembers instead of routing. Set ``refuse`` to
    an exception to make every emit fail with it (e.g. BufferOverflowError)."""

    events: list[tuple[str, EventTime, Record]] = field(default_factory=list)
    errors: list[tuple[str, EventTime, Record, BaseException]] = field(default_factory=list)
    refuse: BaseException | None = None
    _arrived: asyncio.Event | None = None

    async def emit_stream(self, tag: str, stream: EventStream) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.events.extend((tag, time, record) for time, record in stream)
        if self._arrived is not None:
            self._arrived.set()

    async def wait_for(self, count: int) -> None:
        """Return once ``count`` events were emitted."""
        while len(self.events) < count:
            self._arrived = asyncio.Event()
            await self._arrived.wait()

    async def emit(self, tag: str, time: EventTime, record: Record) -> None:
        await self.emit_stream(tag, [(time, record)])

    def emit_error_event(self, tag: str, time: EventTime, record: Record,
                         error: BaseException) -> None:
        self.errors.append((tag, time, record, error))


def parse(text: str, filename: str = "test.conf") -> Element:
    """The ROOT element of a whole config text (no environment, no @include)."""
    return parse_config(text, filename, env={}, allow_include=False)


def element(conf: str | Element, name: str = "match", arg: str = "test") -> Element:
    """The plugin's element from directive-inner text (or as given)."""
    if isinstance(conf, Element):
        return conf
    root = parse(conf, "<test>")
    return Element(name, arg, root.params, root.elements, root.origin)


def configured(cls: type[P], conf: str | Element, router: CollectingRouter | None = None,
               name: str = "match") -> P:
    """An instance of ``cls`` configured from ``conf`` with a router attached."""
    plugin = cls()
    plugin.configure(element(conf, name))
    plugin.router = router or CollectingRouter()
    return plugin


def events_of(records: Sequence[Record | tuple[EventTime, Record]],
              time: EventTime = DEFAULT_TIME) -> EventStream:
    """Records (or ready ``(time, record)`` pairs) as an event stream."""
    return [item if isinstance(item, tuple) else (time, item) for item in records]


def run_filter(cls: type[Filter], conf: str | Element,
               records: Sequence[Record | tuple[EventTime, Record]], *, tag: str = "test",
               router: CollectingRouter | None = None) -> list[Record]:
    """The records a filter lets through, in order (its errors go to ``router``)."""
    plugin = configured(cls, conf, router, "filter")

    async def run() -> list[Record]:
        await plugin.open()
        try:
            return [record for _, record in plugin.filter_stream(tag, events_of(records))]
        finally:
            await plugin.close()

    return asyncio.run(run())


@dataclass
class OutputRun:
    """What happened to an output: the chunks it wrote, errors it raised."""

    plugin: Output
    router: CollectingRouter
    chunks: list[tuple[Metadata, bytes]] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[str, EventTime, Record, BaseException]]:
        return self.router.errors


async def arun_output(cls: type[Output] | Output, conf: str | Element | None = None,
                      records: Sequence[Record | tuple[EventTime, Record]] = (), *,
                      tag: str = "test", flush: bool = True) -> OutputRun:
    """Open the output, emit ``records`` as one stream, flush (if buffered)
    and close it. Pass a configured instance to keep control of its setup."""
    router = CollectingRouter()
    if isinstance(cls, Output):
        plugin = cls
        if not plugin.has_router:
            plugin.router = router
    else:
        assert conf is not None, "conf is needed to configure a class"
        plugin = configured(cls, conf, router)
    run = OutputRun(plugin, router)
    original = plugin.write

    async def recording_write(chunk: Chunk) -> None:
        await original(chunk)
        run.chunks.append((chunk.metadata, chunk.read()))

    plugin.write = recording_write  # type: ignore[method-assign]
    await plugin.open()
    try:
        if records:
            await plugin.emit(tag, events_of(records))
        if flush:
            await plugin.flush()
    finally:
        await plugin.close()
    return run


def run_output(cls: type[Output] | Output, conf: str | Element | None = None,
               records: Sequence[Record | tuple[EventTime, Record]] = (), **kwargs: Any
               ) -> OutputRun:
    """Sync :func:`arun_output`."""
    return asyncio.run(arun_output(cls, conf, records, **kwargs))


async def arun_input(cls: type[Input], conf: str | Element, *, expect: int,
                     timeout: float = 5.0) -> list[tuple[str, EventTime, Record]]:
    """Start an input until it emitted ``expect`` events (or ``timeout``)."""
    router = CollectingRouter()
    plugin = configured(cls, conf, router, "source")
    await plugin.open()
    try:
        async with asyncio.timeout(timeout):
            await router.wait_for(expect)
    finally:
        await plugin.close()
    return router.events


def run_input(cls: type[Input], conf: str | Element, **kwargs: Any
              ) -> list[tuple[str, EventTime, Record]]:
    """Sync :func:`arun_input`."""
    return asyncio.run(arun_input(cls, conf, **kwargs))


class AgentProcess:
    """``dplat agent run -c CONFIG`` as a subprocess, its log in a file: for the
    crash and outage tests and the benchmarks, which need a real process to
    signal, kill and measure. Only this process is ever signalled (by its PID).
    """

    def __init__(self, config: os.PathLike[str] | str, log: Path,
                 env: Mapping[str, str] | None = None,
                 argv: Sequence[str] | None = None, cwd: Path | None = None) -> None:
        self.log = log
        command = list(argv) if argv is not None else [
            sys.executable, "-m", "dplat.cli", "agent", "run", "-c", str(config)]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, **env} if env else None, cwd=cwd)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_for_log(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first match of ``pattern`` in the log; TimeoutError with the log's
        tail when it does not appear in time or the process ends first."""
        found = wait_until(lambda: re.search(pattern, self.log.read_text(errors="replace")),
                           timeout, interval=0.05, give_up=lambda: self.process.poll() is not None)
        if found:
            return found
        raise TimeoutError(f"no /{pattern}/ in the log (exit {self.process.poll()}):\n"
                           f"{self.log.read_text(errors='replace')[-3000:]}")

    def port(self) -> int:
        """The forward input's port (configured as ``port 0``)."""
        return int(self.wait_for_log(r"listening port .*port=(\d+)").group(1))

    def signal(self, sig: int) -> None:
        os.kill(self.process.pid, sig)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (graceful drain), then SIGKILL if it does not end in time."""
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGKILL)
        self.process.wait(10)

    def proc_status_kib(self, field: str) -> int:
        """A ``kB`` field of /proc/PID/status, e.g. ``VmHWM`` (peak RSS)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)


@contextlib.contextmanager
def agent_process(config: os.PathLike[str] | str, log: Path,
                  env: Mapping[str, str] | None = None) -> Iterator[AgentProcess]:
    """An :class:`AgentProcess` that is killed on the way out, whatever happened."""
    agent = AgentProcess(config, log, env)
    try:
        yield agent
    finally:
        agent.kill()
