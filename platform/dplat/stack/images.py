"""Build the stack's images from images/<name>/ through BuildKit, with a cache.

Each image is labelled with a hash of what it is built from (its folder, and
for the agent also the dplat package it installs); a build is skipped when the
image in the engine carries the same hash. Builds go through ``docker buildx
build`` because the docker SDK cannot use BuildKit, and BuildKit is what lets
pip reach PyPI through a TLS-inspecting proxy: the host's CA bundle is handed
to the pip step as a *secret*, so it is never stored in a layer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import docker
import docker.errors

from dplat import resources
from dplat.engine import bases, faults
from dplat.errors import BuildError, ImageSetIncomplete, SettingsError
from dplat.settings import Settings
from dplat.stack.base import Service
from dplat.stack.declarations import SERVICE_CLASSES

HASH_LABEL = "dplat.source-hash"


@dataclass(frozen=True)
class ImageSpec:
    """A declared service's local image: its tag, folder and build (Service.build)."""

    service: type[Service]

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def tag(self) -> str:
        return self.service.image()

    @property
    def folder(self) -> Path:
        return self.service.folder()

    @property
    def base(self) -> str:
        return self.service.build.base

    @property
    def includes_package(self) -> bool:
        return self.service.build.includes_package

    @property
    def uses_shared(self) -> bool:
        return self.service.build.uses_shared


IMAGES: tuple[ImageSpec, ...] = tuple(ImageSpec(service) for service in SERVICE_CLASSES)
"""One image per declared service (dplat.stack.declarations)."""


def shared_dir() -> Path:
    """What several images' builds use (images/shared/README.md)."""
    return resources.images_dir() / "shared"


def spec(name: str) -> ImageSpec:
    for image in IMAGES:
        if image.name == name:
            return image
    raise BuildError(
        f"no image named {name!r}", fix=f"Use one of: {', '.join(i.name for i in IMAGES)}."
    )


def _files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def source_hash(image: ImageSpec) -> str:
    digest = hashlib.sha256()
    roots = [image.folder] + ([resources.PACKAGE_DIR] if image.includes_package else [])
    roots += [shared_dir()] if image.uses_shared else []
    for root in roots:
        for path in _files(root):
            if "_data" in path.relative_to(root).parts:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def built_hash(engine: docker.DockerClient, image: ImageSpec) -> str | None:
    try:
        return (engine.images.get(image.tag).labels or {}).get(HASH_LABEL)
    except docker.errors.ImageNotFound:
        return None


def is_current(engine: docker.DockerClient, image: ImageSpec) -> bool:
    return built_hash(engine, image) == source_hash(image)


def build_command(image: ImageSpec, settings: Settings) -> list[str]:
    argv = [
        "docker",
        "buildx",
        "build",
        "--progress=plain",
        "--label",
        f"{HASH_LABEL}={source_hash(image)}",
        "-t",
        image.tag,
    ]
    if settings.ca_bundle is not None:
        argv += ["--secret", f"id=hostca,src={settings.ca_bundle}"]
    if image.includes_package:
        argv += ["--build-context", f"dplat-package={resources.PACKAGE_DIR}"]
    if image.uses_shared:
        argv += ["--build-context", f"dplat-shared={shared_dir()}"]
    return [*argv, str(image.folder)]


def build_one(image: ImageSpec, settings: Settings) -> None:
    result = faults.run(build_command(image, settings), capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).splitlines()
        raise BuildError(
            f"building image {image.tag} failed",
            details="\n".join(lines[-25 if not settings.debug else -400 :]),
        )


@faults.docker_errors("building the images")
def build(
    engine: docker.DockerClient,
    settings: Settings,
    names: Iterable[str] | None = None,
    force: bool = False,
    report: Callable[[str], None] = print,
) -> list[str]:
    """Build the images that are missing or out of date; return the names built."""
    chosen = [spec(n) for n in names] if names else list(IMAGES)
    stale = [image for image in chosen if force or not is_current(engine, image)]
    if not stale:
        return []
    bases.ensure(engine, sorted({image.base for image in stale}), report=report)
    report(f"building {', '.join(image.tag for image in stale)} (a few minutes the first time)")
    started = time.monotonic()
    # Builds wait mostly on the Debian mirror and PyPI, so they run side by side.
    with ThreadPoolExecutor(max_workers=len(stale)) as pool:
        futures = {pool.submit(build_one, image, settings): image for image in stale}
        left = len(futures)
        for future in as_completed(futures):
            future.result()
            left -= 1
            waiting = f"; {left} still building" if left else ""
            report(f"built {futures[future].tag} in {time.monotonic() - started:.0f} s{waiting}")
    return [image.name for image in stale]


