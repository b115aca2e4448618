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


# --- User mistakes: each client library's own exception, raised where that
# client raises it, must reach the user as a cause and a fix (dplat.stack.faults,
# dplat.engine.faults). The exceptions are built as the libraries build them;
# their texts are the ones the stack's servers answered (MySQL 8 errors 1146,
# 1064, 1054, 1142; S3's NoSuchBucket/NoSuchKey; the BigQuery emulator's
# answers, which follow BigQuery's: a missing dataset is "Access Denied ... or
# perhaps it does not exist"). tests/integration/test_cli_data.py runs the same
# commands against the real services.


def stack_home(monkeypatch, home) -> None:
    """DPLAT_HOME of a stack that has been up: its credentials file exists.
    (Without one, dplat first asks the engine whether the stack's data exists,
    which is not what these tests are about.)"""
    from dplat.stack.credentials import load_or_create

    monkeypatch.setenv("DPLAT_HOME", str(home))
    load_or_create(home / "credentials.env")


def _mysql_error(errno: int, msg: str) -> Exception:
    from mysql.connector import errors as mysql_errors

    return mysql_errors.ProgrammingError(msg=msg, errno=errno, sqlstate="42000")


def _s3_error(code: str, message: str, operation: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _google(kind: str, message: str) -> Exception:
    from google.api_core import exceptions

    return getattr(exceptions, kind)(message)


class _Raising:
    """Any client call on this object (cursor().execute, query, get_object,
    paginate...) raises the library exception it was given."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __getattr__(self, name: str):
        if name in ("cursor", "get_paginator"):
            return lambda *a, **k: self
        if name == "close":
            return lambda: None

        def call(*args, **kwargs):
            raise self.exc

        return call


class ScriptedService:
    """A service whose probe passed and whose client raises ``exc``."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def url(self, endpoint: str | None = None) -> str:
        return "mysql://127.0.0.1:1"

    def client(self, **kwargs):
        return _Raising(self.exc)


MISTAKES = [
    (
        ["sql", "mysql", "select * from nope"],
        _mysql_error(1146, "Table 'dplat.nope' doesn't exist"),
        "table dplat.nope does not exist",
        "`dplat sql mysql 'SHOW TABLES'` lists them",
    ),
    (
        ["sql", "mysql", "selec 1"],
        _mysql_error(1064, "You have an error in your SQL syntax; check the manual that "
                           "corresponds to your MySQL server version for the right syntax "
                           "to use near 'selec 1' at line 1"),
        "MySQL cannot parse the query near 'selec 1'",
        "Correct the SQL",
    ),
    (
        ["sql", "mysql", "select nocol from t"],
        _mysql_error(1054, "Unknown column 'nocol' in 'field list'"),
        "column nocol does not exist",
        "SHOW COLUMNS FROM",
    ),
    (
        ["sql", "mysql", "select * from other.t"],
        _mysql_error(1142, "SELECT command denied to user 'dplat'@'172.17.0.1' for table 't'"),
        "MySQL refused: SELECT command denied",
        "SHOW DATABASES",
    ),
    (
        ["sql", "mysql", "select sleep(60)"],
        _mysql_error(2013, "Lost connection to MySQL server during query"),
        "mysql at mysql://127.0.0.1:1 closed the connection",
        "Start it with `dplat up`",
    ),
    (
        ["sql", "mysql", "select 1"],
        _mysql_error(1045, "Access denied for user 'dplat'@'172.17.0.1' (using password: YES)"),
        "MySQL refused the stack's credentials",
        "`dplat down -v` then `dplat up` recreates both",
    ),
    (
        ["sql", "bigquery", "SELEC 1"],
        _google("BadRequest", 'Syntax error: Unexpected identifier "SELEC" at [1:7]'),
        'BigQuery cannot run the query: Syntax error: Unexpected identifier "SELEC" at [1:7]',
        "backticks",
    ),
    (
        ["sql", "bigquery", "select * from ds1.nope"],
        _google("NotFound", "Not found: Table dplat.ds1.nope was not found in location US"),
        "table ds1.nope does not exist",
        "SELECT table_name FROM ds1.INFORMATION_SCHEMA.TABLES",
    ),
    (
        ["sql", "bigquery", "select * from nods.t"],
        _google("Forbidden", "Access Denied: Table dplat:nods.t: User does not have permission "
                             "to query table dplat:nods.t, or perhaps it does not exist."),
        "dataset nods does not exist",
        "SELECT schema_name FROM INFORMATION_SCHEMA.SCHEMATA",
    ),
    (
        ["ls", "s3://nope/"],
        _s3_error("NoSuchBucket", "The specified bucket does not exist", "ListObjectsV2"),
        "bucket nope does not exist",
        "`dplat ls s3://` lists the buckets",
    ),
    (
        ["cat", "s3://datastaging/missing"],
        _s3_error("NoSuchKey", "", "GetObject"),
        "no object s3://datastaging/missing",
        "`dplat ls s3://datastaging/` lists what is there",
    ),
    (
        ["cat", "s3://datastaging/raw/2026/missing.gz"],
        _s3_error("NoSuchKey", "The specified key does not exist.", "GetObject"),
        "no object s3://datastaging/raw/2026/missing.gz",
        "`dplat ls s3://datastaging/raw/2026/`",
    ),
    (
        ["cat", "s3://datastaging/x"],
        _s3_error("AccessDenied", "Access Denied", "GetObject"),
        "S3 refused: AccessDenied Access Denied",
        "dplat env",
    ),
]


@pytest.mark.parametrize(("argv", "raised", "cause", "fix"), MISTAKES, ids=lambda v: None)
def test_user_mistakes_give_cause_and_fix(monkeypatch, tmp_path, argv, raised, cause, fix) -> None:
    from dplat.stack import browse

    stack_home(monkeypatch, tmp_path)
    monkeypatch.setattr(browse, "ready", lambda settings, name: ScriptedService(raised))
    result = runner.invoke(app, argv)
    flat = " ".join(result.output.split())  # rich wraps at the runner's 80 columns
    assert result.exit_code == 1, result.output
    assert f"error: {cause}" in flat
    assert "fix:" in flat and fix in flat
    assert "unexpected" not in flat and "Traceback" not in flat


@pytest.mark.parametrize(
    ("argv", "cause", "fix"),
    [
        (["sql", "postgres", "select 1"], "unknown engine 'postgres'", "dplat sql mysql"),
        (["ls", "/tmp"], "'/tmp' is not an s3:// URL", "s3://bucket/prefix"),
        (["cat", "s3://datastaging/"], "s3://datastaging/ names no object", "dplat ls s3://datastaging/"),
        (["logs", "nope"], "no service named 'nope'", "Use one of: mysql"),
        (["down", "nope"], "no service named 'nope'", "Use one of: mysql"),
        (
            ["down", "-v", "spark"],
            "`dplat down -v` deletes the whole stack's data, not one service's",
            "`dplat down NAME`",
        ),
    ],
)
def test_argument_mistakes_are_caught_before_any_request(monkeypatch, tmp_path, argv, cause, fix) -> None:
    stack_home(monkeypatch, tmp_path)
    result = runner.invoke(app, argv)
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert f"error: {cause}" in flat and fix in flat


# --- A stopped service, for real: the commands' own clients against a port
# nothing listens on (what a user meets after `dplat down`).


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("argv", "port", "cause"),
    [
        (["sql", "mysql", "select 1"], "MYSQL", "mysql does not answer on mysql://127.0.0.1:"),
        (["sql", "bigquery", "select 1"], "BIGQUERY", "bigquery does not answer on http://127.0.0.1:"),
        (["ls", "s3://"], "S3", "s3 does not answer on http://127.0.0.1:"),
        (["cat", "s3://datastaging/k"], "S3", "s3 does not answer on http://127.0.0.1:"),
        (["agent", "flush"], "AGENT_MONITOR", "the agent's monitor API does not answer on http://127.0.0.1:"),
    ],
)
def test_a_stopped_service_says_dplat_up(monkeypatch, tmp_path, argv, port, cause) -> None:
    stack_home(monkeypatch, tmp_path)
    monkeypatch.setenv(f"DPLAT_PORT_{port}", str(_free_port()))
    result = runner.invoke(app, argv)
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert f"error: {cause}" in flat and "connection refused" in flat
    assert "fix: Start it with `dplat up`" in flat
    assert "unexpected" not in flat


