"""Generated credentials: random, private, stable once written."""

from __future__ import annotations

import stat
from pathlib import Path

from dplat.stack.credentials import Credentials, load_or_create


def test_generated_values_are_random_and_not_defaults() -> None:
    a, b = Credentials.generate(), Credentials.generate()
    assert a.mysql_password != b.mysql_password
    assert a.s3_secret_key != b.s3_secret_key
    assert a.mysql_root_password not in ("root", "", a.mysql_password)
    assert len(a.mysql_password) >= 20


def test_file_is_private_and_reread_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "home" / "credentials.env"
    first = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path) == first
    assert f"DPLAT_MYSQL_PASSWORD={first.mysql_password}" in path.read_text()


def test_missing_field_in_old_file_is_filled_and_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "credentials.env"
    path.write_text("DPLAT_MYSQL_PASSWORD=keepme\n")
    creds = load_or_create(path)
    assert creds.mysql_password == "keepme"
    assert creds.s3_access_key.startswith("DPLAT")
