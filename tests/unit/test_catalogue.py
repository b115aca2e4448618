"""The catalogue: the everyday stack, and on-demand services only when asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from dplat.errors import SettingsError
from dplat.settings import resolve
from dplat.stack import catalogue
from dplat.stack.credentials import Credentials


def names(tmp_path: Path, include: tuple[str, ...] = ()) -> list[str]:
    settings = resolve({"home": str(tmp_path)}, env={})
    return [s.name for s in catalogue.services(settings, Credentials.generate(), include)]


def test_the_everyday_stack_leaves_out_on_demand_services(tmp_path: Path) -> None:
    assert names(tmp_path) == ["mysql", "s3", "bigquery", "agent"]
    assert catalogue.on_demand_names() == ["s3-iam", "airflow", "spark"]
    assert catalogue.on_demand(["s3", "s3-iam", "bigquery"]) == ["s3-iam"]
    assert catalogue.on_demand(["airflow", "mysql"]) == ["airflow"]
    assert catalogue.on_demand(["spark", "mysql"]) == ["spark"]


def test_an_included_on_demand_service_comes_last_with_its_port(tmp_path: Path) -> None:
    assert names(tmp_path, ("s3-iam",)) == ["mysql", "s3", "bigquery", "agent", "s3-iam"]
    settings = resolve({"home": str(tmp_path), "port_offset": 7}, env={})
    found = catalogue.by_name(settings, Credentials.generate(), "s3-iam")
    assert found.url() == "http://127.0.0.1:9017"
    both = names(tmp_path, ("airflow", "s3-iam"))
    assert both == ["mysql", "s3", "bigquery", "agent", "s3-iam", "airflow"]
    assert catalogue.by_name(settings, Credentials.generate(), "airflow").url() == (
        "http://127.0.0.1:8087"
    )


def test_an_unknown_on_demand_service_is_an_error_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        names(tmp_path, ("mysql", "s3-iam"))
    assert "mysql" in caught.value.message and "s3-iam" in (caught.value.fix or "")
