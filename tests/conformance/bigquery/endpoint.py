"""A google-cloud-bigquery client on the endpoint under test.

Given a URL, any BigQuery-compatible endpoint (the stack's emulator, the
upstream one); without one, a throw-away container of our local image
``dplat/bigquery:local`` started with testcontainers on a random loopback port
(as the integration tier does), removed on exit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENDPOINT_VARIABLE = "DPLAT_BQ_CONFORMANCE_ENDPOINT"


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


@contextmanager
def open_client(endpoint: str | None = None, project: str = "dplat") -> Iterator[Any]:
    """A client on ``endpoint``, else on a fresh local emulator container."""
    endpoint = endpoint or os.environ.get(ENDPOINT_VARIABLE)
    if endpoint:
        yield client_for(endpoint, project)
        return
    from dplat.stack.bigquery import BigQuery
    from dplat.stack.credentials import Credentials
    from tests.integration.conftest import start

    running = start(BigQuery, Credentials.generate())
    try:
        yield running.service.client()
    finally:
        running.container.stop()
