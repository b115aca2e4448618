"""dplat's exceptions: every failure a user can meet, with the fix.

Each error carries two lines for the user: what failed (the message) and what
to do (``fix``). The CLI renders them in one place (``dplat.console``); code
below the CLI raises these and never prints. Low-level errors (docker SDK,
subprocess, botocore, google-api-core) are mapped to these once, at the
boundary where they happen, with ``raise ... from exc``.

    DplatError
    ├── SettingsError          a bad flag, variable or config.toml value
    ├── EngineError            the container engine
    │   ├── EngineNotRunning   no daemon answers
    │   ├── EngineMissing      no engine and dplat may not install one
    │   └── PluginMissing      Compose v2 or buildx is absent
    ├── BuildError             a base or an image failed to build
    ├── ImageSetIncomplete     `images load` brought a partial set
    ├── PortInUse              a published port is taken
    ├── ServiceUnhealthy       a service did not answer its probe in time
    ├── StackNotRunning        a command needs the stack, or one service of it, and it is down
    ├── CredentialsLost        credentials.env is gone while the stack's data is not
    ├── RequestRefused         a service refused what was asked of it
    │   ├── QueryError         SQL the database cannot run (syntax, an unknown column)
    │   ├── NotFound           a table, dataset, bucket or key that does not exist
    │   └── AccessDenied       the service refused the credentials or the operation
    └── ScenarioError          a lesson is missing or broken

The clients' own exceptions are mapped in :mod:`dplat.stack.faults`
(mysql.connector, botocore, google-api-core, urllib) and
:mod:`dplat.engine.faults` (the docker SDK, subprocess), each once.
"""

from __future__ import annotations


class DplatError(Exception):
    """Base of dplat's errors: a one-line cause plus a one-line fix."""

    fix: str = "Run `dplat doctor` to check the set-up."

    def __init__(self, message: str, fix: str | None = None, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if fix is not None:
            self.fix = fix
        # Extra lines shown under the error, such as a service's last log lines.
        self.details = details


class SettingsError(DplatError):
    fix = "Check the flag, the DPLAT_* variable or DPLAT_HOME/config.toml named above."


class EngineError(DplatError):
    fix = "Run `dplat doctor` to see what is missing."


class EngineNotRunning(EngineError):
    fix = "Start the engine (`sudo dockerd &` or Docker Desktop), or run `dplat up` as root to let dplat start it."


class EngineMissing(EngineError):
    pass


class PluginMissing(EngineError):
    pass


class BuildError(DplatError):
    fix = "Read the build output above; rerun with `dplat images build --debug` for the full log."


class ImageSetIncomplete(DplatError):
    fix = "Save the set again on the source machine with `dplat images save FILE` after `dplat images build`."


class PortInUse(DplatError):
    fix = "Stop what holds the port, or move dplat's ports with `--port-offset N` or DPLAT_PORT_<SERVICE>."


class ServiceUnhealthy(DplatError):
    fix = "Look at `dplat logs SERVICE`; `dplat down` then `dplat up` restarts the stack."


class StackNotRunning(DplatError):
    fix = "Start the stack with `dplat up`."


class CredentialsLost(DplatError):
    fix = (
        "Restore DPLAT_HOME/credentials.env from a backup, or start over with "
        "`dplat down -v` (deletes the stack's data) and then `dplat up`."
    )


class ScenarioError(DplatError):
    fix = "List the lessons with `dplat scenario list`."


class RequestRefused(DplatError):
    fix = "Read the service's answer above; `dplat logs SERVICE` shows its side."


class QueryError(RequestRefused):
    fix = "Correct the SQL at the place the message names."


class NotFound(RequestRefused):
    fix = "List what exists (`dplat ls s3://`, `dplat sql mysql 'SHOW TABLES'`)."


class AccessDenied(RequestRefused):
    fix = "Use the stack's credentials (`eval \"$(dplat env)\"`); `dplat status` shows them."
