"""The compose files render, with ports on loopback and secrets from the environment.

`docker compose config` needs the compose plugin but no daemon.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dplat.engine import compose
from dplat.settings import resolve
from dplat.stack.airflow import Airflow
from dplat.stack.credentials import Credentials

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI")


def render(tmp_path: Path, images: str, profiles: str = "") -> dict:
    settings = resolve({"home": str(tmp_path), "images": images, "port_offset": 100}, env={})
    creds = Credentials.generate()
    argv = compose.command(settings, "config", "--format", "json")
    env = {**os.environ, **compose.variables(settings, creds), "COMPOSE_PROFILES": profiles}
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    return {"config": json.loads(out), "creds": creds}


@pytest.mark.parametrize("images", ["local", "upstream"])
def test_every_port_is_published_on_loopback_with_offset(tmp_path: Path, images: str) -> None:
    config = render(tmp_path, images)["config"]
    published = []
    for service in config["services"].values():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1"
            published.append(int(port["published"]))
    assert sorted(set(published)) == sorted({3406, 9100, 9150, 24324, 9980, 24320})


def test_local_set_uses_our_images_and_limits(tmp_path: Path) -> None:
    rendered = render(tmp_path, "local")
    services = rendered["config"]["services"]
    assert {s["image"] for s in services.values()} == {
        "dplat/mysql:local", "dplat/s3:local", "dplat/bigquery:local", "dplat/agent:local"
    }
    assert services["mysql"]["mem_limit"] == str(512 * 1024 * 1024)
    assert services["mysql"]["environment"]["MYSQL_PASSWORD"] == rendered["creds"].mysql_password
    assert services["agent"]["volumes"][0]["source"] == str(tmp_path / "work")


def test_upstream_set_swaps_images_but_keeps_our_agent_and_own_volumes(tmp_path: Path) -> None:
    rendered = render(tmp_path, "upstream")
    config = rendered["config"]
    images = {name: s["image"] for name, s in config["services"].items()}
    assert images == {
        "mysql": "mysql:8.4",
        "s3": "minio/minio:RELEASE.2025-09-07T16-13-09Z",
        "bigquery": "ghcr.io/goccy/bigquery-emulator:0.6.6",
        "agent": "dplat/agent:local",
    }
    assert config["services"]["s3"]["environment"]["MINIO_ROOT_USER"] == rendered["creds"].s3_access_key
    assert {v["name"] for v in config["volumes"].values()} == {
        "dplat_mysql-upstream", "dplat_s3-upstream", "dplat_bigquery-upstream"
    }


@pytest.mark.parametrize(
    ("images", "image"), [("local", "dplat/s3-iam:local"), ("upstream", "motoserver/moto:5.2.5")]
)
def test_on_demand_service_only_with_its_profile(tmp_path: Path, images: str, image: str) -> None:
    assert "s3-iam" not in render(tmp_path, images)["config"]["services"]
    service = render(tmp_path, images, profiles="on-demand")["config"]["services"]["s3-iam"]
    assert service["image"] == image
    assert [(p["host_ip"], int(p["published"]), p["target"]) for p in service["ports"]] == [
        ("127.0.0.1", 9110, 5000)
    ]
    # Enforcement from the first call, in both sets (moto's default is never).
    assert service["environment"]["INITIAL_NO_AUTH_ACTION_COUNT"] == "0"


@pytest.mark.parametrize("images", ["local", "upstream"])
def test_airflow_is_ours_on_demand_with_the_lessons_dag_folder(tmp_path: Path, images: str) -> None:
    assert "airflow" not in render(tmp_path, images)["config"]["services"]
    rendered = render(tmp_path, images, profiles="on-demand")
    config, creds = rendered["config"], rendered["creds"]
    service = config["services"]["airflow"]
    # Ours in both sets: the official image knows nothing of the stack's admin.
    assert service["image"] == "dplat/airflow:local"
    assert [(p["host_ip"], int(p["published"]), p["target"]) for p in service["ports"]] == [
        ("127.0.0.1", 8180, 8080)
    ]
    # The admin, and the stack's services as a DAG's tasks reach them (by name).
    assert service["environment"] == Airflow.environment(creds)
    assert service["environment"]["AIRFLOW_ADMIN_PASSWORD"] == creds.airflow_password
    assert service["environment"]["AWS_ENDPOINT_URL_S3"] == "http://s3:9000"
    mounts = {v["target"]: v for v in service["volumes"]}
    dags = mounts["/opt/airflow/dags"]
    assert (dags["source"], dags.get("read_only")) == (str(tmp_path / "work/airflow/dags"), True)
    assert config["volumes"][mounts["/opt/airflow"]["source"]]["name"] == f"dplat_airflow-{images}"


@pytest.mark.parametrize("images", ["local", "upstream"])
def test_every_service_has_a_log_size_cap(tmp_path: Path, images: str) -> None:
    services = render(tmp_path, images, profiles="on-demand")["config"]["services"]
    assert set(services) == {"mysql", "s3", "bigquery", "agent", "s3-iam", "airflow", "spark", "spark-worker"}
    for name, service in services.items():
        logging = service.get("logging") or {}
        assert logging.get("driver") == "json-file", name
        assert logging["options"] == {"max-size": "10m", "max-file": "3"}, name


def test_every_upstream_image_is_pinned_to_a_release(tmp_path: Path) -> None:
    services = render(tmp_path, "upstream", profiles="on-demand")["config"]["services"]
    pins = {name: service["image"] for name, service in services.items()}
    assert pins == {
        "mysql": "mysql:8.4",
        "s3": "minio/minio:RELEASE.2025-09-07T16-13-09Z",
        "bigquery": "ghcr.io/goccy/bigquery-emulator:0.6.6",
        "agent": "dplat/agent:local",
        "s3-iam": "motoserver/moto:5.2.5",
        "airflow": "dplat/airflow:local",
        # No official image runs a standalone cluster with Spark Connect as
        # one service: both sets use ours (its files are the lake's either way).
        "spark": "dplat/spark:local",
        "spark-worker": "dplat/spark:local",
    }
    for image in pins.values():
        _, _, tag = image.rpartition(":")
        assert tag and "/" not in tag and tag != "latest", image
