"""Credentials for the stack: generated once, kept in DPLAT_HOME/credentials.env.

Random values, never root/root, file mode 0600. They are handed to the
containers as environment and to the host's clients; they are shown by `up`,
`status` and `env` (a sandbox's user needs them) but never logged.
"""

from __future__ import annotations

import os
import secrets
import string
from dataclasses import asdict, dataclass
from pathlib import Path

_ALPHABET = string.ascii_letters + string.digits


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Credentials:
    mysql_database: str
    mysql_user: str
    mysql_password: str
    mysql_root_password: str
    s3_access_key: str
    s3_secret_key: str
    bigquery_project: str

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
        )

    def as_env(self) -> dict[str, str]:
        """``DPLAT_MYSQL_PASSWORD=...`` style, as stored and as compose reads them."""
        return {f"DPLAT_{key.upper()}": value for key, value in asdict(self).items()}

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("# dplat's generated credentials; keep this file private.\n")
            for key, value in self.as_env().items():
                out.write(f"{key}={value}\n")
        os.chmod(path, 0o600)

    @classmethod
    def read(cls, path: Path) -> Credentials:
        values: dict[str, str] = {}
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip().removeprefix("DPLAT_").lower()] = value.strip()
        fresh = asdict(cls.generate())
        # A file from an older dplat may lack a field: fill it, keep the rest.
        return cls(**{key: values.get(key, fresh[key]) for key in fresh})


def load_or_create(path: Path) -> Credentials:
    """The stack's credentials, generating and saving them on first use."""
    creds = Credentials.read(path) if path.exists() else Credentials.generate()
    creds.write(path)
    return creds