def build_set(
    settings: Settings,
    names: Iterable[str] | None = None,
    force: bool = False,
    rebuild_bases: bool = False,
    report: Callable[[str], None] = print,
) -> list[str]:
    """`dplat images build`: make sure an engine answers (installing or
    starting one where dplat may), remake the Debian bases when asked, then
    build what is missing or stale; the names built."""
    from dplat.engine import daemon

    engine = daemon.ensure(report=report)
    if rebuild_bases:
        bases.ensure(engine, rebuild=True, report=report)
    return build(engine, settings, names, force=force, report=report)


@dataclass(frozen=True)
class ImageState:
    name: str
    tag: str
    present: bool
    current: bool
    size_mb: float

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "tag": self.tag,
            "built": self.present,
            "current": self.current,
            "size_mb": round(self.size_mb, 1),
        }


@dataclass(frozen=True)
class ImageList:
    """`dplat images list`: each image of the set, built or not."""

    images: list[ImageState]

    def to_json(self) -> dict[str, object]:
        return {"images": [image.to_json() for image in self.images]}


def listing() -> ImageList:
    """The image set's states in the running engine."""
    from dplat.engine import daemon

    return ImageList(states(daemon.client()))


@faults.docker_errors("reading the images")
def states(engine: docker.DockerClient) -> list[ImageState]:
    found = []
    for image in IMAGES:
        try:
            got = engine.images.get(image.tag)
        except docker.errors.ImageNotFound:
            found.append(ImageState(image.name, image.tag, False, False, 0.0))
            continue
        current = (got.labels or {}).get(HASH_LABEL) == source_hash(image)
        found.append(ImageState(image.name, image.tag, True, current, got.attrs["Size"] / 1e6))
    return found


@faults.docker_errors("saving the images")
def save(path: Path, engine: docker.DockerClient | None = None) -> list[str]:
    """Write every local image into one archive (gzip when the name ends in .gz)."""
    from dplat.engine import daemon

    engine = engine or daemon.client()
    missing = [s.tag for s in states(engine) if not s.present]
    if missing:
        raise BuildError(
            f"cannot save: {', '.join(missing)} not built", fix="Run `dplat images build` first."
        )
    tags = [image.tag for image in IMAGES]
    argv = ["docker", "save", *tags]
    with _writing(path) as out:
        if path.suffix == ".gz":
            saver = faults.popen(argv, stdout=subprocess.PIPE)
            zipper = faults.run(["gzip", "-1"], stdin=saver.stdout, stdout=out)
            saver.wait()
            failed = saver.returncode or zipper.returncode
        else:
            failed = faults.run(argv, stdout=out).returncode
    if failed:
        raise BuildError(f"`docker save` failed writing {path}")
    return tags


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened for writing; a path that cannot be written (no such
    folder, no permission, a folder) is the user's to correct, not a crash."""
    try:
        out = path.open("wb")
    except OSError as exc:
        raise SettingsError(
            f"cannot write {path}: {exc.strerror or exc}",
            fix="Give a file in a folder that exists and that you may write, "
            "e.g. `dplat images save ./dplat-images.tar.gz`.",
        ) from exc
    with out:
        yield out


def archive_tags(path: Path) -> set[str]:
    """The image tags an archive made by `docker save` holds (its manifest.json)."""
    try:
        with tarfile.open(path, "r:*") as archive:
            member = archive.extractfile("manifest.json")
            manifest = json.load(member) if member else []
    except (tarfile.TarError, KeyError, json.JSONDecodeError, OSError) as exc:
        raise ImageSetIncomplete(
            f"{path} is not an image archive ({exc})",
            fix="Give the path of a file made by `dplat images save`.",
        ) from exc
    return {tag for entry in manifest for tag in entry.get("RepoTags") or []}


def load(path: Path) -> list[str]:
    """Load an archive made by :func:`save`, refusing one that lacks an image."""
    from dplat.engine import daemon

    if not path.is_file():
        raise ImageSetIncomplete(
            f"{path} does not exist", fix="Give the path of a file made by `dplat images save`."
        )
    wanted = [image.tag for image in IMAGES]
    missing = sorted(set(wanted) - archive_tags(path))
    if missing:
        raise ImageSetIncomplete(f"{path} lacks {', '.join(missing)}; nothing was loaded")
    daemon.client()  # an engine answers (else EngineNotRunning): `docker load` needs one
    result = faults.run(["docker", "load", "-i", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise ImageSetIncomplete(f"`docker load` could not read {path}: {result.stderr.strip()}")
    return wanted
