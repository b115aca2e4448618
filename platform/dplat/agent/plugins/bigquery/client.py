"""The BigQuery calls of the bigquery outputs, through google-cloud-bigquery.

Every method blocks and runs in a worker thread (``asyncio.to_thread``); the
library's own retries are switched off (``retry=None``) because the buffer
retries with backoff, and the library's default would retry an HTTP 500 for
ten minutes - exactly the answer dplat's emulator gives for one bad row.

Errors (the boundary where google-api-core's exceptions become ours)::

    Exception
     ├── BigQueryError        retry later: no connection, timeouts, 502/503/504,
     │                        429 and rate/quota reasons, a missing dataset or
     │                        table (someone may create it; Fluentd gives up on
     │                        those, dplat's lessons create datasets as they go)
     ├── RequestRejected      the request as a whole was refused, maybe because
     │                        of one row: HTTP 400 "invalid", or HTTP 500 from
     │                        insertAll (the emulator's answer to a bad row);
     │                        the insert output bisects the batch to find the row
     └── UnrecoverableError   anything else (bad credentials, access denied, a
                              load job whose data is invalid): retrying cannot
                              help, as fluent-plugin-bigquery decides

Credentials (``auth_method``): ``application_default`` uses Google's standard
chain (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server) - except with
``api_endpoint`` set, where it means *anonymous*: an emulator takes no
credentials, and the standard chain would try to refresh tokens over the
network. ``json_key`` (a file or the JSON text) and ``compute_engine`` are as
in Fluentd; ``private_key`` (.p12 files) has no Python support.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.plugins.bigquery.schema import TableSchema

SCOPE = "https://www.googleapis.com/auth/bigquery"
RETRYABLE_REASONS = frozenset({"backendError", "internalError", "rateLimitExceeded",
                               "tableUnavailable", "quotaExceeded", "timeout"})
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
R = TypeVar("R")
CREATE_VISIBLE_TRIES = 5
"""Inserts retried right after auto-creating a table: BigQuery's streaming
API may not see a new table for a while (Fluentd waits up to 5 minutes)."""


class BigQueryError(Exception):
    """A BigQuery call failed in a way a later retry may fix."""


class RequestRejected(Exception):
    """The request was refused as a whole (maybe because of one of its rows)."""


class RowError(NamedTuple):
    """One entry of insertAll's ``insertErrors``: the row's position in the
    request, BigQuery's reason (``invalid``, ``stopped``...) and message."""

    position: int
    reason: str
    message: str


@dataclass(frozen=True)
class TableRef:
    project: str
    dataset: str
    table: str
    """May end with a partition decorator (``$20240102``) for loads."""

    @property
    def table_id(self) -> str:
        """The table without its decorator (for get/create)."""
        return self.table.split("$", 1)[0]

    def __str__(self) -> str:
        return f"{self.project}.{self.dataset}.{self.table}"


@dataclass(frozen=True)
class ClientSettings:
    auth_method: str = "application_default"
    json_key: str | None = None
    api_endpoint: str | None = None
    timeout: float = 60.0
    time_partitioning_type: str | None = None
    time_partitioning_field: str | None = None
    time_partitioning_expiration: float | None = None
    clustering_fields: tuple[str, ...] = ()


def once_more_if_dropped(call: Callable[[], R]) -> R:
    """Run ``call``; if the connection dropped before any answer, run it once
    more at once. A pooled keep-alive connection the server has closed fails
    that way (dplat's emulator closes its connection after each HTTP 500), and
    the HTTP library does not resend a POST by itself."""
    from requests import exceptions as http

    try:
        return call()
    except http.ConnectionError:
        return call()


def reason_of(exc: Exception) -> str:
    errors = getattr(exc, "errors", None) or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(first.get("reason", ""))


def mapped(exc: Exception, action: str, *, rows_may_be_bad: bool = False) -> Exception:
    """Our error for an exception of google-api-core or the HTTP transport."""
    from google.api_core import exceptions as api
    from requests import exceptions as http

    text = f"BigQuery {action} failed: {exc}"
    if isinstance(exc, http.RequestException | ConnectionError | TimeoutError):
        return BigQueryError(text)
    if not isinstance(exc, api.GoogleAPICallError):
        return exc
    code, reason = exc.code or 0, reason_of(exc)
    if rows_may_be_bad and (code == 500 or (code == 400 and reason in ("invalid", ""))):
        return RequestRejected(text)
    if code in RETRYABLE_STATUS or code == 500 or reason in RETRYABLE_REASONS:
        return BigQueryError(text)
    if code == 400 and "is not writable in the region" in str(exc):
        return BigQueryError(text)
    if code == 404:
        return BigQueryError(text + " (create it, or set auto_create_table true)")
    return UnrecoverableError(text)


