"""The mysql image, spoken to with mysql-connector-python on its published port."""

from __future__ import annotations

import mysql.connector
import pytest

from dplat.stack.mysql import MySQL

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(service_factory):
    return service_factory(MySQL)


@pytest.fixture(scope="module")
def server(running):
    return running.service


def test_the_container_is_the_declaration_published_on_loopback(running, credentials) -> None:
    attrs = running.container.get_wrapped_container().attrs
    bindings = [b for found in attrs["NetworkSettings"]["Ports"].values() for b in found or []]
    assert bindings and all(b["HostIp"] == "127.0.0.1" for b in bindings)
    assert attrs["HostConfig"]["Memory"] == 512 * 1024 * 1024  # MySQL.memory, as compose sets it
    env = dict(line.split("=", 1) for line in attrs["Config"]["Env"])
    assert MySQL.environment(credentials).items() <= env.items()


def test_create_insert_select_with_unicode(server: MySQL) -> None:
    conn = server.client()
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS people")
    cur.execute("CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(50)) CHARSET utf8mb4")
    rows = [(1, "Ada"), (2, "Søren"), (3, "東京"), (4, "emoji 🚀")]
    cur.executemany("INSERT INTO people VALUES (%s, %s)", rows)
    conn.commit()
    cur.execute("SELECT id, name FROM people ORDER BY id")
    assert cur.fetchall() == rows
    conn.close()


def test_rolled_back_transaction_leaves_no_rows(server: MySQL) -> None:
    conn = server.client()
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS ledger (id INT PRIMARY KEY)")
    cur.execute("DELETE FROM ledger")
    conn.commit()
    conn.start_transaction()
    cur.execute("INSERT INTO ledger VALUES (1), (2)")
    cur.execute("SELECT COUNT(*) FROM ledger")
    assert cur.fetchone() == (2,)
    conn.rollback()
    cur.execute("SELECT COUNT(*) FROM ledger")
    assert cur.fetchone() == (0,)
    conn.close()


def test_server_is_sized_for_a_laptop_and_in_utc(server: MySQL) -> None:
    conn = server.client()
    cur = conn.cursor()
    cur.execute("SELECT @@performance_schema, @@innodb_buffer_pool_size, @@time_zone, VERSION()")
    perf, pool, tz, version = cur.fetchone()
    assert perf == 0
    assert pool <= 128 * 1024 * 1024
    assert tz == "+00:00"
    assert version.split(".")[0].isdigit() and int(version.split(".")[0]) >= 8
    conn.close()


def test_app_user_cannot_touch_other_databases(server: MySQL) -> None:
    conn = server.client()
    cur = conn.cursor()
    with pytest.raises(mysql.connector.errors.ProgrammingError, match="denied"):
        cur.execute("CREATE DATABASE not_ours")
    conn.close()


def test_init_folder_runs_once_on_a_new_data_volume(service_factory, tmp_path) -> None:
    """compose mounts DPLAT_HOME/work/mysql-init here; scenarios may seed with it."""
    init = tmp_path / "init"
    init.mkdir()
    (init / "01-schema.sql").write_text(
        "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20));\n"
        "INSERT INTO users VALUES (1, 'ada'), (2, 'grace');\n"
    )
    init.chmod(0o755)
    (init / "01-schema.sql").chmod(0o644)
    seeded = service_factory(MySQL, volumes={str(init): "/docker-entrypoint-initdb.d"}).service
    conn = seeded.client()
    cur = conn.cursor()
    cur.execute("SELECT name FROM users ORDER BY id")
    assert cur.fetchall() == [("ada",), ("grace",)]
    conn.close()


REAL_PROGRAMS = {"mysql": "/usr/bin/mysql", "mysqladmin": "/usr/bin/mysqladmin", "mysqld": "/usr/sbin/mysqld"}


def test_first_start_puts_no_password_on_any_command_line(service_factory, credentials, tmp_path) -> None:
    """Every MySQL program the entrypoint runs goes through a wrapper that logs
    its argv (what /proc/PID/cmdline and `ps` show) before running the real one."""
    wrappers = tmp_path / "wrappers"
    wrappers.mkdir(mode=0o755)
    for name, real in REAL_PROGRAMS.items():
        wrapper = wrappers / name
        wrapper.write_text(
            f'#!/bin/sh\nprintf "%s " "{name}" "$@" >> /tmp/argv.log\necho >> /tmp/argv.log\n'
            f'exec {real} "$@"\n'
        )
        wrapper.chmod(0o755)
    path = "/dplat-wrappers:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    running = service_factory(MySQL, volumes={str(wrappers): "/dplat-wrappers"}, env={"PATH": path})
    code, output = running.container.exec(["cat", "/tmp/argv.log"])
    assert code == 0
    argv = output.decode().splitlines()
    for secret in (credentials.mysql_root_password, credentials.mysql_password):
        shown = [line.replace(secret, "<password>") for line in argv if secret in line]
        assert not shown, f"a password on a command line: {shown}"
    # The set-up ran through the wrappers (so the check above saw it): the
    # initialising server, the client sessions and the final server (the
    # image's health check follows it).
    assert any(line.startswith("mysqld --initialize-insecure") for line in argv)
    assert sum(line.startswith("mysql --socket=/tmp/init.sock") for line in argv) >= 2
    assert "mysqld" in [line.strip() for line in argv]
    # And root's password was set (by the stdin session): it opens the socket.
    wrapped = running.container.get_wrapped_container()
    root = wrapped.exec_run(["mysql", "-uroot", "-e", "SELECT CURRENT_USER()"],
                            environment={"MYSQL_PWD": credentials.mysql_root_password})
    assert root.exit_code == 0 and b"root@localhost" in root.output
    anonymous = wrapped.exec_run(["mysql", "-uroot", "-e", "SELECT 1"])
    assert anonymous.exit_code != 0 and b"Access denied" in anonymous.output
