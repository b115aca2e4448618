"""The agent as the host sees it: a forward port for Fluentd clients, an HTTP
input, and the monitor API that answers its probe."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

from dplat import resources
from dplat.errors import DplatError
from dplat.stack.base import Build, Endpoint, Service
from dplat.stack.bigquery import network_clients_environment
from dplat.stack.credentials import Credentials
from dplat.stack.faults import http_errors
from dplat.waiting import wait_until

OLD_DEFAULT_CONFIGS = frozenset(
    {
        # images/agent/agent.conf as 8a9a549 shipped it (until 7cf7b1c): its
        # `<match **> @type stdout` echoed every event into the container's log.
        "767da556664dae3fc79f9d5075a70ff91e37d37a875374c665d47c2c83da327d",
    }
)
"""SHA-256 of each default agent config an older dplat copied into
DPLAT_HOME/work/agent/ (`git log -p -- images/agent/agent.conf`); add the
current one's here when it changes."""


def install_default_config(folder: Path) -> None:
    """Put the default config in the agent's work folder on first use, and
    replace one that is byte for byte an older dplat's default (an upgraded
    DPLAT_HOME would keep it forever otherwise). A config that differs from
    every default (a lesson's, or the user's edit) is left as it is."""
    config = folder / "agent.conf"
    if config.exists() and hashlib.sha256(config.read_bytes()).hexdigest() not in OLD_DEFAULT_CONFIGS:
        return
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(resources.images_dir() / "agent" / "agent.conf", config)


class Agent(Service):
    name = "agent"
    build = Build("bookworm", includes_package=True)
    endpoints = (
        Endpoint("agent", 24224, 24224, "tcp", "forward (Fluentd clients)", udp=True),
        Endpoint("agent_http", 9880, 9880, "http", "HTTP input"),
        Endpoint("agent_monitor", 24220, 24220, "http", "monitor API"),
    )
    memory = "512m"
    # The config in the shared work folder, which lessons rewrite and reload.
    command = ("-c", "/dplat/work/agent/agent.conf")

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        # The stack's S3 and BigQuery, found the way Fluentd's plugins find
        # standard credentials and endpoints. HOME: the host user's uid has
        # no home in the image.
        return {**network_clients_environment(credentials), "HOME": "/tmp"}

    def monitor(self, path: str = "/api/plugins.json", method: str = "GET", timeout: float = 5.0) -> Any:
        """Call the monitor API and decode its JSON answer. A flush answers only
        once every buffer is written, hence the caller's own timeout; a 4xx/5xx
        becomes RequestRefused carrying the monitor's explanation, no answer
        StackNotRunning (dplat.stack.faults)."""
        request = urllib.request.Request(self.url("agent_monitor") + path, method=method)
        with (
            http_errors("the agent's monitor API", "agent", self.url("agent_monitor"), method, path),
            urllib.request.urlopen(request, timeout=timeout) as response,
        ):
            return json.loads(response.read() or b"null")

    def plugins(self) -> dict[str, dict[str, Any]]:
        """The running plugins by id; {} while the monitor does not answer."""
        try:
            return {p["plugin_id"]: p for p in self.monitor()["plugins"]}
        except (DplatError, OSError, ValueError, KeyError):
            return {}

    def emitted(self, plugin_id: str) -> int | None:
        """Records a plugin has emitted since its pipeline started (None: not running)."""
        row = self.plugins().get(plugin_id)
        return None if row is None else int(row.get("emit_records") or 0)

    @staticmethod
    def buffered(row: dict[str, Any]) -> int:
        """Chunks an output still holds, staged or queued."""
        return int(row.get("buffer_stage_length") or 0) + int(row.get("buffer_queue_length") or 0)

    def output_health(self, plugin_id: str) -> str:
        """One line about an output, for a failed check's "where to look"."""
        row = self.plugins().get(plugin_id)
        if row is None:
            return f"the agent runs no output {plugin_id} (is the lesson's config loaded?)"
        retries, errors = row.get("retry_count") or 0, row.get("num_errors") or 0
        health = (
            f"output {plugin_id}: {row.get('emit_records', 0)} records in, "
            f"{self.buffered(row)} chunks still buffered, {retries} retries, {errors} errors"
        )
        if retries or errors:
            health += " - it cannot write to its destination"
        return health + "; `dplat logs agent`"

    def flush(self, plugin_ids: tuple[str, ...], timeout: float = 30.0) -> str | None:
        """Write every buffer now (POST /api/flush, Fluentd's SIGUSR1) and wait
        until those outputs hold no chunk: what went wrong in words, or None.

        The flush answers once every chunk was *tried*; an output whose
        destination fails keeps its chunk for a retry, hence the wait.
        """
        deadline = time.monotonic() + timeout
        problem = None
        try:
            self.monitor("/api/flush", "POST", timeout=timeout)
        except Exception as exc:  # any failure is the answer; the callers' checks say what is missing
            problem = f"the flush failed: {type(exc).__name__}: {exc}"
        held: dict[str, str] = {}

        def emptied() -> bool:
            rows = self.plugins()
            held.clear()
            for i in plugin_ids:
                if i not in rows:
                    held[i] = "not running"
                elif self.buffered(rows[i]):
                    held[i] = str(self.buffered(rows[i]))
            return not held

        if problem or wait_until(emptied, max(deadline - time.monotonic(), 0.5)):
            return problem
        return "outputs still buffering: " + ", ".join(f"{i}: {n}" for i, n in held.items())

    def probe(self) -> None:
        answer = self.monitor()
        if "plugins" not in answer:
            raise RuntimeError("the monitor API answered without a plugin list")

    def client(self, tag: str = "app") -> Any:
        """A fluent-logger sender for the forward port."""
        from fluent import sender

        return sender.FluentSender(
            tag, host=self.host, port=self.port("agent"), nanosecond_precision=True
        )

    def connection_info(self) -> dict[str, str]:
        return {
            "url": f"{self.host}:{self.port('agent')}",
            "http": self.url("agent_http"),
            "monitor": self.url("agent_monitor") + "/api/plugins.json",
        }

    def exports(self) -> dict[str, str]:
        return {
            "FLUENT_HOST": self.host,
            "FLUENT_PORT": str(self.port("agent")),
            "DPLAT_AGENT_MONITOR": self.url("agent_monitor"),
        }
