"""Run Docker Compose for the stack: argument lists, variables as environment.

The compose files read credentials, ports and limits from variables; they are
handed to the ``docker compose`` process in its environment (never on a
command line, where `ps` would show them).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from typing import Protocol

from dplat import resources
from dplat.engine import faults
from dplat.errors import EngineError
from dplat.settings import DEFAULT_PORTS, Settings


class Credentials(Protocol):
    """What compose needs of the stack's credentials (dplat.stack.credentials):
    their variables. A protocol, so the engine layer does not import the
    stack layer that drives it."""

    def as_env(self) -> Mapping[str, str]: ...


def files(settings: Settings) -> list[str]:
    chosen = [resources.compose_dir() / "docker-compose.yml"]
    if settings.images == "upstream":
        chosen.append(resources.compose_dir() / "upstream.yml")
    return [str(path) for path in chosen]


def variables(settings: Settings, credentials: Credentials) -> dict[str, str]:
    """Every variable the compose files use."""
    found = {
        "COMPOSE_PROJECT_NAME": settings.project,
        "DPLAT_IMAGE_SET": settings.images,
        "DPLAT_WORK_DIR": str(settings.work_dir),
        "DPLAT_UID": str(os.getuid()),
        "DPLAT_GID": str(os.getgid()),
        **credentials.as_env(),
    }
    for name in DEFAULT_PORTS:
        found[f"DPLAT_PORT_{name.upper()}"] = str(settings.port(name))
    for service, limit in settings.memory.items():
        found[f"DPLAT_MEMORY_{service.upper()}"] = limit
    return found


def command(settings: Settings, *args: str) -> list[str]:
    argv = ["docker", "compose", "-p", settings.project]
    for path in files(settings):
        argv += ["-f", path]
    return [*argv, *args]


def run(
    settings: Settings,
    credentials: Credentials,
    args: Sequence[str],
    capture: bool = True,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    env: Mapping[str, str] = {**os.environ, **variables(settings, credentials)}
    result = faults.run(command(settings, *args), env=dict(env), text=True, capture_output=capture)
    if check and result.returncode != 0:
        output = ((result.stdout or "") + (result.stderr or "")).strip()
        raise EngineError(
            f"`docker compose {' '.join(args)}` failed",
            details=output[-3000:],
            fix="Read the compose output above; `dplat doctor` checks the engine.",
        )
    return result
