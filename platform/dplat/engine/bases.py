"""Debian base images, made here when no registry answers.

Every dplat image starts ``FROM dplat/base:<suite>``: bookworm for all of
them, sid for MySQL only (the one suite that packages Oracle's server). Where
a registry answers, the base is ``debian:<suite>-slim`` re-tagged; on a closed
network it is made with debootstrap from the Debian mirror (about 30 s) and
imported. Bases are cached: made once, remade only on request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed

import docker
import docker.errors

from dplat.engine import faults
from dplat.errors import BuildError, EngineMissing

SUITES = ("bookworm", "sid")
MIRROR = "http://deb.debian.org/debian"


def base_tag(suite: str) -> str:
    return f"dplat/base:{suite}"


def exists(engine: docker.DockerClient, tag: str) -> bool:
    try:
        engine.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def _from_registry(engine: docker.DockerClient, suite: str) -> bool:
    """Tag debian:<suite>-slim as the base if a registry gives it to us."""
    try:
        image = engine.images.pull("debian", tag=f"{suite}-slim")
    except docker.errors.APIError:
        return False
    image.tag("dplat/base", suite)
    return True


def _ensure_debootstrap() -> str:
    found = shutil.which("debootstrap")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        faults.run(
            ["apt-get", "install", "-y", "-q", "debootstrap"], env=env, capture_output=True
        )
        found = shutil.which("debootstrap")
        if found:
            return found
    raise EngineMissing(
        "no registry answers and debootstrap is not available to make a Debian base image",
        fix="Install debootstrap (root on Debian/Ubuntu), or bring built images with "
        "`dplat images load FILE` from a machine that has them.",
    )


def _debootstrap(debootstrap: str, suite: str) -> None:
    with tempfile.TemporaryDirectory(prefix=f"dplat-base-{suite}-") as root:
        result = faults.run(
            [debootstrap, "--variant=minbase", suite, root, MIRROR], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise BuildError(
                f"debootstrap of Debian {suite} failed",
                details="\n".join(
                    result.stdout.splitlines()[-10:] + result.stderr.splitlines()[-10:]
                ),
                fix=f"Check that {MIRROR} is reachable, then rerun `dplat images build --bases`.",
            )
        # Keep the base small: package lists and caches are refetched by builds.
        for junk in (
            "var/lib/apt/lists",
            "var/cache/apt/archives",
            "usr/share/doc",
            "usr/share/man",
        ):
            shutil.rmtree(os.path.join(root, junk), ignore_errors=True)
        tar = faults.popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        imported = faults.run(
            ["docker", "import", "-", base_tag(suite)],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
        )
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise BuildError(f"importing the {suite} base failed: {imported.stderr.strip()}")


def ensure(
    engine: docker.DockerClient,
    suites: Iterable[str] = SUITES,
    rebuild: bool = False,
    report: Callable[[str], None] = print,
) -> None:
    """Make sure each base image exists, making the missing ones in parallel."""
    todo = [s for s in suites if rebuild or not exists(engine, base_tag(s))]
    if todo:
        report(f"looking for Debian base image(s) {', '.join(todo)} in a registry")
    todo = [s for s in todo if not _from_registry(engine, s)]
    if not todo:
        return
    debootstrap = _ensure_debootstrap()
    report(f"making Debian base image(s) {', '.join(todo)} with debootstrap (about 30 s)")
    with ThreadPoolExecutor(max_workers=len(todo)) as pool:
        futures = {pool.submit(_debootstrap, debootstrap, suite): suite for suite in todo}
        for future in as_completed(futures):
            future.result()
            report(f"made the Debian base {base_tag(futures[future])}")
