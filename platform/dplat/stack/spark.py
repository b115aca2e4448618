"""spark: a standalone Spark cluster with Spark Connect, on demand."""

from __future__ import annotations

from typing import Any

from dplat.stack.base import Build, Endpoint, Service
from dplat.stack.credentials import Credentials


class Spark(Service):
    name = "spark"
    build = Build("bookworm")
    endpoints = (
        Endpoint("spark_connect", 15002, 15002, "sc", "Spark Connect"),
        Endpoint("spark_ui", 8080, 9080, "http", "Spark master UI"),
    )
    memory = "1g"
    on_demand = True

    @classmethod
    def environment(cls, credentials: Credentials) -> dict[str, str]:
        return {}

    def probe(self) -> None:
        raise NotImplementedError

    def client(self) -> Any:
        raise NotImplementedError

    def connection_info(self) -> dict[str, str]:
        return {}
