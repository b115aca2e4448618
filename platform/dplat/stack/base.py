"""A service of the stack: its one declaration, and how the host speaks to it.

One class per service (like testcontainers' modules) declares everything
about it in one place: the image and the folder it is built from, the
environment it gets from the credentials, its ports, its memory limit, its
command, whether it is started only on demand, and its readiness *probe* made
with the service's official client against the published port. The image
list (dplat.stack.images), the default ports and memory limits
(dplat.settings), the integration tests' containers (tests/integration) and
the compose file (checked against these declarations by
tests/unit/test_service_contract.py) all come from here.

The same classes serve the CLI (ports from settings, containers from
compose) and the tests (ports mapped by testcontainers): a service only needs
to be told its host ports, it never looks them up itself. Service modules
import their clients lazily, so that reading the declarations (which
``dplat.settings`` does) costs nothing and works in the agent's image, which
has none of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from dplat import resources
from dplat.stack.credentials import Credentials
from dplat.waiting import wait_until

ON_DEMAND_PROFILE = "on-demand"
"""The compose profile of on-demand services."""


@dataclass(frozen=True)
class Endpoint:
    """One published port."""

    name: str
    """Settings key: ``settings.port(name)``, DPLAT_PORT_<NAME>, [ports] in config.toml."""
    container_port: int
    default_port: int
    """Host port before the offset."""
    scheme: str
    label: str
    udp: bool = False
    """Published over UDP as well as TCP, on the same port (Fluentd's heartbeat)."""


@dataclass(frozen=True)
class Build:
    """How the local image is built from images/<service name>/."""

    base: str
    """Debian suite of its ``FROM dplat/base:<suite>``."""
    includes_package: bool = False
    """Built with the dplat package as the named context ``dplat-package``."""
    uses_shared: bool = True
    """Built with images/shared (make-venv) as the named context ``dplat-shared``."""


@dataclass(frozen=True)
class Companion:
    """Another compose service of the same image that starts with its service
    (Spark's workers beside its master): no ports of its own, no probe (its
    service's probe sees it), the service's environment and profile."""

    name: str
    """Compose service name."""
    command: tuple[str, ...]
    memory: str
    """Default memory limit (DPLAT_MEMORY_<NAME> overrides it)."""

    def settings_key(self) -> str:
        return self.name.replace("-", "_")


class Service(ABC):
    """Base of the service catalogue."""

    name: ClassVar[str]
    """Compose service name, also the image folder under images/."""
    build: ClassVar[Build]
    endpoints: ClassVar[tuple[Endpoint, ...]]
    memory: ClassVar[str]
    """Default memory limit (DPLAT_MEMORY_<NAME> overrides it), in compose's notation."""
    command: ClassVar[tuple[str, ...]] = ()
    """Arguments for the image's entrypoint; empty: the image's own CMD."""
    on_demand: ClassVar[bool] = False
    """Started only when asked for (`dplat up --with NAME`, or a lesson that lists
    it), so the everyday stack stays small; compose profile ``on-demand``."""
    companions: ClassVar[tuple[Companion, ...]] = ()
    """More containers of this image, started and stopped with it."""
    probe_interval: ClassVar[float] = 0.5
    secret_info: ClassVar[frozenset[str]] = frozenset()
    """Keys of :meth:`connection_info` that are credentials: the console masks
    them until the user asks to see them (`dplat status` shows them all)."""

    def __init__(
        self, credentials: Credentials, host_ports: dict[str, int], host: str = "127.0.0.1"
    ):
        self.credentials = credentials
        self.host_ports = host_ports
        self.host = host

    @classmethod
    def image(cls) -> str:
        """The local image's tag (the upstream set swaps it in compose/upstream.yml)."""
        return f"dplat/{cls.name}:local"

    @classmethod
    def folder(cls) -> Path:
        """The image's build folder."""
        return resources.images_dir() / cls.name

    @classmethod
    def settings_key(cls) -> str:
        """The service's key in settings' ``memory`` (DPLAT_MEMORY_<KEY>)."""
        return cls.name.replace("-", "_")

    @classmethod
    def compose_names(cls) -> list[str]:
        """The compose services that make it up: itself and its companions."""
        return [cls.name, *(companion.name for companion in cls.companions)]

    @classmethod
    def network_url(cls) -> str:
        """How other containers of the stack reach it (the compose network's DNS)."""
        first = cls.endpoints[0]
        return f"{first.scheme}://{cls.name}:{first.container_port}"

    @classmethod
    @abstractmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        """The container's environment, exactly as the compose file gives it."""

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
        """Probe until it passes; raise TimeoutError (a WaitTimeout) naming the
        last failure, which is also its ``__cause__``.

        ``still_running`` lets the caller stop early when the container exited,
        rather than waiting out the timeout.
        """

        def probed() -> bool:
            self.probe()
            return True

        wait_until(probed, timeout, interval=self.probe_interval,
                   ignore=(Exception,),  # any client error means "not ready yet"
                   what=f"{self.name} to answer its probe",
                   give_up=lambda: not still_running() and "its container stopped")
