"""`up`'s decisions with on-demand services: what it names to Compose, what it
builds, when it only reports.

The engine, Compose and the services' probes are scripted here; what is under
test is lifecycle.up's logic. The real engine is exercised by tests/e2e (the
stack fixture starts the everyday stack, the permissions lesson's test starts
s3-iam through the same function).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dplat.engine import compose, daemon
from dplat.errors import CredentialsLost
from dplat.settings import resolve
from dplat.stack import catalogue, images, lifecycle, ports

EVERYDAY = ["mysql", "s3", "bigquery", "agent"]


class FakeContainer:
    def __init__(self, service: str, status: str) -> None:
        self.labels = {lifecycle.PROJECT_LABEL: "dplat", lifecycle.SERVICE_LABEL: service}
        self.name = f"dplat-{service}-1"
        self.status = status
        self.attrs: dict[str, Any] = {"State": {}, "HostConfig": {}}

    def stats(self, stream: bool, one_shot: bool) -> dict[str, Any]:
        """A cgroup v2 engine's one-shot answer: 100 MiB used, 10 of them inactive cache."""
        return {"memory_stats": {"usage": 100 * 2**20, "stats": {"inactive_file": 10 * 2**20}}}


class FakeVolumes:
    """The project's volumes, by name; ``list`` answers a label filter as the engine does."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.asked: list[dict[str, Any] | None] = []

    def list(self, filters: dict[str, Any] | None = None) -> list[FakeVolume]:
        self.asked.append(filters)
        return [FakeVolume(self, name) for name in self.names]


class FakeVolume:
    def __init__(self, volumes: FakeVolumes, name: str) -> None:
        self.volumes, self.name = volumes, name

    def remove(self, force: bool = False) -> None:
        self.volumes.names.remove(self.name)


class FakeEngine:
    """The containers of project dplat, by service; Compose's `up` starts the named ones."""

    def __init__(self, states: dict[str, str]) -> None:
        self.by_service = {name: FakeContainer(name, state) for name, state in states.items()}
        self.containers = self
        self.volumes = FakeVolumes()
        self.networks = FakeVolumes()  # none: `down` only lists and removes

    def list(self, all: bool = False, filters: dict[str, Any] | None = None) -> list[FakeContainer]:
        return list(self.by_service.values())


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Scripted engine and Compose; records Compose calls and image builds."""
    seen: dict[str, Any] = {"compose": [], "built": []}
    engine = FakeEngine({})
    seen["engine"] = engine

    def run(settings: Any, credentials: Any, args: list[str], **kwargs: Any) -> None:
        seen["compose"].append(list(args))
        for name in args[4:] if args[0] == "up" else []:
            engine.by_service[name] = FakeContainer(name, "running")

    monkeypatch.setattr(daemon, "ensure", lambda report=print: engine)
    monkeypatch.setattr(daemon, "client", lambda timeout=300: engine)
    monkeypatch.setattr(compose, "run", run)
    monkeypatch.setattr(images, "is_current", lambda engine, image: image.name not in seen["stale"])
    monkeypatch.setattr(images, "build", lambda e, s, names=None, report=print: seen["built"].append(list(names)))
    monkeypatch.setattr(ports, "check", lambda wanted, ours=frozenset(): None)
    for cls in catalogue.service_classes():
        monkeypatch.setattr(cls, "probe", lambda self: None)
        monkeypatch.setattr(cls, "wait_ready", lambda self, timeout, still_running=None: None)
    seen["stale"] = set()
    seen["settings"] = resolve({"home": str(tmp_path)}, env={})
    return seen


def test_a_fresh_up_with_an_on_demand_service_names_all_five_to_compose(world: dict[str, Any]) -> None:
    statuses = lifecycle.up(world["settings"], report=lambda m: None, include=["s3-iam"])
    assert world["compose"] == [["up", "-d", "--remove-orphans", "--quiet-pull", *EVERYDAY, "s3-iam"]]
    assert world["built"] == [[*EVERYDAY, "s3-iam"]]
    assert [(s.name, s.ready) for s in statuses] == [(n, True) for n in [*EVERYDAY, "s3-iam"]]


def test_a_plain_up_names_only_the_everyday_stack_and_builds_only_its_images(
    world: dict[str, Any],
) -> None:
    world["stale"] = {"s3-iam"}  # an unused on-demand image is not built by a plain up
    lifecycle.up(world["settings"], report=lambda m: None)
    assert world["compose"] == [["up", "-d", "--remove-orphans", "--quiet-pull", *EVERYDAY]]
    assert world["built"] == [EVERYDAY]


def test_a_stopped_on_demand_service_does_not_make_a_ready_stack_start_again(
    world: dict[str, Any],
) -> None:
    world["engine"].by_service.update(
        {name: FakeContainer(name, "running") for name in EVERYDAY}
        | {"s3-iam": FakeContainer("s3-iam", "exited")}
    )
    statuses = lifecycle.up(world["settings"], report=lambda m: None)
    assert world["compose"] == []  # only reported
    assert [(s.name, s.state, s.ready) for s in statuses][-1] == ("s3-iam", "exited", False)
    # Asked for, it is started, and the everyday services are named too (idempotent).
    lifecycle.up(world["settings"], report=lambda m: None, include=["s3-iam"])
    assert world["compose"] == [["up", "-d", "--remove-orphans", "--quiet-pull", *EVERYDAY, "s3-iam"]]


def test_logs_name_a_present_on_demand_service(world: dict[str, Any]) -> None:
    assert lifecycle.service_names(world["settings"]) == EVERYDAY
    world["engine"].by_service["s3-iam"] = FakeContainer("s3-iam", "exited")
    assert lifecycle.service_names(world["settings"]) == [*EVERYDAY, "s3-iam"]


def test_up_refuses_new_credentials_when_the_file_is_gone_but_volumes_hold_data(
    world: dict[str, Any],
) -> None:
    world["engine"].volumes.names = ["dplat_mysql-local"]
    with pytest.raises(CredentialsLost):
        lifecycle.up(world["settings"], report=lambda m: None)
    assert world["engine"].volumes.asked == [{"label": "com.docker.compose.project=dplat"}]
    assert world["compose"] == [] and not world["settings"].credentials_file.exists()
    # With no volumes (a new stack, or after `dplat down -v`) they are made once.
    world["engine"].volumes.names = []
    lifecycle.up(world["settings"], report=lambda m: None)
    assert world["settings"].credentials_file.exists()


def test_down_neither_completes_nor_refuses_a_damaged_credentials_file(
    world: dict[str, Any],
) -> None:
    # An empty file beside data: `down` keeps the volumes, so new passwords
    # written now would lock the data out at the next `up`; `down -v` is the
    # fix CredentialsLost names, so it must work with the file as it is.
    world["engine"].volumes.names = ["dplat_mysql-data"]
    path = world["settings"].credentials_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    lifecycle.down(world["settings"])
    assert path.read_text() == ""
    assert world["compose"] == [["down", "--remove-orphans", "--timeout", "10"]]
    lifecycle.down(world["settings"], volumes=True)
    assert path.read_text() == ""
    assert world["compose"][-1][-1] == "-v" and world["engine"].volumes.names == []
