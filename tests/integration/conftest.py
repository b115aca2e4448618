"""Start one service of the stack from our images with testcontainers.

Each container is made from the service's declaration (dplat.stack.base), the
one `dplat up` starts through compose (tests/unit/test_service_contract.py
checks the two agree): its image, its environment as compose gives it, its
memory limit and its command. Ports are published on 127.0.0.1 only, on
ports the engine picks.

Ryuk cannot run here (its image cannot be pulled), so every container started
here is removed by the fixture's finaliser. Each carries the label
``dplat.test=1`` and the test session's process id, so that a later session
sweeps what a killed one left behind, and never a session that still runs
(several may share the engine).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pytest

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
# testcontainers would otherwise talk to the bridge address (172.17.0.1).
os.environ.setdefault("TC_HOST", "127.0.0.1")

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from dplat.stack.base import Service
from dplat.stack.credentials import Credentials

SESSION_LABEL = "dplat.test.session"
TEST_LABEL = {"dplat.test": "1", SESSION_LABEL: str(os.getpid())}

ServiceStarter = Callable[..., Service]


class RunningService:
    """A started container and the Service object pointed at its ports."""

    def __init__(self, container: DockerContainer, service: Service) -> None:
        self.container = container
        self.service = service

    def logs(self) -> str:
        out, err = self.container.get_logs()
        return (out + err).decode(errors="replace")

    def check_running(self) -> None:
        """Fail now, with the exit code and the log's tail, if the container has
        stopped: a module's later tests would otherwise each wait out their
        client's retries against a dead port (CI once hung 90 minutes on that)."""
        wrapped = self.container.get_wrapped_container()
        wrapped.reload()
        if wrapped.status != "running":
            code = wrapped.attrs["State"]["ExitCode"]
            pytest.fail(f"{self.service.name} exited ({code}):\n{self.logs()[-3000:]}")


def _start_with_retry(container: DockerContainer, attempts: int = 3) -> None:
    """Start, retrying runc's rare transient failure ("OCI runtime create failed
    ... connection reset by peer", seen under load on these hosts); the half-made
    container of a failed attempt is removed first. Other errors are raised."""
    import docker
    import docker.errors

    for attempt in range(1, attempts + 1):
        try:
            container.start()
            return
        except docker.errors.APIError as exc:
            if "OCI runtime create failed" not in str(exc) or attempt == attempts:
                raise
            mine = f"{SESSION_LABEL}={os.getpid()}"
            for leftover in docker.from_env().containers.list(
                all=True, filters={"label": mine, "status": "created"}
            ):
                leftover.remove(force=True, v=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def start(
    service_cls: type[Service],
    credentials: Credentials,
    timeout: float = 120,
    volumes: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    network: Network | None = None,
    aliases: tuple[str, ...] = (),
) -> RunningService:
    """Run ``service_cls``'s local image as its declaration says, wait for its
    probe, return it.

    ``env`` adds variables for a test's own instrumentation (e.g. PATH);
    ``network`` and ``aliases`` let services reach each other by name, as in
    compose (e.g. bigquery reads the S3 store at http://s3:9000)."""
    container = DockerContainer(service_cls.image())
    container.with_kwargs(labels=TEST_LABEL, mem_limit=service_cls.memory)
    if service_cls.command:
        container.with_command(list(service_cls.command))
    if network is not None:
        container.with_network(network).with_network_aliases(*aliases)
    for key, value in {**service_cls.environment(credentials), **(env or {})}.items():
        container.with_env(key, value)
    for endpoint in service_cls.endpoints:
        # (address,): loopback only, a port the engine picks (docker SDK's notation).
        for protocol in ("tcp", "udp") if endpoint.udp else ("tcp",):
            container.ports[f"{endpoint.container_port}/{protocol}"] = ("127.0.0.1",)  # type: ignore[assignment]
    for source, target in (volumes or {}).items():
        container.with_volume_mapping(source, target, "rw")
    _start_with_retry(container)
    try:
        ports = {
            e.name: int(container.get_exposed_port(e.container_port)) for e in service_cls.endpoints
        }
        service = service_cls(credentials, ports)
        running = RunningService(container, service)

        def alive() -> bool:
            container.get_wrapped_container().reload()
            return container.get_wrapped_container().status == "running"

        try:
            service.wait_ready(timeout, still_running=alive)
        except TimeoutError as exc:
            exc.add_note(running.logs()[-3000:])
            raise
        return running
    except BaseException:
        container.stop()
        raise


@pytest.fixture(scope="session")
def credentials() -> Credentials:
    return Credentials.generate()


@pytest.fixture(scope="session")
def service_factory(credentials: Credentials) -> Iterator[Callable[..., RunningService]]:
    """Start services on demand; all of them are removed at the end of the session.

    Containers a killed earlier session left behind (Ryuk would have removed
    them) are swept first: those whose session process is gone.
    """
    import docker

    for leftover in docker.from_env().containers.list(
        all=True, filters={"label": SESSION_LABEL}
    ):
        if not _alive(int(leftover.labels[SESSION_LABEL])):
            leftover.remove(force=True, v=True)
    started: list[RunningService] = []

    def factory(service_cls: type[Service], **kwargs: object) -> RunningService:
        running = start(service_cls, credentials, **kwargs)  # type: ignore[arg-type]
        started.append(running)
        return running

    yield factory
    for running in started:
        # stop() also removes the container and its anonymous volumes; one
        # already gone (a test removed it) must not leave the others running.
        with contextlib.suppress(docker.errors.NotFound):
            running.container.stop()
