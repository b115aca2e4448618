"""`dplat ui`'s safety, through aiohttp's own test client on a real socket:
the Host check (DNS rebinding), the session token and Origin on every POST,
credentials kept out of the page until revealed, and one long action at a time.

No engine is needed: the requests checked here are refused before a core
function runs, or read only settings and the credentials file. The lesson
run for the "twice at once" case is a stand-in that waits on an event: what
is under test is the console's refusal of a second start, not the lesson.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from dplat.scenario import catalog
from dplat.settings import resolve
from dplat.stack import catalogue
from dplat.stack.credentials import load_or_create
from dplat.ui.server import make_app

TOKEN = "test-token-0123456789"


def run_with_client(
    home: Path, check: Callable[[TestClient, int], Awaitable[None]], **options: Any
) -> None:
    """Serve the console on a free loopback port and run ``check`` against it."""

    async def main() -> None:
        settings = resolve({"home": str(home)}, env={"DPLAT_PROJECT": "dplat-ui-unit"})
        server = TestServer(make_app(settings, TOKEN, **options), host="127.0.0.1")
        async with TestClient(server) as client:
            await check(client, server.port)

    asyncio.run(main())


def test_a_foreign_host_header_is_refused_before_any_page(tmp_path: Path) -> None:
    async def check(client: TestClient, port: int) -> None:
        for host in (f"evil.example:{port}", "127.0.0.1:1", "localhost", f"rebound.example:{port}"):
            answer = await client.get("/static/style.css", headers={"Host": host})
            assert answer.status == 421, host
            assert "is not this console" in await answer.text()
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            answer = await client.get("/static/style.css", headers={"Host": host})
            assert answer.status == 200, host

    run_with_client(tmp_path, check)


def test_every_post_needs_the_token_and_the_console_origin(tmp_path: Path) -> None:
    async def check(client: TestClient, port: int) -> None:
        reveal = "/api/reveal/mysql"
        missing = await client.post(reveal)
        assert missing.status == 403
        assert "token is missing or wrong" in await missing.text()
        assert (await client.post(reveal, headers={"X-Dplat-Token": "guess"})).status == 403
        # A token with non-ASCII text is a wrong token, not a server error.
        odd = await client.post(reveal, data={"token": "jeton-é"})
        assert odd.status == 403
        foreign = await client.post(
            reveal, headers={"X-Dplat-Token": TOKEN, "Origin": "http://evil.example"}
        )
        assert foreign.status == 403
        assert "http://evil.example" in await foreign.text()
        # A form from another site cannot carry the token either.
        form = await client.post("/data/sql", data={"engine": "mysql", "query": "DROP TABLE x"})
        assert form.status == 403
        assert (await client.put(reveal, headers={"X-Dplat-Token": TOKEN})).status == 405
        own = await client.post(
            reveal, headers={"X-Dplat-Token": TOKEN, "Origin": f"http://127.0.0.1:{port}"}
        )
        assert own.status == 200
        password = load_or_create(tmp_path / "credentials.env").mysql_password
        assert await own.json() == {"password": password}

    run_with_client(tmp_path, check)


# The Credentials fields a page may show as they are: names, not secrets.
# Every other field is a credential, so a field added later is masked-checked
# without this test changing.
NAMES = {"mysql_database", "mysql_user", "bigquery_project", "airflow_user"}


@dataclass
class Container:
    """What lifecycle.status reads of a container (a stopped one: no probe, no stats)."""

    status: str
    attrs: dict[str, Any]


def stack_of_containers(monkeypatch: Any, states: dict[str, str]) -> None:
    """The engine, as lifecycle.status asks it, answering with these containers."""
    from dplat.stack import lifecycle

    monkeypatch.setattr(lifecycle.daemon, "client", lambda: object())
    monkeypatch.setattr(lifecycle, "memory_in_use", lambda container: None)
    monkeypatch.setattr(
        lifecycle, "containers", lambda engine, project: {n: Container(s, {}) for n, s in states.items()}
    )


def test_no_credential_is_in_the_overview_until_revealed(tmp_path: Path, monkeypatch: Any) -> None:
    """Every service, on-demand ones too, through the real `dplat status` core:
    no value of the stack's credentials appears in the Overview or its
    services' part, whichever service shows it; reveal gives each one back."""
    credentials = load_or_create(tmp_path / "credentials.env")
    values = {f.name: getattr(credentials, f.name) for f in fields(credentials) if f.name not in NAMES}
    assert len(values) >= 5 and all(len(v) >= 15 for v in values.values())  # random, so findable
    every = [cls.name for cls in catalogue.service_classes()]
    stack_of_containers(monkeypatch, dict.fromkeys(every, "exited"))
    revealed: set[str] = set()

    async def check(client: TestClient, port: int) -> None:
        for path in ("/", "/services"):
            for headers in ({}, {"X-Dplat-Fragment": "1"}):
                shown = await (await client.get(path, headers=headers)).text()
                for name, value in values.items():
                    assert value not in shown, (path, name)
        shown = await (await client.get("/services", headers={"X-Dplat-Fragment": "1"})).text()
        assert all(f"<b>{name}</b>" in shown for name in every)
        for service in set(re.findall(r'class="reveal" data-service="([^"]+)"', shown)):
            answer = await client.post(f"/api/reveal/{service}", headers={"X-Dplat-Token": TOKEN})
            revealed.update((await answer.json()).values())

    run_with_client(tmp_path, check)
    assert set(values.values()) <= revealed | {credentials.mysql_root_password}


