"""The stack's life: up, status, down (logs are in stack/logs.py).

`up` is idempotent: on a running stack it only reports; on a half-started one
`docker compose up` recreates what is missing. Readiness is each service's
probe with its official client from the host, not a sleep. `down` finds the
project's leftovers by label, even after a crash that lost dplat's state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import docker

from dplat.engine import compose, daemon
from dplat.engine.faults import docker_errors
from dplat.errors import EngineError, EngineNotRunning, ServiceUnhealthy
from dplat.settings import Settings
from dplat.stack import catalogue, images, ports
from dplat.stack.agent import Agent, install_default_config
from dplat.stack.airflow import prepare_dags_folder
from dplat.stack.base import Service
from dplat.stack.credentials import Credentials, complete, load_or_create

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"

Report = Callable[[str], None]


@dataclass
class ServiceStatus:
    name: str
    state: str  # running, exited, missing...
    health: str  # healthy, unhealthy, starting, or "-" when the image has no check
    ready: bool  # the host-side probe passed
    info: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    """The keys of ``info`` that are credentials (the console masks them)."""
    memory_bytes: int | None = None
    """Memory in use while it runs, as `docker stats` counts it."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StackStatus:
    """`dplat status`: every service's state, and whether all answer."""

    project: str
    services: list[ServiceStatus]

    @property
    def ready(self) -> bool:
        return all(s.ready for s in self.services)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "ready": self.ready,
            "services": [s.to_json() for s in self.services],
        }


def containers(
    engine: docker.DockerClient, project: str
) -> dict[str, docker.models.containers.Container]:
    found = engine.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
    return {c.labels.get(SERVICE_LABEL, c.name): c for c in found}


def published_ports(container: docker.models.containers.Container) -> set[int]:
    published = set()
    for bindings in (container.attrs.get("HostConfig", {}).get("PortBindings") or {}).values():
        for binding in bindings or []:
            if binding.get("HostPort"):
                published.add(int(binding["HostPort"]))
    return published


def stack_credentials(settings: Settings, engine: docker.DockerClient | None = None) -> Credentials:
    """The stack's credentials, made on first use. When the file is missing,
    the engine is asked whether the project still has volumes: their data was
    made with the lost passwords, so new ones are refused (CredentialsLost).

    Without ``engine`` (the reads: `env`, `sql`, `ls`...), an engine that does
    not answer counts as no data: before the first `up` there may be no engine
    at all, and `dplat env` must still print what `up` will use. (The one
    case this misses: the file deleted *and* the engine stopped; `up` cannot
    tell new passwords from old ones then, as for any edited file.)"""

    def data_exists() -> bool:
        try:
            client = engine or daemon.client()
        except EngineNotRunning:
            return False
        label = {"label": f"{PROJECT_LABEL}={settings.project}"}
        with docker_errors("listing the stack's volumes"):
            return bool(client.volumes.list(filters=label))

    return load_or_create(settings.credentials_file, data_exists)


def _prepare_work_dir(settings: Settings) -> None:
    """The shared folders: the agent's (with the default config on first use,
    or in place of an older dplat's default),
    MySQL's init folder (*.sql run once on a new data volume) and Airflow's DAG
    folder. Made here, by the host's user, so that lessons can write into them
    (a folder the engine made for a bind mount would belong to root)."""
    (settings.work_dir / "mysql-init").mkdir(parents=True, exist_ok=True)
    prepare_dags_folder(settings.work_dir)  # read by the container's uid, not ours
    install_default_config(settings.work_dir / "agent")


def _last_logs(container: docker.models.containers.Container | None, lines: int = 20) -> str:
    if container is None:
        return "(no container)"
    return container.logs(tail=lines).decode(errors="replace").rstrip()


def _wait(
    settings: Settings, engine: docker.DockerClient, service: Service, deadline: float
) -> None:
    def still_running() -> bool:
        current = containers(engine, settings.project).get(service.name)
        return current is not None and current.status in ("running", "created", "restarting")

    try:
        service.wait_ready(max(1.0, deadline - time.monotonic()), still_running)
    except TimeoutError as exc:
        container = containers(engine, settings.project).get(service.name)
        state = container.status if container else "missing"
        raise ServiceUnhealthy(
            f"{service.name} is not ready ({state}): {exc.__cause__ or exc}",
            details=f"last log lines of {service.name}:\n{_last_logs(container)}",
            fix=f"Read `dplat logs {service.name}`; `dplat up --timeout 300` gives it longer.",
        ) from exc


