"""The engine's exceptions (the docker SDK, subprocess), mapped once into dplat's.

Like :mod:`dplat.stack.faults` for the service clients: code that talks to the
engine runs under :func:`docker_errors` (a context manager that also decorates)
or starts programs through :func:`run`, and never lets an ``APIError``, a
``requests`` connection error or a missing executable reach the user as a crash.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

from dplat.errors import EngineError, EngineMissing, EngineNotRunning, NotFound

DOCTOR_FIX = "Run `dplat doctor`; `dplat logs SERVICE` shows a service's side."


@contextlib.contextmanager
def docker_errors(doing: str) -> Iterator[None]:
    """Map the docker SDK's errors raised while ``doing`` (words for the user)."""
    import docker.errors
    import requests

    try:
        yield
    except docker.errors.NotFound as exc:
        raise NotFound(
            f"the engine has no such object while {doing}: {exc.explanation or exc}",
            fix="`dplat status` shows what exists; `dplat up` recreates what is missing.",
        ) from exc
    except docker.errors.APIError as exc:
        raise EngineError(
            f"the container engine refused {doing}: {exc.explanation or exc}", fix=DOCTOR_FIX
        ) from exc
    except (requests.ConnectionError, docker.errors.DockerException) as exc:
        raise EngineNotRunning(
            f"the container engine stopped answering while {doing} ({type(exc).__name__})"
        ) from exc


@contextlib.contextmanager
def starting(argv: Sequence[str]) -> Iterator[None]:
    """Map the ways starting a program fails: one that is not installed (the
    docker CLI, one of its plugins) is EngineMissing; one this user may not
    run, or one that outlives its ``timeout``, is EngineError naming the command."""
    try:
        yield
    except FileNotFoundError as exc:
        raise EngineMissing(
            f"`{argv[0]}` is not installed (needed to run `{' '.join(argv[:3])}`)",
            fix="Install Docker Engine with Compose v2 and buildx; `dplat doctor` checks them.",
        ) from exc
    except PermissionError as exc:
        raise EngineError(
            f"`{argv[0]}` may not be run by this user: {exc}",
            fix="Add yourself to the docker group (then log in again), or run as root.",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise EngineError(
            f"`{' '.join(argv[:3])}` did not finish in {exc.timeout:.0f} s", fix=DOCTOR_FIX
        ) from exc


def run(argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` whose failures to start become dplat errors; the exit
    code is the caller's to judge (``check`` stays False)."""
    with starting(argv):
        return subprocess.run(list(argv), check=False, **kwargs)


def popen(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` with the same mapping as :func:`run`."""
    with starting(argv):
        return subprocess.Popen(list(argv), **kwargs)
