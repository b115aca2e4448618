"""The spark service's declaration and probe, without a cluster.

The probe reads the master's JSON (the shape Spark's standalone master serves
at /json/: core/src/main/scala/org/apache/spark/deploy/JsonProtocol.scala in
apache/spark, ``writeMasterState``); here a real HTTP server on loopback
answers with such documents, so each "not ready yet" the probe must see is
checked. The real master is checked in tests/integration/test_spark.py.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dplat import resources
from dplat.errors import SettingsError
from dplat.settings import DEFAULT_MEMORY, resolve
from dplat.stack import spark as spark_module
from dplat.stack.credentials import Credentials
from dplat.stack.declarations import SERVICE_CLASSES
from dplat.stack.spark import CONNECT_APP_NAME, Spark

WORKER = {"id": "worker-1", "host": "172.20.0.3", "state": "ALIVE", "cores": 2, "coresused": 2}
CONNECT_APP = {"id": "app-1", "name": CONNECT_APP_NAME, "state": "RUNNING", "cores": 2}


def master_json(**changes: Any) -> dict[str, Any]:
    state = {"url": "spark://172.20.0.2:7077", "status": "ALIVE", "aliveworkers": 1,
             "workers": [WORKER], "activeapps": [CONNECT_APP]}
    return {**state, **changes}


class FakeMaster:
    """Serves ``document`` at /json/ as the master's UI does."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = master_json()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(owner.document).encode()
                self.send_response(200 if self.path == "/json/" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def master() -> Iterator[FakeMaster]:
    fake = FakeMaster()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def pointed_at(master: FakeMaster) -> Spark:
    ports = {"spark_connect": closed_port(), "spark_ui": master.port, "spark_app_ui": closed_port()}
    return Spark(Credentials.generate(), ports)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"status": "STANDBY"}, "not ALIVE"),
        ({"aliveworkers": 0, "workers": []}, "no worker"),
        ({"activeapps": []}, CONNECT_APP_NAME),
        ({"activeapps": [{**CONNECT_APP, "state": "WAITING"}]}, CONNECT_APP_NAME),
    ],
)
def test_the_probe_fails_until_master_worker_and_connect_app_are_up(
    master: FakeMaster, changes: dict[str, Any], expected: str
) -> None:
    master.document = master_json(**changes)
    with pytest.raises(RuntimeError, match=expected):
        pointed_at(master).probe()


def test_with_the_client_the_probe_also_needs_the_connect_server(
    master: FakeMaster, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("grpc")
    monkeypatch.setattr(spark_module, "client_installed", lambda: True)
    # The master is ready, but nothing listens on the Connect port.
    with pytest.raises(RuntimeError, match="does not answer"):
        pointed_at(master).probe()


def test_without_the_client_the_masters_view_is_the_probe(
    master: FakeMaster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spark_module, "client_installed", lambda: False)
    pointed_at(master).probe()  # passes: master, worker and Connect app are up
    with pytest.raises(SettingsError) as caught:
        pointed_at(master).client()
    assert "dplat[spark]" in (caught.value.fix or "")


def test_the_application_is_the_connect_servers() -> None:
    assert CONNECT_APP_NAME in (resources.images_dir() / "spark" / "spark-node").read_text()


def test_ports_are_declared_once_and_clash_with_no_other_service() -> None:
    ours = {e.default_port for e in Spark.endpoints}
    others = {e.default_port for cls in SERVICE_CLASSES if cls is not Spark for e in cls.endpoints}
    assert len(ours) == len(Spark.endpoints) and not ours & others
    # The Connect port is the one the image's defaults bind.
    defaults = (resources.images_dir() / "spark" / "conf" / "spark-defaults.conf").read_text()
    bound = [line.split()[1] for line in defaults.splitlines()
             if line.startswith("spark.connect.grpc.binding.port")]
    assert bound == [str(Spark.endpoints[0].container_port)]


def test_the_worker_has_its_own_memory_setting(tmp_path: Any) -> None:
    (worker,) = Spark.companions
    assert DEFAULT_MEMORY["spark_worker"] == worker.memory
    settings = resolve({"home": str(tmp_path)}, env={"DPLAT_MEMORY_SPARK_WORKER": "900m"})
    assert settings.memory["spark_worker"] == "900m"
    assert Spark.compose_names() == ["spark", "spark-worker"]


def test_exports_point_the_client_at_connect(tmp_path: Any) -> None:
    settings = resolve({"home": str(tmp_path), "port_offset": 3}, env={})
    spark = Spark(Credentials.generate(), {e.name: settings.port(e.name) for e in Spark.endpoints})
    assert spark.exports()["SPARK_REMOTE"] == "sc://127.0.0.1:15005"
    assert spark.connection_info()["master UI"] == "http://127.0.0.1:9083"
    assert Spark.environment(Credentials.generate()) == {"SPARK_MASTER_URL": "spark://spark:7077"}
