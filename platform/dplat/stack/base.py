"""A service of the stack, as the host sees it.

One class per service (like testcontainers' modules): which image it runs,
which container ports it publishes, the environment it gets from the
credentials, a readiness *probe* made with the service's official client
against the published port, and a ready client for callers. The same classes
serve the CLI (ports from settings, containers from compose) and the tests
(ports mapped by testcontainers): a service only needs to be told its host
ports, it never looks them up itself.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from dplat.stack.credentials import Credentials


@dataclass(frozen=True)
class Endpoint:
    """One published port: its name (a settings key), container port and meaning."""

    name: str
    container_port: int
    scheme: str
    label: str


class Service(ABC):
    """Base of the service catalogue."""

    name: ClassVar[str]
    """Compose service name, also the image folder under images/."""
    endpoints: ClassVar[tuple[Endpoint, ...]]
    probe_interval: ClassVar[float] = 0.5
    on_demand: ClassVar[bool] = False
    """Started only when asked for (`dplat up --with NAME`, or a lesson that lists
    it), so the everyday stack stays small."""

    def __init__(
        self, credentials: Credentials, host_ports: dict[str, int], host: str = "127.0.0.1"
    ):
        self.credentials = credentials
        self.host_ports = host_ports
        self.host = host

    @classmethod
    def image(cls, image_set: str = "local") -> str:
        return f"dplat/{cls.name}:local"

    @classmethod
    @abstractmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        """The container's environment, as our images (and the compose file) expect."""

    def port(self, endpoint: str | None = None) -> int:
        return self.host_ports[endpoint or self.endpoints[0].name]

    def url(self, endpoint: str | None = None) -> str:
        chosen = next(e for e in self.endpoints if e.name == (endpoint or self.endpoints[0].name))
        return f"{chosen.scheme}://{self.host}:{self.host_ports[chosen.name]}"

    @abstractmethod
    def probe(self) -> None:
        """Raise if the service does not yet answer its official client."""

    @abstractmethod
    def connection_info(self) -> dict[str, str]:
        """What a user needs to connect (shown by `up`, `status` and `env`)."""

    @abstractmethod
    def client(self) -> Any:
        """A configured official client (call after the probe passed)."""

    def exports(self) -> dict[str, str]:
        """Shell variables that point the official clients at this service."""
        return {}

    def wait_ready(self, timeout: float, still_running: Callable[[], bool] = lambda: True) -> None:
        """Probe until it passes; raise TimeoutError with the last failure.

        ``still_running`` lets the caller stop early when the container exited,
        rather than waiting out the timeout.
        """
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                self.probe()
                return
            except Exception as exc:  # any client error means "not ready yet"
                last = exc
            if not still_running():
                break
            time.sleep(self.probe_interval)
        raise TimeoutError(f"{self.name} did not answer its probe: {last}") from last
