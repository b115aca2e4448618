"""The console's Start/Stop and Reset buttons, through aiohttp's test client:
one long action at a time (a second start, a stop, a lesson run or a reset
while the stack starts gets 409 and the name of what runs), the progress and
the end in words on the event stream, a failure's cause and fix, and bad
input refused with its fix.

The stack action and the reset here are stand-ins that record and wait:
what is under test is the console's handling, not `dplat up` (the real one
is driven from the page in tests/e2e/test_ui_stack_control.py).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from dplat.errors import DplatError, StackNotRunning
from dplat.scenario import catalog
from tests.unit.test_ui import TOKEN, run_with_client

HEADERS = {"X-Dplat-Token": TOKEN}


def test_a_stack_start_holds_the_slot_and_reports_live(tmp_path: Path) -> None:
    release = threading.Event()
    asked: list[tuple[str, tuple[str, ...], bool]] = []

    def stack_action(settings: Any, action: str, include: tuple[str, ...], volumes: bool, progress: Any) -> str:
        asked.append((action, include, volumes))
        progress("waiting for mysql")
        release.wait(10)
        return f"did {action}"

    lesson = catalog.all_scenarios()[0].name

    async def check(client: TestClient, port: int) -> None:
        assert (await client.get("/stack/events")).status == 204  # nothing begun yet
        started = await client.post("/stack/up?with=airflow", headers=HEADERS)
        assert started.status == 202
        for path in ("/stack/up", "/stack/down", f"/lessons/{lesson}/run", f"/lessons/{lesson}/reset"):
            again = await client.post(path, headers=HEADERS)
            assert again.status == 409, path
            assert (await again.json())["running"] == "stack up --with airflow"
        release.set()
        stream = await (await client.get("/stack/events")).text()
        assert "`dplat up --with airflow` started" in stream
        assert 'event: stack\ndata: <li class="stack">waiting for mysql</li>' in stream
        assert 'event: end\ndata: <li class="end ok">did up</li>' in stream
        # Ended: the stop may start, with its data when asked.
        assert (await client.post("/stack/down?volumes=1", headers=HEADERS)).status == 202
        assert "did down" in await (await client.get("/stack/events")).text()
        # One on-demand service's stop keeps every volume, whatever is asked.
        one = await client.post("/stack/down?with=spark&volumes=1", headers=HEADERS)
        assert (one.status, await one.json()) == (202, {"started": "stack down spark"})
        assert "`dplat down spark` started" in await (await client.get("/stack/events")).text()
        unknown = await client.post("/stack/down?with=mysql", headers=HEADERS)
        assert unknown.status == 400  # the console stops only on-demand services one by one
        assert (await unknown.json())["error"] == "no on-demand service named mysql"

    run_with_client(tmp_path, check, stack_action=stack_action)
    assert asked == [("up", ("airflow",), False), ("down", (), True), ("down", ("spark",), False)]


def test_a_failed_start_ends_with_the_cause_and_the_fix(tmp_path: Path) -> None:
    def stack_action(*_: Any) -> str:
        raise StackNotRunning("the container engine does not answer", fix="Start Docker, then press Start again.")

    async def check(client: TestClient, port: int) -> None:
        unknown = await client.post("/stack/up?with=postgres", headers=HEADERS)
        assert unknown.status == 400
        body = await unknown.json()
        assert body["error"] == "no on-demand service named postgres"
        assert "airflow" in body["fix"]
        assert (await client.post("/stack/restart", headers=HEADERS)).status in (404, 405)
        assert (await client.post("/stack/up")).status == 403  # no token
        assert (await client.post("/stack/up", headers=HEADERS)).status == 202
        stream = await (await client.get("/stack/events")).text()
        assert (
            '<li class="end bad">stopped: the container engine does not answer'
            " — Start Docker, then press Start again.</li>"
        ) in stream
        # The slot was given back.
        assert (await client.post("/stack/down", headers=HEADERS)).status == 202

    run_with_client(tmp_path, check, stack_action=stack_action)


def test_reset_is_the_core_reset_and_says_why_it_could_not(tmp_path: Path) -> None:
    lesson = catalog.all_scenarios()[0].name
    reset: list[str] = []

    def resetter(settings: Any, name: str) -> None:
        if reset:
            raise DplatError("mysql does not answer", fix="Start it with dplat up.")
        reset.append(name)

    async def check(client: TestClient, port: int) -> None:
        assert (await client.post(f"/lessons/{lesson}/reset")).status == 403
        unknown = await client.post("/lessons/no-such-lesson/reset", headers=HEADERS)
        assert unknown.status == 404
        done = await client.post(f"/lessons/{lesson}/reset", headers=HEADERS)
        assert (done.status, await done.json()) == (200, {"reset": lesson})
        failed = await client.post(f"/lessons/{lesson}/reset", headers=HEADERS)
        assert failed.status == 503
        assert await failed.json() == {"error": "mysql does not answer", "fix": "Start it with dplat up."}
        # A failed reset gives the slot back too.
        assert (await client.post("/stack/down", headers=HEADERS)).status == 202

    run_with_client(tmp_path, check, resetter=resetter, stack_action=lambda *_: "ok")
    assert reset == [lesson]
