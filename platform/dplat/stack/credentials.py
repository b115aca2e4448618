"""Credentials for the stack: generated once, kept in DPLAT_HOME/credentials.env.

Random values, never root/root, file mode 0600. They are handed to the
containers as environment and to the host's clients; they are shown by `up`,
`status` and `env` (a sandbox's user needs them) but never logged.

The file must never change under a running stack: MySQL stores the passwords
in its data volume on first start, so new values would lock everyone out.
Hence:

- reading never writes;
- every write (the first creation, or adding the keys of a field a newer dplat
  declares) happens under an exclusive lock (``credentials.env.lock`` beside
  it), re-reads the file under that lock, and replaces it atomically (a
  temporary file, fsync, rename), so a reader sees the old file or the new
  one, never an empty or half-written one;
- an existing key is never changed;
- when a key the data volumes were made with is missing (the file is gone,
  empty, or lost a line) while the stack's volumes still hold data, nothing is
  generated: :class:`~dplat.errors.CredentialsLost` says what to do. Only keys
  no volume depends on (a newly declared service's) are ever added beside
  existing data.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import string
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from dplat.errors import CredentialsLost

_ALPHABET = string.ascii_letters + string.digits
HEADER = "# dplat's generated credentials; keep this file private.\n"


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _key(field_name: str) -> str:
    return f"DPLAT_{field_name.upper()}"


def _in_volume() -> Any:
    """A field whose value the data volumes were made with: MySQL stores its
    users' passwords, the S3 store its keys, the BigQuery emulator its data
    under the project id, all on first start. Losing one locks that data out."""
    return field(metadata={"in_volume": True})


@dataclass(frozen=True)
class Credentials:
    mysql_database: str = _in_volume()
    mysql_user: str = _in_volume()
    mysql_password: str = _in_volume()
    mysql_root_password: str = _in_volume()
    s3_access_key: str = _in_volume()
    s3_secret_key: str = _in_volume()
    bigquery_project: str = _in_volume()
    airflow_user: str
    """The admin of the on-demand Airflow (web UI and REST API). Airflow's
    image writes the admin's password from the environment at every start,
    so its volume does not hold these: they may be added beside old data."""
    airflow_password: str

    @classmethod
    def generate(cls) -> Credentials:
        return cls(
            mysql_database="dplat",
            mysql_user="dplat",
            mysql_password=_token(24),
            mysql_root_password=_token(24),
            s3_access_key="DPLAT" + _token(15).upper(),
            s3_secret_key=_token(40),
            bigquery_project="dplat",
            airflow_user="admin",
            airflow_password=_token(24),
        )

    def as_env(self) -> dict[str, str]:
        """``DPLAT_MYSQL_PASSWORD=...`` style, as stored and as compose reads them."""
        return {_key(name): value for name, value in asdict(self).items()}

    @classmethod
    def parse(cls, path: Path) -> dict[str, str]:
        """The fields the file holds (by field name); it is only read."""
        values: dict[str, str] = {}
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip().removeprefix("DPLAT_").lower()] = value.strip()
        return values

    @classmethod
    def missing(cls, values: dict[str, str]) -> list[str]:
        return [f.name for f in fields(cls) if not values.get(f.name)]

    @classmethod
    def held_by_volumes(cls) -> list[str]:
        """The fields the data volumes depend on (never regenerated beside data)."""
        return [f.name for f in fields(cls) if f.metadata.get("in_volume")]


def _write_atomically(path: Path, credentials: Credentials) -> None:
    """Replace ``path`` in one step: a private temporary file beside it, renamed."""
    fd, temporary = tempfile.mkstemp(prefix=".credentials-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:  # mkstemp makes it 0600 already
            out.write(HEADER)
            for key, value in credentials.as_env().items():
                out.write(f"{key}={value}\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock that serialises every writer of ``path``
    (threads and processes alike: each takes it on its own open file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def complete(path: Path) -> Credentials | None:
    """The credentials when the file exists and holds every field, else None."""
    try:
        values = Credentials.parse(path)
    except FileNotFoundError:
        return None
    if Credentials.missing(values):
        return None
    return Credentials(**{f.name: values[f.name] for f in fields(Credentials)})


def load_or_create(path: Path, data_exists: Callable[[], bool] = lambda: False) -> Credentials:
    """The stack's credentials, generating and saving them on first use.

    ``data_exists`` answers whether the stack already has data volumes; it is
    asked only when a key the volumes depend on is missing (the file is gone,
    or empty or partial: what the old truncate-then-write left after a crash),
    and a yes raises CredentialsLost rather than making passwords the volumes
    do not know. Other missing keys (a newly declared service's) are added.
    """
    found = complete(path)
    if found is not None:
        return found  # the everyday path: a plain read, no lock, no write
    with _locked(path):
        found = complete(path)  # another process may have finished first
        if found is not None:
            return found
        try:
            values: dict[str, str] | None = Credentials.parse(path)
        except FileNotFoundError:
            values = None
        lost = [name for name in Credentials.held_by_volumes() if not (values or {}).get(name)]
        if lost and data_exists():
            what = "is gone" if values is None else "lacks " + ", ".join(map(_key, lost))
            raise CredentialsLost(
                f"{path} {what}, but the stack's volumes still hold data made "
                "with the credentials it held",
            )
        fresh = asdict(Credentials.generate())
        # Keys a newer dplat declares are added; the ones present are kept as they are.
        kept = values or {}
        credentials = Credentials(**{name: kept.get(name) or fresh[name] for name in fresh})
        _write_atomically(path, credentials)
        return credentials
