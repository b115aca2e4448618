"""`dplat doctor`: each thing the stack needs, checked, with the fix.

Checks only look; none installs or starts anything (that is `up`'s job).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dplat.engine.faults import docker_errors
from dplat.settings import Settings

if TYPE_CHECKING:
    from dplat.stack.images import ImageState

MIN_FREE_DISK_GB = 5.0
MIN_FREE_MEMORY_GB = 2.5  # the services' limits add up to about 2.3 GiB
MIN_COMPOSE = (2, 23, 2)
"""From this version on, `up --remove-orphans` leaves a running service of an
inactive profile alone; before, every `dplat up` removed a running s3-iam."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "found": self.detail, "fix": "" if self.ok else self.fix}


@dataclass(frozen=True)
class Diagnosis:
    """Every check `dplat doctor` made; ``ok`` when none failed."""

    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "checks": [check.to_json() for check in self.checks]}


def _engine() -> list[Check]:
    from dplat.engine import daemon

    if not daemon.is_running():
        return [
            Check(
                "engine",
                False,
                "no container engine answers",
                "Run `dplat up` as root to install/start it, or start Docker yourself.",
            )
        ]
    with docker_errors("reading the engine's version"):
        version = daemon.client().version()
    checks = [Check("engine", True, f"Docker {version.get('Version')} ({version.get('Os')})")]
    for plugin, found in daemon.plugin_versions().items():
        if plugin == "compose" and found and compose_too_old(found):
            minimum = ".".join(map(str, MIN_COMPOSE))
            checks.append(Check(plugin, False, f"{found} (older than {minimum})",
                                f"Install Compose {minimum} or newer (Debian trixie: docker-compose); "
                                "older ones stop on-demand services such as s3-iam at every `up`."))
            continue
        checks.append(
            Check(
                plugin,
                found is not None,
                found or "missing",
                "" if found else f"Install the docker {plugin} plugin (Debian: docker-{plugin}).",
            )
        )
    return checks


def compose_too_old(version_text: str) -> bool:
    """Whether ``docker compose version``'s answer is older than MIN_COMPOSE
    (an answer without a version number is not judged)."""
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", version_text)
    return found is not None and tuple(map(int, found.groups())) < MIN_COMPOSE


def _disk(settings: Settings) -> Check:
    where = settings.home if settings.home.exists() else Path.home()
    free = shutil.disk_usage(where).free / 1e9
    return Check(
        "disk",
        free >= MIN_FREE_DISK_GB,
        f"{free:.1f} GB free at {where}",
        f"Free at least {MIN_FREE_DISK_GB:.0f} GB (images and data use about 2 GB).",
    )


def _memory() -> Check:
    try:
        meminfo = dict(
            line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines()
        )
        available = int(meminfo["MemAvailable"].split()[0]) / 1024 / 1024
    except (OSError, KeyError, ValueError):
        return Check("memory", True, "unknown (no /proc/meminfo)")
    return Check(
        "memory",
        available >= MIN_FREE_MEMORY_GB,
        f"{available:.1f} GiB available",
        "Close other programs or lower DPLAT_MEMORY_<SERVICE> limits.",
    )


def _ports(settings: Settings) -> list[Check]:
    from dplat.engine import daemon
    from dplat.stack import lifecycle, ports

    ours: set[int] = set()
    if daemon.is_running():
        with docker_errors("listing the stack's containers"):
            for container in lifecycle.containers(daemon.client(), settings.project).values():
                ours |= lifecycle.published_ports(container)
    checks = []
    for name in settings.ports:
        port = settings.port(name)
        if port in ours:
            checks.append(Check(f"port {name}", True, f"{port} published by dplat's stack"))
            continue
        free = ports.is_free(port)
        who = "" if free else (ports.holder(port) or "in use")
        checks.append(
            Check(
                f"port {name}",
                free,
                f"{port} free" if free else f"{port}: {who}",
                "Stop what holds it, or use `dplat up --port-offset N`.",
            )
        )
    return checks


def _images() -> list[Check]:
    """Each image built and current. An on-demand service's image (s3-iam,
    airflow, spark) that was never built is fine: `up` leaves it out on
    purpose and builds it when the service is first asked for."""
    from dplat.engine import daemon
    from dplat.stack import catalogue, images

    if not daemon.is_running():
        return []
    on_demand = set(catalogue.on_demand_names())
    return [_image(s, s.name in on_demand) for s in images.states(daemon.client())]


def _image(state: ImageState, on_demand: bool) -> Check:
    if state.current:
        return Check(f"image {state.name}", True, "built and current")
    if not state.present and on_demand:
        return Check(f"image {state.name}", True, "not built (on demand: built on first use)")
    return Check(
        f"image {state.name}",
        False,
        "out of date" if state.present else "not built",
        "Run `dplat images build` (or `dplat up`, which builds what is missing).",
    )


def run(settings: Settings) -> list[Check]:
    return [*_engine(), _disk(settings), _memory(), *_ports(settings), *_images()]


def diagnose(settings: Settings) -> Diagnosis:
    return Diagnosis(run(settings))
