"""`dplat up`, `status`, `env`, `down` against the real engine and images."""

from __future__ import annotations

import json
import socket

import boto3
import docker
import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from dplat.stack import catalogue
from tests.e2e.conftest import PORT_OFFSET, PROJECT, Stack

pytestmark = pytest.mark.e2e


def test_status_json_reports_every_service_ready(stack: Stack) -> None:
    result = stack.cli("status", "-o", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)  # stdout holds the JSON alone
    assert found["project"] == PROJECT and found["ready"] is True
    services = {s["name"]: s for s in found["services"]}
    # The everyday stack, plus the on-demand services (s3-iam, spark...) that
    # lessons of the suite started.
    assert set(services) - set(catalogue.on_demand_names()) == {"mysql", "s3", "bigquery", "agent"}
    assert all(s["ready"] and s["state"] == "running" for s in services.values()), services


def test_each_service_answers_its_official_client_on_its_port(stack: Stack) -> None:
    creds = stack.service("mysql").credentials
    conn = stack.service("mysql").client()
    cur = conn.cursor()
    cur.execute("SELECT DATABASE()")
    assert cur.fetchone() == (creds.mysql_database,)
    conn.close()

    s3 = boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{9000 + PORT_OFFSET}", region_name="us-east-1",
        aws_access_key_id=creds.s3_access_key, aws_secret_access_key=creds.s3_secret_key,
    )
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {"datastaging", "datastore"} <= buckets

    bq = bigquery.Client(
        project=creds.bigquery_project, credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=f"http://127.0.0.1:{9050 + PORT_OFFSET}"),
    )
    assert [tuple(r.values()) for r in bq.query("SELECT 1 + 1 AS two").result()] == [(2,)]

    plugins = stack.service("agent").monitor()["plugins"]
    assert {p["type"] for p in plugins} >= {"forward", "monitor_agent", "file"}


def test_env_prints_exports_for_the_clients(stack: Stack) -> None:
    result = stack.cli("env")
    assert result.exit_code == 0
    assert f"export AWS_ENDPOINT_URL_S3=http://127.0.0.1:{9000 + PORT_OFFSET}" in result.output
    assert f"export MYSQL_TCP_PORT={3306 + PORT_OFFSET}" in result.output


def test_up_again_is_idempotent(stack: Stack) -> None:
    engine = docker.from_env()
    label = {"label": f"com.docker.compose.project={PROJECT}"}
    before = {c.id for c in engine.containers.list(filters=label)}
    result = stack.cli("up")
    assert result.exit_code == 0, result.output
    assert {c.id for c in engine.containers.list(filters=label)} == before


def test_up_with_a_taken_port_names_the_port_and_the_fix(stack: Stack) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        other = stack.runner.invoke(
            stack_app(), ["--home", str(stack.home / "other"), "up"],
            env={"DPLAT_PROJECT": "dplat-e2e-blocked", "DPLAT_PORT_MYSQL": str(port)},
        )
    finally:
        blocker.close()
    assert other.exit_code == 1
    assert f"port {port} (mysql) is held by" in other.output
    assert "--port-offset" in other.output


def stack_app():
    from dplat.cli import app

    return app


def test_down_v_leaves_nothing_with_the_project_label(tmp_path) -> None:
    """A stack of its own, so this test does not depend on the others' order."""
    from typer.testing import CliRunner

    from dplat.cli import app
    from tests.e2e.conftest import free_offset, sweep

    project = "dplat-e2e-down"
    env = {"DPLAT_PROJECT": project, "DPLAT_PORT_OFFSET": str(free_offset(PORT_OFFSET + 1000))}
    runner = CliRunner()
    try:
        up = runner.invoke(app, ["--home", str(tmp_path), "up", "--timeout", "180"], env=env)
        assert up.exit_code == 0, up.output
        down = runner.invoke(app, ["--home", str(tmp_path), "down", "-v"], env=env)
        assert down.exit_code == 0, down.output
        assert "4 container(s)" in down.output
        engine = docker.from_env()
        label = {"label": f"com.docker.compose.project={project}"}
        assert engine.containers.list(all=True, filters=label) == []
        assert engine.networks.list(filters=label) == []
        assert engine.volumes.list(filters=label) == []
    finally:
        sweep(project)


@pytest.mark.upstream
def test_the_upstream_set_runs_official_images_beside_our_agent(stack: Stack) -> None:
    """Opt-in (DPLAT_TEST_IMAGES=upstream; pulling needs a registry, which the
    build hosts lack): the stack this tier ran against really is the official
    images, so the other e2e tests checked the code against them."""
    project = {"label": f"com.docker.compose.project={PROJECT}"}
    images = {c.labels["com.docker.compose.service"]: c.attrs["Config"]["Image"]
              for c in docker.from_env().containers.list(filters=project)}
    assert images["agent"] == "dplat/agent:local"
    official = {name: image for name, image in images.items() if name != "agent"}
    assert {"mysql", "s3", "bigquery"} <= set(official)
    assert not [image for image in official.values() if image.startswith("dplat/")], images