def test_a_refused_flush_carries_the_monitors_answer(monkeypatch, tmp_path) -> None:
    """urllib's HTTPError from the agent's monitor becomes RequestRefused with its body."""
    import http.server
    import threading

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b'{"error": "the agent is shutting down"}'
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stack_home(monkeypatch, tmp_path)
        monkeypatch.setenv("DPLAT_PORT_AGENT_MONITOR", str(server.server_address[1]))
        result = runner.invoke(app, ["agent", "flush"])
    finally:
        server.shutdown()
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "error: the agent's monitor API refused POST /api/flush: 503" in flat
    assert "the agent is shutting down" in flat and "fix: `dplat logs agent`" in flat


def test_a_missing_docker_cli_is_engine_missing(monkeypatch, tmp_path) -> None:
    """subprocess's FileNotFoundError (no `docker` on PATH) becomes EngineMissing."""
    stack_home(monkeypatch, tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no docker here
    result = runner.invoke(app, ["logs", "mysql"])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "error: `docker` is not installed (needed to run `docker compose -p`)" in flat
    assert "fix: Install Docker Engine" in flat


def test_an_engine_api_error_names_what_was_being_done(monkeypatch, tmp_path) -> None:
    """docker's APIError (here the engine's 500 on listing containers) becomes EngineError."""
    import docker.errors

    from dplat.engine import daemon

    class FailingEngine:
        class containers:  # named as the docker SDK names it
            @staticmethod
            def list(**kwargs):
                raise docker.errors.APIError("500 Server Error", explanation="layer store is corrupt")

    stack_home(monkeypatch, tmp_path)
    monkeypatch.setattr(daemon, "client", lambda timeout=300: FailingEngine())
    result = runner.invoke(app, ["status"])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "error: the container engine refused reading the stack's containers: layer store is corrupt" in flat
    assert "fix: Run `dplat doctor`" in flat


def test_images_save_to_a_folder_that_does_not_exist_says_so(monkeypatch, tmp_path) -> None:
    """The archive's open() (FileNotFoundError) is the user's path, not a crash."""
    from dplat.engine import daemon
    from dplat.stack import images

    built = [images.ImageState(i.name, i.tag, True, True, 1.0) for i in images.IMAGES]
    monkeypatch.setattr(daemon, "client", lambda timeout=300: object())
    monkeypatch.setattr(images, "states", lambda engine: built)
    monkeypatch.chdir(tmp_path)  # a short path: rich wraps the message at 80 columns
    target = "no-such-folder/set.tar.gz"
    result = runner.invoke(app, ["images", "save", target])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert f"error: cannot write {target}: No such file or directory" in flat
    assert "fix: Give a file in a folder that exists" in flat
    assert "unexpected" not in flat


class _EngineRefusing:
    """An engine that answers ping but refuses the call named ``refused``."""

    def __init__(self, refused: str) -> None:
        import docker.errors

        def refuse(*args, **kwargs):
            raise docker.errors.APIError("500 Server Error", explanation="engine is shutting down")

        ok_version = lambda: {"Version": "28.0", "Os": "linux"}  # noqa: E731
        self.version = refuse if refused == "version" else ok_version
        self.containers = type("Containers", (), {"list": staticmethod(refuse if refused == "containers" else lambda **k: [])})()


@pytest.mark.parametrize(
    ("refused", "doing"),
    [("version", "reading the engine's version"), ("containers", "listing the stack's containers")],
)
def test_doctor_maps_an_engine_that_fails_after_answering(monkeypatch, tmp_path, refused, doing) -> None:
    """`dplat doctor` asks the engine past its ping; an APIError there is EngineError."""
    from dplat import doctor
    from dplat.engine import daemon

    monkeypatch.setenv("DPLAT_HOME", str(tmp_path))
    monkeypatch.setattr(daemon, "is_running", lambda: True)
    monkeypatch.setattr(daemon, "client", lambda timeout=300: _EngineRefusing(refused))
    monkeypatch.setattr(daemon, "plugin_versions", lambda: {"compose": "2.30.0", "buildx": "0.19"})
    monkeypatch.setattr(doctor, "_images", lambda: [])
    result = runner.invoke(app, ["doctor"])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert f"error: the container engine refused {doing}: engine is shutting down" in flat
    assert "fix: Run `dplat doctor`" in flat and "unexpected" not in flat


def test_a_last_run_report_without_step_times_is_a_clear_error(monkeypatch, tmp_path) -> None:
    """An older or hand-edited report (a step without "seconds") names the file."""
    import json

    monkeypatch.setenv("DPLAT_HOME", str(tmp_path))
    (tmp_path / "state").mkdir()
    report = {"passed": True, "run_id": "r1", "steps": [{"name": "seed", "status": "passed"}]}
    (tmp_path / "state" / "tag-routing.report.json").write_text(json.dumps(report))
    result = runner.invoke(app, ["scenario", "show", "tag-routing", "--last-run"])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "error: the last report of tag-routing" in flat and "a step lacks 'seconds'" in flat
    assert "fix: Run `dplat run scenario tag-routing` again" in flat and "unexpected" not in flat
    # As JSON it is the file as it is: nothing in it is indexed.
    as_json = runner.invoke(app, ["scenario", "show", "tag-routing", "--last-run", "-o", "json"])
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["report"] == report


def test_a_taken_console_port_is_port_in_use_at_the_servers_boundary(monkeypatch, tmp_path) -> None:
    """ui.server.serve maps EADDRINUSE (the CLI only calls it)."""
    import asyncio
    import socket

    from dplat.settings import resolve
    from dplat.ui import lean, server

    # serve() hides pandas from this whole process (the console's own); not here.
    monkeypatch.setattr(lean, "install", lambda: None)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(errors.PortInUse) as caught:
            settings = resolve({"home": str(tmp_path)}, env={})
            asyncio.run(server.serve(settings, port, lambda url: None, open_browser=False))
        assert caught.value.message == f"127.0.0.1:{port} is taken"
        assert f"--port {port + 1}" in caught.value.fix
        monkeypatch.setenv("DPLAT_HOME", str(tmp_path))
        result = runner.invoke(app, ["ui", "--port", str(port), "--no-open"])
    flat = " ".join(result.output.split())
    assert result.exit_code == 1 and f"error: 127.0.0.1:{port} is taken" in flat
