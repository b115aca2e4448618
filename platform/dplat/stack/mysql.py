"""MySQL: the operational database that lessons extract data from."""

from __future__ import annotations

from typing import Any

from dplat.stack.base import Build, Endpoint, Service
from dplat.stack.credentials import Credentials


class MySQL(Service):
    name = "mysql"
    build = Build("sid", uses_shared=False)  # sid: the one suite that packages Oracle's server
    endpoints = (Endpoint("mysql", 3306, 3306, "mysql", "MySQL"),)
    memory = "512m"
    secret_info = frozenset({"password"})

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        # The official image's variable names, so both image sets read the same.
        return {
            "MYSQL_DATABASE": credentials.mysql_database,
            "MYSQL_USER": credentials.mysql_user,
            "MYSQL_PASSWORD": credentials.mysql_password,
            "MYSQL_ROOT_PASSWORD": credentials.mysql_root_password,
        }

    def client(self, **kwargs: Any) -> Any:
        """A mysql-connector-python connection as the application user."""
        import mysql.connector

        options = {
            "host": self.host,
            "port": self.port(),
            "user": self.credentials.mysql_user,
            "password": self.credentials.mysql_password,
            "database": self.credentials.mysql_database,
            "connection_timeout": 5,
            **kwargs,
        }
        return mysql.connector.connect(**options)

    def probe(self) -> None:
        connection = self.client()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                raise RuntimeError("SELECT 1 did not return 1")
        finally:
            connection.close()

    def connection_info(self) -> dict[str, str]:
        c = self.credentials
        return {
            "url": f"mysql://{c.mysql_user}@{self.host}:{self.port()}/{c.mysql_database}",
            "user": c.mysql_user,
            "password": c.mysql_password,
            "database": c.mysql_database,
        }

    def exports(self) -> dict[str, str]:
        c = self.credentials
        return {
            "MYSQL_HOST": self.host,
            "MYSQL_TCP_PORT": str(self.port()),
            "MYSQL_USER": c.mysql_user,
            "MYSQL_PWD": c.mysql_password,
            "MYSQL_DATABASE": c.mysql_database,
        }
