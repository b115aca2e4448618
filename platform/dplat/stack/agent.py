"""The agent as the host sees it: a forward port for Fluentd clients, an HTTP
input, and the monitor API that answers its probe."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from dplat.stack.base import Endpoint, Service
from dplat.stack.credentials import Credentials


class Agent(Service):
    name = "agent"
    endpoints = (
        Endpoint("agent", 24224, "tcp", "forward (Fluentd clients)"),
        Endpoint("agent_http", 9880, "http", "HTTP input"),
        Endpoint("agent_monitor", 24220, "http", "monitor API"),
    )

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        return {}

    def monitor(self, path: str = "/api/plugins.json", method: str = "GET", timeout: float = 5.0) -> Any:
        """Call the monitor API and decode its JSON answer. A flush answers only
        once every buffer is written, hence the caller's own timeout; a 4xx/5xx
        becomes a RuntimeError carrying the monitor's explanation."""
        request = urllib.request.Request(self.url("agent_monitor") + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            body = exc.read().decode(errors="replace")
            raise RuntimeError(f"{method} {path} answered {exc.code}: {body}") from exc

    def plugins(self) -> dict[str, dict[str, Any]]:
        """The running plugins by id; {} while the monitor does not answer."""
        try:
            return {p["plugin_id"]: p for p in self.monitor()["plugins"]}
        except (OSError, RuntimeError, ValueError, KeyError):
            return {}

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
