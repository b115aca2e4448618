"""The service clients' exceptions, mapped once into dplat's (see dplat.errors).

httpx wraps httpcore's calls in one ``map_httpcore_exceptions()`` so nothing
above it ever sees a transport's exception; each context manager here does the
same for one client library: mysql.connector, botocore (boto3), google-api-core
(google-cloud-bigquery) and urllib (the agent's monitor API, moto's API). A mistake
(a missing table, bucket or key, a syntax error) becomes a typed error whose
message says what is wrong in the user's words and whose fix names the
command that shows what exists; a service that does not answer becomes
:class:`StackNotRunning` with `dplat up`. Anything not understood keeps the
library's own words, still as a dplat error, so the user never sees a crash.

The messages follow what the real servers say (read from the stack's own
images; tests/integration/test_cli_data.py runs them): MySQL's error numbers
(https://dev.mysql.com/doc/mysql-errors/8.4/en/server-error-reference.html),
S3's error codes (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)
and BigQuery's, where a missing dataset is "Access Denied ... or perhaps it does
not exist" (https://cloud.google.com/bigquery/docs/error-messages).
"""

from __future__ import annotations

import contextlib
import errno
import re
import urllib.error
from collections.abc import Iterator

from dplat.errors import (
    AccessDenied,
    DplatError,
    NotFound,
    QueryError,
    RequestRefused,
    StackNotRunning,
)

UP_FIX = "Start it with `dplat up` (`dplat status` shows each service)."


def not_answering(service: str, where: str, exc: BaseException) -> StackNotRunning:
    """A service that does not answer, with the reason in a few words."""
    return StackNotRunning(f"{service} does not answer on {where} ({reason(exc)})", fix=UP_FIX)


def reason(exc: BaseException) -> str:
    """Why a connection failed, in words: the first cause that names one."""
    seen: BaseException | None = exc
    while seen is not None:
        # mysql.connector says "Can't connect ... (111)": the OS's ECONNREFUSED.
        refused = f"({errno.ECONNREFUSED})" in str(seen) or "refused" in str(seen).lower()
        if isinstance(seen, ConnectionRefusedError) or refused:
            return "connection refused: nothing listens there"
        if isinstance(seen, TimeoutError) or "timed out" in str(seen).lower():
            return "timed out"
        seen = seen.__cause__ or seen.__context__
    return f"{type(exc).__name__}: {str(exc)[:160]}"


# --- MySQL (mysql.connector) ------------------------------------------------

_QUOTED = re.compile(r"'([^']*)'")


def from_mysql(exc: Exception, where: str) -> DplatError:
    """One mysql.connector error as a dplat error (``where``: host:port)."""
    from mysql.connector import errorcode

    errno = getattr(exc, "errno", None)
    message = getattr(exc, "msg", None) or str(exc)
    names = _QUOTED.findall(message)
    if errno == errorcode.ER_NO_SUCH_TABLE:
        table = names[0] if names else "the table"
        return NotFound(
            f"table {table} does not exist",
            fix="`dplat sql mysql 'SHOW TABLES'` lists them.",
        )
    if errno == errorcode.ER_BAD_FIELD_ERROR:
        column = names[0] if names else "a column"
        return QueryError(
            f"column {column} does not exist (MySQL: {message})",
            fix="`dplat sql mysql 'SHOW COLUMNS FROM TABLE'` lists a table's columns.",
        )
    if errno == errorcode.ER_PARSE_ERROR:
        near = f" near {names[0]!r}" if names else ""
        return QueryError(
            f"MySQL cannot parse the query{near}",
            fix="Correct the SQL there; quote a name that is a keyword with backticks.",
        )
    if errno == errorcode.ER_BAD_DB_ERROR:
        return NotFound(
            f"database {names[0] if names else ''} does not exist",
            fix="`dplat sql mysql 'SHOW DATABASES'` lists them.",
        )
    if errno in (errorcode.ER_TABLEACCESS_DENIED_ERROR, errorcode.ER_DBACCESS_DENIED_ERROR):
        return AccessDenied(
            f"MySQL refused: {message} (a database other than the stack's, or one that does not exist)",
            fix="`dplat sql mysql 'SHOW DATABASES'` lists the ones you may read.",
        )
    if errno == errorcode.ER_ACCESS_DENIED_ERROR:
        return AccessDenied(
            f"MySQL refused the stack's credentials: {message}",
            fix="DPLAT_HOME/credentials.env no longer matches the MySQL volume; "
            "`dplat down -v` then `dplat up` recreates both (and deletes the data).",
        )
    if errno in (errorcode.CR_CONN_HOST_ERROR, errorcode.CR_CONNECTION_ERROR):
        return not_answering("mysql", where, exc)
    if errno in (errorcode.CR_SERVER_LOST, errorcode.CR_SERVER_GONE_ERROR):
        return StackNotRunning(f"mysql at {where} closed the connection: {message}", fix=UP_FIX)
    return RequestRefused(
        f"MySQL refused the query: {message}",
        fix="Correct the SQL; `dplat logs mysql` shows the server's side.",
    )


