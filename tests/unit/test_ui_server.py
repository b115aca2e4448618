"""`dplat ui` opening a browser: only where one can show up, and never in
the way of serving (over SSH, Python's webbrowser picks a text browser that
takes the terminal and does not return until it is quit)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from dplat.settings import resolve
from dplat.ui import lean, server


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({}, "linux", False),  # SSH without X forwarding
        ({"DISPLAY": ""}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({}, "darwin", True),
        ({}, "win32", True),
    ],
)
def test_a_browser_is_opened_only_where_one_can_show(
    environ: dict[str, str], platform: str, expected: bool
) -> None:
    assert server.has_display(environ, platform) is expected


def serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, display: str | None) -> tuple[str, list[str], Any]:
    """`dplat ui` served in a thread whose browser hangs like lynx does until
    released; the URL, the URLs the browser was asked to open, and a stop()."""
    if display is None:
        monkeypatch.delenv("DISPLAY", raising=False)
    else:
        monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(server.sys, "platform", "linux")
    monkeypatch.setattr(lean, "install", lambda: None)  # not this test process's imports
    quit_browser = threading.Event()
    opened: list[str] = []

    def text_browser(url: str) -> bool:
        opened.append(url)
        quit_browser.wait(30)
        return True

    monkeypatch.setattr(server.webbrowser, "open", text_browser)
    settings = resolve({"home": str(tmp_path)}, env={"DPLAT_PROJECT": "dplat-ui-unit"})
    loop = asyncio.new_event_loop()
    listening: list[str] = []
    ready = threading.Event()

    def heard(url: str) -> None:
        listening.append(url)
        ready.set()

    task = loop.create_task(server.serve(settings, free_port(), heard, open_browser=True))

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # stop() cancels it, as Ctrl-C does
            loop.run_until_complete(task)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30)

    def stop() -> None:
        quit_browser.set()
        loop.call_soon_threadsafe(task.cancel)
        thread.join(10)
        loop.close()

    return listening[0], opened, stop


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_console_serves_while_the_browser_it_opened_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, opened, stop = serving(tmp_path, monkeypatch, ":0")
    try:
        with urllib.request.urlopen(url + "static/style.css", timeout=5) as answer:
            assert answer.status == 200
        assert opened == [url]
    finally:
        stop()


def test_no_browser_is_started_without_a_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, opened, stop = serving(tmp_path, monkeypatch, None)
    try:
        with urllib.request.urlopen(url + "static/style.css", timeout=5) as answer:
            assert answer.status == 200
        assert opened == []
    finally:
        stop()
