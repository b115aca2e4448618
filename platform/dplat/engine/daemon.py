"""Make sure a Docker engine with Compose v2 and buildx answers.

Three cases, in order:

1. An engine answers: use it as it is (dplat never edits an engine it did not
   install), only checking that the compose and buildx plugins exist.
2. ``dockerd`` is installed but not running and we are root: start it in the
   background (machines here start bare; processes do not survive a restart).
3. Nothing is installed, we are root on Debian: install Docker from Debian
   (docker.io, Compose and buildx come from trixie with a low-priority pin, as
   HOSTS.md verified), make 127.0.0.1 the default bind for published ports,
   and start it. Anywhere else: stop with the commands to run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import docker
import docker.errors

from dplat.engine import faults
from dplat.errors import EngineMissing, EngineNotRunning, PluginMissing
from dplat.waiting import wait_until

DAEMON_JSON = Path("/etc/docker/daemon.json")
DAEMON_LOG = Path("/var/log/dplat-dockerd.log")
MARKER = Path("/etc/docker/.installed-by-dplat")

TRIXIE_SOURCES = """\
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
TRIXIE_PIN = "Package: *\nPin: release n=trixie\nPin-Priority: 100\n"
PACKAGES = ["docker.io", "docker-cli", "docker-compose", "docker-buildx"]

MANUAL_INSTALL = (
    "Install Docker Engine with Compose v2 and buildx, start it, then rerun. "
    "Debian/Ubuntu: `sudo apt-get install docker.io docker-compose docker-buildx && "
    "sudo systemctl start docker` (or run `dplat up` as root to let dplat do it); "
    "macOS/Windows: install and start Docker Desktop."
)


def client(timeout: int = 300) -> docker.DockerClient:
    """A docker SDK client for a running engine, or EngineNotRunning."""
    try:
        engine = docker.from_env(timeout=timeout)
        engine.ping()
    except docker.errors.DockerException as exc:
        raise EngineNotRunning(f"no container engine answers ({exc.__class__.__name__})") from exc
    return engine


def is_running() -> bool:
    try:
        client(timeout=5)
    except EngineNotRunning:
        return False
    return True


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return faults.run(argv, capture_output=True, text=True, **kwargs)


def plugin_versions() -> dict[str, str | None]:
    """Versions of the compose and buildx CLI plugins (None when absent)."""
    found: dict[str, str | None] = {}
    for plugin in ("compose", "buildx"):
        if shutil.which("docker") is None:
            found[plugin] = None
            continue
        result = _run(["docker", plugin, "version"])
        found[plugin] = result.stdout.strip().splitlines()[0] if result.returncode == 0 else None
    return found


def _can_install() -> bool:
    return (
        os.geteuid() == 0 and Path("/etc/debian_version").exists() and bool(shutil.which("apt-get"))
    )


def _apt(args: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = _run(["apt-get", *args], env=env)
    if result.returncode != 0:
        raise EngineMissing(
            f"`apt-get {' '.join(args)}` failed: {result.stderr.strip()[-400:]}",
            fix="Check that the Debian mirror is reachable (apt-get update), then rerun.",
        )


def daemon_config(existing: dict[str, object]) -> dict[str, object]:
    """daemon.json for an engine dplat installs; what is already set stays.

    - ``ip``: published ports bind to loopback unless a compose file says otherwise.
    - ``userland-proxy: false``: published ports are forwarded by the kernel
      (iptables DNAT, with route_localnet for 127.0.0.1) instead of one
      ``docker-proxy`` process per port copying every byte in user space. On
      these 2-core machines the proxy took a quarter of a core while a lesson
      shipped 100,000 events to the agent (benchmarks/lesson_logging_to_bq.py).
    """
    return {"ip": "127.0.0.1", "userland-proxy": False, **existing}


def install() -> None:
    """Install Docker, Compose v2 and buildx from Debian (root on Debian only)."""
    Path("/etc/apt/sources.list.d/trixie.sources").write_text(TRIXIE_SOURCES)
    Path("/etc/apt/preferences.d/trixie-low").write_text(TRIXIE_PIN)
    _apt(["update", "-q"])
    _apt(["install", "-y", "-q", "-t", "trixie", *PACKAGES])
    DAEMON_JSON.parent.mkdir(parents=True, exist_ok=True)
    config = json.loads(DAEMON_JSON.read_text()) if DAEMON_JSON.exists() else {}
    DAEMON_JSON.write_text(json.dumps(daemon_config(config), indent=2) + "\n")
    MARKER.write_text("dplat installed this engine; `dplat` may start it.\n")


def start_daemon(wait: float = 60.0) -> None:
    """Start dockerd in the background, detached from this process, and wait."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise EngineMissing("dockerd is not installed", fix=MANUAL_INSTALL)
    log = DAEMON_LOG.open("ab")
    faults.popen(
        [dockerd],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    if wait_until(is_running, wait, interval=0.5):
        return
    tail = DAEMON_LOG.read_text(errors="replace").splitlines()[-15:]
    raise EngineNotRunning(
        f"dockerd did not answer within {wait:.0f} s",
        details="\n".join(tail),
        fix=f"Read {DAEMON_LOG}; stop any other dockerd and rerun.",
    )


def ensure(report: callable = print) -> docker.DockerClient:  # type: ignore[valid-type]
    """Return a client for a running engine with compose and buildx, doing
    whatever this host allows to get there."""
    if not is_running():
        if shutil.which("dockerd") is None:
            if not _can_install():
                raise EngineMissing("no container engine is installed", fix=MANUAL_INSTALL)
            report("installing Docker, Compose v2 and buildx from Debian (about a minute)")
            install()
        elif os.geteuid() != 0:
            raise EngineNotRunning("the container engine is installed but not running")
        report("starting the container engine (dockerd)")
        start_daemon()
    missing = [name for name, version in plugin_versions().items() if version is None]
    if missing and _can_install() and MARKER.exists():
        _apt(["install", "-y", "-q", "-t", "trixie", *PACKAGES])
        missing = [name for name, version in plugin_versions().items() if version is None]
    if missing:
        raise PluginMissing(
            f"the docker CLI plugin(s) {', '.join(missing)} are missing (dplat needs Compose v2 and BuildKit)",
            fix="Install docker-compose-plugin and docker-buildx-plugin (Debian: docker-compose, docker-buildx).",
        )
    return client()