@contextlib.contextmanager
def mysql_errors(where: str) -> Iterator[None]:
    import mysql.connector

    try:
        yield
    except mysql.connector.Error as exc:
        raise from_mysql(exc, where) from exc


# --- S3 (botocore) -----------------------------------------------------------


def from_botocore(exc: Exception, bucket: str, key: str, where: str) -> DplatError:
    """One botocore error as a dplat error, for a request on ``bucket``/``key``."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    if isinstance(exc, EndpointConnectionError):
        return not_answering("s3", where, exc)
    if not isinstance(exc, ClientError):
        return RequestRefused(f"the S3 client failed: {exc}", fix="Check the s3:// URL.")
    error = exc.response.get("Error", {})
    code, message = error.get("Code", "?"), error.get("Message") or ""
    parent = key.rpartition("/")[0] + "/" if "/" in key else ""
    if code == "NoSuchBucket":
        return NotFound(
            f"bucket {bucket} does not exist", fix="`dplat ls s3://` lists the buckets."
        )
    if code in ("NoSuchKey", "404", "NotFound"):
        return NotFound(
            f"no object s3://{bucket}/{key}",
            fix=f"`dplat ls s3://{bucket}/{parent}` lists what is there (`-r` for every key below).",
        )
    if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return AccessDenied(f"S3 refused: {code} {message}".strip())
    return RequestRefused(
        f"S3 refused the request on s3://{bucket}/{key}: {code} {message}".strip()
    )


@contextlib.contextmanager
def s3_errors(bucket: str, key: str, where: str) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise from_botocore(exc, bucket, key, where) from exc


# --- BigQuery (google-api-core) ------------------------------------------------

# "Table dplat:nods.t" (no dataset: BigQuery answers Access Denied, see above)
# and "Table dplat.ds1.nope was not found" (a dataset without that table).
_BQ_TABLE = re.compile(r"Table ([\w-]+)[:.]([\w-]+)\.([\w-]+)")
_LIST_DATASETS = (
    "`dplat sql bigquery 'SELECT schema_name FROM INFORMATION_SCHEMA.SCHEMATA'` lists the datasets."
)


def from_google(exc: Exception, where: str) -> DplatError:
    """One google-api-core error (or a transport error under it) as a dplat error."""
    from google.api_core import exceptions

    text = getattr(exc, "message", None) or str(exc)
    table = _BQ_TABLE.search(text)
    if isinstance(exc, exceptions.NotFound) and table:
        _, dataset, name = table.groups()
        return NotFound(
            f"table {dataset}.{name} does not exist",
            fix=f"`dplat sql bigquery 'SELECT table_name FROM {dataset}.INFORMATION_SCHEMA.TABLES'` "
            "lists its tables.",
        )
    if isinstance(exc, exceptions.Forbidden) and table and "does not exist" in text:
        _, dataset, name = table.groups()
        return NotFound(
            f"dataset {dataset} does not exist (or may not be read), so neither does {dataset}.{name}",
            fix=_LIST_DATASETS,
        )
    if isinstance(exc, exceptions.NotFound):
        return NotFound(f"BigQuery: {text}", fix=_LIST_DATASETS)
    if isinstance(exc, exceptions.BadRequest):
        return QueryError(
            f"BigQuery cannot run the query: {text.splitlines()[0]}",
            fix="Correct the SQL at the place named; BigQuery quotes names with backticks.",
        )
    if isinstance(exc, exceptions.Forbidden):
        return AccessDenied(f"BigQuery refused: {text}")
    if isinstance(exc, exceptions.GoogleAPICallError):
        return RequestRefused(f"BigQuery refused the request: {text}")
    return not_answering("bigquery", where, exc)


@contextlib.contextmanager
def bigquery_errors(where: str) -> Iterator[None]:
    import requests
    from google.api_core import exceptions

    try:
        yield
    except (exceptions.GoogleAPIError, requests.ConnectionError) as exc:
        raise from_google(exc, where) from exc


# --- HTTP APIs called with urllib (the agent's monitor, moto's) -------------------


@contextlib.contextmanager
def http_errors(api: str, service: str, url: str, method: str, path: str) -> Iterator[None]:
    """An HTTP error answer from ``api`` (words, e.g. "the agent's monitor API")
    becomes RequestRefused with the server's own explanation; no answer at all
    becomes StackNotRunning. ``service`` names the compose service for the fix."""
    try:
        yield
    except urllib.error.HTTPError as exc:
        body = " ".join(exc.read().decode(errors="replace").split())[:300]  # one line
        raise RequestRefused(
            f"{api} refused {method} {path}: {exc.code} {body}".strip(),
            fix=f"`dplat logs {service}` shows why.",
        ) from exc
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise not_answering(api, url, exc) from exc