def test_an_on_demand_container_that_exists_can_be_stopped(tmp_path: Path, monkeypatch: Any) -> None:
    """**stop NAME** whenever its container exists (`dplat down NAME` removes an
    exited or paused one too); **start NAME** unless it runs."""
    load_or_create(tmp_path / "credentials.env")
    stack_of_containers(monkeypatch, {"airflow": "exited", "spark": "paused", "s3-iam": "running"})
    found: dict[str, list[str]] = {}

    async def check(client: TestClient, port: int) -> None:
        shown = await (await client.get("/services", headers={"X-Dplat-Fragment": "1"})).text()
        for action, name in re.findall(r'data-action="(up|down)" data-with="([^"]+)"', shown):
            found.setdefault(name, []).append(action)

    run_with_client(tmp_path, check)
    assert found == {"airflow": ["up", "down"], "spark": ["up", "down"], "s3-iam": ["down"]}


def test_the_overview_answers_before_asking_the_engine(tmp_path: Path, monkeypatch: Any) -> None:
    """GET / is the controls and a place for the services: it asks neither the
    engine nor a service, so its first paint does not wait for them."""
    from dplat.stack import lifecycle

    def never(*args: Any) -> None:
        raise AssertionError("the overview's shell asked the engine")

    monkeypatch.setattr(lifecycle, "overview", never)

    async def check(client: TestClient, port: int) -> None:
        shown = await (await client.get("/")).text()
        assert 'id="services" data-src="/services"' in shown and "Start the stack" in shown

    run_with_client(tmp_path, check)


def test_each_service_declares_its_credentials(tmp_path: Path) -> None:
    credentials = load_or_create(tmp_path / "credentials.env")
    settings = resolve({"home": str(tmp_path)}, env={})
    declared = {
        s.name: s.secret_info
        for s in catalogue.services(settings, credentials, catalogue.on_demand_names())
        if s.secret_info
    }
    assert declared == {
        "mysql": {"password"},
        "s3": {"access_key", "secret_key"},
        "airflow": {"password"},
    }


@dataclass
class Report:
    passed: bool = True


def test_a_second_long_action_is_refused_while_one_runs(tmp_path: Path) -> None:
    release = threading.Event()
    started: list[str] = []

    def starter(settings: Any, name: str, explain: bool):
        def start(reporter: Any, stack_progress: Callable[[str], None]) -> Report:
            started.append(f"{name}{' --explain' if explain else ''}")
            stack_progress("checking the stack")
            release.wait(10)
            return Report()

        return start

    first, other = (s.name for s in catalog.all_scenarios()[:2])
    headers = {"X-Dplat-Token": TOKEN}

    async def check(client: TestClient, port: int) -> None:
        assert (await client.post(f"/lessons/{first}/run?explain=1", headers=headers)).status == 202
        for name in (first, other):
            again = await client.post(f"/lessons/{name}/run", headers=headers)
            assert again.status == 409, name
            assert (await again.json())["running"] == f"lesson {first}"
        unknown = await client.post("/lessons/no-such-lesson/run", headers=headers)
        assert unknown.status == 404
        assert "no scenario named" in (await unknown.json())["error"]
        release.set()
        stream = await (await client.get(f"/lessons/{first}/events")).text()
        assert "event: stack\ndata: <li class=\"stack\">checking the stack</li>" in stream
        assert 'event: end\ndata: <li class="end ok">passed</li>' in stream
        # Once it ended, the next run may start.
        assert (await client.post(f"/lessons/{other}/run", headers=headers)).status == 202
        await (await client.get(f"/lessons/{other}/events")).text()

    run_with_client(tmp_path, check, starter=starter)
    assert started == [f"{first} --explain", other]


def test_values_are_escaped_and_readme_html_is_not_run() -> None:
    from dplat.ui import html

    assert "<script>" not in html.markdown("# t\n\n<script>alert(1)</script>\n")
    table = html.table(["<b>"], [["<img src=x onerror=alert(1)>", None]])
    assert "<img" not in table and "&lt;img" in table and "<i>NULL</i>" in table


def test_the_runner_hands_each_check_over_as_it_is_made(tmp_path: Path) -> None:
    """The console's live progress rests on this: a reporter with
    ``check_finished`` hears each check before its step's verdict."""
    from dplat.scenario import runner
    from dplat.scenario.model import Scenario

    heard: list[str] = []

    class Recorder(runner.SilentReporter):
        def check_finished(self, result: Any) -> None:
            heard.append(f"check {result.name} {result.passed}")

        def step_finished(self, result: Any) -> None:
            heard.append(f"step {result.name} {result.status}")

    lesson = Scenario("stand-in", "t", "t", folder=tmp_path)

    @lesson.step("one", "two checks")
    def one(ctx: Any) -> None:
        ctx.check("equal", 1, 1)
        ctx.check_that("at least two", False, 1, "2 or more", where="the table")

    settings = resolve({"home": str(tmp_path)}, env={})
    load_or_create(settings.credentials_file)
    runner.run(lesson, settings, Recorder())
    assert heard == ["check equal True", "check at least two False", "step one failed"]
