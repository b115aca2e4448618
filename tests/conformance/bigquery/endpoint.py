"""A google-cloud-bigquery client on the endpoint under test.

Given a URL, any BigQuery-compatible endpoint (the stack's emulator, the
upstream one); without one, a throw-away container of our local image
``dplat/bigquery:local`` on a random loopback port, removed on exit.

The container is started with the docker SDK and labelled
``dplat.conformance=1``, not the integration tier's ``dplat.test=1``: an
integration session sweeps every ``dplat.test`` container it finds at start,
and on a shared engine it would remove this one mid-run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

ENDPOINT_VARIABLE = "DPLAT_BQ_CONFORMANCE_ENDPOINT"
LABEL = {"dplat.conformance": "1"}
READY_TIMEOUT = 120.0


def client_for(endpoint: str, project: str) -> Any:
    """A client that sends every call to ``endpoint`` with no credentials."""
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=project,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=endpoint),
    )


@dataclass
class Emulator:
    """A started emulator container and a client on it."""

    container: Any  # docker.models.containers.Container
    client: Any
    seconds_to_first_query: float


@contextmanager
def local_emulator() -> Iterator[Emulator]:
    """Run dplat/bigquery:local until the block ends; its readiness probe is a real query."""
    import docker

    from dplat.stack.bigquery import BigQuery
    from dplat.stack.credentials import Credentials

    credentials = Credentials.generate()
    asked = time.monotonic()
    container = docker.from_env().containers.run(
        BigQuery.image(),
        detach=True,
        labels=LABEL,
        environment=BigQuery.environment(credentials),
        ports={"9050/tcp": ("127.0.0.1", None)},
    )
    try:
        container.reload()
        port = int(container.ports["9050/tcp"][0]["HostPort"])
        service = BigQuery(credentials, {"bigquery": port})

        def alive() -> bool:
            container.reload()
            return container.status == "running"

        try:
            service.wait_ready(READY_TIMEOUT, still_running=alive)
        except TimeoutError as exc:
            exc.add_note(container.logs(tail=40).decode(errors="replace"))
            raise
        yield Emulator(container, service.client(), time.monotonic() - asked)
    finally:
        container.remove(force=True, v=True)


@contextmanager
def open_client(endpoint: str | None = None, project: str = "dplat") -> Iterator[Any]:
    """A client on ``endpoint`` (or $DPLAT_BQ_CONFORMANCE_ENDPOINT), else on a fresh local emulator."""
    endpoint = endpoint or os.environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        yield client_for(endpoint, project)
        return
    with local_emulator() as emulator:
        yield emulator.client