class BigQueryClient:
    """google-cloud-bigquery clients (one per project) and the calls we make."""

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, project: str) -> Any:
        with self._lock:
            if project not in self._clients:
                from google.cloud import bigquery

                options = {"api_endpoint": self.settings.api_endpoint} \
                    if self.settings.api_endpoint else None
                self._clients[project] = bigquery.Client(
                    project=project, credentials=self._credentials(), client_options=options)
            return self._clients[project]

    def _credentials(self) -> Any:
        settings = self.settings
        if settings.auth_method == "application_default" and settings.api_endpoint:
            from google.auth.credentials import AnonymousCredentials

            return AnonymousCredentials()
        if settings.auth_method == "json_key":
            from google.oauth2 import service_account

            key = settings.json_key or ""
            if key.lstrip().startswith("{"):
                return service_account.Credentials.from_service_account_info(
                    json.loads(key), scopes=[SCOPE])
            return service_account.Credentials.from_service_account_file(key, scopes=[SCOPE])
        if settings.auth_method == "compute_engine":
            from google.auth import compute_engine

            return compute_engine.Credentials()
        import google.auth

        credentials, _ = google.auth.default(scopes=[SCOPE])
        return credentials

    # -- tables -------------------------------------------------------------------
    def fetch_schema(self, ref: TableRef) -> TableSchema:
        try:
            table = once_more_if_dropped(lambda: self.client(ref.project).get_table(
                f"{ref.project}.{ref.dataset}.{ref.table_id}", retry=None,
                timeout=self.settings.timeout))
        except Exception as exc:
            raise mapped(exc, f"tables.get {ref}") from exc
        return TableSchema.parse([field.to_api_repr() for field in table.schema], str(ref))

    def create_table(self, ref: TableRef, schema: TableSchema) -> None:
        """Create the table (an existing one is fine: another writer won)."""
        from google.cloud import bigquery

        if schema.empty:
            raise UnrecoverableError(f"cannot create {ref}: auto_create_table needs a schema")
        table = bigquery.Table(f"{ref.project}.{ref.dataset}.{ref.table_id}",
                               schema=[bigquery.SchemaField.from_api_repr(f)
                                       for f in schema.api_repr()])
        partitioning = self.time_partitioning()
        if partitioning is not None:
            table.time_partitioning = partitioning
        if self.settings.clustering_fields:
            table.clustering_fields = list(self.settings.clustering_fields)
        try:
            once_more_if_dropped(lambda: self.client(ref.project).create_table(
                table, exists_ok=True, retry=None, timeout=self.settings.timeout))
        except Exception as exc:
            raise mapped(exc, f"tables.insert {ref}") from exc

    def time_partitioning(self) -> Any:
        settings = self.settings
        if not settings.time_partitioning_type:
            return None
        from google.cloud import bigquery

        expiration = settings.time_partitioning_expiration
        return bigquery.TimePartitioning(
            type_=settings.time_partitioning_type.upper(), field=settings.time_partitioning_field,
            expiration_ms=int(expiration * 1000) if expiration else None)

    # -- streaming inserts ----------------------------------------------------------
    def insert_rows(self, ref: TableRef, rows: list[dict[str, Any]], insert_ids: list[Any] | None,
                    *, skip_invalid_rows: bool, ignore_unknown_values: bool,
                    create_with: TableSchema | None = None) -> list[RowError]:
        """insertAll; per-row errors are returned, a refused request raises
        RequestRejected. ``create_with``: auto-create a missing table."""
        from google.cloud.bigquery import AutoRowIDs

        client = self.client(ref.project)
        for attempt in range(CREATE_VISIBLE_TRIES + 1):
            try:
                errors = once_more_if_dropped(lambda: client.insert_rows_json(
                    f"{ref.project}.{ref.dataset}.{ref.table}", rows,
                    row_ids=insert_ids if insert_ids is not None else AutoRowIDs.DISABLED,
                    skip_invalid_rows=skip_invalid_rows,
                    ignore_unknown_values=ignore_unknown_values, retry=None,
                    timeout=self.settings.timeout))
            except Exception as exc:
                error = mapped(exc, f"tabledata.insertAll {ref}", rows_may_be_bad=True)
                if create_with is None or not _table_missing(exc):
                    raise error from exc
                if attempt == 0:
                    self.create_table(ref, create_with)
                elif attempt < CREATE_VISIBLE_TRIES:
                    time.sleep(attempt)
                else:
                    raise BigQueryError(f"table {ref} was created but inserts do not see it "
                                        "yet") from exc
                continue
            return [_row_error(item, error) for item in errors for error in item["errors"][:1]]
        raise AssertionError("unreachable")

    # -- load jobs -----------------------------------------------------------------
    def load(self, ref: TableRef, ndjson: bytes, *, schema: TableSchema | None,
             ignore_unknown_values: bool, max_bad_records: int, job_timeout: float) -> Any:
        """Run a NEWLINE_DELIMITED_JSON load job and wait for it; returns the
        finished job. A missing table is created by the job itself when a
        schema is given (``auto_create_table``)."""
        from google.cloud import bigquery

        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
            write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            create_disposition=(bigquery.CreateDisposition.CREATE_IF_NEEDED if schema
                                else bigquery.CreateDisposition.CREATE_NEVER),
            ignore_unknown_values=ignore_unknown_values, max_bad_records=max_bad_records)
        if schema is not None:
            config.schema = [bigquery.SchemaField.from_api_repr(f) for f in schema.api_repr()]
            if self.time_partitioning() is not None:
                config.time_partitioning = self.time_partitioning()
            if self.settings.clustering_fields:
                config.clustering_fields = list(self.settings.clustering_fields)
        client = self.client(ref.project)
        try:
            job = self._submit_load(client, ref, config, ndjson)
            job.result(timeout=job_timeout, retry=None)
        except Exception as exc:
            raise _load_error(exc, ref) from exc
        return job

    def _submit_load(self, client: Any, ref: TableRef, config: Any, data: bytes) -> Any:
        """Create the load job with its data in one multipart upload.

        Not ``Client.load_table_from_file``: it labels the data ``*/*``, which
        dplat's emulator refuses; this sends ``application/octet-stream`` as
        fluent-plugin-bigquery does. It uses the client's authorized HTTP
        session and base URL, as the library's own upload code does.
        """
        from google.cloud import bigquery
        from google.resumable_media import InvalidResponse
        from google.resumable_media.requests import MultipartUpload

        job = bigquery.LoadJob(f"dplat_load_{uuid.uuid4().hex}", None,
                               bigquery.TableReference.from_string(str(ref)), client,
                               job_config=config)
        url = (f"{client._connection.API_BASE_URL}/upload/bigquery/v2/projects/{ref.project}"
               "/jobs?uploadType=multipart")
        try:
            response = MultipartUpload(url).transmit(
                client._http, data, job.to_api_repr(), "application/octet-stream",
                timeout=self.settings.timeout)
        except InvalidResponse as exc:
            raise _upload_error(exc, ref) from exc
        return client.job_from_resource(response.json())


