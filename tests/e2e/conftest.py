"""The whole stack, started through the CLI as a user starts it.

The stack runs under its own project name, DPLAT_HOME and port offset, so the
suite never touches a user's own `dplat` stack, and the fixture always takes
it down with its volumes (and by label, if the CLI could not).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from typer.testing import CliRunner

from dplat.cli import app
from dplat.settings import Settings, resolve
from dplat.stack import catalogue
from dplat.stack.credentials import load_or_create

# DPLAT_E2E_PROJECT lets two suites run side by side on one engine (each sweeps
# only its own project's containers).
PROJECT = os.environ.get("DPLAT_E2E_PROJECT", "dplat-e2e")


def free_offset(start: int) -> int:
    """The first offset from ``start`` (in steps of 100) at which every port is free,
    so the suite runs beside a user's stack, or another suite's."""
    from dplat.settings import DEFAULT_PORTS
    from dplat.stack.ports import is_free

    for offset in range(start, start + 10_000, 100):
        if all(is_free(port + offset) for port in DEFAULT_PORTS.values()):
            return offset
    raise RuntimeError(f"no free port offset between {start} and {start + 10_000}")


# DPLAT_E2E_PORT_FROM moves the search, so suites started at the same moment
# (before either has bound its ports) do not pick the same offset.
PORT_OFFSET = free_offset(int(os.environ.get("DPLAT_E2E_PORT_FROM", "20000")))
# The image set under test: `local` (built here), or `upstream` (official images,
# needs a registry) when the run opts in with DPLAT_TEST_IMAGES=upstream, which
# also collects the tests marked `upstream` (tests/conftest.py).
IMAGES = os.environ.get("DPLAT_TEST_IMAGES", "local")
STACK_ENV = {"DPLAT_PROJECT": PROJECT, "DPLAT_PORT_OFFSET": str(PORT_OFFSET), "DPLAT_IMAGES": IMAGES}


@dataclass
class Stack:
    home: Path
    settings: Settings
    runner: CliRunner

    def cli(self, *args: str):
        """Run a dplat command in-process with the suite's settings."""
        return self.runner.invoke(app, ["--home", str(self.home), *args], env=self.env())

    def env(self) -> dict[str, str]:
        return dict(STACK_ENV)

    def run_lesson(self, name: str, folder: Path | None = None, **kwargs):
        """Run a lesson (or the lesson in ``folder``) through the runner, silently."""
        from dplat.scenario import catalog, runner

        lesson = catalog.load(folder) if folder else catalog.find(name)
        return runner.run(lesson, self.settings, runner.SilentReporter(), **kwargs)

    def service(self, name: str):
        return catalogue.by_name(self.settings, load_or_create(self.settings.credentials_file), name)


def sweep(project: str) -> None:
    engine = docker.from_env()
    label = {"label": f"com.docker.compose.project={project}"}
    for container in engine.containers.list(all=True, filters=label):
        container.remove(force=True, v=True)
    for network in engine.networks.list(filters=label):
        network.remove()
    for volume in engine.volumes.list(filters=label):
        volume.remove(force=True)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("dplat-home")
    settings = resolve({"home": str(home)}, env={**os.environ, **STACK_ENV})
    running = Stack(home, settings, CliRunner())
    sweep(PROJECT)  # what a killed earlier run may have left
    result = running.cli("up", "--timeout", "180")
    try:
        assert result.exit_code == 0, result.output
        yield running
    finally:
        running.cli("down", "-v")
        sweep(PROJECT)
