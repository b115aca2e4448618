"""BigQuery: the warehouse, an emulator of its REST API.

Locally it is bqemulator (DuckDB underneath, data on a volume); upstream it is
goccy's bigquery-emulator. The official client reaches either through
``client_options={"api_endpoint": url}`` with anonymous credentials: an
emulator checks no token, and the client must not look for Google ones.
"""

from __future__ import annotations

from typing import Any

from dplat.stack.base import Build, Endpoint, Service
from dplat.stack.credentials import Credentials
from dplat.stack.s3 import REGION, S3

S3_IN_NETWORK = "http://s3:9000"
"""The S3 store as the emulator's container reaches it (compose's service name)."""


class BigQuery(Service):
    name = "bigquery"
    build = Build("bookworm")
    endpoints = (Endpoint("bigquery", 9050, 9050, "http", "BigQuery REST API"),)
    memory = "1g"

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        # The S3 store's endpoint and keys: external tables and load jobs read
        # gs://BUCKET/... from its bucket of the same name (docs/differences.md).
        return {
            "BIGQUERY_PROJECT": credentials.bigquery_project,
            "AWS_ACCESS_KEY_ID": credentials.s3_access_key,
            "AWS_SECRET_ACCESS_KEY": credentials.s3_secret_key,
            "AWS_ENDPOINT_URL_S3": S3_IN_NETWORK,
            "AWS_REGION": REGION,
        }

    @property
    def project(self) -> str:
        return self.credentials.bigquery_project

    def client(self, **kwargs: Any) -> Any:
        """A google-cloud-bigquery Client on this endpoint, in the stack's project.

        Imported here: the library is slow to import and most commands do not
        need it.
        """
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(
            project=self.project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.url()),
            **kwargs,
        )

    def probe(self) -> None:
        # No retries: a probe answers "not yet" quickly and its caller polls.
        # (The client's default retry would wait up to ten minutes.)
        client = self.client()
        job = client.query("SELECT 1 AS one", retry=None, job_retry=None, timeout=5)
        rows = list(job.result(timeout=10, retry=None))
        if [tuple(row.values()) for row in rows] != [(1,)]:
            raise RuntimeError(f"SELECT 1 returned {rows!r}")

    def connection_info(self) -> dict[str, str]:
        return {"url": self.url(), "project": self.project}

    def exports(self) -> dict[str, str]:
        # google-cloud-bigquery takes BIGQUERY_EMULATOR_HOST (a URL) as its
        # default endpoint, and so does our agent; code must still pass
        # AnonymousCredentials, or the client looks for Google credentials.
        return {
            "BIGQUERY_EMULATOR_HOST": self.url(),
            "BIGQUERY_PROJECT": self.project,
            "GOOGLE_CLOUD_PROJECT": self.project,
        }


def network_clients_environment(credentials: Credentials) -> dict[str, str]:
    """How a container on the stack's network finds its S3 store and BigQuery:
    the variables boto3 and Fluentd's plugins read (AWS_*) and the ones
    google-cloud-bigquery code reads (BIGQUERY_*), by service name. The agent
    and Airflow's tasks both get them."""
    return {
        "AWS_ACCESS_KEY_ID": credentials.s3_access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.s3_secret_key,
        "AWS_ENDPOINT_URL_S3": S3.network_url(),
        "AWS_REGION": REGION,
        "BIGQUERY_EMULATOR_HOST": BigQuery.network_url(),
        "BIGQUERY_PROJECT": credentials.bigquery_project,
    }
