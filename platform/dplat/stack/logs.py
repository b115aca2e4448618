"""`dplat logs`: a service's log lines, through Compose or from its container.

Apart from lifecycle (up, status, down) because reading logs decides nothing
about the stack's life: it only names the services that have a log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from dplat.engine import compose, daemon
from dplat.engine.faults import docker_errors
from dplat.errors import SettingsError
from dplat.settings import Settings
from dplat.stack import catalogue
from dplat.stack.lifecycle import containers, service_names, stack_credentials


def logs(
    settings: Settings, service: str | None = None, follow: bool = False, tail: int = 200
) -> None:
    """`dplat logs`: Compose prints one service's log lines, or every present
    service's (an on-demand one only when it has a container: Compose leaves
    out a profile's services unless they are named)."""
    if service is not None:
        _known_service(service)
    args = logs_arguments([service] if service else service_names(settings), follow, tail)
    compose.run(settings, stack_credentials(settings), args, capture=False, check=False)


@dataclass
class LogTail:
    """`dplat logs SERVICE -o json`: a service's last log lines, oldest first."""

    service: str
    state: str  # the container's, or "missing"
    lines: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@docker_errors("reading a service's log")
def log_tail(settings: Settings, service: str, lines: int = 200) -> LogTail:
    """The last ``lines`` lines of one service's log, read from its container."""
    _known_service(service)
    container = containers(daemon.client(), settings.project).get(service)
    if container is None:
        return LogTail(service, "missing", [])
    text = container.logs(tail=lines).decode(errors="replace")
    return LogTail(service, container.status, text.splitlines())


def _known_service(service: str) -> None:
    known = [name for cls in catalogue.service_classes() for name in cls.compose_names()]
    if service not in known:
        raise SettingsError(f"no service named {service!r}", fix=f"Use one of: {', '.join(known)}.")


def logs_arguments(names: list[str], follow: bool, tail: int) -> list[str]:
    """`docker compose logs`'s arguments: history per service, then follow."""
    return ["logs", "--tail", str(tail), *(["-f"] if follow else []), *names]
