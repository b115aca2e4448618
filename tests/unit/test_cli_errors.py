"""Errors become one line of cause and one of fix, exit code 1, no traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dplat import errors
from dplat.cli import app
from dplat.stack import lifecycle

runner = CliRunner()


@pytest.mark.parametrize(
    ("exc", "fix_part"),
    [
        (errors.EngineNotRunning("no container engine answers"), "Start the engine"),
        (errors.PortInUse("port 3306 (mysql) is held by mysqld (pid 7)"), "--port-offset"),
        (errors.ServiceUnhealthy("bigquery is not ready", details="last lines"), "dplat logs"),
        (errors.SettingsError("bad timeout"), "DPLAT_"),
        (errors.BuildError("building image dplat/s3:local failed"), "--debug"),
        (errors.CredentialsLost("credentials.env is gone"), "Restore DPLAT_HOME/credentials.env"),
    ],
)
def test_known_errors_render_cause_and_fix(monkeypatch, exc: errors.DplatError, fix_part: str) -> None:
    def boom(*args, **kwargs):
        raise exc

    monkeypatch.setattr(lifecycle, "status", boom)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert f"error: {exc.message}" in result.output
    assert "fix:" in result.output and fix_part in result.output
    assert "Traceback" not in result.output


def test_unexpected_errors_are_wrapped_and_traceback_only_with_debug(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(lifecycle, "status", boom)
    plain = runner.invoke(app, ["status"])
    assert plain.exit_code == 1
    assert "unexpected KeyError" in plain.output and "Traceback" not in plain.output
    debug = runner.invoke(app, ["--debug", "status"])
    assert "Traceback" in debug.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("dplat ")


def test_agent_config_errors_show_file_line_and_fix(tmp_path) -> None:
    bad = tmp_path / "agent.conf"
    bad.write_text("<source>\n  @type forward\n")  # never closed
    result = runner.invoke(app, ["agent", "check", "-c", str(bad)])
    assert result.exit_code == 1
    flat = " ".join(result.output.split())  # rich wraps at the runner's 80 columns
    assert f"error: {bad}:1: <source> is never closed" in flat
    assert "fix: Add </source>" in flat
    assert "Traceback" not in result.output
