"""Generated credentials: random, private, stable once written, never
regenerated under a stack that has data, and safe with many dplat processes."""

from __future__ import annotations

import multiprocessing
import stat
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from dplat.errors import CredentialsLost
from dplat.stack.credentials import HEADER, Credentials, load_or_create


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


def test_reading_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "credentials.env"
    first = load_or_create(path)
    before = path.stat()
    for _ in range(5):
        assert load_or_create(path, data_exists=lambda: True) == first
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )


def test_a_missing_key_is_added_by_a_rewrite_that_keeps_every_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "credentials.env"
    path.write_text("DPLAT_MYSQL_PASSWORD=keepme\nDPLAT_S3_SECRET_KEY=andme\n")
    inode = path.stat().st_ino
    creds = load_or_create(path)
    assert (creds.mysql_password, creds.s3_secret_key) == ("keepme", "andme")
    assert creds.s3_access_key.startswith("DPLAT")
    # Replaced by a rename (a new inode), private, and now complete on disk.
    assert path.stat().st_ino != inode
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Credentials.missing(Credentials.parse(path)) == []
    assert load_or_create(path) == creds


def test_a_lost_file_beside_existing_volumes_is_an_error_not_new_passwords(tmp_path: Path) -> None:
    path = tmp_path / "credentials.env"
    with pytest.raises(CredentialsLost) as caught:
        load_or_create(path, data_exists=lambda: True)
    assert str(path) in caught.value.message
    assert "dplat down -v" in caught.value.fix and "Restore" in caught.value.fix
    assert not path.exists()


@pytest.mark.parametrize("text", ["", HEADER, HEADER + "\n\n"])
def test_an_empty_file_beside_existing_volumes_is_an_error_not_new_passwords(
    tmp_path: Path, text: str
) -> None:
    # What the old truncate-then-write left after a crash: a file with no keys.
    path = tmp_path / "credentials.env"
    path.write_text(text)
    with pytest.raises(CredentialsLost) as caught:
        load_or_create(path, data_exists=lambda: True)
    assert "DPLAT_MYSQL_ROOT_PASSWORD" in caught.value.message
    assert "dplat down -v" in caught.value.fix
    assert path.read_text() == text  # nothing was generated


def test_one_key_the_volumes_depend_on_missing_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "credentials.env"
    complete = load_or_create(path).as_env()
    partial = {k: v for k, v in complete.items() if k != "DPLAT_MYSQL_PASSWORD"}
    path.write_text("".join(f"{k}={v}\n" for k, v in partial.items()))
    before = path.read_text()
    with pytest.raises(CredentialsLost) as caught:
        load_or_create(path, data_exists=lambda: True)
    assert "lacks DPLAT_MYSQL_PASSWORD," in caught.value.message
    assert path.read_text() == before
    # Without data (a new stack, or after `dplat down -v`) the key is made.
    assert load_or_create(path, data_exists=lambda: False).mysql_password


def test_a_newly_declared_services_keys_are_added_beside_existing_data(tmp_path: Path) -> None:
    # A file from before Airflow was declared: its keys live in no volume yet.
    path = tmp_path / "credentials.env"
    complete = load_or_create(path)
    older = {k: v for k, v in complete.as_env().items() if not k.startswith("DPLAT_AIRFLOW_")}
    path.write_text("".join(f"{k}={v}\n" for k, v in older.items()))
    found = load_or_create(path, data_exists=lambda: True)
    assert found.mysql_root_password == complete.mysql_root_password
    assert found.airflow_password and found.airflow_user == "admin"
    assert "airflow_password" not in Credentials.held_by_volumes()


def test_volumes_are_only_asked_about_when_a_key_they_hold_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "credentials.env"
    asked: list[bool] = []
    load_or_create(path, data_exists=lambda: asked.append(True) or False)
    load_or_create(path, data_exists=lambda: asked.append(True) or False)
    assert asked == [True]


def _hammer(path: str, start_at: float, rounds: int) -> tuple[set[str], int]:
    """Call load_or_create (and read the file) over and over; return the
    distinct root passwords seen and how many reads found an incomplete file."""
    while time.time() < start_at:
        time.sleep(0.001)
    seen: set[str] = set()
    incomplete = 0
    for _ in range(rounds):
        seen.add(load_or_create(Path(path)).mysql_root_password)
        try:
            if Credentials.missing(Credentials.parse(Path(path))):
                incomplete += 1
        except FileNotFoundError:
            incomplete += 1
    return seen, incomplete


def test_many_dplat_processes_and_threads_at_once_end_with_one_set(tmp_path: Path) -> None:
    # Before the fix every call truncated and rewrote the file: a concurrent
    # reader found it empty and generated a second set of passwords.
    path = str(tmp_path / "home" / "credentials.env")
    start_at = time.time() + 1.5  # every worker starts at once, after spawn's start-up
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(4, mp_context=context) as processes,
        ThreadPoolExecutor(4) as threads,
    ):
        futures = [processes.submit(_hammer, path, start_at, 60) for _ in range(4)]
        futures += [threads.submit(_hammer, path, start_at, 60) for _ in range(4)]
        results = [future.result() for future in futures]
    seen = set().union(*(passwords for passwords, _ in results))
    assert len(seen) == 1, f"{len(seen)} different root passwords were handed out"
    assert sum(incomplete for _, incomplete in results) == 0
    assert Credentials.parse(Path(path))["mysql_root_password"] == seen.pop()