def _upload_error(exc: Exception, ref: TableRef) -> Exception:
    from google.api_core import exceptions as api

    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", 0) or 0
    text = getattr(response, "text", "") or str(exc)
    try:
        errors = response.json().get("error", {}).get("errors", []) if response else []
    except ValueError:
        errors = []
    return api.from_http_status(status, f"upload of the load job into {ref}: {text[:300]}",
                                errors=errors)


def _table_missing(exc: Exception) -> bool:
    return getattr(exc, "code", None) == 404 and "table" in str(exc).lower()


def _row_error(item: dict[str, Any], error: dict[str, Any]) -> RowError:
    return RowError(int(item.get("index", -1)), str(error.get("reason", "")),
                    str(error.get("message", "")))


def _load_error(exc: Exception, ref: TableRef) -> Exception:
    """A failed load job whose reason is retryable is retried; data BigQuery
    rejects (reason ``invalid``) is not, as in fluent-plugin-bigquery."""
    from google.api_core import exceptions as api

    if isinstance(exc, api.GoogleAPICallError) and exc.code == 400 \
            and reason_of(exc) not in RETRYABLE_REASONS:
        return UnrecoverableError(f"BigQuery load into {ref} failed, and cannot retry: {exc}")
    if isinstance(exc, TimeoutError | api.RetryError):
        return BigQueryError(f"BigQuery load job into {ref} did not finish in time: {exc}")
    return mapped(exc, f"load job into {ref}")
