"""The services of the stack, in start order, and the defaults their
declarations give the rest of dplat.

A module of its own because :mod:`dplat.settings` reads the default ports and
memory limits from here: it imports no settings (the catalogue, which points
services at the resolved settings, does) and no client library (the service
modules import theirs lazily).
"""

from __future__ import annotations

from dplat.stack.agent import Agent
from dplat.stack.airflow import Airflow
from dplat.stack.base import Service
from dplat.stack.bigquery import BigQuery
from dplat.stack.mysql import MySQL
from dplat.stack.s3 import S3
from dplat.stack.s3_iam import S3Iam
from dplat.stack.spark import Spark

SERVICE_CLASSES: tuple[type[Service], ...] = (MySQL, S3, BigQuery, Agent, S3Iam, Airflow, Spark)
"""Start order: the agent after the stores it writes to; on-demand services last."""


def default_ports() -> dict[str, int]:
    """Host port per endpoint name, before the offset."""
    return {e.name: e.default_port for cls in SERVICE_CLASSES for e in cls.endpoints}


def default_memory() -> dict[str, str]:
    """Memory limit per service (and companion) settings key."""
    limits = {cls.settings_key(): cls.memory for cls in SERVICE_CLASSES}
    for cls in SERVICE_CLASSES:
        limits.update({c.settings_key(): c.memory for c in cls.companions})
    return limits