@docker_errors("starting the stack")
def up(
    settings: Settings, report: Report = print, include: Iterable[str] = ()
) -> list[ServiceStatus]:
    """Start the stack (and the on-demand services in ``include``) and wait
    until every one answers its probe; on a ready stack, only report."""
    engine = daemon.ensure(report)
    credentials = stack_credentials(settings, engine)
    _prepare_work_dir(settings)
    services = catalogue.services(settings, credentials, include)
    names = [service.name for service in services]
    running = containers(engine, settings.project)
    # Only the images of what starts: an on-demand image is built when first used.
    images_current = settings.images != "local" or all(
        images.is_current(engine, images.spec(name)) for name in names
    )
    all_running = all(name in running and running[name].status == "running" for name in names)
    if all_running and images_current:
        current = status(settings, engine, credentials, include)
        if all(s.ready for s in current if s.name in names):
            return current  # already up: `up` only reports
    ours = set().union(*(published_ports(c) for c in running.values()))
    ports.check({e.name: settings.port(e.name) for s in services for e in s.endpoints}, ours)
    if settings.images == "local":
        images.build(engine, settings, names, report=report)
    report("starting the stack")
    # Services named explicitly: on-demand ones have a compose profile, and a
    # named service starts whatever its profile; one started earlier is left
    # running by an `up` that does not name it (Compose >= 2.23.2, which
    # `dplat doctor` checks; older ones remove it as an orphan).
    # Companions (Spark's worker) start with their service.
    members = [member for service in services for member in service.compose_names()]
    start = ["up", "-d", "--remove-orphans", "--quiet-pull", *members]
    try:
        compose.run(settings, credentials, start)
    except EngineError as exc:
        # runc rarely fails to start a container under load ("OCI runtime create
        # failed ... connection reset by peer"); a second `up` starts what is left.
        if "OCI runtime create failed" not in (exc.details or ""):
            raise
        report("a container failed to start (runc); trying once more")
        compose.run(settings, credentials, start)
    deadline = time.monotonic() + settings.timeout
    for service in services:
        report(f"waiting for {service.name}")
        _wait(settings, engine, service, deadline)
    return status(settings, engine, credentials, include)


@docker_errors("reading the stack's containers")
def status(
    settings: Settings,
    engine: docker.DockerClient | None = None,
    credentials: Credentials | None = None,
    include: Iterable[str] = (),
) -> list[ServiceStatus]:
    """Each service's state; on-demand services when asked for or present."""
    engine = engine or daemon.client()
    credentials = credentials or stack_credentials(settings, engine)
    running = containers(engine, settings.project)
    found = []
    for service in catalogue.services(settings, credentials, {*include, *_present(running)}):
        container = running.get(service.name)
        state = container.status if container else "missing"
        health = "-"
        memory = None
        if container is not None:
            health = (container.attrs.get("State", {}).get("Health") or {}).get("Status", "-")
            memory = memory_in_use(container)
        ready = False
        if state == "running":
            try:
                service.probe()
                ready = True
            except Exception:  # a failed probe is the answer, not an error
                ready = False
        info = service.connection_info()
        secrets = sorted(service.secret_info & info.keys())
        found.append(ServiceStatus(service.name, state, health, ready, info, secrets, memory))
    return found


def memory_in_use(container: docker.models.containers.Container) -> int | None:
    """A running container's memory in use, counted as `docker stats` does:
    the cgroup's usage less the page cache it can drop at once (inactive
    files; docker/cli's calculateMemUsageUnixNoCache in
    cli/command/container/stats_helpers.go). One-shot stats: ~15 ms, no
    second sample. None when it does not run or the engine gives no figure."""
    if container.status != "running":
        return None
    try:
        memory = container.stats(stream=False, one_shot=True).get("memory_stats") or {}
    except docker.errors.NotFound:  # removed since it was listed
        return None
    usage = memory.get("usage")
    if usage is None:
        return None
    counters = memory.get("stats") or {}
    cache = counters.get("total_inactive_file", counters.get("inactive_file", 0))
    return usage - cache if cache < usage else usage


def _present(running: dict[str, docker.models.containers.Container]) -> list[str]:
    return [name for name in catalogue.on_demand_names() if name in running]


@docker_errors("reading the stack's containers")
def service_names(settings: Settings) -> list[str]:
    """The everyday services, plus the on-demand ones that have a container
    (what `dplat logs` shows: compose leaves out a profile's services unless
    they are named)."""
    running = containers(daemon.client(), settings.project)
    on_demand = set(catalogue.on_demand_names())
    everyday = [cls.name for cls in catalogue.service_classes() if cls.name not in on_demand]
    companions = [
        member
        for cls in catalogue.service_classes()
        for member in cls.compose_names()[1:]
        if member in running
    ]
    return everyday + _present(running) + companions


def connection_info(settings: Settings, name: str) -> dict[str, str]:
    """One service's connection details, credentials included, without
    asking the engine (what the console shows when the user reveals them)."""
    return catalogue.by_name(settings, stack_credentials(settings), name).connection_info()


