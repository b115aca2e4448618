"""The compose file agrees with the services' declarations (dplat.stack.base).

The declarations are what the integration tests start and what the image
list, default ports and memory limits come from; compose is what `dplat up`
starts. This test renders compose/docker-compose.yml (and upstream.yml) with
`docker compose config` and checks every service against its declaration, so
the two cannot drift apart. It needs the compose plugin but no daemon.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dplat.engine import compose
from dplat.settings import DEFAULT_MEMORY, DEFAULT_PORTS, resolve
from dplat.stack import catalogue, images
from dplat.stack.base import ON_DEMAND_PROFILE, Service
from dplat.stack.credentials import Credentials

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI")

UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
DECLARED = catalogue.service_classes()


def as_bytes(limit: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)b?", limit.lower()).groups()  # type: ignore[union-attr]
    return int(number) * UNITS[unit]


def rendered(
    tmp_path: Path, images_set: str, with_limits: bool = True
) -> tuple[dict[str, Any], Credentials, Any]:
    """Compose's view of the services. By default with a port offset and one
    memory override (the variables must reach compose); ``with_limits=False``
    leaves the port and memory variables out, so compose's own fallbacks show."""
    settings = resolve(
        {"home": str(tmp_path), "images": images_set, "port_offset": 100},
        env={"DPLAT_MEMORY_MYSQL": "300m"},
    )
    credentials = Credentials.generate()
    argv = compose.command(settings, "config", "--format", "json")
    variables = compose.variables(settings, credentials)
    if not with_limits:
        variables = {
            k: v for k, v in variables.items() if not k.startswith(("DPLAT_PORT_", "DPLAT_MEMORY_"))
        }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DPLAT_")},
        **variables,
        "COMPOSE_PROFILES": ON_DEMAND_PROFILE,
    }
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)["services"], credentials, settings


def declared_ports(cls: type[Service], settings: Any) -> list[tuple[str, int, int, str]]:
    found = []
    for endpoint in cls.endpoints:
        for protocol in ("tcp", "udp") if endpoint.udp else ("tcp",):
            published = settings.port(endpoint.name)
            found.append(("127.0.0.1", published, endpoint.container_port, protocol))
    return sorted(found)


def test_compose_has_exactly_the_declared_services(tmp_path: Path) -> None:
    services, _, _ = rendered(tmp_path, "local")
    assert sorted(services) == sorted(cls.name for cls in DECLARED)


@pytest.mark.parametrize("cls", DECLARED, ids=lambda cls: cls.name)
def test_local_service_is_its_declaration(tmp_path: Path, cls: type[Service]) -> None:
    services, credentials, _ = rendered(tmp_path, "local")
    service = services[cls.name]
    assert service["image"] == cls.image()
    assert service["environment"] == cls.environment(credentials)
    assert tuple(service.get("command") or ()) == cls.command


@pytest.mark.parametrize("images_set", ["local", "upstream"])
@pytest.mark.parametrize("cls", DECLARED, ids=lambda cls: cls.name)
def test_ports_memory_and_profile_follow_the_declaration(
    tmp_path: Path, cls: type[Service], images_set: str
) -> None:
    services, _, settings = rendered(tmp_path, images_set)
    service = services[cls.name]
    ports = sorted(
        (p["host_ip"], int(p["published"]), p["target"], p["protocol"]) for p in service["ports"]
    )
    assert ports == declared_ports(cls, settings)
    assert int(service["mem_limit"]) == as_bytes(settings.memory[cls.settings_key()])
    assert service.get("profiles", []) == ([ON_DEMAND_PROFILE] if cls.on_demand else [])


def test_the_override_and_the_defaults_come_from_the_declarations(tmp_path: Path) -> None:
    services, _, _ = rendered(tmp_path, "local")
    assert int(services["mysql"]["mem_limit"]) == as_bytes("300m")
    assert {cls.settings_key(): cls.memory for cls in DECLARED} == DEFAULT_MEMORY
    assert {e.name: e.default_port for cls in DECLARED for e in cls.endpoints} == DEFAULT_PORTS
    assert [image.name for image in images.IMAGES] == [cls.name for cls in DECLARED]
    assert all(image.folder.is_dir() for image in images.IMAGES)


def test_the_compose_file_falls_back_to_the_declared_defaults(tmp_path: Path) -> None:
    # `docker compose` run by hand (without dplat's variables) starts the same stack.
    services, _, _ = rendered(tmp_path, "local", with_limits=False)
    defaults = resolve({"home": str(tmp_path)}, env={})
    for cls in DECLARED:
        service = services[cls.name]
        published = sorted(
            (p["host_ip"], int(p["published"]), p["target"], p["protocol"])
            for p in service["ports"]
        )
        assert published == declared_ports(cls, defaults), cls.name
        assert int(service["mem_limit"]) == as_bytes(cls.memory), cls.name


def test_reading_the_declarations_loads_no_client_library() -> None:
    # dplat.settings reads them in every command, and the agent's image has
    # no MySQL client: the service modules import their clients lazily.
    probe = (
        "import sys, dplat.settings, dplat.stack.images; "
        "print([m for m in ('boto3', 'mysql.connector', 'google.cloud.bigquery') "
        "if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ).stdout
    assert out.strip() == "[]"
