"""Long work reports each stage: a spinner on a terminal, a plain line elsewhere.

Off a terminal (CI logs, pipes) rich's spinner prints nothing at all, so
`dplat up` or `dplat images build` on a bare machine would be silent for
minutes (engine install, two Debian bases, five image builds).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dplat.cli import app
from dplat.console import Console, progress
from dplat.engine import bases, daemon
from dplat.settings import resolve
from dplat.stack import images

STAGES = ["installing Docker", "making Debian base image(s) bookworm", "building dplat/s3:local"]


def run_stages(out: Any) -> str:
    with progress("checking the engine", out=out) as report:
        for stage in STAGES:
            report(stage)
    return out.file.getvalue()


def test_off_a_terminal_every_stage_is_a_line_with_its_time() -> None:
    text = run_stages(Console(file=io.StringIO(), force_terminal=False))
    lines = text.splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == ["checking the engine", *STAGES]
    assert all(line.startswith("[") and line.split("]")[0].strip("[ ").endswith("s") for line in lines)


def test_on_a_terminal_the_stages_go_to_a_spinner_not_to_lines() -> None:
    text = run_stages(Console(file=io.StringIO(), force_terminal=True))
    assert "] installing Docker\n" not in text and "[   0s]" not in text


def test_images_build_in_a_pipe_prints_each_stage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def ensure(report: Any = print) -> object:
        report("installing Docker, Compose v2 and buildx from Debian (about a minute)")
        return object()

    def build(engine: object, settings: object, names: object = None, force: bool = False,
              report: Any = print) -> list[str]:
        report("building dplat/mysql:local (a few minutes the first time)")
        return ["mysql"]

    monkeypatch.setattr(daemon, "ensure", ensure)
    monkeypatch.setattr(images, "build", build)
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "images", "build"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("] checking the engine")
    assert lines[1].endswith("] installing Docker, Compose v2 and buildx from Debian (about a minute)")
    assert lines[2].endswith("] building dplat/mysql:local (a few minutes the first time)")


def test_each_finished_image_is_reported_as_it_completes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[str] = []
    monkeypatch.setattr(images, "is_current", lambda engine, image: False)
    monkeypatch.setattr(bases, "ensure", lambda engine, suites, report=print: None)
    monkeypatch.setattr(images, "build_one", lambda image, settings: built.append(image.name))
    said: list[str] = []
    settings = resolve({"home": str(tmp_path)}, env={})
    names = images.build(object(), settings, ["mysql", "s3"], report=said.append)
    assert sorted(built) == sorted(names) == ["mysql", "s3"]
    assert said[0].startswith("building dplat/mysql:local, dplat/s3:local")
    finished = sorted(said[1:])
    assert len(finished) == 2
    assert finished[0].startswith("built dplat/") and "1 still building" in " ".join(said[1:])


def test_run_scenario_starting_the_stack_prints_the_same_stage_lines() -> None:
    """`run scenario` reports the stack's start-up through its reporter; off a
    terminal its lines have the same form as `up`'s and `images build`'s."""
    from dplat.cli.progress import ConsoleReporter

    out = Console(file=io.StringIO(), force_terminal=False)
    reporter = ConsoleReporter(out)
    for stage in STAGES:
        reporter.stack_progress(stage)
    form = re.compile(r"\[ *\d+s\] (.*)")
    ours = [form.fullmatch(line) for line in out.file.getvalue().splitlines()]
    assert all(ours), out.file.getvalue()
    assert [match.group(1) for match in ours if match] == STAGES