def exports(settings: Settings) -> dict[str, str]:
    """Every service's client variables, on-demand ones included (their URLs
    follow from the settings, whether they run or not)."""
    credentials = stack_credentials(settings)
    merged: dict[str, str] = {}
    for service in catalogue.services(settings, credentials, catalogue.on_demand_names()):
        merged.update(service.exports())
    return merged


@dataclass
class DownSummary:
    containers: int
    networks: int
    volumes: int


@docker_errors("removing the stack")
def down(settings: Settings, volumes: bool = False, services: Iterable[str] = ()) -> DownSummary:
    """Stop and remove this project's containers (and with ``volumes`` its data).

    With ``services``, only those services and their companions (a Spark
    cluster's workers, Airflow's scheduler), like `docker compose down
    SERVICE...`: the rest of the stack, its network and its data stay. Their
    data is not deleted then: a service's volume may hold what another
    lesson still reads, so ``volumes`` with names is refused."""
    names = _compose_names(services)
    if names and volumes:
        from dplat.errors import SettingsError

        raise SettingsError(
            "`dplat down -v` deletes the whole stack's data, not one service's",
            fix="Stop the service with `dplat down NAME`, or everything with `dplat down -v`.",
        )
    engine = daemon.client()
    label = {"label": f"{PROJECT_LABEL}={settings.project}"}
    if names:
        return _down_services(settings, engine, names)
    removed = DownSummary(
        containers=len(engine.containers.list(all=True, filters=label)),
        networks=len(engine.networks.list(filters=label)),
        volumes=len(engine.volumes.list(filters=label)) if volumes else 0,
    )
    if settings.credentials_file.exists():
        args = ["down", "--remove-orphans", "--timeout", "10"] + (["-v"] if volumes else [])
        compose.run(settings, _placeholders(settings), args, check=False)
    # Whatever compose did not remove (state lost, files changed): by label.
    for container in engine.containers.list(all=True, filters=label):
        container.remove(force=True, v=True)
    for network in engine.networks.list(filters=label):
        network.remove()
    if volumes:
        for volume in engine.volumes.list(filters=label):
            volume.remove(force=True)
    return removed


def _placeholders(settings: Settings) -> Credentials:
    """What `docker compose down` is given: it needs every variable set to
    read its file but uses none of them. The file's values when complete,
    else throwaway ones, never saved: `down` must not complete a damaged
    file (new passwords beside old volumes), nor refuse to clean it up."""
    return complete(settings.credentials_file) or Credentials.generate()


def _compose_names(services: Iterable[str]) -> list[str]:
    """The compose services behind the named dplat services, companions included."""
    wanted = list(dict.fromkeys(services))
    classes = {cls.name: cls for cls in catalogue.service_classes()}
    unknown = [name for name in wanted if name not in classes]
    if unknown:
        from dplat.errors import SettingsError

        raise SettingsError(
            f"no service named {', '.join(repr(n) for n in unknown)}",
            fix=f"Use one of: {', '.join(classes)}.",
        )
    return [member for name in wanted for member in classes[name].compose_names()]


def _down_services(settings: Settings, engine: docker.DockerClient, names: list[str]) -> DownSummary:
    """`docker compose down NAME...` for some services; leftovers by label."""
    present = containers(engine, settings.project)
    count = sum(1 for name in names if name in present)
    if count and settings.credentials_file.exists():
        args = ["down", "--timeout", "10", *names]
        compose.run(settings, _placeholders(settings), args, check=False)
    for name, container in containers(engine, settings.project).items():
        if name in names:
            container.remove(force=True, v=True)
    return DownSummary(containers=count, networks=0, volumes=0)


def stopped_on_demand(statuses: list[ServiceStatus], asked: Iterable[str]) -> list[ServiceStatus]:
    """After `up`: the on-demand services that exist but do not answer and
    were not asked for (`up` waited for every other one), so the user hears
    how to start them again rather than seeing a red row alone."""
    wanted = set(asked)
    on_demand = set(catalogue.on_demand_names())
    return [s for s in statuses if not s.ready and s.name in on_demand and s.name not in wanted]


def overview(settings: Settings) -> StackStatus:
    """`dplat status`'s answer, typed for a table or JSON."""
    return StackStatus(settings.project, status(settings))


def flush_agent(settings: Settings, timeout: float = 60.0) -> None:
    """`dplat agent flush`: ask the stack's agent to write every buffer now
    (POST /api/flush, like Fluentd's SIGUSR1); it answers once each chunk was
    tried. A stopped agent or a refused flush is a dplat error (faults)."""
    agent = catalogue.by_name(settings, stack_credentials(settings), "agent")
    assert isinstance(agent, Agent)
    agent.monitor("/api/flush", "POST", timeout=timeout)
